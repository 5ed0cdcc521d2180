"""From the case log to every wall: the publishing side of the live feed (docs/architecture.md, "The wall").

`cases.signals.events_recorded` is sent inside the writer's transaction. Nothing is published before that
transaction commits (a wall must never show a report that was rolled back): on commit the events become
`LiveEvent` rows in one INSERT — the feed's sequence, from which any web process can replay — and, when
Redis is configured, one PUBLISH on LIVE_CHANNEL wakes the feed readers of every web process at once
(live/hub.py). Without Redis (the SQLite demo) the readers poll the table twice a second instead.
"""

import logging

from django.conf import settings
from django.db import transaction
from django.urls import reverse

from cases.models import OPEN_STATES, Case, TimedStep
from cases.workflow import EVENT_LABELS, STATUS_LABELS, Action
from live.models import LiveEvent

log = logging.getLogger(__name__)
LIVE_CHANNEL = "cityops:live"
_SENTINEL = 987654321987


def on_events_recorded(sender, events, **kwargs) -> None:
    rows = [(e.case_id, e.action, e.to_status, e.at) for e in events]
    # robust: the writer's action has committed already; a feed that fails must not turn it into an error.
    transaction.on_commit(lambda: publish(rows), robust=True)


def publish(rows: list[tuple]) -> list[LiveEvent]:
    """Write the committed events as feed rows and wake the readers. Returns the rows written."""
    case_ids = {row[0] for row in rows}
    cases = {c.pk: c for c in Case.objects.filter(pk__in=case_ids).select_related("department")}
    lights = dict(
        TimedStep.objects.filter(case_id__in=case_ids, finished_at__isnull=True).values_list(
            "case_id", "light"
        )
    )
    url = reverse("case-detail", args=[_SENTINEL])
    actions = {a.value: str(label) for a, label in EVENT_LABELS.items()}
    statuses = {s.value: str(label) for s, label in STATUS_LABELS.items()}
    feed = []
    for case_id, action, to_status, at in rows:
        case = cases.get(case_id)
        if case is None:
            continue
        feed.append(
            LiveEvent(
                kind="case",
                case_id=case_id,
                department_id=case.department_id,
                grid_id=case.grid_id,
                data={
                    "case": case_id,
                    "number": case.number,
                    "url": url.replace(str(_SENTINEL), str(case_id)),
                    "action": action,
                    "action_label": actions.get(action, action),
                    "new": action == Action.REPORT,
                    "status": to_status,
                    "status_label": statuses.get(to_status, to_status),
                    "open": to_status in OPEN_STATES,
                    "category": case.category_name,
                    "address": case.address,
                    "department": case.department.name if case.department_id else "",
                    "lng": case.lng,
                    "lat": case.lat,
                    "light": lights.get(case_id, ""),
                    "at": at.isoformat(),
                },
            )
        )
    if not feed:
        return []
    LiveEvent.objects.bulk_create(feed)
    wake(max(row.pk for row in feed))
    return feed


def wake(last_id: int) -> None:
    """Tell every web process's feed reader that rows up to last_id exist (best effort: they also poll)."""
    if not settings.REDIS_URL:
        return
    try:
        client().publish(LIVE_CHANNEL, str(last_id))
    except Exception as exc:  # Redis down: the readers' slow poll still finds the rows
        log.warning("实时事件唤醒失败：%s", exc)


_client = None


def client():
    global _client
    if _client is None:
        import redis

        _client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
    return _client
