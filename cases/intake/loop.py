"""The 12345 接诉即办 loop (docs/domain.md §13, docs/hotline-12345.md): the centre's messages in, and
where each ticket stands.

In: 派单 (a ticket), 延期审批, 退单审批, 回访结果 and 重办, each a signed JSON message with the centre's
`message_id`. A message is stored with our answer in the same transaction as its effect, so the same
id sent again gets the first answer and changes nothing; the row is inserted first, so a copy racing
the original waits on the unique index and then reads the original's answer. A message refused (bad
input, a ticket not known yet, a decision with nothing pending) is not stored: it may be sent again.

Out: 签收, 延期申请, 退单申请, 合并办理, 办结 (cases/intake/outbox.py), in order per ticket.
"""

import hashlib
import hmac

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.errors import ActionError, ActionForbidden, InvalidInput
from cases.models import (
    CaseRequest,
    HotlineMessage,
    HotlineOutbox,
    HotlineTicket,
    RejectReason,
    Satisfaction,
)
from cases.workflow import SYSTEM, Status
from dispatch.calendar import Unit, get_calendar

Kind = HotlineMessage.Kind
SIGNATURE_HEADER = "X-Hotline-Signature"
# What the centre may score (未联系上 is not a 回访 result it sends).
CENTRE_SATISFACTION = [
    Satisfaction.SATISFIED.value,
    Satisfaction.BASICALLY_SATISFIED.value,
    Satisfaction.UNSATISFIED.value,
]


class MessageRefused(Exception):
    """A message we cannot apply now; answered with `status` and not stored."""

    def __init__(self, status: int, detail: str, field: str | None = None):
        super().__init__(detail)
        self.status, self.detail, self.field = status, detail, field

    def body(self) -> dict:
        body = {"detail": self.detail}
        if self.field:
            body["field"] = self.field
        return body


# ---------------------------------------------------------------- signing


def sign(secret: str, data: bytes) -> str:
    """The signature header's value for a body: HMAC-SHA256 with the shared webhook secret, as our pushes."""
    return "sha256=" + hmac.new(secret.encode(), data, hashlib.sha256).hexdigest()


def signature_ok(secret: str, data: bytes, header: str) -> bool:
    return hmac.compare_digest(sign(secret, data), (header or "").strip())


# ---------------------------------------------------------------- 签收 clock


def sign_due(start):
    """签收 is due HOTLINE_SIGN_LIMIT_HOURS working hours after the ticket arrived (dispatch/calendar.py)."""
    return get_calendar().add(start, settings.HOTLINE_SIGN_LIMIT_HOURS, Unit.WORKING_HOURS)


def in_loop(ticket: HotlineTicket) -> bool:
    return ticket.channel in settings.HOTLINE_LOOP_CHANNELS


# ---------------------------------------------------------------- messages in


def receive_message(*, client, body: dict) -> tuple[int, dict]:
    """Apply one centre message (already authenticated and signature-checked); (HTTP status, answer)."""
    message_id, kind = _common(body)
    with transaction.atomic():
        try:
            with transaction.atomic():
                message = HotlineMessage.objects.create(
                    channel=client.channel, message_id=message_id, kind=kind, body=body, status_code=0
                )
        except IntegrityError:
            stored = HotlineMessage.objects.get(channel=client.channel, message_id=message_id)
            return stored.status_code, stored.response
        try:
            with transaction.atomic():
                status, answer, ticket = HANDLERS[kind](client, body, message_id)
        except MessageRefused as exc:
            transaction.set_rollback(True)  # not kept: the centre may send it again
            return exc.status, exc.body()
        answer = {"message_id": message_id, "kind": kind, **answer}
        message.ticket, message.status_code, message.response = ticket, status, answer
        message.save(update_fields=["ticket", "status_code", "response"])
        return status, answer


def _has_nul(value) -> bool:
    """A NUL anywhere in the message (PostgreSQL's jsonb and text refuse \\u0000)."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def _common(body) -> tuple[str, str]:
    if not isinstance(body, dict):
        raise MessageRefused(400, _("报文须为 JSON 对象"))
    if _has_nul(body):
        raise MessageRefused(400, _("报文不能包含空字符（\\u0000）"))
    message_id = body.get("message_id")
    if not isinstance(message_id, str) or not message_id.strip() or len(message_id) > 64:
        raise MessageRefused(400, _("message_id 须为 1 至 64 个字符的字符串"), "message_id")
    kind = body.get("kind")
    if kind not in Kind.values:
        raise MessageRefused(
            400, _("kind 须为 %(choices)s 之一") % {"choices": ", ".join(Kind.values)}, "kind"
        )
    return message_id.strip(), kind


def _text(body, name: str, *, required: bool = False, limit: int = 2000) -> str:
    value = body.get(name, "")
    if value is None:
        value = ""
    if not isinstance(value, str) or len(value) > limit:
        raise MessageRefused(
            400, _("%(name)s 须为不超过 %(limit)d 个字符的字符串") % {"name": name, "limit": limit}, name
        )
    if required and not value.strip():
        raise MessageRefused(400, _("请提供 %(name)s") % {"name": name}, name)
    return value.strip()


def _flag(body, name: str, default: bool | None = None) -> bool:
    value = body.get(name, default)
    if not isinstance(value, bool):
        raise MessageRefused(400, _("%(name)s 须为 true 或 false") % {"name": name}, name)
    return value


def _ticket_case(client, body):
    ticket_no = _text(body, "ticket_no", required=True, limit=64)
    ticket = HotlineTicket.objects.filter(channel=client.channel, ticket_no=ticket_no).first()
    if ticket is None:
        raise MessageRefused(404, _("工单 %(no)s 不存在") % {"no": ticket_no}, "ticket_no")
    if not in_loop(ticket):
        raise MessageRefused(409, _("%(channel)s 渠道不在接诉即办闭环中") % {"channel": ticket.channel})
    if ticket.case_id is None:
        raise MessageRefused(409, _("工单 %(no)s 尚未立卷，请稍后重发") % {"no": ticket_no}, "ticket_no")
    return ticket, ticket.case


def _act(service, **kwargs):
    try:
        return service(actor=SYSTEM, **kwargs)
    except InvalidInput as exc:
        raise MessageRefused(400, exc.message, exc.field) from None
    except ActionForbidden as exc:
        raise MessageRefused(403, exc.message) from None
    except ActionError as exc:
        raise MessageRefused(409, exc.message) from None


def _dispatch(client, body, message_id):
    from cases.intake import hotline
    from cases.intake.serializers import HotlineTicketInSerializer

    data = HotlineTicketInSerializer(data=body.get("ticket"))
    if not isinstance(body.get("ticket"), dict):
        raise MessageRefused(400, _("派单须包含工单对象 ticket"), "ticket")
    if not data.is_valid():
        field, errors = next(iter(data.errors.items()))
        raise MessageRefused(400, f"ticket.{field}: {errors[0]}", f"ticket.{field}")
    if data.validated_data["channel"] != client.channel:
        raise MessageRefused(403, _("该 API 密钥属于 %(c)s 渠道") % {"c": client.channel}, "ticket.channel")
    ticket, created = hotline.receive(data=data.validated_data, raw=body["ticket"])
    return (202 if created else 200), {"ticket": hotline.ticket_status(ticket)}, ticket


def _extension_decision(client, body, message_id):
    from cases.services import case_approve_extension, case_deny_extension

    ticket, case = _ticket_case(client, body)
    approved = _flag(body, "approved")
    note = _text(body, "note") or (_("12345 热线中心批准延期") if approved else _("12345 热线中心驳回延期"))
    service = case_approve_extension if approved else case_deny_extension
    _act(service, case=case, note=note, message_id=message_id)
    return 200, {"ticket": loop_state(ticket)}, ticket


def _return_decision(client, body, message_id):
    from cases.services import case_approve_hotline_return, case_deny_hotline_return

    ticket, case = _ticket_case(client, body)
    approved = _flag(body, "approved")
    note = _text(body, "note") or (
        _("12345 热线中心同意退单") if approved else _("12345 热线中心不同意退单，请继续办理")
    )
    if approved:
        counted = _flag(body, "counted", True)
        _act(case_approve_hotline_return, case=case, note=note, message_id=message_id, counted=counted)
    else:
        _act(case_deny_hotline_return, case=case, note=note, message_id=message_id)
    return 200, {"ticket": loop_state(ticket)}, ticket


def _callback(client, body, message_id):
    from cases.services import case_callback

    ticket, case = _ticket_case(client, body)
    satisfaction = body.get("satisfaction")
    if satisfaction not in CENTRE_SATISFACTION:
        raise MessageRefused(
            400,
            _("satisfaction 须为 %(choices)s 之一") % {"choices": ", ".join(CENTRE_SATISFACTION)},
            "satisfaction",
        )
    if case.status == Status.REJECTED and case.reject_reason == RejectReason.DUPLICATE:
        raise MessageRefused(409, _("该工单已合并办理，请对原工单回访"), "ticket_no")
    _act(case_callback, case=case, satisfaction=satisfaction, note=_text(body, "note"), message_id=message_id)
    if body.get("reopen") is not None and _flag(body, "reopen"):
        if satisfaction != Satisfaction.UNSATISFIED:
            raise MessageRefused(409, _("只有回访不满意的工单可以重办"), "reopen")
        _reopen_case(case, body, message_id)
    return 200, {"ticket": loop_state(ticket)}, ticket


def _reopen(client, body, message_id):
    ticket, case = _ticket_case(client, body)
    if case.satisfaction != Satisfaction.UNSATISFIED:
        raise MessageRefused(409, _("只有回访不满意的工单可以重办"), "ticket_no")
    _reopen_case(case, body, message_id)
    return 200, {"ticket": loop_state(ticket)}, ticket


def _reopen_case(case, body, message_id):
    from cases.services import case_reopen

    reason = _text(body, "reason") or _("12345 回访不满意，热线中心要求重办")
    _act(case_reopen, case=case, reason=reason, message_id=message_id)


HANDLERS = {
    Kind.DISPATCH: _dispatch,
    Kind.EXTENSION_DECISION: _extension_decision,
    Kind.RETURN_DECISION: _return_decision,
    Kind.CALLBACK: _callback,
    Kind.REOPEN: _reopen,
}


# ---------------------------------------------------------------- where a ticket stands


class Stage:
    RECEIVED = "received"
    AWAITING_SIGN = "awaiting_sign"
    IN_HAND = "in_hand"
    EXTENSION_PENDING = "extension_pending"
    RETURN_PENDING = "return_pending"
    RETURNED = "returned"
    MERGED = "merged"
    ANSWERED = "answered"
    CALLED_BACK = "called_back"


STAGE_LABELS = {
    Stage.RECEIVED: _("已接收，待立卷"),
    Stage.AWAITING_SIGN: _("待签收"),
    Stage.IN_HAND: _("办理中"),
    Stage.EXTENSION_PENDING: _("延期待中心审批"),
    Stage.RETURN_PENDING: _("退单待中心审批"),
    Stage.RETURNED: _("已退单"),
    Stage.MERGED: _("已合并办理"),
    Stage.ANSWERED: _("已办结，待回访"),
    Stage.CALLED_BACK: _("已回访"),
}


def loop_state(ticket: HotlineTicket, *, now=None) -> dict:
    """The ticket's place in the loop, its clocks, pending centre decisions and every message both ways
    (the pull endpoint and the case page's 12345 panel)."""
    now = now or timezone.now()
    case = ticket.case
    pending = []
    if case is not None:
        for request in case.requests.filter(
            state=CaseRequest.State.PENDING,
            kind__in=[CaseRequest.Kind.EXTENSION, CaseRequest.Kind.HOTLINE_RETURN],
        ).order_by("requested_at"):
            pending.append(
                {
                    "kind": request.kind,
                    "kind_label": str(request.get_kind_display()),
                    "reason_code": request.reason_code,
                    "reason": request.reason,
                    "requested_at": request.requested_at.isoformat(),
                }
            )
    stage = _stage(ticket, case, pending)
    messages = [
        {
            "direction": "in",
            "kind": m.kind,
            "kind_label": str(m.get_kind_display()),
            "message_id": m.message_id,
            "at": m.received_at.isoformat(),
            "state": str(m.status_code),
        }
        for m in ticket.messages.order_by("received_at", "id")
    ] + [
        {
            "direction": "out",
            "kind": o.kind,
            "kind_label": str(o.get_kind_display()),
            "message_id": o.payload.get("message_id", ""),
            "at": o.created_at.isoformat(),
            "state": o.state,
        }
        for o in ticket.outbox.order_by("id")
    ]
    messages.sort(key=lambda m: m["at"])
    return {
        "stage": stage,
        "stage_label": str(STAGE_LABELS[stage]),
        "sign_due_at": ticket.sign_due_at.isoformat() if ticket.sign_due_at else None,
        "signed_at": ticket.signed_at.isoformat() if ticket.signed_at else None,
        "sign_overdue": bool(ticket.sign_due_at and (ticket.signed_at or now) > ticket.sign_due_at),
        "satisfaction": (case.satisfaction or None) if case else None,
        "reopen_count": case.reopen_count if case else 0,
        "extension_count": case.extension_count if case else 0,
        "merged_into": case.duplicate_of.number if case and case.duplicate_of_id else None,
        "return_counted": ticket.return_counted,
        "pending": pending,
        "messages": messages,
    }


def _stage(ticket, case, pending) -> str:
    if case is None:
        return Stage.RECEIVED
    if case.status == Status.REJECTED:
        return Stage.MERGED if case.reject_reason == RejectReason.DUPLICATE else Stage.RETURNED
    if case.status == Status.CLOSED:
        return Stage.CALLED_BACK if case.satisfaction else Stage.ANSWERED
    kinds = {p["kind"] for p in pending}
    if CaseRequest.Kind.HOTLINE_RETURN in kinds:
        return Stage.RETURN_PENDING
    if CaseRequest.Kind.EXTENSION in kinds:
        return Stage.EXTENSION_PENDING
    return Stage.IN_HAND if ticket.signed_at else Stage.AWAITING_SIGN


LOOP_PREVIEW = 20  # rows of each list on the page


def awaiting_centre(now=None, limit: int = LOOP_PREVIEW) -> dict:
    """12345 tickets waiting on the centre or on us: unsigned (oldest due first) and pending decisions,
    for the hotline agent's and dispatcher's page. One query: the loop's tickets that are unsigned or
    have a pending 延期/退单 or an unsent push, each with its first pending request and the loop's count
    of unsent pushes as subqueries (no row: nothing waits and nothing is unsent)."""
    from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, Subquery, Value, When
    from django.db.models.functions import Coalesce

    open_statuses = [s.value for s in Status if s not in (Status.CLOSED, Status.REJECTED, Status.VOIDED)]
    channels_in_loop = list(settings.HOTLINE_LOOP_CHANNELS)
    waiting = CaseRequest.objects.filter(
        case_id=OuterRef("case_id"),
        state=CaseRequest.State.PENDING,
        kind__in=[CaseRequest.Kind.EXTENSION, CaseRequest.Kind.HOTLINE_RETURN],
    ).order_by("requested_at", "pk")
    unsent = HotlineOutbox.objects.filter(ticket__channel__in=channels_in_loop).exclude(
        state=HotlineOutbox.State.SENT
    )
    # GROUP BY a constant: the count as a one-column subquery.
    unsent_total = unsent.order_by().annotate(one=Value(1)).values("one").annotate(n=Count("pk")).values("n")
    is_unsigned = Q(signed_at__isnull=True, case__status__in=open_statuses)
    rows = list(
        HotlineTicket.objects.filter(channel__in=channels_in_loop)
        .annotate(
            pending_kind=Subquery(waiting.values("kind")[:1]),
            pending_at=Subquery(waiting.values("requested_at")[:1]),
            has_unsent=Exists(unsent.filter(ticket_id=OuterRef("pk"))),
            unsent_total=Coalesce(Subquery(unsent_total, output_field=IntegerField()), 0),
            # Rows of the two lists first; a ticket only waiting on a push last (it carries the count).
            rank=Case(When(is_unsigned | Q(pending_kind__isnull=False), then=0), default=1),
        )
        .filter(is_unsigned | Q(pending_kind__isnull=False) | Q(has_unsent=True))
        .select_related("case")
        .only("channel", "ticket_no", "sign_due_at", "signed_at", "case__number", "case__status")
        # Enough for both lists in practice (each shows `limit`); a backlog beyond it is a page of its own.
        .order_by("rank", "sign_due_at", "pk")[: 10 * limit]
    )
    unsigned = [t for t in rows if t.signed_at is None and t.case and t.case.status in open_statuses][:limit]
    kinds = dict(CaseRequest.Kind.choices)
    pending = sorted(
        (
            {
                "ticket": t,
                "kind": t.pending_kind,
                "kind_label": kinds.get(t.pending_kind, ""),
                "at": t.pending_at,
            }
            for t in rows
            if t.pending_kind
        ),
        key=lambda p: p["at"],
    )[:limit]
    count = rows[0].unsent_total if rows else 0
    return {"unsigned": unsigned, "pending": pending, "unsent": count, "now": now or timezone.now()}
