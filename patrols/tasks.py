from datetime import timedelta

from celery import shared_task
from django.utils import timezone


@shared_task(ignore_result=True)
def coverage_today() -> int:
    """Every 10 minutes (beat): today's coverage from the tracks uploaded so far."""
    from patrols.services import compute_coverage

    return compute_coverage(timezone.localdate())


@shared_task(ignore_result=True)
def coverage_yesterday() -> int:
    """After midnight: yesterday's figures with every late batch in."""
    from patrols.services import compute_coverage

    return compute_coverage(timezone.localdate() - timedelta(days=1))
