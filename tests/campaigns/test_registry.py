"""挂号 / 销号: registered with a place, photo, unit and deadline; off the list only after a check photo."""

from datetime import timedelta

import pytest
from django.utils import timezone

from campaigns.models import Photo, RegisterItem
from campaigns.services import registry as svc
from campaigns.sweep import sweep
from cases.errors import ActionForbidden, ActionRefused, InvalidInput
from tests.campaigns.conftest import case_in, photo

pytestmark = pytest.mark.django_db


@pytest.fixture
def item(ctx, media_root):
    lng, lat = ctx.w.inside
    return svc.item_register(
        actor=ctx.p.inspector,
        campaign=ctx.c,
        title="人行道乱堆物料",
        lng=lng,
        lat=lat,
        department=ctx.w.office,
        deadline=timezone.localdate() + timedelta(days=3),
        photos=[photo()],
    )


def test_registering_needs_a_photo_and_a_deadline_in_reach(ctx, media_root):
    lng, lat = ctx.w.inside
    kw = dict(actor=ctx.p.inspector, title="乱堆物料", lng=lng, lat=lat, department=ctx.w.office)
    with pytest.raises(InvalidInput) as err:
        svc.item_register(**kw, deadline=timezone.localdate(), photos=[])
    assert err.value.field == "photos"
    with pytest.raises(InvalidInput) as err:
        svc.item_register(**kw, deadline=timezone.localdate() - timedelta(days=1), photos=[photo()])
    assert err.value.field == "deadline"
    with pytest.raises(ActionForbidden):
        svc.item_register(**{**kw, "actor": ctx.p.hotline}, deadline=timezone.localdate(), photos=[photo()])


def test_an_item_runs_from_register_to_clear(ctx, item):
    assert item.number.startswith("GH") and item.grid == ctx.w.grid and item.street == ctx.w.street
    with pytest.raises(ActionForbidden):
        svc.item_rectify(item=item, actor=ctx.p.other_department, note="x")
    svc.item_rectify(item=item, actor=ctx.p.department, note="已清运", photos=[photo()])
    with pytest.raises(InvalidInput) as err:
        svc.item_clear(item=item, actor=ctx.p.inspector, photos=[])
    assert "核查照片" in err.value.message
    item = svc.item_clear(item=item, actor=ctx.p.inspector, note="现场已恢复", photos=[photo()])
    assert item.status == RegisterItem.Status.CLEARED and item.cleared_by == ctx.p.inspector
    assert Photo.objects.filter(subject="item", subject_id=item.pk, stage="check").count() == 1
    with pytest.raises(ActionRefused):
        svc.item_clear(item=item, actor=ctx.p.inspector, photos=[photo()])


def test_open_items_past_their_deadline_light_red(ctx, item):
    RegisterItem.objects.filter(pk=item.pk).update(deadline=timezone.localdate() - timedelta(days=1))
    sweep()
    item.refresh_from_db()
    assert item.overdue_at and item.is_overdue


def test_an_item_linked_to_a_case_comes_off_only_when_the_case_is_closed(ctx, media_root):
    case = case_in(ctx.w, "in_progress")
    item = svc.item_register(
        actor=ctx.office,
        campaign=ctx.c,
        title="井盖破损",
        lng=case.lng,
        lat=case.lat,
        department=ctx.w.office,
        deadline=timezone.localdate(),
        case=case,
        photos=[photo()],
    )
    with pytest.raises(ActionRefused) as err:
        svc.item_clear(item=item, actor=ctx.office, photos=[photo()])
    assert case.number in err.value.message


def test_an_inspector_registers_a_find_as_a_case_of_the_closed_loop(ctx, media_root):
    lng, lat = ctx.w.inside
    kw = dict(actor=ctx.p.inspector, title="井盖缺失", lng=lng, lat=lat, department=ctx.w.office)
    kw.update(deadline=timezone.localdate(), photos=[photo()], as_case=True)
    with pytest.raises(InvalidInput) as err:
        svc.item_register(**kw)
    assert err.value.field == "category"
    kw["photos"] = [photo()]
    item = svc.item_register(**kw, category=ctx.w.component_cat)
    assert item.case is not None and item.case.status == "reported" and item.case.photos.count() == 1
