"""The workflow table against docs/domain.md §3, written out here row by row from the domain text, not
read from cases/workflow.py: a wrong target, a missing or extra role, a state an action should not
start from, or an extra edge makes these tests fail. (tests/cases/test_workflow_edges.py walks every
edge through the services, but takes its expectations from the same table the code uses.)
"""

import itertools

import pytest

from cases import workflow
from cases.workflow import find

STAFF = {"inspector", "operator", "shift_leader", "dispatcher", "department", "hotline", "supervisor"}
OPEN = {
    "reported",
    "verifying",
    "pending_filing",
    "pending_dispatch",
    "in_progress",
    "suspended",
    "pending_check",
    "pending_closure",
}
STATES = OPEN | {"closed", "rejected", "voided"}
IN_PROGRESS = {"in_progress"}
HOTLINE_OPEN = {"reported", "verifying", "pending_filing", "pending_dispatch", "in_progress"}
SAME = None  # the action leaves the state as it is

# (action, outcome) → (states it may start from, target, roles), from docs/domain.md §3 (and §1, §2).
DOMAIN = {
    # report: inspector, hotline, public (the system acts for Open311 and video), plus the operator who
    # receives reports from every channel (§1) and the supervisor's 领导交办 (§2).
    ("report", ""): ({None}, "reported", {"inspector", "hotline", "operator", "supervisor", "system"}),
    # 自行处置: a self-resolved inspector report goes straight to 待结案.
    ("report", "self_resolved"): ({None}, "pending_closure", {"inspector"}),
    ("accept", ""): ({"reported"}, "pending_filing", {"operator"}),
    ("send_verify", ""): ({"reported"}, "verifying", {"operator"}),
    ("verify", "confirmed"): ({"verifying"}, "pending_filing", {"inspector"}),
    ("verify", "not_confirmed"): ({"verifying"}, "rejected", {"inspector"}),
    ("reject", ""): ({"reported"}, "rejected", {"operator"}),
    ("file", ""): ({"pending_filing"}, "pending_dispatch", {"shift_leader"}),
    ("refuse_filing", ""): ({"pending_filing"}, "rejected", {"shift_leader"}),
    ("dispatch", ""): ({"pending_dispatch"}, "in_progress", {"dispatcher"}),
    # 回退 / 延期 / 挂账: the department asks, the dispatcher decides (a denial changes nothing).
    ("request_return", ""): (IN_PROGRESS, SAME, {"department"}),
    ("approve_return", ""): (IN_PROGRESS, "pending_dispatch", {"dispatcher"}),
    ("deny_return", ""): (IN_PROGRESS, SAME, {"dispatcher"}),
    ("request_extension", ""): (IN_PROGRESS, SAME, {"department"}),
    # A 12345 ticket's 延期 is decided by the hotline centre (the system), docs/domain.md §13.
    ("approve_extension", ""): (IN_PROGRESS, SAME, {"dispatcher", "system"}),
    ("deny_extension", ""): (IN_PROGRESS, SAME, {"dispatcher", "system"}),
    ("request_suspension", ""): (IN_PROGRESS, SAME, {"department"}),
    ("approve_suspension", ""): (IN_PROGRESS, "suspended", {"dispatcher"}),
    ("deny_suspension", ""): (IN_PROGRESS, SAME, {"dispatcher"}),
    ("resume", ""): ({"suspended"}, "in_progress", {"dispatcher"}),
    ("submit_feedback", ""): (IN_PROGRESS, "pending_check", {"department"}),
    ("check", "passed"): ({"pending_check"}, "pending_closure", {"inspector"}),
    ("check", "failed"): ({"pending_check"}, "in_progress", {"inspector"}),  # 返工, same department
    ("close", ""): ({"pending_closure"}, "closed", {"shift_leader"}),
    # 作废: any staff asks from any open state, the shift leader approves (or denies).
    ("request_void", ""): (OPEN, SAME, STAFF),
    ("approve_void", ""): (OPEN, "voided", {"shift_leader"}),
    ("deny_void", ""): (OPEN, SAME, {"shift_leader"}),
    # 重办, also the 12345 centre's order after an unsatisfied 回访 (§13).
    ("reopen", ""): ({"closed"}, "pending_dispatch", {"shift_leader", "system"}),
    ("supervise", ""): (OPEN, SAME, {"supervisor", "system"}),  # 督办, also the system's when late
    ("callback", ""): ({"closed"}, SAME, {"hotline", "system"}),  # 回访, also the 12345 centre's result
    # The 12345 loop (§13): 签收 and 退单 until the work is done; the centre decides a 退单.
    ("sign", ""): (HOTLINE_OPEN, SAME, {"operator", "shift_leader", "dispatcher"}),
    ("request_hotline_return", ""): (
        HOTLINE_OPEN,
        SAME,
        {"operator", "shift_leader", "dispatcher", "department"},
    ),
    ("approve_hotline_return", ""): (HOTLINE_OPEN, "rejected", {"system"}),
    ("deny_hotline_return", ""): (HOTLINE_OPEN, SAME, {"system"}),
}


def _edges_of_the_code() -> dict:
    edges = {}
    for t in workflow.TRANSITIONS:
        for source in t.sources:
            key = (t.action.value, t.outcome, source)
            assert key not in edges, f"two rows for {key}"
            edges[key] = (None if t.target is None else t.target.value, set(t.roles))
    return edges


def _edges_of_the_domain() -> dict:
    return {
        (action, outcome, source): (target, roles)
        for (action, outcome), (sources, target, roles) in DOMAIN.items()
        for source in sources
    }


def test_the_table_is_exactly_the_domains():
    code, domain = _edges_of_the_code(), _edges_of_the_domain()
    assert sorted(set(code) - set(domain), key=str) == [], "edges the domain does not have"
    assert sorted(set(domain) - set(code), key=str) == [], "edges of the domain the table lacks"
    wrong = {key: (code[key], domain[key]) for key in domain if code[key] != domain[key]}
    assert wrong == {}, "(table, domain) for each edge whose target or roles differ"


@pytest.mark.parametrize(("action", "outcome"), list(DOMAIN), ids=[f"{a}:{o}" if o else a for a, o in DOMAIN])
def test_each_action_starts_only_where_the_domain_says(action, outcome):
    sources, target, roles = DOMAIN[(action, outcome)]
    for state in [None, *sorted(STATES)]:
        transition = find(action, state, outcome)
        if state in sources:
            assert transition is not None, f"{action} refused from {state}"
            assert (None if transition.target is None else transition.target.value) == target
            assert set(transition.roles) == roles
        else:
            assert transition is None, f"{action} allowed from {state}"


def test_terminal_states_allow_only_reopen_and_callback():
    assert {a.value for a in workflow.actions_from("closed")} == {"reopen", "callback"}
    assert workflow.actions_from("rejected") == []
    assert workflow.actions_from("voided") == []


def test_every_open_state_has_a_way_on_and_a_way_out():
    # No dead end: from each open state some edge leads elsewhere, and 作废 is always possible.
    for state in OPEN:
        onward = {t for (a, o), (s, t, _r) in DOMAIN.items() if state in s and t not in (SAME, state)}
        assert onward, state
        assert find("approve_void", state) is not None


def test_steps_timed_per_state_follow_section_6():
    # 挂账 keeps the 处置 clock (paused); every open state has a timed step, no terminal one does.
    assert workflow.STEP_FOR_STATUS == {
        "reported": "accept",
        "verifying": "verify",
        "pending_filing": "file",
        "pending_dispatch": "dispatch",
        "in_progress": "dispose",
        "suspended": "dispose",
        "pending_check": "check",
        "pending_closure": "close",
    }


def test_no_two_rows_of_one_action_can_both_match():
    for a, b in itertools.combinations(workflow.TRANSITIONS, 2):
        if a.action == b.action and a.outcome == b.outcome:
            assert not (a.sources & b.sources), (a, b)
