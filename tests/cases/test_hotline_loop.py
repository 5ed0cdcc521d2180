"""The 12345 接诉即办 loop against the hotline centre simulator (tooling/hotline/centre.py), over HTTP:
派单 → 签收 → 延期 (approved) → 退单 (denied) → 办结 → 回访 不满意 → 重办 → 办结 again; a duplicate merged
(合并办理) and answered 办结 with the original's result; every centre message idempotent; the centre down
for an hour loses nothing. Messages both ways are checked against the published schemas (docs/schemas)."""

import json
import math
from datetime import timedelta
from pathlib import Path

import jsonschema
import pytest
from django.conf import settings
from django.utils import timezone

from cases import services as s
from cases.errors import ActionRefused
from cases.intake import duplicates, hotline, outbox
from cases.models import (
    ApiClient,
    Case,
    CaseEvent,
    CaseRequest,
    DuplicateSuspect,
    HotlineMessage,
    HotlineOutbox,
    HotlineTicket,
)
from cases.workflow import Action, Status
from dispatch.calendar import get_calendar
from tests.cases.conftest import photo
from tests.cases.test_hotline import ticket_body
from tooling.hotline.centre import HotlineCentre, Policy, signature

pytestmark = pytest.mark.usefixtures("fast_passwords", "media_root")
KEY = "loop-key-12345"
SCHEMAS = Path(settings.BASE_DIR) / "docs" / "schemas"


@pytest.fixture
def centre(tx_world, live_server):
    sim = HotlineCentre(live_server.url, KEY, policy=Policy(satisfaction=["unsatisfied", "satisfied"]))
    url = sim.start()
    ApiClient.objects.create(
        name="12345 中心", kind=ApiClient.Kind.HOTLINE, channel="12345", api_key=KEY, webhook_url=url
    )
    tx_world.centre = sim
    yield sim
    sim.stop()


def dispatch(world, ticket_no, **overrides) -> Case:
    body = ticket_body(world, ticket_no=ticket_no, **overrides)
    body["received_at"] = timezone.now().isoformat()
    body.pop("channel")
    status, answer = world.centre.dispatch(body)
    assert status == 202, answer
    hotline.process_pending()
    ticket = HotlineTicket.objects.get(ticket_no=ticket_no)
    assert ticket.state == "done" and ticket.sign_due_at is not None
    return ticket.case


def pump(world, now=None):
    """Our outbox posts what is due (one row per ticket a pass, in order); the centre answers by its policy."""
    while outbox.send_due(now=now).sent:
        pass
    return world.centre.answer()


def to_progress(world, case) -> Case:
    p = world.p
    case = s.case_send_verify(case=case, actor=p.operator)
    case = s.case_verify(case=case, actor=p.inspector, confirmed=True, photos=[photo()])
    case = s.case_file(case=case, actor=p.shift_leader)
    return s.case_dispatch(case=case, actor=p.dispatcher, department=world.office)


def finish(world, case, result) -> Case:
    p = world.p
    case = s.case_submit_feedback(case=case, actor=p.department, result=result, photos=[photo()])
    case = s.case_check(case=case, actor=p.inspector, passed=True, photos=[photo()])
    return s.case_close(case=case, actor=p.shift_leader)


def test_the_full_loop_against_the_centre(centre, tx_world):
    world, p = tx_world, tx_world.p
    case = dispatch(world, "L0001")

    # 签收, within its limit.
    s.case_sign(case=case, actor=p.operator)
    pump(world)
    assert centre.pushes("L0001") == [("L0001", "signed")]
    assert centre.received[0]["on_time"] is True
    with pytest.raises(ActionRefused):
        s.case_sign(case=case, actor=p.operator)  # once

    case = to_progress(world, case)
    due_before = case.steps.get(finished_at__isnull=True).due_at

    # 延期: the department asks; the dispatcher may not decide it; the centre approves.
    s.case_request_extension(
        case=case, actor=p.department, reason="需更换设施", hours=8, reason_code="construction"
    )
    with pytest.raises(ActionRefused, match="12345"):
        s.case_approve_extension(case=case, actor=p.dispatcher)
    answered = pump(world)
    assert [(k, st) for k, st, _b in answered] == [("extension_decision", 200)]
    case.refresh_from_db()
    assert case.extension_count == 1
    assert case.steps.get(finished_at__isnull=True).due_at > due_before
    approval = case.events.get(action=Action.APPROVE_EXTENSION)
    assert approval.actor_role == "system" and approval.payload["message_id"].startswith("M")
    pushed = next(m for m in centre.received if m["kind"] == "extension_request")
    per_day = get_calendar().working_minutes_per_day / 60  # working hours in a working day
    assert (pushed["reason_code"], pushed["days"]) == ("construction", math.ceil(8 / per_day))

    # 退单: asked with a reason code, denied by the centre: work goes on.
    s.case_request_hotline_return(
        case=case, actor=p.dispatcher, reason_code="out_of_scope", reason="疑似物业范围"
    )
    pump(world)
    case.refresh_from_db()
    assert case.status == Status.IN_PROGRESS
    assert case.requests.get(kind=CaseRequest.Kind.HOTLINE_RETURN).state == CaseRequest.State.DENIED

    # A duplicate ticket meanwhile: merged (合并办理), never 退单.
    dup = dispatch(world, "L0002", description="门口垃圾没人管")
    suspect = DuplicateSuspect.objects.get(case=dup, original=case)
    duplicates.confirm(suspect=suspect, actor=p.operator)
    pump(world)
    assert centre.pushes("L0002") == [("L0002", "merged")]
    assert not HotlineOutbox.objects.filter(ticket__ticket_no="L0002", kind="returned").exists()

    # 办结 with the result; 回访 不满意 with a 重办 order reopens the case.
    case = finish(world, case, "已清运并更换垃圾桶")
    answered = pump(world)
    closed = [m for m in centre.received if m["kind"] == "closed"]
    assert {m["ticket_no"]: m["result"] for m in closed} == {
        "L0001": "已清运并更换垃圾桶",
        "L0002": "已清运并更换垃圾桶",  # the merged ticket, answered with the original's result
    }
    assert next(m for m in closed if m["ticket_no"] == "L0002")["merged_into"] == case.number
    assert [(k, st) for k, st, _b in answered] == [("callback", 200)]  # the merged one is not called back
    case.refresh_from_db()
    assert (case.status, case.satisfaction, case.reopen_count) == (Status.PENDING_DISPATCH, "unsatisfied", 1)
    assert case.events.filter(action=Action.REOPEN).get().payload["message_id"]

    # Done again; 满意 this time.
    case = s.case_dispatch(case=case, actor=p.dispatcher, department=world.office)
    case = finish(world, case, "二次清运，已加装围挡")
    pump(world)
    case.refresh_from_db()
    assert (case.status, case.satisfaction, case.reopen_count) == (Status.CLOSED, "satisfied", 1)
    ours = list(
        HotlineOutbox.objects.filter(ticket__ticket_no="L0001").order_by("id").values_list("kind", flat=True)
    )
    assert [k for _t, k in centre.pushes("L0001")] == ours
    assert ours == ["signed", "accepted", "extension_request", "return_request", "closed", "closed"]
    assert centre.bad_signatures == 0

    # The ticket pull shows the loop.
    from rest_framework.test import APIClient

    api = APIClient()
    loop = api.get("/api/v1/hotline/tickets/12345/L0001/", HTTP_X_API_KEY=KEY).json()["loop"]
    assert (
        loop["stage"] == "called_back" and loop["satisfaction"] == "satisfied" and loop["reopen_count"] == 1
    )
    assert {m["kind"] for m in loop["messages"] if m["direction"] == "in"} == {
        "dispatch",
        "extension_decision",
        "return_decision",
        "callback",
    }
    merged = api.get("/api/v1/hotline/tickets/12345/L0002/", HTTP_X_API_KEY=KEY).json()["loop"]
    assert merged["stage"] == "merged" and merged["merged_into"] == case.number

    # Every message both ways is what the published schemas say.
    inbound = json.loads((SCHEMAS / "hotline-inbound.json").read_text())
    outbound = json.loads((SCHEMAS / "hotline-outbound.json").read_text())
    for message, _status, _answer in centre.sent:
        jsonschema.validate(message, inbound)
    for push in centre.received:
        jsonschema.validate(push, outbound)

    # Idempotency: every centre message sent again gets its first answer and changes nothing.
    events_before = CaseEvent.objects.count()
    stored = HotlineMessage.objects.count()
    for message, status, answer in list(centre.sent):
        again_status, again = centre.send(
            message["kind"], **{k: v for k, v in message.items() if k != "kind"}
        )
        assert (again_status, again) == (status, answer), message["kind"]
    assert CaseEvent.objects.count() == events_before
    assert HotlineMessage.objects.count() == stored
    assert HotlineTicket.objects.count() == 2


def test_an_approved_return_ends_the_case_as_the_centre_decides(centre, tx_world):
    world, p = tx_world, tx_world.p
    centre.policy.approve_return = True
    centre.policy.return_counted = False
    case = dispatch(world, "R0001")
    # Local ways to end a 12345 ticket unfixed are refused: only the centre grants a 退单.
    with pytest.raises(ActionRefused, match="退单"):
        s.case_reject(case=case, actor=p.operator, reason="out_of_scope")
    with pytest.raises(ActionRefused, match="退单"):
        s.case_request_void(case=case, actor=p.operator, reason="误报")
    s.case_request_hotline_return(
        case=case, actor=p.operator, reason_code="not_our_district", reason="属于邻区"
    )
    pump(world)
    case.refresh_from_db()
    ticket = HotlineTicket.objects.get(ticket_no="R0001")
    assert (case.status, case.reject_reason, ticket.return_counted) == (
        Status.REJECTED,
        "out_of_scope",
        False,
    )
    assert centre.pushes("R0001") == [("R0001", "return_request")]  # the centre decided: nothing to tell it


def test_refused_messages_are_clear_and_not_kept(centre, tx_world):
    world = tx_world
    status, answer = centre.send("callback", ticket_no="NOPE", satisfaction="satisfied")
    assert status == 404 and answer["field"] == "ticket_no"
    case = dispatch(world, "E0001")
    # A decision with nothing pending: 409, not stored, so the same id can come again later.
    status, answer = centre.send("extension_decision", message_id="X1", ticket_no="E0001", approved=True)
    assert status == 409 and "延期" in answer["detail"]
    assert not HotlineMessage.objects.filter(message_id="X1").exists()
    status, answer = centre.send("callback", ticket_no="E0001", satisfaction="great")
    assert status == 400 and answer["field"] == "satisfaction"
    status, answer = centre.send("teleport", ticket_no="E0001")
    assert status == 400 and answer["field"] == "kind"
    # A wrong signature is refused before anything is read.
    import urllib.error
    import urllib.request

    data = json.dumps(
        {"message_id": "S1", "kind": "callback", "ticket_no": "E0001", "satisfaction": "satisfied"}
    ).encode()
    request = urllib.request.Request(
        world.centre.base_url + "/api/v1/hotline/messages/",
        data=data,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "X-Api-Key": KEY,
            "X-Hotline-Signature": signature("wrong", data),
        },
    )
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(request)  # noqa: S310
    assert err.value.code == 401
    assert Case.objects.get(pk=case.pk).satisfaction == ""


def test_an_hour_without_the_centre_loses_nothing_and_catches_up_in_order(centre, tx_world):
    world, p = tx_world, tx_world.p
    a, b = dispatch(world, "O0001"), dispatch(world, "O0002")
    centre.down = True
    s.case_sign(case=a, actor=p.operator)
    s.case_sign(case=b, actor=p.operator)
    a = to_progress(world, a)
    s.case_request_extension(case=a, actor=p.department, reason="等待材料", hours=16, reason_code="approval")
    s.case_request_hotline_return(case=b, actor=p.operator, reason_code="out_of_scope", reason="不属于城管")
    start = timezone.now()
    minute = 0
    while minute <= 60:  # the centre unreachable for an hour: our beat keeps trying
        outbox.send_due(now=start + timedelta(minutes=minute))
        minute += 1
    assert centre.received == [] and centre.deliveries > 4
    assert not HotlineOutbox.objects.filter(state=HotlineOutbox.State.FAILED).exists()
    assert HotlineOutbox.objects.filter(state=HotlineOutbox.State.PENDING).count() == 5

    centre.down = False
    later = start + timedelta(minutes=61)
    for step in range(0, 12 * 60, 5):  # the backoff's next tries come round
        outbox.send_due(now=later + timedelta(minutes=step))
        if not HotlineOutbox.objects.exclude(state=HotlineOutbox.State.SENT).exists():
            break
    assert not HotlineOutbox.objects.exclude(state=HotlineOutbox.State.SENT).exists()
    for ticket_no in ("O0001", "O0002"):
        ours = list(
            HotlineOutbox.objects.filter(ticket__ticket_no=ticket_no)
            .order_by("id")
            .values_list("kind", flat=True)
        )
        assert [k for _t, k in centre.pushes(ticket_no)] == ours
    assert [k for _t, k in centre.pushes("O0001")] == ["signed", "accepted", "extension_request"]
    assert [k for _t, k in centre.pushes("O0002")] == ["signed", "return_request"]
    # The centre now decides what waited: the extension approved, the return denied.
    centre.answer()
    assert Case.objects.get(pk=a.pk).extension_count == 1
    assert Case.objects.get(pk=b.pk).status == Status.REPORTED


def test_the_hotline_centre_command_sends_tickets_and_takes_its_webhook(tx_world, live_server):
    from django.core.management import call_command

    client = ApiClient.objects.create(
        name="12345 中心", kind=ApiClient.Kind.HOTLINE, channel="12345", api_key=KEY
    )
    call_command("hotline_centre", url=live_server.url, listen="127.0.0.1:0", tickets=2, seconds=0.5)
    client.refresh_from_db()
    assert client.webhook_url.startswith("http://127.0.0.1:")
    received = HotlineMessage.objects.filter(kind="dispatch", status_code=202)
    assert received.count() == 2
    assert HotlineTicket.objects.filter(channel="12345").count() == 2
