"""A campaign task falling due or overdue is told to its 责任单位 and 责任人 through the notices (issue #23
point 2): the inbox linking to the campaign, the department's robot, the person's SMS, once only."""

import datetime as dt
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from campaigns.models import CampaignTask, Event
from campaigns.services import campaigns as svc
from campaigns.sweep import sweep
from cases.models import Notification
from cityops.celery import app as celery_app
from notices import outbox
from notices.models import Channel, Delivery, Notice
from notices.senders import MemorySmsProvider
from tests.notices.receiver import Receiver

pytestmark = pytest.mark.django_db
SECRET = "SECtask0123456789"


@pytest.fixture(autouse=True)
def sms(settings):
    settings.NOTICES_SMS_PROVIDER = "notices.senders.MemorySmsProvider"
    MemorySmsProvider.sent, MemorySmsProvider.fail = [], False
    return MemorySmsProvider


@pytest.fixture
def robot():
    receiver = Receiver(secret=SECRET)
    yield receiver
    receiver.close()


def task_due_in(ctx, days: int, *, person=None) -> CampaignTask:
    task = svc.task_add(
        campaign=ctx.c,
        actor=ctx.office,
        content="背街小巷环境清整",
        deadline=ctx.c.period_end,
        department=ctx.w.office,
        person=person,
    )
    CampaignTask.objects.filter(pk=task.pk).update(deadline=timezone.localdate() + timedelta(days=days))
    task.refresh_from_db()
    return task


def test_a_task_falling_due_reaches_the_units_robot_and_inbox_and_the_persons_sms(ctx, robot):
    Channel.objects.create(
        name="街道办钉钉群",
        kind=Channel.Kind.DINGTALK,
        department=ctx.w.office,
        webhook_url=f"{robot.base}/robot/send?access_token=tok",
        secret=SECRET,
    )
    Channel.objects.create(
        name="王科长短信", kind=Channel.Kind.SMS, user=ctx.p.department, address="13800000001"
    )
    task = task_due_in(ctx, 1, person=ctx.p.department)

    assert sweep().due == 1
    assert sweep().due == 0  # a repeated sweep tells nobody twice
    task.refresh_from_db()
    assert task.due_notified_at is not None
    assert Event.objects.filter(subject="task", subject_id=task.pk, action="due").count() == 1
    notices = Notice.objects.filter(kind=Notice.Kind.TASK_DUE)
    assert {(n.department_id, n.user_id) for n in notices} == {
        (ctx.w.office.pk, None),
        (None, ctx.p.department.pk),
    }
    campaign_page = reverse("campaign-detail", args=[ctx.c.pk])
    assert all(n.case_id is None and n.link == campaign_page for n in notices)
    assert all(n.escalate_at is None for n in notices)  # the ladder ends in a 督办 on a case: not for tasks
    inbox = Notification.objects.filter(user=ctx.p.department, case__isnull=True)
    assert inbox.count() == 2 and all(n.link == campaign_page for n in inbox)
    assert "到期" in inbox.first().title and ctx.c.name in inbox.first().title

    result = outbox.send_due()
    assert result.sent == 2 and result.failed == 0
    [posted] = robot.received
    assert robot.refused == []
    assert f"{settings.SITE_URL}{campaign_page}" in posted["message"]["markdown"]["text"]
    [(phone, text)] = MemorySmsProvider.sent
    assert phone == "13800000001" and "背街小巷环境清整" in text
    assert Delivery.objects.filter(state=Delivery.State.SENT).count() == 2


def test_an_overdue_task_is_told_again_and_a_done_one_never(ctx):
    late = task_due_in(ctx, 0)
    done = task_due_in(ctx, 0)
    svc.task_report(task=done, actor=ctx.p.department, progress=100, note="完成")
    assert sweep().due == 1
    assert Notice.objects.filter(key__startswith=f"task_due:{late.pk}:").count() == 1
    assert not Notice.objects.filter(key__contains=f":{done.pk}:").exists()

    CampaignTask.objects.filter(pk=late.pk).update(deadline=timezone.localdate() - timedelta(days=1))
    result = sweep()
    assert (result.overdue, result.due) == (1, 0)
    [overdue] = Notice.objects.filter(key__startswith=f"task_overdue:{late.pk}:")
    assert overdue.title.startswith("【专项任务超期】") and overdue.department == ctx.w.office
    assert sweep().overdue == 0 and Notice.objects.filter(kind=Notice.Kind.TASK_DUE).count() == 2


def test_the_departments_notice_list_shows_the_task_notice_with_its_link(ctx, client):
    task_due_in(ctx, 1)
    sweep()
    client.force_login(ctx.p.department)
    [row] = client.get("/api/v1/notices/").json()["results"]
    assert row["kind"] == "task_due" and row["case"] is None
    assert row["link"] == reverse("campaign-detail", args=[ctx.c.pk])


def test_a_task_far_from_its_deadline_or_already_past_it_gets_no_due_notice(ctx):
    task_due_in(ctx, settings.CAMPAIGN_TASK_DUE_NOTICE_DAYS + 1)
    assert sweep().due == 0
    assert not Notice.objects.exists()


def test_quiet_hours_hold_the_task_notice_until_they_end(ctx):
    channel = Channel.objects.create(
        name="夜间免打扰短信",
        kind=Channel.Kind.SMS,
        department=ctx.w.office,
        address="13800000002",
        quiet_from=dt.time(22, 0),
        quiet_to=dt.time(7, 0),
    )
    night = timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time(23, 0)))
    task_due_in(ctx, 1)
    with time_machine.travel(night, tick=False):
        sweep()
        assert outbox.send_due().sent == 0
    delivery = Delivery.objects.get(channel=channel)
    assert timezone.localtime(delivery.next_attempt_at).time() == dt.time(7, 0)


def test_the_inbox_entry_opens_the_campaign(ctx, client):
    task_due_in(ctx, 0)
    sweep()
    client.force_login(ctx.p.department)
    page = client.get(reverse("notifications"))
    assert "背街小巷环境清整" in page.content.decode()
    entry = Notification.objects.get(user=ctx.p.department)
    answer = client.post(reverse("notification-read", args=[entry.pk]))
    assert answer.status_code == 302 and answer.url == reverse("campaign-detail", args=[ctx.c.pk])
    entry.refresh_from_db()
    assert entry.read_at is not None


def test_the_beat_entry_names_the_registered_sweep_task():
    celery_app.loader.import_default_modules()
    name = settings.CELERY_BEAT_SCHEDULE["campaigns-sweep"]["task"]
    assert name in celery_app.tasks
