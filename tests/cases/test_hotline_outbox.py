"""Back to the hotline: 受理 / 办结 / 退单 rows in the outbox, pushed with retries and backoff."""

import hashlib
import hmac
import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.utils import timezone

from cases import services as s
from cases.intake import hotline, outbox
from cases.models import ApiClient, HotlineOutbox
from tests.cases.conftest import photo
from tests.cases.test_hotline import KEYS, make_clients, ticket_body

pytestmark = pytest.mark.usefixtures("fast_passwords", "media_root")


@pytest.fixture
def hook(world, settings):
    # The generic webhook (受理 / 办结 / 退单); the 12345 接诉即办 loop, where the centre decides 退单,
    # is tests/cases/test_hotline_loop.py.
    settings.HOTLINE_LOOP_CHANNELS = []
    world.clients = make_clients(webhook="http://127.0.0.1:9/hook")
    return world


def ticket_case(world, ticket_no="T0001"):
    body = ticket_body(world, ticket_no=ticket_no)
    body["received_at"] = timezone.now()
    ticket, _ = hotline.receive(data=body, raw={})
    assert hotline.process_ticket(ticket.pk) == "done"
    ticket.refresh_from_db()
    return ticket.case


def kinds():
    return list(HotlineOutbox.objects.order_by("id").values_list("kind", flat=True))


def test_accept_and_close_go_to_the_outbox_once_each(hook):
    p = hook.p
    case = ticket_case(hook)
    assert kinds() == []  # 上报 itself is not news to the hotline: it sent the ticket
    case = s.case_send_verify(case=case, actor=p.operator)
    case = s.case_verify(case=case, actor=p.inspector, confirmed=True, photos=[photo()])
    case = s.case_file(case=case, actor=p.shift_leader)
    case = s.case_dispatch(case=case, actor=p.dispatcher, department=hook.office)
    case = s.case_submit_feedback(case=case, actor=p.department, result="已清运", photos=[photo()])
    case = s.case_check(case=case, actor=p.inspector, passed=True, photos=[photo()])
    s.case_close(case=case, actor=p.shift_leader, note="已清理完毕")
    assert kinds() == ["accepted", "closed"]
    closed = HotlineOutbox.objects.get(kind="closed").payload
    assert (closed["ticket_no"], closed["status"], closed["case_number"]) == ("T0001", "closed", case.number)
    assert closed["note"] == "已清理完毕" and closed["event_id"]


@pytest.mark.parametrize("how", ["reject", "not_confirmed", "refuse_filing", "void"])
def test_every_way_a_ticket_ends_unfixed_is_a_return_with_its_reason(hook, how):
    p = hook.p
    case = ticket_case(hook)
    if how == "reject":
        s.case_reject(case=case, actor=p.operator, reason="out_of_scope")
    else:
        case = s.case_send_verify(case=case, actor=p.operator)
        if how == "not_confirmed":
            s.case_verify(case=case, actor=p.inspector, confirmed=False, photos=[photo()])
        elif how == "refuse_filing":
            case = s.case_verify(case=case, actor=p.inspector, confirmed=True, photos=[photo()])
            s.case_refuse_filing(case=case, actor=p.shift_leader, reason="属于物业管理范围")
        else:
            s.case_request_void(case=case, actor=p.operator, reason="市民撤诉")
            s.case_approve_void(case=case, actor=p.shift_leader)
    returned = HotlineOutbox.objects.get(kind="returned").payload
    assert returned["reason"] and returned["reason_label"]


def test_agent_logged_cases_have_no_machine_to_tell(hook):
    from tests.cases.conftest import hotline_report

    s.case_send_verify(case=hotline_report(hook), actor=hook.p.operator)
    assert kinds() == []


def test_a_failing_webhook_is_retried_with_exponential_backoff(hook, monkeypatch, settings):
    settings.HOTLINE_PUSH_BACKOFF_SECONDS = 30
    settings.HOTLINE_PUSH_MAX_ATTEMPTS = 3
    s.case_reject(case=ticket_case(hook), actor=hook.p.operator, reason="invalid")
    calls = []

    def down(url, body, *, secret, timeout):
        calls.append(url)
        raise OSError("connection refused")

    monkeypatch.setattr(outbox, "deliver", down)
    now = timezone.now() + timedelta(seconds=1)
    assert outbox.send_due(now=now).retry == 1
    row = HotlineOutbox.objects.get()
    assert (row.attempts, row.state, row.next_attempt_at) == (1, "pending", now + timedelta(seconds=30))
    assert "connection refused" in row.last_error
    assert outbox.send_due(now=now + timedelta(seconds=29)).retry == 0  # not due yet
    assert outbox.send_due(now=now + timedelta(seconds=30)).retry == 1
    row.refresh_from_db()
    assert (row.attempts, row.next_attempt_at) == (2, now + timedelta(seconds=90))  # 30 s, then 60 s
    assert outbox.send_due(now=now + timedelta(seconds=90)).failed == 1
    assert HotlineOutbox.objects.get().state == "failed" and len(calls) == 3


def test_success_marks_the_row_sent_and_later_events_wait_their_turn(hook, monkeypatch):
    p = hook.p
    case = s.case_send_verify(case=ticket_case(hook), actor=p.operator)
    s.case_request_void(case=case, actor=p.operator, reason="撤诉")
    s.case_approve_void(case=case, actor=p.shift_leader)
    sent = []
    monkeypatch.setattr(outbox, "deliver", lambda url, body, **kw: sent.append(body["kind"]))
    later = timezone.now() + timedelta(seconds=1)
    HotlineOutbox.objects.filter(kind="accepted").update(next_attempt_at=later + timedelta(minutes=5))
    assert outbox.send_due(now=later).sent == 0  # 退单 never overtakes the 受理 still waiting
    assert outbox.send_due(now=later + timedelta(minutes=5)).sent == 1
    assert outbox.send_due(now=later + timedelta(minutes=5)).sent == 1
    assert sent == ["accepted", "returned"]
    assert set(HotlineOutbox.objects.values_list("state", flat=True)) == {"sent"}


def test_channels_without_a_webhook_keep_their_rows_for_later(hook):
    ApiClient.objects.filter(channel="12345").update(webhook_url="")
    s.case_reject(case=ticket_case(hook), actor=hook.p.operator, reason="invalid")
    assert outbox.send_due(now=timezone.now() + timedelta(seconds=1)).sent == 0
    assert HotlineOutbox.objects.get().state == "pending"


def test_a_real_local_webhook_receives_a_signed_post(hook):
    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((body, self.headers["X-CityOps-Signature"]))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        ApiClient.objects.filter(channel="12345").update(
            webhook_url=f"http://127.0.0.1:{server.server_port}/"
        )
        s.case_reject(case=ticket_case(hook), actor=hook.p.operator, reason="invalid")
        assert outbox.send_due(now=timezone.now() + timedelta(seconds=1)).sent == 1
    finally:
        server.shutdown()
        server.server_close()
    ((body, signature),) = received
    assert json.loads(body)["kind"] == "returned"
    expected = hmac.new(KEYS["12345"].encode(), body, hashlib.sha256).hexdigest()
    assert signature == f"sha256={expected}"
    assert HotlineOutbox.objects.get().state == "sent"
