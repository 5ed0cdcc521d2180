"""A hotline ticket in the browser: the agent logs the call → the operator sends it for 核实 → the grid's
inspector verifies it on site → (the middle of the loop through the services) → after closing, the agent
calls back and records the caller's satisfaction (回访)."""

from playwright.sync_api import expect

from cases import services
from cases.models import Case
from tests.cases.conftest import photo
from tests.e2e.conftest import PHONE, act, open_case, pick_category, place_pin, status_of


def test_hotline_ticket_verify_and_callback(e2e_world, as_user, shot, jpeg):
    world = e2e_world
    p = world.p

    agent = as_user(p.hotline)
    agent.goto("/hotline/intake/")
    shot(agent, "intake-empty")
    agent.get_by_label("热线工单号").fill("T2026-000123")
    agent.get_by_label("来电人姓名").fill("李女士")
    agent.get_by_label("来电电话").fill("13900001111")
    pick_category(agent)
    agent.get_by_label("问题描述").fill("来电反映小区门口垃圾三天没人清")
    lng, lat = world.inside
    place_pin(agent, lng, lat)
    with agent.expect_navigation():
        agent.get_by_role("button", name="登记").click()
    case = Case.objects.get(hotline_ticket_no="T2026-000123")
    assert case.status == "reported" and case.reporter_phone == "13900001111"
    expect(agent.locator("[data-confirmed]")).to_have_attribute("data-confirmed", case.number)
    shot(agent, "intake-logged")

    # 受理员: a hotline ticket must be verified first — 派发核实 to the grid's inspector.
    operator = as_user(p.operator)
    open_case(operator, case)
    expect(operator.locator('[data-action-bar] [data-action="accept"]')).to_have_count(0)
    act(operator, "send_verify")
    assert status_of(operator) == "verifying"
    shot(operator, "sent-to-verify")

    # 监督员 on a phone: 核实 — the problem is real, with an on-site photo.
    inspector = as_user(p.inspector, viewport=PHONE)
    inspector.goto("/inspector/tasks/")
    expect(inspector.get_by_text(case.number).first).to_be_visible()
    shot(inspector, "inspector-tasks")
    open_case(inspector, case)

    def verify(form):
        form.get_by_label("属实：问题存在，转立案").check()
        form.locator("input[type=file][name=photos]").first.set_input_files(jpeg("verify"))

    act(inspector, "verify", verify)
    assert status_of(inspector) == "pending_filing"
    shot(inspector, "verified")

    # The middle of the loop (the browser test of it is test_loop.py), through the real services.
    case = services.case_file(case=case, actor=p.shift_leader)
    case = services.case_dispatch(case=case, actor=p.dispatcher, department=world.office)
    case = services.case_submit_feedback(case=case, actor=p.department, result="已清运", photos=[photo()])
    case = services.case_check(case=case, actor=p.inspector, passed=True, photos=[photo()])
    case = services.case_close(case=case, actor=p.shift_leader)

    # 回访: the closed ticket is in the agent's callback queue; the caller is satisfied.
    agent.goto("/hotline/callbacks/")
    item = agent.locator(f'[data-callback="{case.number}"]')
    expect(item).to_be_visible()
    shot(agent, "callbacks")
    item.get_by_label("满意", exact=True).check()
    item.get_by_placeholder("回访记录（可选）").fill("市民表示已清理干净")
    item.get_by_role("button", name="保存回访").click()
    expect(agent.locator(".callback-done, [role=status]").filter(has_text=case.number).first).to_be_visible()
    shot(agent, "callback-saved")
    case.refresh_from_db()
    assert case.satisfaction == "satisfied"
    assert case.events.filter(action="callback", actor=p.hotline).exists()
