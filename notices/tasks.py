from celery import shared_task

from notices import digest, escalation, outbox


@shared_task(ignore_result=True)
def send_notices() -> dict:
    """Post the due deliveries (kicked when notices commit; beat runs it too, as the safety net)."""
    return outbox.send_due().__dict__


@shared_task(ignore_result=True)
def escalate_notices() -> dict:
    return escalation.escalate_due()


@shared_task(ignore_result=True)
def send_daily_digest() -> int:
    queued = digest.send_digest()
    outbox.send_due()
    return queued
