"""Bulk dispatch: the dispatcher ticks several cases in the 待派遣 queue and sends each to its suggested
department in one go."""

from playwright.sync_api import expect

from cases.models import Case
from tests.cases.conftest import case_in


def test_bulk_dispatch_from_the_queue(e2e_world, as_user, shot):
    world = e2e_world
    cases = [case_in(world, "pending_dispatch") for _ in range(3)]
    left_alone = case_in(world, "pending_dispatch")
    dispatcher = as_user(world.p.dispatcher)
    dispatcher.goto("/")
    dispatcher.locator('[data-queue="dispatch"]').click()
    expect(dispatcher.locator("table.cases tbody tr")).to_have_count(4)
    shot(dispatcher, "queue")
    for case in cases:
        dispatcher.get_by_label(f"选择 {case.number}").check()
    shot(dispatcher, "ticked")
    with dispatcher.expect_navigation():
        dispatcher.get_by_role("button", name="按建议部门派遣所选").click()
    expect(dispatcher.locator(".messages")).to_contain_text(cases[0].number)
    expect(dispatcher.locator("table.cases tbody tr")).to_have_count(1)
    shot(dispatcher, "dispatched")
    for case in cases:
        case.refresh_from_db()
        assert case.status == "in_progress" and case.department == world.office
    assert Case.objects.get(pk=left_alone.pk).status == "pending_dispatch"
