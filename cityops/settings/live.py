"""The live wall (live/) and the notices when work arrives (notices/)."""

from celery.schedules import crontab

from core.env import env_int, env_str

from .worker import CELERY_BEAT_SCHEDULE

# How long the live feed keeps its rows: a screen back within this resumes where it left off.
LIVE_KEEP_HOURS = env_int("LIVE_KEEP_HOURS", 24)
CELERY_BEAT_SCHEDULE["live-prune"] = {"task": "live.tasks.prune_live_events", "schedule": 3600.0}

# Notices (notices/): unread this long climbs one rung of the ladder (SMS, then 督办).
NOTICES_ESCALATE_MINUTES = env_int("NOTICES_ESCALATE_MINUTES", 30)
# The SMS provider class (notices/senders.py SmsProvider): the default writes to the log.
NOTICES_SMS_PROVIDER = env_str("NOTICES_SMS_PROVIDER", "notices.senders.LogSmsProvider")
NOTICES_TIMEOUT_SECONDS = env_int("NOTICES_TIMEOUT_SECONDS", 5)
NOTICES_MAX_ATTEMPTS = env_int("NOTICES_MAX_ATTEMPTS", 12)  # 30 s doubling, capped at 30 min: ~4 h
NOTICES_BACKOFF_SECONDS = env_int("NOTICES_BACKOFF_SECONDS", 30)
NOTICES_BACKOFF_MAX_SECONDS = env_int("NOTICES_BACKOFF_MAX_SECONDS", 1800)
# A campaign task's 责任单位 and 责任人 hear of it this many days before its 时间节点 (and again when it is
# overdue); campaigns/sweep.py, run by the campaigns-sweep beat task.
CAMPAIGN_TASK_DUE_NOTICE_DAYS = env_int("CAMPAIGN_TASK_DUE_NOTICE_DAYS", 1)
CELERY_BEAT_SCHEDULE.update(
    {
        "notices-send": {"task": "notices.tasks.send_notices", "schedule": 20.0, "options": {"expires": 60}},
        "notices-escalate": {"task": "notices.tasks.escalate_notices", "schedule": 60.0},
        "notices-digest": {"task": "notices.tasks.send_daily_digest", "schedule": crontab(hour=8, minute=0)},
    }
)
