"""The live wall (live/) and the notices (notices/)."""

from core.env import env_int

from .worker import CELERY_BEAT_SCHEDULE

# How long the live feed keeps its rows: a screen back within this resumes where it left off.
LIVE_KEEP_HOURS = env_int("LIVE_KEEP_HOURS", 24)
CELERY_BEAT_SCHEDULE["live-prune"] = {"task": "live.tasks.prune_live_events", "schedule": 3600.0}
