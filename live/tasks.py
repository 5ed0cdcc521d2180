from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from live.models import LiveEvent


@shared_task
def prune_live_events() -> int:
    """Forget feed rows older than LIVE_KEEP_HOURS: a screen offline longer reloads its snapshot."""
    cutoff = timezone.now() - timedelta(hours=settings.LIVE_KEEP_HOURS)
    deleted, _ = LiveEvent.objects.filter(created_at__lt=cutoff).delete()
    return deleted
