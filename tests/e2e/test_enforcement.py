"""Enforcement in the browser (issue #20): a case at a shop's frontage, dispatched to the 综合执法 unit, goes
责令改正 → the inspector's 复查 from 我的任务 → 处罚 → 处置反馈 → 核查 → 结案; the party's page shows it all."""

from datetime import timedelta

import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from cases import services as s
from dispatch.models import Department
from enforcement import services as e
from enforcement.models import Outcome, Unit
from tests.cases.conftest import photo, report
from tests.e2e.conftest import PHONE, act, open_case, status_of
from tests.enforcement.conftest import FRONTAGE
from tests.factories import DepartmentFactory, UserFactory


def test_rectification_check_penalty_and_closure_in_the_browser(e2e_world, as_user, shot, jpeg):
    world, p = e2e_world, e2e_world.p
    dept = DepartmentFactory(name="区综合执法大队", kind=Department.Kind.BUREAU)
    Unit.objects.create(department=dept, name="河西区综合执法大队", doc_prefix="河西综执")
    officer_user = UserFactory(username="officer", roles=["department"], department=dept)
    shop = e.party_save(actor=None, name="老王烧烤店", street=world.street, frontage=FRONTAGE)
    case = report(world)
    s.case_accept(case=case, actor=p.operator)
    s.case_file(case=case, actor=p.shift_leader)
    s.case_dispatch(case=case, actor=p.dispatcher, department=dept)

    # 综合执法: confirm the suggested party, then a 责令限期改正通知书 due in two days.
    officer = as_user(officer_user)
    open_case(officer, case)
    panel = officer.locator("#enforcement")
    expect(panel).to_contain_text("老王烧烤店")
    with officer.expect_navigation():
        panel.get_by_test_id("confirm-party").click()
    expect(panel).to_contain_text("已确认")
    deadline = timezone.localdate() + timedelta(days=2)
    panel.locator("input[name=deadline]").fill(deadline.isoformat())
    with officer.expect_navigation():
        panel.get_by_test_id("rectify").click()
    order = Outcome.objects.get(case=case, kind="rectification")
    expect(panel).to_contain_text(order.number)
    shot(officer, "officer-rectification-order")

    # On the deadline the grid's inspector finds the 复查 in 我的任务 and records: not rectified.
    with time_machine.travel(timezone.now() + timedelta(days=2), tick=True):
        inspector = as_user(p.inspector)
        inspector.goto("/inspector/tasks/")
        inspector.get_by_role("link", name=order.number, exact=False).first.click()
        check = inspector.locator("#enforcement")
        check.locator("select[name=rectified]").select_option("no")
        with inspector.expect_navigation():
            check.get_by_test_id("check-order").click()
        expect(check).to_contain_text("未改正")
        shot(inspector, "inspector-follow-up-check")

    # Not rectified: a 行政处罚决定书 with its legal basis and fine.
    officer.reload()
    panel = officer.locator("#enforcement")
    panel.locator("input[name=legal_basis]").fill("《天津市市容和环境卫生管理条例》第二十条")
    panel.locator("input[name=fine]").fill("500")
    with officer.expect_navigation():
        panel.get_by_test_id("penalize").click()
    expect(panel).to_contain_text("¥500")
    shot(officer, "officer-penalty")

    def feedback(form):
        form.get_by_label("处置结果").fill("已处罚，店外经营已清理")
        form.locator("input[type=file][name=photos]").first.set_input_files(jpeg("after", (40, 160, 80)))

    act(officer, "submit_feedback", feedback)
    assert status_of(officer) == "pending_check"
    s.case_check(case=case, actor=p.inspector, passed=True, photos=[photo()])
    leader = as_user(p.shift_leader)
    open_case(leader, case)
    act(leader, "close")
    assert status_of(leader) == "closed"

    leader.goto(f"/enforcement/parties/{shop.pk}/")
    expect(leader.locator("main")).to_contain_text(case.number)
    expect(leader.locator("main")).to_contain_text("行政处罚决定书")
    expect(leader.get_by_test_id("credit-score")).to_contain_text("90")
    shot(leader, "party-page")

    # On a phone the figures' 合计 row is a card like the rows above it, each figure on a labelled line
    # (issue #25: it was squeezed into one line).
    phone = as_user(p.supervisor, PHONE)
    phone.goto("/enforcement/figures/")
    total = phone.locator("table.list tfoot tr")
    expect(total.locator("td").first).to_have_attribute("data-label", "检查次数")
    assert total.evaluate("tr => getComputedStyle(tr).display") == "block"
    cells = total.locator("td")
    first, second = cells.nth(0).bounding_box(), cells.nth(1).bounding_box()
    assert second["y"] >= first["y"] + first["height"] - 1  # stacked, not side by side
    shot(phone, "figures-phone")
