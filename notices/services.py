"""Notices as work arrives: written in the writer's transaction (cases.signals.events_recorded), so a
notice exists exactly when its work does — a rolled back dispatch notifies nobody, a committed one
cannot be lost. The unique `Notice.key` (kind, event, recipient) and `Delivery` (notice, channel) make a
repeat harmless. Sending happens after commit, from the outbox (notices/outbox.py)."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from cases.models import Notification
from notices.models import Channel, Delivery, Notice
from notices.routing import Arrival, arrivals, inbox_users


def on_events_recorded(sender, events, **kwargs) -> None:
    made = [notice for event in events for notice in record_notices(event)]
    if made:
        transaction.on_commit(_kick, robust=True)


def _kick() -> None:
    from notices.tasks import send_notices

    send_notices.delay()


def channels_for(*, user_id=None, department_id=None, escalation: bool = False):
    owner = Q(user_id=user_id) if user_id else Q(department_id=department_id)
    return Channel.objects.filter(owner, is_active=True, escalation=escalation)


def notify(
    *,
    kind: str,
    key: str,
    title: str,
    body: str = "",
    link: str = "",
    user_id: int | None = None,
    department_id: int | None = None,
) -> Notice | None:
    """A notice of work that is not a case, for the apps above this one (campaigns calls it when a task
    falls due): inbox, channels and outbox as for a case's notice, `link` (a site path) naming the work.
    Call it inside the transaction that changed the work; `key` (unique) makes a repeat do nothing and
    returns None. No escalation ladder: its last rung is a 督办 on a case."""
    arrival = Arrival(kind, title, user_id=user_id, department_id=department_id)
    notice = _notice(arrival, key, body, timezone.now(), link=link, escalate=False)
    if notice is not None:
        transaction.on_commit(_kick, robust=True)
    return notice


def record_notices(event) -> list[Notice]:
    now = timezone.now()
    case = event.case
    body = f"{case.category_name} · {case.address or case.grid.code}"
    if event.note:
        body += f"\n{event.note}"
    made = []
    for arrival in arrivals(event):
        recipient = f"u{arrival.user_id}" if arrival.user_id else f"d{arrival.department_id}"
        key = f"{arrival.kind}:{event.pk}:{recipient}"
        notice = _notice(arrival, key, body, now, case=case, event=event)
        if notice is not None:
            made.append(notice)
    return made


def _notice(
    arrival: Arrival, key: str, body: str, now, *, case=None, event=None, link: str = "", escalate=True
) -> Notice | None:
    notice, created = Notice.objects.get_or_create(
        key=key,
        defaults={
            "kind": arrival.kind,
            "case": case,
            "event": event,
            "link": link,
            "user_id": arrival.user_id,
            "department_id": arrival.department_id,
            "title": arrival.title,
            "body": body,
            "created_at": now,
            "escalate_at": now + timedelta(minutes=settings.NOTICES_ESCALATE_MINUTES) if escalate else None,
        },
    )
    if not created:
        return None
    rows = [
        Notification(
            user_id=pk, case=case, link=link, kind=Notification.Kind.INFO, title=arrival.title, body=body
        )
        for pk in inbox_users(arrival)
    ]
    if rows:
        Notification.objects.bulk_create(rows)
        notice.inbox.add(*rows)
    deliver(notice, channels_for(user_id=arrival.user_id, department_id=arrival.department_id), now)
    return notice


def deliver(notice: Notice, channels, now) -> list[Delivery]:
    """One outbox row per channel, held until the channel's quiet hours end."""
    rows = [
        Delivery(notice=notice, channel=channel, next_attempt_at=channel.quiet_until(now) or now)
        for channel in channels
    ]
    return Delivery.objects.bulk_create(rows, ignore_conflicts=True)


def is_read(notice: Notice) -> bool:
    return notice.read_at is not None or notice.inbox.filter(read_at__isnull=False).exists()
