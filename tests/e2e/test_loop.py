"""The whole closed loop in the browser, by five people (docs/domain.md §3): the inspector reports with a photo →
the operator accepts → the shift leader files → the dispatcher dispatches → the department feeds back
with an after-photo → the inspector checks (passes) → the shift leader closes."""

from playwright.sync_api import expect

from cases.models import Case
from tests.e2e.conftest import PHONE, act, open_case, pick_category, place_pin, status_of


def test_the_closed_loop(e2e_world, as_user, shot, jpeg):
    world = e2e_world
    p = world.p

    # 监督员 on a phone: position (coordinates as the page allows), category, photo, description.
    inspector = as_user(p.inspector, viewport=PHONE)
    inspector.goto("/inspector/report/")
    shot(inspector, "inspector-report-empty")
    lng, lat = world.inside
    place_pin(inspector, lng, lat)
    expect(inspector.locator("[data-grid-status]")).to_contain_text(world.grid.code)
    pick_category(inspector)
    inspector.locator("input[type=file][data-photo-files]").first.set_input_files(jpeg("before"))
    inspector.get_by_label("问题描述").fill("人行道上有一堆暴露垃圾")
    shot(inspector, "inspector-report-filled")
    with inspector.expect_navigation():
        inspector.get_by_role("button", name="提交上报").click()
    case = Case.objects.get()
    assert case.status == "reported" and case.photos.count() == 1
    expect(inspector.locator(".case-number")).to_have_text(case.number)
    shot(inspector, "inspector-reported")

    # 受理员: from the 待受理 queue to the case, 受理.
    operator = as_user(p.operator)
    operator.goto("/queues/accept/")
    operator.get_by_role("link", name=case.number).click()
    expect(operator.locator(".case-number")).to_have_text(case.number)
    act(operator, "accept")
    assert status_of(operator) == "pending_filing"
    shot(operator, "operator-accepted")

    # 值班长: 立案 with the category and limits as proposed.
    leader = as_user(p.shift_leader)
    leader.goto("/queues/file/")
    leader.get_by_role("link", name=case.number).click()
    act(leader, "file")
    assert status_of(leader) == "pending_dispatch"
    shot(leader, "leader-filed")

    # 派遣员: 派遣 to the street office (the suggestion).
    dispatcher = as_user(p.dispatcher)
    open_case(dispatcher, case)
    act(
        dispatcher,
        "dispatch",
        lambda form: form.get_by_label("主办部门").select_option(label=world.office.name),
    )
    assert status_of(dispatcher) == "in_progress"
    shot(dispatcher, "dispatcher-dispatched")

    # 专业部门: 处置反馈 with an after-photo, from its 处置中 queue.
    department = as_user(p.department)
    department.goto("/queues/in_progress/")
    department.get_by_role("link", name=case.number).click()

    def feedback(form):
        form.get_by_label("处置结果").fill("已清运完毕，路面冲洗干净")
        form.locator("input[type=file][name=photos]").first.set_input_files(jpeg("after", (40, 160, 80)))

    act(department, "submit_feedback", feedback)
    assert status_of(department) == "pending_check"
    shot(department, "department-fed-back")

    # 监督员 核查 on site: passes, with a photo.
    open_case(inspector, case)

    def check(form):
        form.get_by_label("通过：转结案").check()
        form.locator("input[type=file][name=photos]").first.set_input_files(jpeg("check", (60, 60, 200)))

    act(inspector, "check", check)
    assert status_of(inspector) == "pending_closure"
    shot(inspector, "inspector-checked")

    # 值班长 结案.
    leader.goto("/queues/close/")
    leader.get_by_role("link", name=case.number).click()
    act(leader, "close")
    assert status_of(leader) == "closed"
    shot(leader, "leader-closed")

    case.refresh_from_db()
    assert case.status == "closed"
    actors = list(case.events.order_by("at", "id").values_list("action", "actor__username"))
    assert actors == [
        ("report", p.inspector.username),
        ("accept", p.operator.username),
        ("file", p.shift_leader.username),
        ("dispatch", p.dispatcher.username),
        ("submit_feedback", p.department.username),
        ("check", p.inspector.username),
        ("close", p.shift_leader.username),
    ]
    # Before and after photos side by side on the case page.
    expect(leader.locator("img").first).to_be_visible()
