"""Notices when work arrives (issue #23 point 2): the inbox, the robots' signed webhooks, the outbox's
retries, bursts merged, quiet hours, the escalation ladder, the daily digest, the case page panel."""

import datetime as dt
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.models import Notification
from cases.workflow import Action
from notices import digest, escalation, outbox
from notices.models import Channel, Delivery, Notice
from notices.senders import dingtalk_sign
from tests.cases.conftest import case_in
from tests.notices.receiver import Receiver

pytestmark = pytest.mark.django_db
SECRET = "SEC0123456789abcdef"


@pytest.fixture
def robot():
    receiver = Receiver(secret=SECRET)
    yield receiver
    receiver.close()


def dingtalk(world, robot, **kw):
    return Channel.objects.create(
        name="街道办钉钉群",
        kind=Channel.Kind.DINGTALK,
        department=world.office,
        webhook_url=f"{robot.base}/robot/send?access_token=tok123",
        secret=SECRET,
        **kw,
    )


def dispatch(world, case=None):
    case = case or case_in(world, "pending_dispatch")
    return services.case_dispatch(case=case, actor=world.p.dispatcher, department=world.office)


def test_a_dispatch_sends_a_signed_notice_to_the_departments_dingtalk_robot(
    world, robot, django_capture_on_commit_callbacks
):
    dingtalk(world, robot)
    with django_capture_on_commit_callbacks(execute=False):
        case = dispatch(world)
    notice = Notice.objects.get(kind=Notice.Kind.DISPATCHED)
    assert notice.department == world.office and notice.case == case
    # In the department's inbox too.
    assert Notification.objects.filter(user=world.p.department, case=case, title__contains="派遣").exists()

    result = outbox.send_due()
    assert (result.messages, result.sent) == (1, 1)
    assert robot.refused == []
    [got] = robot.received
    assert got["query"]["access_token"] == ["tok123"]
    assert case.number in got["message"]["markdown"]["text"]
    assert got["message"]["markdown"]["title"].startswith("【派遣】")
    delivery = Delivery.objects.get()
    assert delivery.state == Delivery.State.SENT and delivery.sent_at

    # Nothing twice: another run finds nothing due.
    assert outbox.send_due().messages == 0
    assert len(robot.received) == 1


def test_a_wrong_secret_is_refused_by_the_robot_and_retried_not_lost(world, robot):
    channel = dingtalk(world, robot)
    channel.secret = "wrong"
    channel.save()
    dispatch(world)
    result = outbox.send_due()
    assert result.retry == 1 and robot.refused == ["sign mismatch"]
    delivery = Delivery.objects.get()
    assert delivery.state == Delivery.State.PENDING and "310000" in delivery.last_error


def test_the_dingtalk_sign_is_the_documented_hmac():
    # HMAC-SHA256 over "timestamp\nsecret", base64, then URL-encoded.
    assert dingtalk_sign("secret", 1700000000000) == "OuzzJR5%2BxZ4%2FEYwqtNt6sMYZQMTa%2FHEGvc9miJe7XzY%3D"


def test_a_channel_that_is_down_gets_it_later_once(world, robot):
    dingtalk(world, robot)
    dispatch(world)
    robot.down = True
    now = timezone.now()
    assert outbox.send_due(now=now).retry == 1
    assert outbox.send_due(now=now + timedelta(seconds=5)).messages == 0  # backing off
    robot.down = False
    later = now + timedelta(minutes=5)
    assert outbox.send_due(now=later).sent == 1
    assert len(robot.received) == 1
    assert Delivery.objects.get().attempts == 2


def test_a_burst_of_dispatches_goes_as_one_merged_robot_message(world, robot):
    dingtalk(world, robot)
    cases = [dispatch(world) for _ in range(4)]
    result = outbox.send_due()
    assert (result.messages, result.sent) == (1, 4)
    [got] = robot.received
    text = got["message"]["markdown"]["text"]
    assert "4 条新通知" in text and all(c.number in text for c in cases)
    assert len(set(Delivery.objects.values_list("batch", flat=True))) == 1


def test_a_robot_over_its_minute_limit_waits_instead_of_being_throttled(world, robot):
    dingtalk(world, robot, per_minute=1)
    dispatch(world)
    now = timezone.now()
    assert outbox.send_due(now=now).messages == 1
    dispatch(world)
    assert outbox.send_due(now=now + timedelta(seconds=1)).throttled == 1
    assert outbox.send_due(now=now + timedelta(seconds=70)).messages == 1
    assert len(robot.received) == 2


def test_wecom_robot_gets_its_markdown_format_at_its_key_url(world, robot):
    Channel.objects.create(
        name="园林企业微信群",
        kind=Channel.Kind.WECOM,
        department=world.office,
        webhook_url=f"{robot.base}/cgi-bin/webhook/send?key=abc-123",
    )
    case = dispatch(world)
    outbox.send_due()
    [got] = robot.received
    assert got["query"]["key"] == ["abc-123"]
    assert case.number in got["message"]["markdown"]["content"]


def test_quiet_hours_hold_a_delivery_until_they_end(world, robot):
    dingtalk(world, robot, quiet_from=dt.time(22, 0), quiet_to=dt.time(7, 0))
    night = timezone.make_aware(dt.datetime(2026, 12, 7, 23, 30))
    with time_machine.travel(night, tick=False):
        dispatch(world)
    delivery = Delivery.objects.get()
    assert timezone.localtime(delivery.next_attempt_at).time() == dt.time(7, 0)
    assert outbox.send_due(now=night + timedelta(hours=1)).messages == 0
    assert outbox.send_due(now=night + timedelta(hours=8)).messages == 1


def test_work_for_people_reaches_their_inbox_and_own_channels(world, sms):
    Channel.objects.create(
        name="王监督员短信", kind=Channel.Kind.SMS, user=world.p.inspector, address="13900000001"
    )
    case = case_in(world, "pending_check")  # the department's 处置反馈: a 核查 for the grid's inspector
    notice = Notice.objects.get(kind=Notice.Kind.CHECK, user=world.p.inspector)
    assert Notification.objects.filter(user=world.p.inspector, title=notice.title).exists()
    outbox.send_due()
    assert sms.sent and sms.sent[0][0] == "13900000001" and case.number in sms.sent[0][1]


def test_a_request_waits_for_the_dispatchers(world):
    case = case_in(world, "in_progress")
    services.case_request_extension(case=case, actor=world.p.department, reason="材料未到", hours=24)
    assert Notice.objects.filter(kind=Notice.Kind.REQUEST, user=world.p.dispatcher).exists()


def test_unread_climbs_the_ladder_sms_then_supervise(world, robot, sms, settings):
    settings.NOTICES_ESCALATE_MINUTES = 30
    dingtalk(world, robot)
    Channel.objects.create(
        name="部门负责人短信",
        kind=Channel.Kind.SMS,
        department=world.office,
        address="13900000002",
        escalation=True,
    )
    case = dispatch(world)
    outbox.send_due()
    assert sms.sent == []  # escalation-only: not used for the first notice
    now = timezone.now()
    assert escalation.escalate_due(now=now + timedelta(minutes=31))["sms"] == 1
    outbox.send_due(now=now + timedelta(minutes=31))
    assert [phone for phone, _ in sms.sent] == ["13900000002"]
    assert escalation.escalate_due(now=now + timedelta(minutes=62))["supervised"] == 1
    case.refresh_from_db()
    assert case.supervise_count == 1
    assert case.events.filter(action=Action.SUPERVISE, actor_role="system").exists()
    # The 督办 notice climbs to SMS only, never to another 督办.
    assert escalation.escalate_due(now=now + timedelta(minutes=93))["supervised"] == 0
    assert escalation.escalate_due(now=now + timedelta(minutes=124))["supervised"] == 0
    case.refresh_from_db()
    assert case.supervise_count == 1


def test_a_read_notice_does_not_climb(world):
    dispatch(world)
    Notification.objects.filter(user=world.p.department).update(read_at=timezone.now())
    counts = escalation.escalate_due(now=timezone.now() + timedelta(hours=1))
    assert counts == {"sms": 0, "supervised": 0, "read": 1}
    assert Notice.objects.get().escalate_at is None


def test_the_leaders_digest_goes_once_a_day(world, robot):
    Channel.objects.create(
        name="区领导钉钉",
        kind=Channel.Kind.DINGTALK,
        user=world.p.supervisor,
        webhook_url=f"{robot.base}/robot/send?access_token=lead",
        secret=SECRET,
        digest=True,
    )
    case_in(world, "in_progress")
    today = timezone.localdate()
    assert digest.send_digest(today) == 1
    assert digest.send_digest(today) == 0
    outbox.send_due()
    [got] = robot.received
    assert (
        "每日汇总" in got["message"]["markdown"]["title"]
        and "在办 1 件" in got["message"]["markdown"]["text"]
    )


def test_the_case_page_shows_the_delivery_state(world, robot, client):
    dingtalk(world, robot)
    case = dispatch(world)
    outbox.send_due()
    client.force_login(world.p.shift_leader)
    page = client.get(reverse("case-detail", args=[case.pk])).content.decode()
    assert "通知投递" in page and "街道办钉钉群" in page and 'data-delivery="sent"' in page
    client.force_login(world.p.inspector)
    page = client.get(reverse("case-detail", args=[case.pk])).content.decode()
    assert "通知投递" not in page


def test_a_rolled_back_dispatch_notifies_nobody(world, robot):
    from django.db import transaction

    dingtalk(world, robot)
    case = case_in(world, "pending_dispatch")
    with pytest.raises(RuntimeError), transaction.atomic():
        dispatch(world, case)
        raise RuntimeError
    assert not Notice.objects.exists() and not Delivery.objects.exists()


def test_the_api_lists_my_notices_and_a_cases_deliveries_for_the_centre(world, robot):
    from rest_framework.test import APIClient

    dingtalk(world, robot)
    case = dispatch(world)
    outbox.send_due()
    api = APIClient()
    api.force_authenticate(world.p.department)
    [mine] = api.get("/api/v1/notices/").json()["results"]
    assert mine["case_number"] == case.number and mine["deliveries"][0]["state"] == "sent"
    assert api.get("/api/v1/notices/", {"case": case.pk}).status_code == 403
    api.force_authenticate(world.p.other_department)
    assert api.get("/api/v1/notices/").json()["results"] == []
    api.force_authenticate(world.p.shift_leader)
    assert len(api.get("/api/v1/notices/", {"case": case.pk}).json()["results"]) == 1


def test_an_email_channel_gets_the_notice_as_plain_text(world, mailoutbox):
    Channel.objects.create(
        name="部门邮箱", kind=Channel.Kind.EMAIL, department=world.office, address="dept@example.cn"
    )
    case = dispatch(world)
    assert outbox.send_due().sent == 1
    [mail] = mailoutbox
    assert mail.to == ["dept@example.cn"] and case.number in mail.subject and "**" not in mail.body
