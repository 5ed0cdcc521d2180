"""Integration admin (issue #22.5): API keys issued, rotated and revoked with the secret shown once, and the
hotline inbox and outbox retried and resent — every action in the admin's audit trail."""

import re

import pytest
from django.db import connection
from django.utils import timezone

from cases import apikeys, services
from cases.intake import hotline, outbox
from cases.models import ApiClient, HotlineOutbox, HotlineTicket
from core.audit import AdminAudit
from tests.cases.test_hotline import ticket_body
from tests.security.sec_support import signed_in

pytestmark = pytest.mark.usefixtures("fast_passwords", "media_root")
URL = "/api/v1/hotline/tickets/"


@pytest.fixture
def admin(world):
    world.p.admin.is_staff = True
    world.p.admin.save(update_fields=["is_staff"])
    return signed_in(world.p.admin)


def shown_keys(response) -> list[str]:
    return re.findall(r"data-api-key>([^<]+)<", response.content.decode())


def post_ticket(api, world, key, ticket_no):
    body = {**ticket_body(world, ticket_no=ticket_no), "received_at": timezone.now().isoformat()}
    return api.post(URL, body, format="json", HTTP_X_API_KEY=key)


def test_a_key_is_shown_once_never_stored_and_works(world, admin, api):
    response = admin.post(
        "/admin/cases/apiclient/add/",
        {
            "name": "12345 热线平台",
            "kind": "hotline",
            "channel": "12345",
            "webhook_url": "",
            "is_active": "on",
        },
    )
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    (key,) = shown_keys(response)
    client = ApiClient.objects.get(name="12345 热线平台")
    assert client.key_hash == apikeys.digest(key) and client.key_prefix == key[:8]
    # Not in clear anywhere in the row, nor in the audit trail.
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM cases_apiclient WHERE id = %s", [client.pk])
        assert key not in repr(cursor.fetchone())
    (added,) = AdminAudit.objects.filter(model="cases.apiclient", action="add")
    assert key not in repr(added.after) and "webhook_secret" in added.after
    assert added.after["webhook_secret"].startswith("已隐藏")
    # The change page never shows it again.
    page = admin.get(f"/admin/cases/apiclient/{client.pk}/change/").content.decode()
    assert key not in page and key[:8] in page
    assert post_ticket(api, world, key, "K-1").status_code == 202


def test_a_hotline_client_needs_a_hotline_channel(world, admin):
    response = admin.post(
        "/admin/cases/apiclient/add/",
        {"name": "未知热线", "kind": "hotline", "channel": "777", "is_active": "on"},
    )
    assert response.status_code == 200 and "已启用热线来源渠道" in response.content.decode()
    assert not ApiClient.objects.filter(name="未知热线").exists()


def test_rotating_stops_the_old_key_at_once_and_revoking_stops_the_client(world, admin, api):
    client = ApiClient.objects.create(name="12345", kind="hotline", channel="12345", api_key="old-key-12345")
    assert post_ticket(api, world, "old-key-12345", "R-1").status_code == 202
    response = admin.post(
        "/admin/cases/apiclient/", {"action": "rotate_keys", "_selected_action": [client.pk]}
    )
    (new_key,) = shown_keys(response)
    assert new_key != "old-key-12345"
    assert post_ticket(api, world, "old-key-12345", "R-2").status_code == 401
    assert post_ticket(api, world, new_key, "R-3").status_code == 202
    admin.post("/admin/cases/apiclient/", {"action": "revoke_keys", "_selected_action": [client.pk]})
    assert post_ticket(api, world, new_key, "R-4").status_code == 401
    client.refresh_from_db()
    assert not client.is_active and client.revoked_at is not None
    trail = list(AdminAudit.objects.filter(model="cases.apiclient", object_pk=str(client.pk)).order_by("id"))
    assert [a.message for a in trail] == ["轮换 API 密钥", "吊销 API 密钥"]
    assert "key_hash" in trail[0].after and trail[1].after["is_active"] is False
    assert all(new_key not in repr(a.before) + repr(a.after) for a in trail)


def test_a_rotated_webhook_secret_signs_the_pushes(world, admin):
    client = ApiClient.objects.create(name="12345", kind="hotline", channel="12345", webhook_url="http://x/")
    response = admin.post(
        "/admin/cases/apiclient/", {"action": "rotate_webhook_secrets", "_selected_action": [client.pk]}
    )
    (secret,) = re.findall(r"data-webhook-secret>([^<]+)<", response.content.decode())
    client.refresh_from_db()
    assert client.webhook_secret == secret
    assert (
        AdminAudit.objects.get(model="cases.apiclient", message="轮换回推签名密钥").after["webhook_secret"]
        != secret
    )


def outbox_row(world, state):
    ApiClient.objects.create(name="12345", kind="hotline", channel="12345", webhook_url="http://127.0.0.1:9/")
    body = {**ticket_body(world, ticket_no=f"O-{state}"), "received_at": timezone.now()}
    ticket, _ = hotline.receive(data=body, raw={})
    hotline.process_ticket(ticket.pk)
    ticket.refresh_from_db()
    services.case_send_verify(case=ticket.case, actor=world.p.operator)
    row = HotlineOutbox.objects.get(ticket=ticket)
    HotlineOutbox.objects.filter(pk=row.pk).update(
        state=state, attempts=10, sent_at=timezone.now() if state == "sent" else None
    )
    return row


def test_retry_puts_a_failed_push_back_in_line_now_and_is_audited(world, admin):
    row = outbox_row(world, "failed")
    admin.post("/admin/cases/hotlineoutbox/", {"action": "retry", "_selected_action": [row.pk]})
    row.refresh_from_db()
    assert (row.state, row.attempts) == ("pending", 0) and row.next_attempt_at <= timezone.now()
    (entry,) = AdminAudit.objects.filter(model="cases.hotlineoutbox", object_pk=str(row.pk))
    assert (entry.before["state"], entry.after["state"]) == ("failed", "pending")
    assert entry.actor_username == world.p.admin.username


def test_resend_sends_a_sent_message_again_with_the_same_idempotency_key(world, admin, monkeypatch):
    row = outbox_row(world, "sent")
    sent = []
    monkeypatch.setattr(outbox, "deliver", lambda url, body, **kw: sent.append(body))
    admin.post("/admin/cases/hotlineoutbox/", {"action": "resend", "_selected_action": [row.pk]})
    assert outbox.send_due().sent == 1
    assert sent[0]["event_id"] == row.payload["event_id"] == row.event_id
    (entry,) = AdminAudit.objects.filter(model="cases.hotlineoutbox", object_pk=str(row.pk))
    assert (entry.before["state"], entry.after["state"]) == ("sent", "pending")
    # A pending row is left alone by both actions (nothing to retry or resend).
    admin.post("/admin/cases/hotlineoutbox/", {"action": "retry", "_selected_action": [row.pk]})
    assert AdminAudit.objects.filter(model="cases.hotlineoutbox").count() == 1


def test_a_failed_ticket_is_retried_from_the_admin(world, admin):
    body = {**ticket_body(world, ticket_no="FAIL-1"), "received_at": timezone.now()}
    ticket, _ = hotline.receive(data=body, raw={})
    HotlineTicket.objects.filter(pk=ticket.pk).update(state="failed", attempts=5, last_error="boom")
    admin.post("/admin/cases/hotlineticket/", {"action": "retry", "_selected_action": [ticket.pk]})
    ticket.refresh_from_db()
    assert ticket.state in ("received", "done")  # back in line (an eager worker may have taken it already)
    (entry,) = AdminAudit.objects.filter(model="cases.hotlineticket", object_pk=str(ticket.pk))
    assert entry.before["state"] == "failed"


def test_the_inbox_hides_the_caller_from_the_admin(world, admin):
    body = {**ticket_body(world, ticket_no="PRIV-1"), "received_at": timezone.now()}
    ticket, _ = hotline.receive(data=body, raw={})
    page = admin.get(f"/admin/cases/hotlineticket/{ticket.pk}/change/").content.decode()
    assert "PRIV-1" in page and "13900001111" not in page
