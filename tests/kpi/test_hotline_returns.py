"""退单 in the KPI figures (docs/domain.md §13, kpi/definitions.py): an approved 退单 the 12345 centre counts
against the district stays in 应解决数 unsolved and makes the 退单率; one it does not count leaves 应解决数.
Every number below is worked out by hand from the five tickets, never by calling the code under test.
"""

import datetime as dt

import pytest

from cases import services as s
from cases.intake import hotline
from cases.models import HotlineTicket
from cases.workflow import SYSTEM, Status
from kpi import queries, reports, rollup
from kpi.replay import facts_as_of, stored_facts
from tests.cases.test_hotline import make_clients, post_ticket, ticket_body
from tests.kpi.conftest import on, photo

DAY = dt.date(2026, 3, 3)  # a Tuesday


def _ticket(api, world, no: str):
    body = ticket_body(world, ticket_no=no, received_at=f"{DAY.isoformat()}T09:00:00+08:00")
    assert post_ticket(api, body).status_code == 202
    hotline.process_pending()
    return HotlineTicket.objects.get(ticket_no=no).case


def _progress(world, case):
    p = world.p
    case = s.case_send_verify(case=case, actor=p.operator)
    case = s.case_verify(case=case, actor=p.inspector, confirmed=True, photos=[photo()])
    case = s.case_file(case=case, actor=p.shift_leader)
    return s.case_dispatch(case=case, actor=p.dispatcher, department=world.office)


def _returned(world, case, *, counted: bool):
    s.case_request_hotline_return(
        case=case, actor=world.p.dispatcher, reason_code="out_of_scope", reason="不属于城市管理职责"
    )
    return s.case_approve_hotline_return(case=case, actor=SYSTEM, note="同意退单", counted=counted)


@pytest.fixture
def five(world, api):
    """T1, T2: 退单 before 立案, counted against the district; T3: 退单 after 立案, not counted;
    T4: done and closed; T5: still 处置中."""
    make_clients()
    p = world.p
    with on(DAY, 10):
        cases = {no: _ticket(api, world, no) for no in ("T1", "T2", "T3", "T4", "T5")}
        cases["T1"] = _returned(world, cases["T1"], counted=True)
        cases["T2"] = _returned(world, cases["T2"], counted=True)
        cases["T3"] = _returned(world, _progress(world, cases["T3"]), counted=False)
        t4 = _progress(world, cases["T4"])
        t4 = s.case_submit_feedback(case=t4, actor=p.department, result="已清理", photos=[photo()])
        t4 = s.case_check(case=t4, actor=p.inspector, passed=True, photos=[photo()])
        cases["T4"] = s.case_close(case=t4, actor=p.shift_leader)
        cases["T5"] = _progress(world, cases["T5"])
    assert [cases[n].status for n in ("T1", "T2", "T3", "T4", "T5")] == [
        Status.REJECTED,
        Status.REJECTED,
        Status.REJECTED,
        Status.CLOSED,
        Status.IN_PROGRESS,
    ]
    rollup.rebuild()
    return cases


def test_a_counted_return_stays_unsolved_and_makes_the_return_rate(five):
    hot = queries.hotline(DAY, DAY)
    assert hot["counts"] == {
        "hotline_reported": 5,  # T1–T5
        "hotline_accepted_on_time": 5,  # each handled (退单 asked, or sent to 核实) within its 受理 limit
        # 5 − 0 不予受理 − 0 作废 − 1 退单 not counted (T3); T1 and T2 stay in, unsolved.
        "hotline_due": 4,
        "hotline_closed": 1,  # T4
        "hotline_callback": 0,
        "hotline_satisfied": 0,
        "hotline_returned": 3,  # T1, T2, T3
        "hotline_returned_counted": 2,  # T1, T2
    }
    assert hot["rates"] == {
        "hotline_response_rate": 100.0,  # 5 / 5
        # 1 / 4 = 25 %; without the centre's word it would have been 1 / 2 (T1 and T2 as 不予受理, T3
        # filed and in): the district's two valid complaints sent back now count against it.
        "hotline_resolution_rate": 25.0,
        "hotline_satisfaction_rate": None,  # no callback
        "hotline_return_rate": 40.0,  # 2 / 5
    }


def test_each_return_count_drills_down_to_its_tickets(five, api, world):
    api.force_authenticate(world.p.supervisor)
    figures = {f["key"]: f for f in queries.hotline(DAY, DAY)["kpis"]}
    for key, numbers in (
        ("hotline_returned", {"T1", "T2", "T3"}),
        ("hotline_returned_counted", {"T1", "T2"}),
    ):
        listed = api.get(figures[key]["cases_url"]).json()
        tickets = {five[n].number for n in numbers}
        assert {row["number"] for row in listed["results"]} == tickets, key


def test_the_replay_of_the_log_agrees_with_the_rollup(five):
    ids = [c.pk for c in five.values()]
    replayed, _people = facts_as_of(ids, dt.datetime(2030, 1, 1, tzinfo=dt.UTC))
    stored, _people = stored_facts(ids)
    flags = ("r_rejected", "r_returned", "r_returned_counted", "r_hotline_due")
    for pk in ids:
        assert {f: replayed[pk][f] for f in flags} == {f: stored[pk][f] for f in flags}, pk
    assert [stored[five[n].pk]["r_hotline_due"] for n in ("T1", "T2", "T3", "T4", "T5")] == [1, 1, 0, 1, 1]


def test_the_daily_report_shows_the_return_rate(five):
    headline = reports.build_report("daily", DAY).section("headline")
    rows = {row["key"]: row for row in headline.rows}
    # The report keeps a rate as a fraction; its sheets and pages format it as a percentage.
    assert rows["hotline_return_rate"]["value"] == 0.4 and rows["hotline_return_rate"]["unit"] == "%"
    assert rows["hotline_returned_counted"]["value"] == 2
    assert rows["hotline_resolution_rate"]["value"] == 0.25
