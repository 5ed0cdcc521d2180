"""A channel added in the admin and used at once (issue #22.4): the admin adds a hotline line in the
browser; the agent takes a call on it, sees the caller has called before, records the 诉求性质."""

from playwright.sync_api import expect

from cases.models import Case
from core.audit import AdminAudit
from tests.cases.conftest import hotline_report
from tests.e2e.conftest import pick_category, place_pin


def test_a_hotline_added_in_the_admin_takes_a_repeat_callers_call(e2e_world, as_user, shot):
    world = e2e_world
    p = world.p
    earlier = hotline_report(world, reporter_phone="13911112222", description="上周反映过的垃圾")
    p.admin.is_staff = True
    p.admin.save(update_fields=["is_staff"])

    admin = as_user(p.admin)
    admin.goto("/admin/cases/channel/add/")
    admin.get_by_label("编码").fill("hotline_96345")
    admin.get_by_label("名称").fill("96345 城管热线")
    admin.get_by_label("热线号码").fill("96345")
    shot(admin, "channel-form")
    with admin.expect_navigation():
        admin.get_by_role("button", name="保存", exact=True).click()
    expect(admin.get_by_text("96345 城管热线").first).to_be_visible()
    shot(admin, "channel-added")
    assert AdminAudit.objects.filter(model="cases.channel", action="add").exists()

    agent = as_user(p.hotline)
    agent.goto("/hotline/intake/")
    agent.get_by_label("96345 城管热线").check()
    agent.get_by_label("热线工单号").fill("96345-0001")
    agent.get_by_label("来电人姓名").fill("周大爷")
    agent.get_by_label("来电电话").fill("13911112222")
    # The caller's history appears as the number is typed (a repeat caller).
    expect(agent.locator("[data-repeat-caller]")).to_have_attribute("data-repeat-caller", "1")
    expect(agent.locator("#caller-history")).to_contain_text(earlier.number)
    agent.get_by_label("投诉").check()
    pick_category(agent)
    agent.get_by_label("问题描述").fill("又来电：门口垃圾还是没人清")
    lng, lat = world.inside
    place_pin(agent, lng, lat)
    shot(agent, "intake-repeat-caller")
    with agent.expect_navigation():
        agent.get_by_role("button", name="登记").click()
    case = Case.objects.get(hotline_ticket_no="96345-0001")
    assert (case.source, case.hotline_channel, case.request_nature) == ("hotline_96345", "96345", "complaint")
    shot(agent, "intake-logged")
