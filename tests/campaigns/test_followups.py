"""回头看: a rule schedules re-inspection M working days after 结案; the task opens on time in the
inspector's 我的任务; 巩固 closes it, 回潮 opens a new case linked to the original."""

import pytest
from django.utils import timezone

from campaigns.models import FollowUp
from campaigns.services import followups as svc
from campaigns.sweep import sweep
from cases.errors import ActionForbidden, ActionRefused, InvalidInput
from cases.models import Case
from cases.web.extensions import extra_tasks
from tests.campaigns.conftest import case_in, photo

pytestmark = pytest.mark.django_db


@pytest.fixture
def rule(ctx):
    return svc.rule_create(
        actor=ctx.p.supervisor, name="暴露垃圾回头看", category=ctx.w.event_cat, days_after=3
    )


def test_a_closed_case_in_the_rule_gets_a_followup_after_m_working_days(ctx, rule, media_root):
    case = case_in(ctx.w, "closed")
    followup = FollowUp.objects.get(case=case, rule=rule)
    assert followup.state == FollowUp.State.SCHEDULED
    assert followup.inspector == ctx.p.inspector
    assert followup.opens_at > case.closed_at and followup.due_at > followup.opens_at
    assert not [t for t in extra_tasks(ctx.p.inspector) if t.kind == "回头看"]
    assert sweep(followup.opens_at).opened == 1
    tasks = [t for t in extra_tasks(ctx.p.inspector) if t.kind == "回头看"]
    assert len(tasks) == 1 and case.number in tasks[0].title
    assert tasks[0].url == f"/followups/{followup.pk}/"  # the phone page, not the API


def test_other_categories_and_rules_validation(ctx, rule, media_root):
    with pytest.raises(InvalidInput):
        svc.rule_create(actor=ctx.p.supervisor, name="抽查", sample_percent=0)
    with pytest.raises(ActionForbidden):
        svc.rule_create(actor=ctx.p.inspector, name="抽查")
    case = case_in(ctx.w, "closed")
    case.category = ctx.w.component_cat
    assert svc.rules_for(case) == []


def test_a_sample_is_stable_and_near_its_share(ctx):
    rule = svc.rule_create(actor=ctx.p.supervisor, name="抽查 20%", sample_percent=20)
    picks = [svc.sampled(rule, i) for i in range(2000)]
    assert picks == [svc.sampled(rule, i) for i in range(2000)]
    assert 300 < sum(picks) < 500


def _open_followup(ctx, rule):
    case = case_in(ctx.w, "closed")
    followup = FollowUp.objects.get(case=case, rule=rule)
    sweep(followup.opens_at)
    followup.refresh_from_db()
    return followup


def test_held_needs_a_photo_from_the_grid_inspector(ctx, rule, media_root):
    followup = _open_followup(ctx, rule)
    with pytest.raises(InvalidInput):
        svc.followup_record(followup=followup, actor=ctx.p.inspector, held=True, photos=[])
    with pytest.raises(ActionForbidden):
        svc.followup_record(followup=followup, actor=ctx.p.other_inspector, held=True, photos=[photo()])
    followup = svc.followup_record(followup=followup, actor=ctx.p.inspector, held=True, photos=[photo()])
    assert followup.state == FollowUp.State.HELD and followup.new_case is None
    with pytest.raises(ActionRefused):
        svc.followup_record(followup=followup, actor=ctx.p.inspector, held=True, photos=[photo()])


def test_back_opens_a_new_case_linked_to_the_original(ctx, rule, media_root):
    followup = _open_followup(ctx, rule)
    followup = svc.followup_record(
        followup=followup, actor=ctx.p.inspector, held=False, note="垃圾又堆起来了", photos=[photo()]
    )
    assert followup.state == FollowUp.State.BACK
    new = Case.objects.get(pk=followup.new_case_id)
    assert new.category_id == followup.case.category_id and followup.case.number in new.description
    assert new.photos.count() == 1
    assert new.relapse_of.get() == followup


def test_a_scheduled_followup_is_not_yet_recordable(ctx, rule, media_root):
    case = case_in(ctx.w, "closed")
    followup = FollowUp.objects.get(case=case)
    assert followup.opens_at > timezone.now()
    with pytest.raises(ActionRefused):
        svc.followup_record(followup=followup, actor=ctx.p.inspector, held=True, photos=[photo()])
