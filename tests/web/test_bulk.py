"""Bulk actions on the queue pages: each case in its own transaction, a result per case, refusals
with their reason, only cases in the user's scope and still in the queue."""

import pytest

from cases.models import Case
from cases.workflow import Status
from tests.cases.conftest import case_in, hotline_report
from tests.web.conftest import report

pytestmark = pytest.mark.usefixtures("fast_passwords", "media_root")


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def status_of(case) -> str:
    return Case.objects.get(pk=case.pk).status


def test_bulk_accept_reports_each_case_and_refuses_an_untrusted_one(
    world, as_role, django_assert_max_num_queries
):
    a, b = report(world), report(world)
    hotline = hotline_report(world)  # 热线 reports must be verified first: 受理 is refused
    client = as_role("operator")
    response = client.post(
        "/queues/accept/bulk/", {"case": [a.pk, hotline.pk, b.pk], "next": "urgency=normal"}, follow=True
    )
    assert response.redirect_chain[0][0] == "/queues/accept/?urgency=normal"  # back with the filters
    notes = messages_of(response)
    assert any(n.startswith("已受理 2 件") and a.number in n and b.number in n for n in notes)
    assert any(hotline.number in n and "未能受理" in n and "须先派发监督员核实" in n for n in notes)
    assert status_of(a) == status_of(b) == Status.PENDING_FILING
    assert status_of(hotline) == Status.REPORTED  # the refusal left it as it was


def test_bulk_only_touches_cases_still_in_the_queue(world, as_role):
    moved = case_in(world, Status.PENDING_FILING)  # someone accepted it meanwhile
    client = as_role("operator")
    notes = messages_of(client.post("/queues/accept/bulk/", {"case": [moved.pk, 999999]}, follow=True))
    assert any(moved.number in n and "已不在「待受理」队列" in n for n in notes)
    assert any("#999999" in n and "不在您的范围内" in n for n in notes)
    assert status_of(moved) == Status.PENDING_FILING


def test_nothing_chosen_says_so(world, as_role):
    notes = messages_of(as_role("operator").post("/queues/accept/bulk/", {}, follow=True))
    assert notes == ["请先勾选案件"]


def test_shift_leader_files_and_closes_in_bulk(world, as_role):
    filing = [case_in(world, Status.PENDING_FILING) for _ in range(2)]
    closing = case_in(world, Status.PENDING_CLOSURE)
    client = as_role("shift_leader")
    assert "立案所选" in client.get("/queues/file/").content.decode()
    notes = messages_of(client.post("/queues/file/bulk/", {"case": [c.pk for c in filing]}, follow=True))
    assert notes == [f"已立案 2 件：{filing[0].number}、{filing[1].number}"]
    assert {status_of(c) for c in filing} == {Status.PENDING_DISPATCH}
    notes = messages_of(client.post("/queues/close/bulk/", {"case": [closing.pk]}, follow=True))
    assert notes == [f"已结案 1 件：{closing.number}"]
    assert status_of(closing) == Status.CLOSED


def test_dispatcher_dispatches_to_the_suggested_department(world, as_role, django_assert_max_num_queries):
    one, two, three = (case_in(world, Status.PENDING_DISPATCH) for _ in range(3))
    client = as_role("dispatcher")
    html = client.get("/queues/dispatch/").content.decode()
    assert "建议派遣部门" in html and world.office.name in html  # 先属地: the street's default office
    assert f'form="dispatch-one" name="only" value="{one.pk}"' in html
    # One click on a row dispatches that case only, even with others ticked.
    notes = messages_of(
        client.post("/queues/dispatch/bulk/", {"only": one.pk, "case": [two.pk]}, follow=True)
    )
    assert notes == [f"已派遣 1 件：{one.number} → {world.office.name}"]
    assert status_of(one) == Status.IN_PROGRESS and status_of(two) == Status.PENDING_DISPATCH
    client.post("/queues/dispatch/bulk/", {"case": [two.pk, three.pk]})
    assert {Case.objects.get(pk=c.pk).department_id for c in (one, two, three)} == {world.office.pk}


def test_a_case_without_a_suggestion_is_refused_with_the_reason(world, as_role):
    case = case_in(world, Status.PENDING_DISPATCH)
    world.office.is_street_default = False
    world.office.save()
    client = as_role("dispatcher")
    assert "无建议部门" in client.get("/queues/dispatch/").content.decode()
    notes = messages_of(client.post("/queues/dispatch/bulk/", {"case": [case.pk]}, follow=True))
    assert notes == [f"{case.number} 未能派遣：没有可建议的处置部门，请指定部门"]
    assert status_of(case) == Status.PENDING_DISPATCH


@pytest.mark.parametrize(
    "role, key",
    [
        ("operator", "file"),  # not the operator's queue
        ("dispatcher", "in_progress"),  # the dispatcher's queue, but it has no bulk action
        ("department", "in_progress"),
        ("inspector", "accept"),
        ("shift_leader", "accept"),
    ],
)
def test_bulk_is_only_for_the_role_that_may_act(world, as_role, role, key):
    case = report(world)
    assert as_role(role).post(f"/queues/{key}/bulk/", {"case": [case.pk]}).status_code == 403
    assert status_of(case) == Status.REPORTED


def test_the_bulk_bar_is_shown_only_where_there_is_a_bulk_action(world, as_role):
    case_in(world, Status.IN_PROGRESS)
    html = as_role("department").get("/queues/in_progress/").content.decode()
    assert "bulk-form" not in html and 'name="case"' not in html
    report(world)
    html = as_role("operator").get("/queues/accept/").content.decode()
    assert 'id="bulk-form"' in html and 'data-confirm="确定对勾选的案件执行「受理」？"' in html


def test_bulk_requires_post(world, as_role):
    assert as_role("operator").get("/queues/accept/bulk/").status_code == 405
