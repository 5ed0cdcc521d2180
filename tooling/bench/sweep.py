"""The SLA sweep's cost against the number of open cases (issue: deadlines).

For each size it clones one real in-progress case (made through the services) into `open_cases` open
cases with an open 处置 step each, `due` of them due now, then times one sweep and counts its SQL.
Rows are cloned with one INSERT … SELECT over a recursive counter (PostgreSQL and SQLite alike), and
everything is rolled back afterwards, so the bench database keeps no trace.
"""

import time
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases.models import Case, CaseEvent, Notification, TimedStep
from cases.sla import sweep


class _Rollback(Exception):
    pass


def reclaim() -> None:
    """VACUUM ANALYZE the case tables after a section's clones were rolled back: a million rolled-back
    rows stay behind as dead tuples (the case table grew to 755 MB for 20,000 live rows), and the next
    section would measure scans of that bloat, which no real database carries."""
    if connection.vendor != "postgresql":
        return
    tables = ", ".join(m._meta.db_table for m in (Case, TimedStep))
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM (ANALYZE) {tables}")


def _columns(model, skip=("id",)):
    return [f.column for f in model._meta.concrete_fields if f.column not in skip]


def _clone_cases(template: Case, n: int) -> None:
    table = connection.ops.quote_name(Case._meta.db_table)
    cols = _columns(Case)
    # Clones are spread back in time, one every 30 s, as real reports are (a year per million).
    spread = (
        "t.created_at - make_interval(secs => g.x * 30)"
        if connection.vendor == "postgresql"
        else "strftime('%%Y-%%m-%%d %%H:%%M:%%f', t.created_at, '-' || (g.x * 30) || ' seconds')"
    )
    special = {"number": "t.number || '-' || g.x", "created_at": spread}
    select = ", ".join(special.get(c, f"t.{c}") for c in cols)
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH RECURSIVE g(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM g WHERE x < %s) "
            f"INSERT INTO {table} ({', '.join(cols)}) SELECT {select} FROM {table} t, g WHERE t.id = %s",
            [n, template.pk],
        )


def _open_steps(template: Case, step: TimedStep, due: int, now) -> None:
    cols = _columns(TimedStep)
    later, soon = now + timedelta(days=30), now + timedelta(hours=1)
    values = {
        "case_id": "c.id",
        "next_check_at": "CASE WHEN c.id < %(cut)s THEN %(past)s ELSE %(later)s END",
        # Half of the due steps are past their deadline (red: a 督办 event each), half only warned.
        "due_at": "CASE WHEN c.id >= %(cut)s THEN %(later)s WHEN c.id %% 2 = 0 THEN %(past)s ELSE %(soon)s END",
    }
    select = ", ".join(values.get(c, f"s.{c}") for c in cols)
    table = connection.ops.quote_name(TimedStep._meta.db_table)
    first_clone = (
        Case.objects.filter(number__startswith=f"{template.number}-")
        .order_by("id")
        .values_list("id", flat=True)[0]
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(cols)}) SELECT {select} "
            f"FROM {connection.ops.quote_name(Case._meta.db_table)} c, {table} s "
            f"WHERE s.id = %(step)s AND c.number LIKE %(prefix)s",
            {
                "cut": first_clone + due,
                "past": now - timedelta(minutes=1),
                "later": later,
                "soon": soon,
                "step": step.pk,
                "prefix": f"{template.number}-%",
            },
        )
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE cases_case; ANALYZE cases_timedstep")


def _set_based_yardstick(now, notices_per_step: int) -> float:
    """Seconds for the sweep's writes done by hand, set-based: one UPDATE of the due steps' lights,
    one INSERT … SELECT of a 督办 event per red step, one INSERT … SELECT of as many notices as the
    sweep wrote. The ceiling the sweep is measured against (issue #18: ≤ 3×)."""
    q = connection.ops.quote_name
    steps, events, notices = (q(m._meta.db_table) for m in (TimedStep, CaseEvent, Notification))
    user = get_user_model().objects.order_by("pk").values_list("pk", flat=True)
    users = list(user[: max(notices_per_step, 1)])
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {steps} SET light = CASE WHEN due_at <= %(now)s THEN 'red' ELSE 'yellow' END, "
            f"next_check_at = CASE WHEN due_at <= %(now)s THEN NULL ELSE due_at END, "
            f"overdue_at = CASE WHEN due_at <= %(now)s THEN %(now)s END, "
            f"warned_at = CASE WHEN due_at > %(now)s THEN %(now)s END "
            f"WHERE next_check_at <= %(now)s",
            {"now": now},
        )
        cursor.execute(
            f"INSERT INTO {events} (case_id, action, from_status, to_status, actor_role, at, note, payload) "
            f"SELECT s.case_id, 'supervise', 'dispatched', 'dispatched', 'system', %(now)s, '超期', "
            f"'{{\"automatic\": true}}' FROM {steps} s WHERE s.overdue_at = %(now)s",
            {"now": now},
        )
        cursor.execute(
            f"INSERT INTO {notices} (user_id, case_id, timed_step_id, kind, title, body, created_at) "
            f"SELECT u, s.case_id, s.id, CASE WHEN s.light = 'red' THEN 'overdue' ELSE 'remind' END, "
            f"'催办', '', %(now)s FROM {steps} s, unnest(%(users)s) u "
            f"WHERE s.overdue_at = %(now)s OR s.warned_at = %(now)s",
            {"now": now, "users": users},
        )
    return time.perf_counter() - started


def measure_sweep(template: Case, open_cases: int, due: int = 1000) -> dict:
    """Seconds and SQL queries of one sweep over `due` due steps among `open_cases` open cases, and
    (on PostgreSQL) the same writes done by hand set-based, on the same rows, as its ceiling."""
    step = TimedStep.objects.get(case=template, finished_at__isnull=True)
    now = timezone.now()
    figures: dict = {}
    try:
        with transaction.atomic():
            started = time.perf_counter()
            _clone_cases(template, open_cases)
            _open_steps(template, step, due, now)
            figures["setup_s"] = round(time.perf_counter() - started, 1)
            with transaction.atomic():  # a savepoint: the sweep's writes are undone for the yardstick
                with CaptureQueriesContext(connection) as queries:
                    started = time.perf_counter()
                    result = sweep(now=now)
                    sweep_s = time.perf_counter() - started
                notices = Notification.objects.filter(created_at__gte=now).count()
                transaction.set_rollback(True)
            figures["sweep_s"] = round(sweep_s, 3)
            figures["queries"] = len(queries)
            figures["flipped"] = result.yellow + result.red
            figures["red"] = result.red
            figures["notices"] = notices
            if connection.vendor == "postgresql" and result.yellow + result.red:
                yardstick = _set_based_yardstick(now, round(notices / (result.yellow + result.red)))
                figures["set_based_sql_s"] = round(yardstick, 3)
                figures["ratio_to_sql"] = round(sweep_s / max(yardstick, 1e-6), 2)
            raise _Rollback
    except _Rollback:
        pass
    reclaim()
    return figures


def dispatched_template(desk) -> Case:
    """One case reported and dispatched through the API, to clone: its rows are real service output."""
    clients = desk.clients
    case = clients["inspector"].post("/api/v1/cases/", desk.report_body(-1), format="json").json()["id"]
    department = desk.users["department"].department_id
    for action, who, body in (
        ("accept", "operator", {}),
        ("file", "shift_leader", {}),
        ("dispatch", "dispatcher", {"department": department}),
    ):
        response = clients[who].post(f"/api/v1/cases/{case}/actions/{action}/", body, format="json")
        assert response.status_code == 200, (action, response.content)
    return Case.objects.get(pk=case)


def sweep_scaling(desk, sizes: tuple[int, ...], due: int = 1000) -> dict:
    template = dispatched_template(desk)
    runs = {str(size): measure_sweep(template, size, due) for size in sizes}
    small, large = runs[str(sizes[0])], runs[str(sizes[-1])]
    return {
        "due": due,
        "runs": runs,
        "time_ratio": round(large["sweep_s"] / max(small["sweep_s"], 1e-6), 2),
        "query_ratio": round(large["queries"] / max(small["queries"], 1), 2),
    }
