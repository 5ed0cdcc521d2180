"""The heartbeat behind /healthz's worker and beat checks (cityops/health.py)."""

import logging

from celery import shared_task
from celery.signals import before_task_publish

from cityops.health import record_heartbeat

logger = logging.getLogger(__name__)

HEARTBEAT_TASK = "cityops.tasks.heartbeat"


@shared_task(name=HEARTBEAT_TASK, ignore_result=True)
def heartbeat() -> None:
    """Sent by beat every minute; running it is the worker's proof of life."""
    record_heartbeat("worker")


@before_task_publish.connect(dispatch_uid="cityops.tasks.beat_heartbeat")
def _beat_heartbeat(sender: str | None = None, **kwargs) -> None:
    # Only beat sends the heartbeat task, so sending it is beat's proof of life, independent of
    # whether any worker is there to run it.
    if sender != HEARTBEAT_TASK:
        return
    try:
        record_heartbeat("beat")
    except Exception:  # a cache outage must not stop beat from sending the task
        logger.warning("could not record the beat heartbeat", exc_info=True)
