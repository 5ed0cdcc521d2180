"""Two people acting on the same case at once: exactly one wins (docs/domain.md §3).

Each test runs two real database connections (one per thread). The test's own connection first holds
a row lock that both threads will need, the threads start together at a barrier and queue behind it,
and the lock is released only once PostgreSQL shows both of them waiting: so the two calls really
collide instead of merely running one after the other. The loser must get ActionRefused, and the
case's timeline must show the winner's action once.
"""

import threading
import time

import pytest
from django.db import connection, transaction

from cases import services as s
from cases.errors import ActionRefused
from cases.models import Case, CaseEvent, CaseNumberCounter, CaseRequest
from cases.workflow import Status
from tests.cases.conftest import case_in, hotline_report, photo
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.postgres,
    pytest.mark.usefixtures("fast_passwords", "media_root"),
]


def _at_once(calls: dict, *, hold) -> dict:
    """Run each named call in its own thread and connection, all released together; name → result or error.

    `hold` is a queryset whose rows this thread locks until every thread is waiting for them.
    """
    barrier = threading.Barrier(len(calls) + 1)
    results: dict = {}

    def run(name, call):
        try:
            barrier.wait(timeout=10)
            results[name] = call()
        except Exception as exc:  # the test inspects what each side got
            results[name] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=item) for item in calls.items()]
    with transaction.atomic():
        list(hold.select_for_update())
        for thread in threads:
            thread.start()
        barrier.wait(timeout=10)
        queued = _wait_until_blocked(len(calls))
    for thread in threads:
        thread.join(timeout=30)
        assert not thread.is_alive(), "a racing call hung"
    assert queued, f"the racing calls never queued behind the held lock: {results!r}"
    return results


def _wait_until_blocked(n: int, timeout: float = 10.0) -> bool:
    """Until `n` other connections to this database are waiting for a lock: then the race is real."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            # pg_stat_activity is read once per transaction unless the snapshot is dropped.
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0] >= n:
                return True
        time.sleep(0.02)
    return False


def _one_winner(results: dict) -> str:
    winners = [name for name, r in results.items() if not isinstance(r, Exception)]
    losers = {name: r for name, r in results.items() if isinstance(r, Exception)}
    assert len(winners) == 1, f"expected exactly one winner, got {results!r}"
    for name, error in losers.items():
        assert isinstance(error, ActionRefused), f"{name} failed with {error!r}, not ActionRefused"
    return winners[0]


def _events(case, action) -> int:
    return CaseEvent.objects.filter(case_id=case.pk, action=action).count()


def _rows(case):
    return Case.objects.filter(pk=case.pk)


@pytest.mark.parametrize("round_", range(3))
def test_two_dispatchers_dispatching_to_different_departments(tx_world, round_):
    w = tx_world
    second = UserFactory(username=f"disp2_{round_}", roles=["dispatcher"])
    case = case_in(w, Status.PENDING_DISPATCH)
    results = _at_once(
        {
            w.office.code: lambda: s.case_dispatch(case=case.pk, actor=w.p.dispatcher, department=w.office),
            w.other_dept.code: lambda: s.case_dispatch(case=case.pk, actor=second, department=w.other_dept),
        },
        hold=_rows(case),
    )
    winner = _one_winner(results)
    case.refresh_from_db()
    assert case.status == Status.IN_PROGRESS
    assert case.department.code == winner
    assert _events(case, "dispatch") == 1


def test_accept_and_reject_at_the_same_time(tx_world):
    w = tx_world
    second = UserFactory(username="op2", roles=["operator"])
    case = case_in(w, Status.REPORTED)
    results = _at_once(
        {
            "accept": lambda: s.case_accept(case=case.pk, actor=w.p.operator),
            "reject": lambda: s.case_reject(case=case.pk, actor=second, reason="invalid"),
        },
        hold=_rows(case),
    )
    winner = _one_winner(results)
    case.refresh_from_db()
    assert case.status == {"accept": Status.PENDING_FILING, "reject": Status.REJECTED}[winner]
    assert _events(case, winner) == 1
    assert _events(case, "accept") + _events(case, "reject") == 1


def test_approve_and_deny_of_the_same_return_request(tx_world):
    w = tx_world
    second = UserFactory(username="disp2", roles=["dispatcher"])
    case = case_in(w, Status.IN_PROGRESS, pending="return")
    results = _at_once(
        {
            "approve_return": lambda: s.case_approve_return(case=case.pk, actor=w.p.dispatcher),
            "deny_return": lambda: s.case_deny_return(case=case.pk, actor=second),
        },
        hold=_rows(case),
    )
    winner = _one_winner(results)
    case.refresh_from_db()
    request = case.requests.get()
    assert (
        request.state
        == {"approve_return": CaseRequest.State.APPROVED, "deny_return": CaseRequest.State.DENIED}[winner]
    )
    assert case.return_count == (1 if winner == "approve_return" else 0)
    assert _events(case, "approve_return") + _events(case, "deny_return") == 1


def test_feedback_and_an_approved_return_at_the_same_time(tx_world, media_root):
    w = tx_world
    case = case_in(w, Status.IN_PROGRESS, pending="return")
    results = _at_once(
        {
            "submit_feedback": lambda: s.case_submit_feedback(
                case=case.pk, actor=w.p.department, result="已处理", photos=[photo()]
            ),
            "approve_return": lambda: s.case_approve_return(case=case.pk, actor=w.p.dispatcher),
        },
        hold=_rows(case),
    )
    winner = _one_winner(results)
    case.refresh_from_db()
    assert (
        case.status
        == {"submit_feedback": Status.PENDING_CHECK, "approve_return": Status.PENDING_DISPATCH}[winner]
    )
    assert _events(case, "submit_feedback") + _events(case, "approve_return") == 1
    # The loser left no trace: no photo (row or file) from a refused feedback, no half-decided request.
    photos = case.photos.count()
    assert photos == (1 if winner == "submit_feedback" else 0)
    files = [f for f in media_root.rglob("*") if f.is_file()] if media_root.exists() else []
    assert len(files) == 2 * photos  # image + thumbnail
    expected = CaseRequest.State.APPROVED if winner == "approve_return" else CaseRequest.State.LAPSED
    assert case.requests.get().state == expected


def test_approve_void_and_dispatch_at_the_same_time(tx_world):
    # Both start from 待派遣. 作废 is allowed from any open state, so if the dispatch lands first the void
    # is still approved after it; if the void lands first, the dispatch must be refused. Either way the
    # case ends voided, with one event per successful call and never a dispatch out of 已作废.
    w = tx_world
    case = case_in(w, Status.PENDING_DISPATCH, pending="void")
    results = _at_once(
        {
            "approve_void": lambda: s.case_approve_void(case=case.pk, actor=w.p.shift_leader),
            "dispatch": lambda: s.case_dispatch(case=case.pk, actor=w.p.dispatcher, department=w.office),
        },
        hold=_rows(case),
    )
    case.refresh_from_db()
    assert not isinstance(results["approve_void"], Exception), results
    assert case.status == Status.VOIDED
    timeline = list(
        case.events.exclude(action__in=["report", "accept", "file", "request_void"]).order_by("id")
    )
    if isinstance(results["dispatch"], Exception):
        assert isinstance(results["dispatch"], ActionRefused)
        assert [(e.action, e.from_status) for e in timeline] == [("approve_void", "pending_dispatch")]
    else:
        assert [(e.action, e.from_status, e.to_status) for e in timeline] == [
            ("dispatch", "pending_dispatch", "in_progress"),
            ("approve_void", "in_progress", "voided"),
        ]


def test_the_same_hotline_ticket_delivered_twice_at_once_is_one_case(tx_world):
    w = tx_world
    hotline_report(w, ticket="warm-up")  # creates today's case-number counter row, which we hold below
    before = Case.objects.count()
    results = _at_once(
        {
            "first": lambda: hotline_report(w, ticket="12345-DUP"),
            "second": lambda: hotline_report(w, ticket="12345-DUP"),
        },
        hold=CaseNumberCounter.objects.all(),
    )
    _one_winner(results)
    assert Case.objects.count() == before + 1
