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
