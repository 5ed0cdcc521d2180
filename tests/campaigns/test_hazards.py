"""隐患台账: register with level, unit, person, plan and deadline; 跟踪督办; verified 整改销号."""

from datetime import timedelta

import pytest
from django.utils import timezone

from campaigns.models import Alert, Hazard
from campaigns.services import hazards as svc
from campaigns.sweep import sweep
from cases.errors import ActionForbidden, ActionRefused, InvalidInput
from tests.campaigns.conftest import photo

pytestmark = pytest.mark.django_db


def _register(ctx, **kw):
    lng, lat = ctx.w.inside
    values = dict(
        actor=ctx.p.inspector,
        kind="signboard",
        level="general",
        title="门头牌匾松动",
        lng=lng,
        lat=lat,
        department=ctx.w.office,
        person_name="李科长",
        plan="三日内加固或拆除",
        deadline=timezone.localdate() + timedelta(days=3),
    )
    values.update(kw)
    return svc.hazard_register(**values)


def test_a_major_hazard_notifies_the_supervisors_at_once(ctx, media_root):
    _register(ctx, level="general")
    assert not Alert.objects.exists()
    hazard = _register(ctx, level="major", title="燃气管道泄漏", kind="gas")
    alert = Alert.objects.get(user=ctx.p.supervisor)
    assert hazard.number in alert.title and "重大隐患" in alert.title
    assert alert.url == f"/hazards/{hazard.pk}/"


def test_bad_input_names_the_field(ctx, media_root):
    for field, value in (("level", "huge"), ("kind", "x"), ("plan", " "), ("deadline", "2020-13-01")):
        with pytest.raises(InvalidInput) as err:
            _register(ctx, **{field: value})
        assert err.value.field == field


def test_a_hazard_runs_to_a_verified_close(ctx, media_root):
    hazard = _register(ctx)
    svc.hazard_progress(hazard=hazard, actor=ctx.p.department, progress=50, note="已拆除一半")
    with pytest.raises(ActionForbidden):
        svc.hazard_urge(hazard=hazard, actor=ctx.p.department)
    svc.hazard_urge(hazard=hazard, actor=ctx.p.supervisor, note="汛期前完成")
    with pytest.raises(ActionRefused):  # not yet submitted
        svc.hazard_verify(hazard=hazard, actor=ctx.p.inspector, passed=True, photos=[photo()])
    with pytest.raises(InvalidInput):
        svc.hazard_submit(hazard=hazard, actor=ctx.p.department, note="完成", photos=[])
    svc.hazard_submit(hazard=hazard, actor=ctx.p.department, note="完成", photos=[photo()])
    hazard = svc.hazard_verify(
        hazard=hazard, actor=ctx.p.inspector, passed=False, note="仍松动", photos=[photo()]
    )
    assert hazard.status == Hazard.Status.OPEN
    svc.hazard_submit(hazard=hazard, actor=ctx.p.department, note="重新加固", photos=[photo()])
    with pytest.raises(InvalidInput) as err:
        svc.hazard_verify(hazard=hazard, actor=ctx.p.inspector, passed=True, photos=[])
    assert err.value.field == "photos"
    hazard = svc.hazard_verify(hazard=hazard, actor=ctx.p.inspector, passed=True, photos=[photo()])
    assert hazard.status == Hazard.Status.CLOSED and hazard.on_time is True and hazard.urge_count == 1


def test_overdue_hazards_light_up(ctx, media_root):
    hazard = _register(ctx)
    Hazard.objects.filter(pk=hazard.pk).update(deadline=timezone.localdate() - timedelta(days=2))
    sweep()
    hazard.refresh_from_db()
    assert hazard.overdue_at and hazard.is_overdue
