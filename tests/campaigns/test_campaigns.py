"""专项行动: set up, tasks with deadlines inside the period, progress reports, 督办, automatic tagging."""

from datetime import timedelta

import pytest
from django.utils import timezone

from campaigns.models import CampaignCase, CampaignTask, Event, TaskReport
from campaigns.services import campaigns as svc
from campaigns.sweep import sweep
from cases.errors import ActionForbidden, ActionRefused, InvalidInput
from tests.campaigns.conftest import report

pytestmark = pytest.mark.django_db


def test_only_leaders_set_up_a_campaign(world):
    today = timezone.localdate()
    with pytest.raises(ActionForbidden):
        svc.campaign_create(actor=world.p.department, name="x", period_start=today, period_end=today)
    with pytest.raises(InvalidInput) as err:
        svc.campaign_create(
            actor=world.p.supervisor, name="x", period_start=today, period_end=today - timedelta(days=1)
        )
    assert err.value.field == "period_end"


def test_a_task_deadline_outside_the_campaign_is_refused_with_a_clear_message(ctx):
    with pytest.raises(InvalidInput) as err:
        svc.task_add(
            campaign=ctx.c,
            actor=ctx.office,
            content="道路环境清整",
            deadline=ctx.c.period_end + timedelta(days=1),
            department=ctx.w.office,
        )
    assert err.value.field == "deadline"
    assert "不在专项行动期间" in err.value.message


def test_the_responsible_unit_reports_progress_until_done(ctx):
    task = svc.task_add(
        campaign=ctx.c,
        actor=ctx.office,
        content="门前三包",
        deadline=ctx.c.period_end,
        department=ctx.w.office,
    )
    with pytest.raises(ActionForbidden):
        svc.task_report(task=task, actor=ctx.p.other_department, progress=10, note="x")
    svc.task_report(task=task, actor=ctx.p.department, progress=40, note="已签订责任书 40 户")
    with pytest.raises(InvalidInput):
        svc.task_report(task=task, actor=ctx.p.department, progress=30, note="倒退")
    task = svc.task_report(task=task, actor=ctx.p.department, progress=100, note="全部签订")
    assert task.status == CampaignTask.Status.DONE and task.done_at
    assert TaskReport.objects.filter(task=task).count() == 2
    assert list(
        Event.objects.filter(subject="task", subject_id=task.pk).values_list("action", flat=True)
    ) == [
        "add",
        "report",
        "done",
    ]
    with pytest.raises(ActionRefused):
        svc.task_report(task=task, actor=ctx.p.department, progress=100, note="again")


def test_overdue_tasks_light_up_and_can_be_urged(ctx):
    task = svc.task_add(
        campaign=ctx.c,
        actor=ctx.office,
        content="违法建设拆除",
        deadline=timezone.localdate(),
        department=ctx.w.office,
    )
    CampaignTask.objects.filter(pk=task.pk).update(deadline=timezone.localdate() - timedelta(days=1))
    assert sweep().overdue == 1
    assert sweep().overdue == 0  # a repeat changes nothing
    task.refresh_from_db()
    assert task.overdue_at and task.is_overdue
    with pytest.raises(ActionForbidden):
        svc.task_urge(task=task, actor=ctx.p.department)
    assert svc.task_urge(task=task, actor=ctx.p.supervisor, note="请加快").urge_count == 1


def test_cases_reported_in_scope_are_tagged_automatically(ctx):
    inside = report(ctx.w)
    other_category = report(ctx.w, category=ctx.w.component_cat)
    assert CampaignCase.objects.filter(campaign=ctx.c, case=inside, how="auto").exists()
    assert not CampaignCase.objects.filter(case=other_category).exists()
    # …and by hand by the office
    svc.tag_case(campaign=ctx.c, case=other_category, actor=ctx.office)
    assert CampaignCase.objects.filter(case=other_category, how="manual").exists()
    with pytest.raises(ActionRefused):
        svc.tag_case(campaign=ctx.c, case=other_category, actor=ctx.office)
    with pytest.raises(ActionForbidden):
        svc.tag_case(campaign=ctx.c, case=inside, actor=ctx.p.department)


def test_a_finished_campaign_tags_nothing(ctx):
    svc.campaign_finish(campaign=ctx.c, actor=ctx.office)
    case = report(ctx.w)
    assert not CampaignCase.objects.filter(case=case).exists()
