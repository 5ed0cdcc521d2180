"""Celery: the broker (a folder for the demo, Redis in production) and every beat entry, in one place."""

from celery.schedules import crontab

from core.env import env_bool, env_int, env_url

from .base import TIME_ZONE, VAR_DIR

# Celery: the embedded default is kombu's filesystem transport, which needs no server (make demo);
# production sets CELERY_BROKER_URL=redis://…
_BROKER_DIR = VAR_DIR / "broker"
CELERY_BROKER_URL = env_url("CELERY_BROKER_URL", "filesystem://", ("filesystem", "redis", "rediss", "memory"))
if CELERY_BROKER_URL.startswith("filesystem"):
    for sub in ("in", "processed", "control"):
        (_BROKER_DIR / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_BROKER_DIR / "in"),
        "data_folder_out": str(_BROKER_DIR / "in"),
        "processed_folder": str(_BROKER_DIR / "processed"),
        # Broadcast (control) messages would otherwise land in ./control of whatever directory we run in.
        "control_folder": str(_BROKER_DIR / "control"),
        "store_processed": False,
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE: dict = {
    # Deadlines are columns, not broker timers: a sweep every minute flips what is due (cases/sla.py).
    "sweep-deadlines": {"task": "cases.tasks.sweep_deadlines", "schedule": 60.0},
    # Photos are processed by a task queued after the report's commit; this catches any that missed it.
    "process-pending-photos": {"task": "cases.tasks.process_pending_photos", "schedule": 60.0},
    # /healthz's worker and beat checks (cityops/health.py). Expiring: a worker back after an outage
    # skips the backlog of old heartbeats instead of running each one.
    "heartbeat": {"task": "cityops.tasks.heartbeat", "schedule": 60.0, "options": {"expires": 120}},
}
# Workers log through LOGGING below (JSON lines with the task id), not through Celery's own format.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Celery's Django fixup closes the database connection before and after every task unless told to
# reuse it: a new PostgreSQL backend (a fork, authentication, cold caches) per hotline ticket, 14 a
# second at ten times a peak day. Reused instead, for this many tasks (counted twice, before and after
# each task); cityops/celery.py retires broken or old (CONN_MAX_AGE) ones as requests do.
CELERY_DB_REUSE_MAX = env_int("CELERY_DB_REUSE_MAX", 1000)
# Hotline tickets are stored before any broker sees them; these beats are the safety net that turns
# every stored ticket into a case and every status change into a push, whatever the broker did.
# Not autodiscovered: autodiscovery only finds <app>.tasks.
CELERY_IMPORTS = ["cases.intake.tasks", "cases.suggest.tasks"]
CELERY_BEAT_SCHEDULE.update(
    {
        "hotline-requeue-tickets": {"task": "cases.intake.tasks.requeue_hotline_tickets", "schedule": 60.0},
        "hotline-push-outbox": {"task": "cases.intake.tasks.push_hotline_outbox", "schedule": 30.0},
    }
)
# KPI rollups (kpi/rollup.py): the cells touched since the last run every 5 minutes, and yesterday
# whole at 00:30 to catch anything a run read before its transaction committed.
CELERY_BEAT_SCHEDULE.update(
    {
        "kpi-rollup-incremental": {"task": "kpi.tasks.rollup_incremental", "schedule": 300.0},
        "kpi-rollup-nightly": {"task": "kpi.tasks.rollup_nightly", "schedule": crontab(hour=0, minute=30)},
    }
)
# The category suggester (cases/suggest) learns from the day's filed cases and choices every night, at
# a quiet hour; a night with too few filed cases keeps the model it has.
CELERY_BEAT_SCHEDULE["suggester-retrain"] = {
    "task": "cases.suggest.tasks.retrain_suggester",
    "schedule": crontab(hour=2, minute=40),
}
# Campaigns (campaigns/sweep.py): open the 回头看 whose time has come, light overdue tasks, 挂号 items and
# hazards. Their deadlines are columns, so a sweep every 5 minutes is all the timing they need.
CELERY_BEAT_SCHEDULE["campaigns-sweep"] = {"task": "campaigns.tasks.sweep", "schedule": 300.0}
# 门前三包 credit scores recover with time without a violation (enforcement/credit.py, issue #20).
CELERY_BEAT_SCHEDULE["enforcement-credit-scores"] = {
    "task": "enforcement.tasks.refresh_credit_scores",
    "schedule": crontab(hour=1, minute=10),
}
