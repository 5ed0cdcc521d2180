"""The SLA sweep's cost against the number of open cases (issue: deadlines).

For each size it clones one real in-progress case (made through the services) into `open_cases` open
cases with an open 处置 step each, `due` of them due now, then times one sweep and counts its SQL.
Rows are cloned with one INSERT … SELECT over a recursive counter (PostgreSQL and SQLite alike), and
everything is rolled back afterwards, so the bench database keeps no trace.
"""

import time
from datetime import timedelta

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases.models import Case, TimedStep
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
        "due_at": "CASE WHEN c.id < %(cut)s THEN %(soon)s ELSE %(later)s END",
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


def measure_sweep(template: Case, open_cases: int, due: int = 1000) -> dict:
    """Seconds and SQL queries of one sweep over `due` due steps among `open_cases` open cases."""
    step = TimedStep.objects.get(case=template, finished_at__isnull=True)
    now = timezone.now()
    figures: dict = {}
    try:
        with transaction.atomic():
            started = time.perf_counter()
            _clone_cases(template, open_cases)
            _open_steps(template, step, due, now)
            figures["setup_s"] = round(time.perf_counter() - started, 1)
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                result = sweep(now=now)
                figures["sweep_s"] = round(time.perf_counter() - started, 3)
            figures["queries"] = len(queries)
            figures["flipped"] = result.yellow + result.red
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
