"""Celery side of hotline intake. Each task is safe to run twice or at once: the work claims its rows."""

from celery import shared_task


@shared_task(ignore_result=True)
def process_hotline_ticket(ticket_id: int) -> str:
    from cases.intake.hotline import process_ticket

    return process_ticket(ticket_id)


@shared_task(ignore_result=True)
def requeue_hotline_tickets() -> int:
    """Beat: enqueue tickets that were stored but never processed (broker down, worker lost)."""
    from cases.intake.hotline import requeue_stale

    return requeue_stale()


@shared_task(ignore_result=True)
def push_hotline_outbox() -> dict:
    """Beat: post due 受理 / 办结 / 退单 rows to the hotlines' webhooks."""
    from cases.intake.outbox import send_due

    result = send_due()
    return {"sent": result.sent, "retry": result.retry, "failed": result.failed}
