from celery import shared_task
from django.contrib.auth import get_user_model
from django.core.mail import send_mail

from cases.models import Notification
from cases.notifications import case_url


@shared_task(ignore_result=True)
def sweep_deadlines() -> dict:
    """Every minute (beat): flip due steps yellow/red. Safe to run twice at once or to redeliver."""
    from cases.sla import sweep

    result = sweep()
    return {"yellow": result.yellow, "red": result.red}


@shared_task(ignore_result=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_notification_emails(step_id: int, kind: str, user_ids: list[int]) -> int:
    """Email the notices of one threshold to those recipients who have an address."""
    notices = Notification.objects.filter(
        timed_step_id=step_id, kind=kind, user_id__in=user_ids
    ).select_related("case")
    users = get_user_model().objects.in_bulk(user_ids)
    sent = 0
    for notice in notices:
        user = users.get(notice.user_id)
        if user is None or not user.email:
            continue
        send_mail(notice.title, f"{notice.body}\n{case_url(notice.case)}", None, [user.email])
        sent += 1
    return sent


@shared_task(ignore_result=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def process_photos(photo_ids: list[int]) -> int:
    """Decode, strip, re-encode and thumbnail the photos a request stored (cases/photos.py)."""
    from cases.photos import process_case_photo

    return sum(process_case_photo(pk) for pk in photo_ids)


@shared_task(ignore_result=True)
def process_pending_photos(older_than_seconds: int = 60, limit: int = 200) -> int:
    """Every minute (beat): photos whose task never reached a queue (a broker outage) are done here."""
    from datetime import timedelta

    from django.utils import timezone

    from cases.models import CasePhoto
    from cases.photos import process_case_photo

    before = timezone.now() - timedelta(seconds=older_than_seconds)
    ids = CasePhoto.objects.filter(processed_at__isnull=True, created_at__lt=before).values_list(
        "pk", flat=True
    )
    return sum(process_case_photo(pk) for pk in list(ids[:limit]))
