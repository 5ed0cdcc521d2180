"""Hotline inbox → case (docs/domain.md §2): receive durably, then convert in a task that may run any number of times.

The request only inserts a HotlineTicket row and answers; the broker is told after the commit and may
be down, which costs nothing but time: `requeue_stale` (a beat) enqueues every row still `received`.
Conversion claims the row (`select_for_update(skip_locked)`, state `received` only) and creates the case
in the same transaction as it marks the row `done`, so a crash anywhere leaves either both or neither,
and a second delivery of the task finds nothing to do. The same (channel, ticket number) is one row.
"""

import logging
import threading
from collections import Counter
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from cases import channels, rules
from cases.errors import ActionError, ActionForbidden, ActionRefused, InvalidInput
from cases.intake import classify, gazetteer
from cases.models import Case, HotlineTicket, Satisfaction, Source
from cases.workflow import Action, Status
from core.roles import Role
from grids.locator import InvalidPosition, PointOutsideGrids, locate

log = logging.getLogger(__name__)
State = HotlineTicket.State
# The seeded hotlines; the running system asks the Channel rows (source_for_channel), so a hotline
# added in the admin (400热线) takes tickets without a code change.
SOURCE_FOR_CHANNEL = {"12345": Source.HOTLINE_12345, "8890": Source.HOTLINE_8890}


def source_for_channel(number: str) -> str:
    """The case source (Channel code) of a hotline's tickets; the intake has checked it is active."""
    found = channels.for_hotline_number(number, only_active=False)
    if found is None:
        raise NeedsCategory(channels.unknown_channel_message(number))
    return found.code


class NeedsLocation(Exception):
    """No position, and the address names nothing the gazetteer knows: an operator must place it."""


class NeedsCategory(Exception):
    """The hint matches no category and no fallback is configured."""


# ---------------------------------------------------------------- receiving


def receive(*, data: dict, raw: dict) -> tuple[HotlineTicket, bool]:
    """Store the ticket (or find the one already stored); a new one goes to a worker after the commit."""
    key = {"channel": data["channel"], "ticket_no": data["ticket_no"]}
    fields = {k: v for k, v in data.items() if k not in key}
    try:
        # Inserted first, since nearly every ticket is new; the unique constraint answers a repeat and
        # two deliveries racing each other. Stamped enqueued in the same INSERT: a worker may claim the
        # row the moment the task is published, and a later UPDATE would make `process_ticket` skip the
        # locked row (seen under `make loadtest`: 3 % of tickets left to the requeue beat). One INSERT
        # where a SELECT, a savepoint and an UPDATE went before: this runs 14 times a second at ×10.
        with transaction.atomic():
            ticket = HotlineTicket.objects.create(**key, **fields, raw=raw, enqueued_at=timezone.now())
    except IntegrityError:
        known = HotlineTicket.objects.filter(**key).first()
        if known is None:
            raise  # some other constraint: a real error
        if known.state != State.FAILED:
            return known, False
        return _retry_failed(known, fields, raw)
    # After the commit: a worker must never look for a row it cannot see yet.
    transaction.on_commit(lambda: _publish(ticket.pk))
    return ticket, True


def _retry_failed(known: HotlineTicket, fields: dict, raw: dict) -> tuple[HotlineTicket, bool]:
    """A ticket that failed, sent again: the new copy (a better hint, say) replaces it and is tried
    afresh, so a failure is never the last word (before, the repeat answered the old failure)."""
    with transaction.atomic():
        ticket = HotlineTicket.objects.select_for_update().get(pk=known.pk)
        if ticket.state != State.FAILED:  # another copy got there first
            return ticket, False
        for name, value in fields.items():
            setattr(ticket, name, value)
        ticket.raw, ticket.state, ticket.last_error, ticket.attempts = raw, State.RECEIVED, "", 0
        ticket.enqueued_at, ticket.processed_at = timezone.now(), None
        ticket.save()
    # After the commit: a worker must never look for a row it cannot see yet.
    transaction.on_commit(lambda: _publish(ticket.pk))
    return ticket, True


def enqueue(ticket_id: int) -> bool:
    """Hand the ticket to a worker; False (logged) when the broker is unreachable: the beat retries."""
    # Stamped before the task is out, not after (see `receive`).
    HotlineTicket.objects.filter(pk=ticket_id, state=State.RECEIVED).update(enqueued_at=timezone.now())
    return _publish(ticket_id)


def _publish(ticket_id: int) -> bool:
    from cases.intake.tasks import process_hotline_ticket

    try:
        app = process_hotline_ticket.app
        if app.conf.task_always_eager:
            process_hotline_ticket.apply_async((ticket_id,))
        else:
            process_hotline_ticket.apply_async((ticket_id,), connection=_broker_connection(app), retry=False)
    except Exception as exc:
        log.warning("热线工单 %s 入队失败，等待定时任务重新入队：%s", ticket_id, exc)
        _drop_broker_connection()
        # Never reached a queue: the next beat takes it at once.
        HotlineTicket.objects.filter(pk=ticket_id, state=State.RECEIVED).update(enqueued_at=None)
        return False
    return True


# The intake's own broker connection, one per thread, kept between requests (connecting costs more
# than publishing). No connect or publish retries: kombu would otherwise spend seconds per ticket
# inside the request on a dead broker, and the row is already safe. After a failure it is dropped
# and the next ticket connects afresh.
_local = threading.local()


def _broker_connection(app):
    url = app.conf.broker_write_url or app.conf.broker_url
    cached = getattr(_local, "connection", None)
    if cached is not None and cached[0] == url:
        return cached[1]
    _drop_broker_connection()  # none yet, or one to a broker the settings no longer name
    conn = app.connection_for_write(transport_options={"max_retries": 0})
    _local.connection = (url, conn)
    return conn


def _drop_broker_connection() -> None:
    cached = getattr(_local, "connection", None)
    _local.connection = None
    if cached is not None:
        try:
            cached[1].release()
        except Exception:  # noqa: BLE001 — it is broken already; nothing to save
            pass


def requeue_stale(*, now=None, limit: int = 1000) -> int:
    """Enqueue tickets never processed: still `received`, never enqueued or enqueued too long ago."""
    now = now or timezone.now()
    cutoff = now - timedelta(minutes=settings.HOTLINE_REQUEUE_AFTER_MINUTES)
    stale = (
        HotlineTicket.objects.filter(state=State.RECEIVED)
        .filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=cutoff))
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    queued = 0
    for pk in list(stale):
        if not enqueue(pk):
            break  # the broker is down: the next beat tries again, no point hammering it now
        queued += 1
    return queued


# ---------------------------------------------------------------- converting


def process_ticket(ticket_id: int) -> str:
    """Turn one received ticket into a case. Returns what happened; harmless to call again."""
    with transaction.atomic():
        ticket = (
            HotlineTicket.objects.select_for_update(skip_locked=True)
            .filter(pk=ticket_id, state=State.RECEIVED)
            .first()
        )
        if ticket is None:
            return "skipped"  # done already, parked for an operator, or another worker has it
        return _convert_claimed(ticket)


def process_pending(*, limit: int | None = None) -> Counter:
    """Convert received tickets in this process, oldest first (drains the inbox without a worker)."""
    ids = HotlineTicket.objects.filter(state=State.RECEIVED).order_by("created_at", "pk")
    ids = ids.values_list("pk", flat=True)
    return Counter(process_ticket(pk) for pk in list(ids[:limit] if limit else ids))


def locate_ticket(*, ticket: HotlineTicket | int, actor, lng: float, lat: float) -> HotlineTicket:
    """定位 by an operator: a ticket parked as needs_location gets its position and becomes a case."""
    if not (getattr(actor, "is_active", False) and Role.OPERATOR in actor.roles):
        raise ActionForbidden("只有受理员可以为热线工单补充位置")
    try:
        grid = locate(lng, lat)
    except (InvalidPosition, PointOutsideGrids) as exc:
        raise InvalidInput(str(exc), field="lng") from None
    if problem := rules.district_error(actor, grid.community.street.district_id):
        # An operator of one district places tickets in it; the city's unplaced tickets wait for the
        # operator of the district they lie in, or for city-wide staff (docs/domain.md §13).
        raise ActionForbidden(f"{problem}：位置在{grid.community.street.district.name}")
    pk = ticket.pk if isinstance(ticket, HotlineTicket) else ticket
    with transaction.atomic():
        locked = HotlineTicket.objects.select_for_update().get(pk=pk)
        if locked.state != State.NEEDS_LOCATION:
            raise ActionRefused(f"工单 {locked} 当前状态为「{locked.get_state_display()}」，无需定位")
        locked.lng, locked.lat = float(lng), float(lat)
        if _convert_claimed(locked, located_by=actor) != State.DONE:
            # Rolled back: the ticket stays in the operator's queue, and the operator learns why.
            raise InvalidInput(f"工单仍无法立卷：{locked.last_error}", field="lng")
    return locked


def _convert_claimed(ticket: HotlineTicket, located_by=None) -> str:
    """The claimed row → a case, or a parked/failed row with the reason. Caller holds the row lock."""
    ticket.attempts += 1
    try:
        with transaction.atomic():  # a savepoint: a refused conversion leaves no half-made case
            case = _case_for(ticket, located_by)
    except NeedsLocation as exc:
        _park(ticket, State.NEEDS_LOCATION, str(exc))
    except (NeedsCategory, ActionError) as exc:
        # Data the task cannot fix by trying again: an operator has to look at it.
        _park(ticket, State.FAILED, getattr(exc, "message", str(exc)))
    except Exception as exc:
        log.exception("热线工单 %s 处理出错（第 %s 次）", ticket, ticket.attempts)
        gave_up = ticket.attempts >= settings.HOTLINE_MAX_ATTEMPTS
        _park(ticket, State.FAILED if gave_up else State.RECEIVED, f"{type(exc).__name__}: {exc}")
    else:
        ticket.case = case
        if ticket.channel in settings.HOTLINE_LOOP_CHANNELS and ticket.sign_due_at is None:
            from cases.intake.loop import sign_due

            ticket.sign_due_at = sign_due(ticket.created_at)  # 签收 clock (cases/intake/loop.py)
        _park(ticket, State.DONE, "")
    return ticket.state


def _park(ticket: HotlineTicket, state: str, error: str) -> None:
    ticket.state = state
    ticket.last_error = error[:2000]
    ticket.processed_at = timezone.now()
    ticket.save(
        update_fields=["state", "last_error", "processed_at", "attempts", "case", "lng", "lat", "sign_due_at"]
    )


def _case_for(ticket: HotlineTicket, located_by=None) -> Case:
    from cases.services import case_report  # services imports this package's hooks

    try:
        lng, lat, how = _position(ticket)
        category = classify.classify(
            ticket.category_hint, channel=ticket.channel, description=ticket.description
        )
        if category is None:
            raise NeedsCategory(f"分类「{ticket.category_hint}」无法对应到案件类别，请配置热线分类映射")
        notes = [f"{ticket.channel} 热线工单 {ticket.ticket_no} 自动立卷", how]
        if located_by is not None:
            notes.append(f"位置由 {located_by.get_full_name() or located_by.username} 补充")
        if ticket.photo_urls:
            notes.append("热线照片：" + " ".join(ticket.photo_urls))
        try:
            # case_report locates the case in its grid (and refuses a ticket number it already has):
            # not done here first as well, since this runs for every ticket.
            return case_report(
                actor=intake_user(),
                category=category,
                lng=lng,
                lat=lat,
                description=ticket.description,
                source=source_for_channel(ticket.channel),
                address=ticket.address[:200],
                urgency=ticket.urgency,
                reporter_name=ticket.caller_name or ("匿名来电" if not ticket.caller_phone else ""),
                reporter_phone=ticket.caller_phone,
                hotline_ticket_no=ticket.ticket_no,
                request_nature=ticket.request_nature,
                note="；".join(n for n in notes if n),
            )
        except InvalidInput as exc:
            if exc.field in ("lng", "lat"):  # outside every grid, or no usable position
                raise NeedsLocation(f"{exc.message}，请人工补充位置") from None
            raise
    except (NeedsLocation, NeedsCategory, ActionRefused) as exc:
        # Logged by an agent by hand before the machine copy arrived (or between our steps): one case,
        # whatever this copy lacks.
        if (existing := _existing_case(ticket)) is not None:
            return existing
        raise exc from None


def _existing_case(ticket: HotlineTicket) -> Case | None:
    return Case.objects.filter(hotline_channel=ticket.channel, hotline_ticket_no=ticket.ticket_no).first()


def _position(ticket: HotlineTicket) -> tuple[float, float, str]:
    """The ticket's own position, or its address's (case_report checks it lies in a grid)."""
    if ticket.lng is not None and ticket.lat is not None:
        return ticket.lng, ticket.lat, ""
    found = gazetteer.locate_address(ticket.address)
    if found is None:
        raise NeedsLocation(f"无法根据地址「{ticket.address or '（空）'}」定位，请人工补充位置")
    return found.lng, found.lat, found.describe()


def intake_user():
    """The service account machine intake reports as: events say who, and the hotline role may report."""
    user, created = get_user_model().objects.get_or_create(
        username=settings.HOTLINE_INTAKE_USERNAME, defaults={"first_name": "热线自动接入"}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    if Role.HOTLINE not in user.roles:
        user.groups.add(Group.objects.get_or_create(name=Role.HOTLINE.value)[0])
        user.forget_roles()
    return user


# ---------------------------------------------------------------- status for the hotline


def ticket_status(ticket: HotlineTicket) -> dict:
    """What the hotline sees of its ticket: our state, the case's, and whether 重办 is on offer."""
    case = ticket.case
    body = {
        "id": ticket.pk,
        "channel": ticket.channel,
        "ticket_no": ticket.ticket_no,
        "state": ticket.state,
        "state_label": ticket.get_state_display(),
        "message": ticket.last_error,
        "case_number": None,
        "case_status": None,
        "case_status_label": None,
        "reject_reason": None,
        "duplicate_of": None,
        "satisfaction": None,
        "reopen_offered": False,
        "loop": None,
    }
    if ticket.channel in settings.HOTLINE_LOOP_CHANNELS:
        from cases.intake.loop import loop_state

        body["loop"] = loop_state(ticket)
    if case is None:
        return body
    last_callback = case.events.filter(action=Action.CALLBACK).order_by("-at", "-id").first()
    unsatisfied = (
        bool(last_callback) and last_callback.payload.get("satisfaction") == Satisfaction.UNSATISFIED
    )
    body.update(
        case_number=case.number,
        case_status=case.status,
        case_status_label=str(case.get_status_display()),
        reject_reason=case.reject_reason or None,
        duplicate_of=case.duplicate_of.number if case.duplicate_of_id else None,
        satisfaction=case.satisfaction or None,
        # 不满意 after 结案: the centre offers 重办 (case_reopen by the shift leader).
        reopen_offered=case.status == Status.CLOSED and unsatisfied,
    )
    return body


def tickets_for_operator(states: Iterable[str] | None = None, *, district: int | None = None):
    """The inbox; `district` (a district's staff, docs/domain.md §13): its cases' tickets and the ones
    not yet a case, which have no district until someone places them."""
    qs = HotlineTicket.objects.select_related("case").order_by("created_at", "pk")
    if district is not None:
        qs = qs.filter(Q(case__isnull=True) | Q(case__district_id=district))
    return qs.filter(state__in=list(states)) if states else qs


def retry_failed(tickets) -> list[HotlineTicket]:
    """The admin's retry: failed tickets go back to `received` and to a worker, as if just delivered."""
    with transaction.atomic():
        locked = list(HotlineTicket.objects.select_for_update().filter(pk__in=tickets, state=State.FAILED))
        for ticket in locked:
            ticket.state, ticket.attempts, ticket.enqueued_at = State.RECEIVED, 0, timezone.now()
            ticket.save(update_fields=["state", "attempts", "enqueued_at"])
            transaction.on_commit(lambda pk=ticket.pk: _publish(pk))
    return locked
