"""A street's sub-centre in a real browser (docs/domain.md §13): the street dispatcher sends a case on to a
community (二级派遣), the community's staff report back, the street accepts; a 提级 reaches the district's
queue and is taken over there (the case back to 待派遣 at the district)."""

from playwright.sync_api import expect

from cases.models import CaseEvent
from streets.models import Escalation, SubDispatch, Unit
from tests.cases.conftest import case_in
from tests.factories import UserFactory


def test_sub_dispatch_to_a_community_and_back_then_an_escalation(e2e_world, as_user, shot, jpeg):
    world = e2e_world
    case = case_in(world, "in_progress")
    hard = case_in(world, "in_progress")
    community_user = UserFactory(username="sq1", first_name="社区网格员")
    unit = Unit.objects.create(
        name="友谊社区居委会", kind=Unit.Kind.COMMUNITY, street=world.street, community=world.community
    )
    unit.staff.add(community_user)

    # The street dispatcher finds the case in the street's queue and sends it on to the community.
    street = as_user(world.p.street_dispatcher)
    street.get_by_role("link", name="街道工作台").first.click()
    expect(street.locator(f'[data-street-cases] [data-case="{case.number}"]')).to_be_visible()
    street.locator(f'[data-street-cases] [data-case="{case.number}"] a').click()
    expect(street.locator("[data-street-due]")).not_to_have_text("—")
    # A deadline past the street's own is refused, naming the problem; nothing is sent.
    street.get_by_label("派给单位").select_option(label="友谊社区居委会（社区）")
    street.get_by_label("单位时限（工作时）").fill("150")
    street.get_by_role("button", name="二级派遣").click()
    expect(street.get_by_role("alert")).to_contain_text("晚于街道的期限")
    assert not SubDispatch.objects.exists()
    street.get_by_label("单位时限（工作时）").fill("2")
    street.get_by_label("派遣要求").fill("请社区组织清理")
    street.get_by_role("button", name="二级派遣").click()
    expect(street.locator('[data-subs] [data-state="dispatched"]')).to_contain_text("友谊社区居委会")
    shot(street, "street-sub-dispatched")

    # The community's staff (no role, only their unit) see the task and report it done with a photo.
    community = as_user(community_user)
    community.get_by_role("link", name="单位任务").first.click()
    task = community.locator("[data-task]").filter(has_text=case.number)
    expect(task).to_contain_text("请社区组织清理")
    task.get_by_label("处理情况").fill("已组织清理完毕")
    task.get_by_label("照片（可选）").set_input_files(str(jpeg("done")))
    task.get_by_role("button", name="反馈办结").click()
    expect(community.locator("[data-done]")).to_contain_text(case.number)
    shot(community, "unit-reported")

    # The street accepts; the case's timeline shows the three steps.
    street.reload()
    row = street.locator('[data-subs] [data-state="reported"]')
    expect(row).to_contain_text("已组织清理完毕")
    row.get_by_role("button", name="验收通过").click()
    expect(street.locator('[data-subs] [data-state="accepted"]')).to_be_visible()
    street.get_by_role("link", name="案件详情与时间线").click()
    for label in ("二级派遣", "单位反馈", "街道验收通过"):
        expect(street.get_by_text(label, exact=True).first).to_be_visible()
    shot(street, "case-timeline")
    assert SubDispatch.objects.get().state == SubDispatch.State.ACCEPTED

    # A hard case goes up to the district (提级) …
    street.goto(f"/streets/cases/{hard.pk}/")
    street.get_by_label("提级理由（疑难案件，需区级协调）").fill("涉及多个产权单位，请区级统筹")
    street.get_by_role("button", name="提级到区").click()
    expect(street.locator('[data-escalation="pending"]')).to_contain_text("涉及多个产权单位")

    # … where the dispatcher sees it in the 提级 queue and takes it back to the case page.
    district = as_user(world.p.dispatcher)
    district.get_by_role("link", name="提级案件").first.click()
    row = district.locator("[data-escalations] tr").filter(has_text=hard.number)
    expect(row).to_contain_text("涉及多个产权单位，请区级统筹")
    shot(district, "escalation-queue")
    row.get_by_role("button", name="受理（回到区级待派遣）").click()
    district.wait_for_url(f"**/cases/{hard.pk}/")
    expect(district.get_by_text("区级受理提级", exact=True).first).to_be_visible()
    assert Escalation.objects.get().state == Escalation.State.TAKEN
    hard.refresh_from_db()
    assert hard.status == "pending_dispatch"  # back at the district, to be dispatched anew
    assert CaseEvent.objects.filter(case=hard, action="escalation_taken").count() == 1
