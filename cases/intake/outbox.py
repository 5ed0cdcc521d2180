"""Back to the hotline: 受理, 办结 and 退单 of ticket cases, pushed to the channel's webhook; for the
12345 loop (docs/hotline-12345.md) also 签收, 延期申请, 退单申请 and 合并办理, and the original's 办结
for every ticket merged into it.

`record_outbox` runs inside the service's transaction (cases/services/_base.py `_transition`), so a status
change and its outbox row commit together or not at all: a push can be late, never lost. A beat task
(`send_due`) posts due rows; a failure waits base·2ⁿ⁻¹ seconds (capped) before the next try, and after
HOTLINE_PUSH_MAX_ATTEMPTS the row is marked failed for an admin to look at. Delivery is at least once:
the payload carries `message_id` (and `event_id`), the receiver's key for ignoring a repeat. One
ticket's rows go in order: a row waits while an earlier one of its ticket is unsent (pending or failed).
"""

import hashlib
import hmac
import json
import logging
import math
import urllib.request
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from cases.models import (
    ApiClient,
    Case,
    CaseEvent,
    CaseRequest,
    HotlineOutbox,
    HotlineTicket,
    RejectReason,
)
from cases.rules import loop_ticket
from cases.workflow import STATUS_LABELS, Action, Status
from dispatch.calendar import get_calendar

log = logging.getLogger(__name__)
Kind = HotlineOutbox.Kind

# Which actions the hotline hears about. 受理 is the centre taking the ticket on (for hotline sources
# that is sending it for 核实); 退单 is every way a ticket ends without a fix.
KIND_FOR_ACTION = {
    Action.ACCEPT: Kind.ACCEPTED,
    Action.SEND_VERIFY: Kind.ACCEPTED,
    Action.CLOSE: Kind.CLOSED,
    Action.REJECT: Kind.RETURNED,
    Action.REFUSE_FILING: Kind.RETURNED,
    Action.APPROVE_VOID: Kind.RETURNED,
}
# A claimed row is not picked again for this long: a worker that dies mid-post leaves it to the next beat.
LEASE = timedelta(minutes=2)


# The 12345 loop's own messages (only for tickets of HOTLINE_LOOP_CHANNELS).
LOOP_KIND_FOR_ACTION = {
    Action.SIGN: Kind.SIGNED,
    Action.REQUEST_EXTENSION: Kind.EXTENSION_REQUEST,
    Action.REQUEST_HOTLINE_RETURN: Kind.RETURN_REQUEST,
}


def kind_for(event: CaseEvent, *, loop: bool = False) -> str | None:
    if event.action == Action.VERIFY:  # 核实 found no problem: the ticket ends
        return Kind.RETURNED if event.to_status == Status.REJECTED else None
    if loop:
        if event.action == Action.REJECT:  # only a duplicate, for a loop ticket: 合并办理, never 退单
            return Kind.MERGED
        if event.action in LOOP_KIND_FOR_ACTION:
            return LOOP_KIND_FOR_ACTION[event.action]
    return KIND_FOR_ACTION.get(event.action)


def record_outbox(event: CaseEvent) -> list[HotlineOutbox]:
    """The outbox rows for an event the hotline cares about: for the case's own ticket, and, when a case
    closes, the 办结 of every 12345 ticket merged into it (合并办理). Runs in the service's transaction."""
    case = event.case
    rows = []
    if event.action == Action.CLOSE:
        rows += _answer_merged(case, event)
    if not case.hotline_channel:
        return rows
    ticket = loop_ticket(case) or HotlineTicket.objects.filter(case_id=event.case_id).first()
    if ticket is None:  # logged by an agent by hand: no machine on the other side to tell
        return rows
    loop = ticket.channel in settings.HOTLINE_LOOP_CHANNELS
    kind = kind_for(event, loop=loop)
    if kind is None:
        return rows
    rows.insert(0, _row(ticket, event, kind))
    if kind == Kind.MERGED and case.duplicate_of.status == Status.CLOSED:
        # Merged into a case already done: answered 办结 with its result at once.
        closing = case.duplicate_of.events.filter(action=Action.CLOSE).order_by("-at", "-id").first()
        if closing is not None:
            rows.append(_row(ticket, closing, Kind.CLOSED, answered_for=case))
    return rows


def _answer_merged(original: Case, event: CaseEvent) -> list[HotlineOutbox]:
    merged = HotlineTicket.objects.filter(
        case__duplicate_of=original,
        case__status=Status.REJECTED,
        case__reject_reason=RejectReason.DUPLICATE,
        channel__in=settings.HOTLINE_LOOP_CHANNELS,
    ).select_related("case")
    return [_row(ticket, event, Kind.CLOSED, answered_for=ticket.case) for ticket in merged]


def _row(
    ticket: HotlineTicket, event: CaseEvent, kind: str, answered_for: Case | None = None
) -> HotlineOutbox:
    body = payload(ticket, event, kind, answered_for=answered_for)
    return HotlineOutbox.objects.create(
        ticket=ticket, event=event, kind=kind, payload=body, next_attempt_at=event.at
    )


def message_id(ticket: HotlineTicket, event: CaseEvent) -> str:
    """Our message id: one per (event, ticket), the same however often the row is posted."""
    return f"cityops-{event.pk}-{ticket.pk}"


def _result_of(case: Case) -> str:
    """The 办结 text: the last 处置反馈's result (or the closing note)."""
    feedback = case.events.filter(action=Action.SUBMIT_FEEDBACK).order_by("-at", "-id").first()
    return feedback.note if feedback else ""


def payload(ticket: HotlineTicket, event: CaseEvent, kind: str, answered_for: Case | None = None) -> dict:
    """The message body (docs/schemas/hotline-outbound.json). `answered_for`: the merged duplicate a 办结
    of its original answers (the body names the duplicate's own case number and the original)."""
    case = answered_for or event.case
    body = {
        "message_id": message_id(ticket, event),
        "event_id": event.pk,
        "channel": ticket.channel,
        "ticket_no": ticket.ticket_no,
        "kind": kind,
        "kind_label": str(Kind(kind).label),
        "case_number": case.number,
        "status": event.to_status,
        "status_label": str(STATUS_LABELS[Status(event.to_status)]),
        "at": event.at.isoformat(),
        "note": event.note,
    }
    if answered_for is not None:  # a merged ticket answered with its original's 办结
        body["status"] = Status.CLOSED.value
        body["status_label"] = str(STATUS_LABELS[Status.CLOSED])
        body["merged_into"] = event.case.number
    if kind == Kind.CLOSED:
        body["result"] = _result_of(event.case) or event.note
    elif kind == Kind.MERGED:
        body["merged_into"] = case.duplicate_of.number
    elif kind in (Kind.EXTENSION_REQUEST, Kind.RETURN_REQUEST):
        request = CaseRequest.objects.get(pk=event.payload["request"])
        body["request_id"] = request.pk
        body["reason_code"] = request.reason_code or "other"
        body["reason"] = request.reason
        if kind == Kind.EXTENSION_REQUEST:
            hours = request.extension_hours
            per_day = get_calendar().working_minutes_per_day / 60
            body["hours"] = str(hours)
            body["days"] = max(1, math.ceil(hours / per_day))
    elif kind == Kind.SIGNED:
        body["on_time"] = bool(event.payload.get("on_time", True))
    if kind == Kind.RETURNED:
        body["reason"] = case.reject_reason or ("void" if event.action == Action.APPROVE_VOID else "")
        body["reason_label"] = (
            str(RejectReason(case.reject_reason).label) if case.reject_reason else "案件已作废"
        )
        if case.duplicate_of_id:
            body["duplicate_of"] = case.duplicate_of.number
    return body


# ---------------------------------------------------------------- sending


class PushFailed(Exception):
    pass


def deliver(url: str, body: dict, *, secret: str, timeout: float) -> None:
    """POST the JSON body; anything but 2xx raises. Signed with the client's key so it can check us."""
    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    signature = hmac.new(secret.encode(), data, hashlib.sha256).hexdigest()
    request = urllib.request.Request(
        url,
        data=data,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "X-CityOps-Event": str(body.get("event_id", "")),
            "X-CityOps-Message": str(body.get("message_id", "")),
            "X-CityOps-Signature": f"sha256={signature}",
        },
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - admin-set URL
        if not 200 <= response.status < 300:
            raise PushFailed(f"HTTP {response.status}")


def backoff(attempts: int) -> timedelta:
    seconds = settings.HOTLINE_PUSH_BACKOFF_SECONDS * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, settings.HOTLINE_PUSH_BACKOFF_MAX_SECONDS))


@dataclass
class PushResult:
    sent: int = 0
    retry: int = 0
    failed: int = 0


def send_due(*, now=None, limit: int = 200) -> PushResult:
    """Post every due row of channels that have a webhook; rows of other channels wait (pull only)."""
    now = now or timezone.now()
    clients = {
        c.channel: c
        for c in ApiClient.objects.filter(kind=ApiClient.Kind.HOTLINE, is_active=True).exclude(webhook_url="")
    }
    result = PushResult()
    if not clients:
        return result
    # Unsent earlier rows hold the later ones back, a failed one too (until an admin resends it).
    earlier_pending = HotlineOutbox.objects.filter(
        ticket_id=OuterRef("ticket_id"), id__lt=OuterRef("id")
    ).exclude(state=HotlineOutbox.State.SENT)
    with transaction.atomic():
        rows = list(
            HotlineOutbox.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(state=HotlineOutbox.State.PENDING, next_attempt_at__lte=now, ticket__channel__in=clients)
            # One ticket's events go in order: 办结 never overtakes a 受理 that is still retrying.
            .exclude(Exists(earlier_pending))
            .select_related("ticket")
            .order_by("next_attempt_at", "id")[:limit]
        )
        HotlineOutbox.objects.filter(pk__in=[r.pk for r in rows]).update(next_attempt_at=now + LEASE)
    for row in rows:
        _push(row, clients[row.ticket.channel], now, result)
    return result


def _push(row: HotlineOutbox, client: ApiClient, now, result: PushResult) -> None:
    attempts = row.attempts + 1
    try:
        deliver(
            client.webhook_url,
            row.payload,
            secret=client.webhook_secret or settings.HOTLINE_WEBHOOK_SECRET,
            timeout=settings.HOTLINE_PUSH_TIMEOUT_SECONDS,
        )
    except Exception as exc:  # network, HTTP status, timeout: all mean "try again later"
        gave_up = attempts >= settings.HOTLINE_PUSH_MAX_ATTEMPTS
        HotlineOutbox.objects.filter(pk=row.pk).update(
            attempts=attempts,
            last_error=f"{type(exc).__name__}: {exc}"[:1000],
            state=HotlineOutbox.State.FAILED if gave_up else HotlineOutbox.State.PENDING,
            next_attempt_at=now + backoff(attempts),
        )
        log.warning("热线回推失败 %s（第 %s 次）：%s", row, attempts, exc)
        if gave_up:
            result.failed += 1
        else:
            result.retry += 1
        return
    HotlineOutbox.objects.filter(pk=row.pk).update(
        attempts=attempts, state=HotlineOutbox.State.SENT, sent_at=timezone.now(), last_error=""
    )
    result.sent += 1


# ---------------------------------------------------------------- by hand (the admin's retry and resend)


def retry(rows) -> list[HotlineOutbox]:
    """Failed rows → pending, due now, with a fresh count of attempts (the last error is kept to read)."""
    with transaction.atomic():
        locked = list(
            HotlineOutbox.objects.select_for_update().filter(pk__in=rows, state=HotlineOutbox.State.FAILED)
        )
        now = timezone.now()
        for row in locked:
            row.state, row.attempts, row.next_attempt_at = HotlineOutbox.State.PENDING, 0, now
            row.save(update_fields=["state", "attempts", "next_attempt_at"])
    return locked


def resend(rows) -> list[HotlineOutbox]:
    """Sent rows → pending again, due now, with the same payload: its `event_id` is the receiver's key
    for telling the repeat from a new message, so a resend never counts twice on their side."""
    with transaction.atomic():
        locked = list(
            HotlineOutbox.objects.select_for_update().filter(pk__in=rows, state=HotlineOutbox.State.SENT)
        )
        now = timezone.now()
        for row in locked:
            row.state, row.attempts, row.next_attempt_at = HotlineOutbox.State.PENDING, 0, now
            row.save(update_fields=["state", "attempts", "next_attempt_at"])
    return locked
