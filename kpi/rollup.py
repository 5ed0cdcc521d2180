"""The rollup: CaseEvents and TimedSteps → per-case facts → area and people cells.

A window of time (one day for the nightly run, "since the last run" during the day) is rolled up
in one transaction:

1. the cases *touched* in the window: those with any CaseEvent in it (every change a KPI can see
   writes an event, including the SLA sweep's 超期 督办, so nothing changes silently);
2. their facts are recomputed from the case row and its timed steps as they are now (CaseFact), and
   their attributable actions (PersonFact) from their events;
3. the facts that actually changed name the dirty cells: the old and new (day, grid, department,
   category, source) keys of each changed case, on both of the days it counts on (report day for
   上报数, filing day for the rest: DOMAIN §7 cohorts), and likewise (day, person, role, action);
4. exactly those cells are deleted and re-summed from the facts that carry their key.

So a case filed in March and closed in April moves March's cells when April's rollup sees its 结案
event, and the work of a run follows the number of cases touched in its window, never the size of
the history. Every step recomputes from the current state, so a run is idempotent and any order of
runs ends in the same tables; `rebuild()` (from scratch) therefore equals the incremental result.

The SQL is portable (PostgreSQL and SQLite): temporary tables, INSERT … SELECT, EXCEPT, and an
ORM-compiled SELECT for the facts (its time-zone-aware dates come out right on both backends).
"""

import datetime as dt
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Case as Choose
from django.db.models import CharField, Count, Exists, F, IntegerField, OuterRef, Q, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from cases.models import Case, CaseEvent, TimedStep
from cases.workflow import Action, Status
from cityops.roles import Role
from kpi.models import (
    FILED_FLAGS,
    REPORT_FLAGS,
    AreaDay,
    CaseFact,
    PersonDay,
    PersonFact,
    RollupState,
)

TOUCHED, OLD, CHANGED, DIRTY = "kpi_tmp_touched", "kpi_tmp_old", "kpi_tmp_changed", "kpi_tmp_dirty"
CELL = ("grid_id", "dept", "category_id", "source")
PERSON_CELL = ("user_id", "role", "kind")
# Actions people are scored on (DOMAIN §7), and the timed step each one finishes.
SCORED_STEP = {
    Action.VERIFY: "verify",
    Action.CHECK: "check",
    Action.ACCEPT: "accept",
    Action.SEND_VERIFY: "accept",
    Action.REJECT: "accept",
    Action.FILE: "file",
    Action.CLOSE: "close",
    Action.DISPATCH: "dispatch",
}


# 应结案 / 应处置 leave out what was voided and what is suspended now (DOMAIN §7).
NOT_DUE = (Status.VOIDED, Status.SUSPENDED)


@dataclass
class Result:
    cases: int = 0  # touched in the window
    changed: int = 0  # whose facts changed
    cells: int = 0  # area cells recomputed
    person_cells: int = 0


# ---------------------------------------------------------------------------------- the facts


def _one(q: Q):
    return Choose(When(q, then=Value(1)), default=Value(0), output_field=IntegerField())


def case_facts_select():
    """The SELECT of CaseFact rows for the touched cases, columns in CaseFact's order.

    The flags are those of cases/filters.py `kpi_flag` (the drill-down filters), written here as
    counts over the case's timed steps in one GROUP BY: correlated EXISTS subqueries would let
    PostgreSQL hash the whole step table, whose size is the history's.
    """
    s = Status

    def steps(**where):
        return Count("steps", filter=Q(**{f"steps__{k}": v for k, v in where.items()}))

    aggregates = {
        "n_dispose": steps(step="dispose"),
        "n_dispose_unfinished": steps(step="dispose", on_time__isnull=True),
        "n_dispose_late": steps(step="dispose", on_time=False),
        "n_dispose_red_open": steps(step="dispose", finished_at__isnull=True, light="red"),
        "n_file": steps(step="file"),
        "n_accept_on_time": steps(step="accept", on_time=True),
        "n_red_open": steps(finished_at__isnull=True, light="red"),
    }
    due = Q(n_dispose__gt=0) & ~Q(status__in=NOT_DUE)
    flags = {
        "r_rejected": Q(status=s.REJECTED, n_file=0),
        "r_filed": Q(filed_at__isnull=False),
        "r_accepted_on_time": Q(n_accept_on_time__gt=0),
        "r_closed": Q(status=s.CLOSED),
        "r_voided": Q(status=s.VOIDED),
        "r_callback": ~Q(satisfaction=""),
        "r_satisfied": Q(satisfaction__in=["satisfied", "basically_satisfied"]),
        "voided": Q(status=s.VOIDED),
        "suspended": Q(status=s.SUSPENDED),
        "closed": Q(status=s.CLOSED),
        "closed_on_time": Q(status=s.CLOSED, n_dispose_late=0),
        "due_dispose": due,
        "disposed_on_time": due & Q(n_dispose_unfinished=0, n_dispose_late=0),
        "overdue": Q(n_dispose_late__gt=0) | Q(n_dispose_red_open__gt=0),
        # The case list's `status=in_progress&overdue=true` (cases/filters.py).
        "overdue_open": Q(status=s.IN_PROGRESS, n_red_open__gt=0),
        "reworked": Q(rework_count__gt=0),
        "extended": Q(extension_count__gt=0),
        "returned": Q(return_count__gt=0),
        "reopened": Q(reopen_count__gt=0),
    }
    assert set(flags) == {*REPORT_FLAGS, *FILED_FLAGS}
    exprs = {
        "k_case_id": F("pk"),
        "k_report_day": TruncDate("created_at"),
        "k_filed_day": TruncDate("filed_at"),
        "k_grid_id": F("grid_id"),
        "k_community_id": F("community_id"),
        "k_street_id": F("street_id"),
        "k_dept": Coalesce("department_id", 0),
        "k_category_id": F("category_id"),
        "k_category_code": F("category_code"),
        "k_category_kind": F("category_kind"),
        "k_major_code": F("major_code"),
        "k_source": F("source"),
        **{f"k_{name}": _one(q) for name, q in flags.items()},
    }
    columns = [f.column for f in CaseFact._meta.concrete_fields]
    qs = (
        Case.objects.filter(pk__in=RawSQL(f"SELECT case_id FROM {TOUCHED}", []))
        .order_by()
        .annotate(**aggregates)
        .annotate(**exprs)
        .values_list(*(f"k_{c}" for c in columns))
    )
    return columns, qs


def person_facts_select():
    """The SELECT of PersonFact rows (attributable staff actions) of the touched cases."""
    step = Choose(
        *(When(action=action.value, then=Value(name)) for action, name in SCORED_STEP.items()),
        default=Value(""),
        output_field=CharField(),
    )
    # A 派遣 was wrong when the department's 回退 was approved before any later 派遣 (DOMAIN §7).
    later_dispatch = CaseEvent.objects.filter(
        case_id=OuterRef(OuterRef("case_id")),
        action=Action.DISPATCH,
        at__gt=OuterRef(OuterRef("at")),
        at__lt=OuterRef("at"),
    )
    returned = CaseEvent.objects.filter(
        case_id=OuterRef("case_id"), action=Action.APPROVE_RETURN, at__gt=OuterRef("at")
    ).filter(~Exists(later_dispatch))
    ok = Choose(
        # 有效上报: the report was 立案, or the inspector fixed it on the spot (自行处置).
        When(action=Action.REPORT, then=_one(Q(case__filed_at__isnull=False) | Q(case__self_resolved=True))),
        # 准确受理: what the operator let through was not refused or voided before 立案.
        When(
            action=Action.ACCEPT,
            then=_one(
                ~(Q(case__status__in=[Status.REJECTED, Status.VOIDED]) & Q(case__filed_at__isnull=True))
            ),
        ),
        When(action=Action.FILE, then=_one(~Q(case__status=Status.VOIDED))),  # 准确立案: not 作废
        When(action=Action.DISPATCH, then=_one(~Q(Exists(returned)))),  # 准确派遣: not 回退
        default=Value(1),
        output_field=IntegerField(),
    )
    on_time = Exists(
        TimedStep.objects.filter(
            case_id=OuterRef("case_id"), step=OuterRef("k_step"), finished_at=OuterRef("at"), on_time=True
        )
    )
    exprs = {
        "k_event_id": F("pk"),
        "k_case_id": F("case_id"),
        "k_day": TruncDate("at"),
        "k_user_id": F("actor_id"),
        "k_role": F("actor_role"),
        "k_kind": F("action"),
    }
    columns = [f.column for f in PersonFact._meta.concrete_fields]
    qs = (
        CaseEvent.objects.filter(
            case_id__in=RawSQL(f"SELECT case_id FROM {TOUCHED}", []), actor__isnull=False
        )
        .filter(Q(action__in=list(SCORED_STEP)) | Q(action=Action.REPORT, actor_role=Role.INSPECTOR))
        .order_by()
        .annotate(**exprs, k_step=step)
        .annotate(k_on_time=_one(Q(on_time)), k_ok=ok)
        .values_list(*(f"k_{c}" for c in columns))
    )
    return columns, qs


# ---------------------------------------------------------------------------------- running


def _execute(cursor, sql: str, params=()) -> int:
    cursor.execute(sql, params)
    return cursor.rowcount


def _analyze(cursor, table: str) -> None:
    """PostgreSQL has no statistics for a fresh temporary table and may then plan a scan of a whole
    rollup table against it; a few hundred rows analysed keep every join on the indexes."""
    if connection.vendor == "postgresql":
        cursor.execute(f"ANALYZE {table}")


def _refresh(cursor, fact_model, select, cell_model, day_columns, key, sums, force: bool) -> int:
    """Steps 2–4 of the module docstring for one fact table and its rollup; returns the cells written."""
    facts = fact_model._meta.db_table
    cells = cell_model._meta.db_table
    in_touched = f"case_id IN (SELECT case_id FROM {TOUCHED})"
    _execute(cursor, f"DROP TABLE IF EXISTS {OLD}")
    _execute(cursor, f"DROP TABLE IF EXISTS {CHANGED}")
    _execute(cursor, f"DROP TABLE IF EXISTS {DIRTY}")
    _execute(cursor, f"CREATE TEMPORARY TABLE {OLD} AS SELECT * FROM {facts} WHERE {in_touched}")
    _execute(cursor, f"DELETE FROM {facts} WHERE {in_touched}")
    columns, qs = select()
    sql, params = qs.query.sql_with_params()
    _execute(cursor, f"INSERT INTO {facts} ({', '.join(columns)}) {sql}", params)
    # Only facts that changed can change a cell: a 督办 or a denied request leaves the sums alone.
    # `force` re-sums the cells of every touched case anyway, which also repairs a damaged cell.
    _execute(cursor, f"CREATE TEMPORARY TABLE {CHANGED} AS SELECT * FROM {facts} WHERE 1 = 0")
    new = f"SELECT * FROM {facts} WHERE {in_touched}"
    if force:
        _execute(cursor, f"INSERT INTO {CHANGED} SELECT * FROM {OLD}")
        _execute(cursor, f"INSERT INTO {CHANGED} {new}")
    else:
        _execute(cursor, f"INSERT INTO {CHANGED} SELECT * FROM (SELECT * FROM {OLD} EXCEPT {new}) x")
        _execute(cursor, f"INSERT INTO {CHANGED} SELECT * FROM ({new} EXCEPT SELECT * FROM {OLD}) x")
    keys = ", ".join(key)
    dirty = " UNION ".join(
        f"SELECT DISTINCT {day} AS day, {keys} FROM {CHANGED} WHERE {day} IS NOT NULL" for day in day_columns
    )
    _execute(cursor, f"CREATE TEMPORARY TABLE {DIRTY} AS SELECT * FROM ({dirty}) x")
    _analyze(cursor, DIRTY)
    match = " AND ".join(f"d.{c} = {cells}.{c}" for c in ("day", *key))
    _execute(cursor, f"DELETE FROM {cells} WHERE EXISTS (SELECT 1 FROM {DIRTY} d WHERE {match})")
    return _execute(cursor, sums(facts, cells))


def _area_sums(facts: str, cells: str) -> str:
    carried = ("community_id", "street_id", "category_code", "category_kind", "major_code")
    report_cols = ("reported", *REPORT_FLAGS)
    filed_cols = ("filed", *FILED_FLAGS)

    def part(day: str, counted: tuple[str, ...], ones: str) -> str:
        match = " AND ".join(f"f.{c} = d.{c}" for c in CELL)
        values = [
            f"{('1' if c == ones else 'f.' + c) if c in counted else '0'} AS {c}"
            for c in (*report_cols, *filed_cols)
        ]
        return (
            f"SELECT d.day, {', '.join('f.' + c for c in (*CELL, *carried))}, {', '.join(values)} "
            f"FROM {DIRTY} d JOIN {facts} f ON f.{day} = d.day AND {match}"
        )

    sums = ", ".join(f"SUM({c})" for c in (*report_cols, *filed_cols))
    carried_max = ", ".join(f"MAX({c})" for c in carried)
    target = ", ".join(("day", *CELL, *carried, *report_cols, *filed_cols))
    return (
        f"INSERT INTO {cells} ({target}) SELECT day, {', '.join(CELL)}, {carried_max}, {sums} FROM ("
        f"{part('report_day', report_cols, 'reported')} UNION ALL {part('filed_day', filed_cols, 'filed')}"
        f") x GROUP BY day, {', '.join(CELL)}"
    )


def _person_sums(facts: str, cells: str) -> str:
    match = " AND ".join(f"f.{c} = d.{c}" for c in ("day", *PERSON_CELL))
    keys = ", ".join(f"d.{c}" for c in ("day", *PERSON_CELL))
    return (
        f"INSERT INTO {cells} (day, {', '.join(PERSON_CELL)}, n, on_time, ok) "
        f"SELECT {keys}, COUNT(*), SUM(f.on_time), SUM(f.ok) FROM {DIRTY} d JOIN {facts} f ON {match} "
        f"GROUP BY {keys}"
    )


def rollup_window(start: dt.datetime, end: dt.datetime, *, force: bool = False) -> Result:
    """Roll up every case with an event in [start, end): one transaction, serialised with other runs.

    Cells are re-summed where a fact changed; with `force`, wherever a touched case counts.
    """
    result = Result()
    with transaction.atomic():
        RollupState.objects.get_or_create(pk=1)
        RollupState.objects.select_for_update().get(pk=1)  # one rollup at a time: cells are rewritten
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # The fact SELECTs look expensive to the planner, which then spends seconds JIT-compiling
                # them; they run in a fraction of that as they are.
                _execute(cursor, "SET LOCAL jit = off")
            _execute(cursor, f"DROP TABLE IF EXISTS {TOUCHED}")
            _execute(cursor, f"CREATE TEMPORARY TABLE {TOUCHED} (case_id BIGINT PRIMARY KEY)")
            events = CaseEvent._meta.db_table
            result.cases = _execute(
                cursor,
                f"INSERT INTO {TOUCHED} (case_id) SELECT DISTINCT case_id FROM {events} WHERE at >= %s AND at < %s",
                [start, end],
            )
            _analyze(cursor, TOUCHED)
            if result.cases:
                result.cells = _refresh(
                    cursor,
                    CaseFact,
                    case_facts_select,
                    AreaDay,
                    ("report_day", "filed_day"),
                    CELL,
                    _area_sums,
                    force,
                )
                cursor.execute(f"SELECT COUNT(DISTINCT case_id) FROM {CHANGED}")
                result.changed = cursor.fetchone()[0]
                result.person_cells = _refresh(
                    cursor,
                    PersonFact,
                    person_facts_select,
                    PersonDay,
                    ("day",),
                    PERSON_CELL,
                    _person_sums,
                    force,
                )
            for table in (TOUCHED, OLD, CHANGED, DIRTY):
                _execute(cursor, f"DROP TABLE IF EXISTS {table}")
    return result


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    return start, dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=tz)


def rollup_day(day: dt.date, *, force: bool = False) -> Result:
    """The nightly unit: every case with an event on `day` (local calendar day)."""
    return rollup_window(*day_bounds(day), force=force)


# An event is written in its action's transaction with `at` = that transaction's start, so it may
# commit a little after a run has read past it; the overlap reads it again (harmless: idempotent).
OVERLAP = dt.timedelta(minutes=10)


def rollup_incremental(now: dt.datetime | None = None) -> Result:
    """Cells dirtied since the last incremental run (today so far on the first run of a day)."""
    now = now or timezone.now()
    state = RollupState.objects.get_or_create(pk=1)[0]
    since = state.last_incremental_at
    start = since - OVERLAP if since else day_bounds(timezone.localdate(now))[0]
    result = rollup_window(start, now)
    RollupState.objects.filter(pk=1).update(last_incremental_at=now, updated_at=now)
    return result


def rollup_nightly(day: dt.date | None = None) -> Result:
    """Yesterday, whole: catches anything an incremental run missed (a long transaction, a crash):
    such a case's facts differ from the stored ones, so its cells are re-summed."""
    day = day or timezone.localdate() - dt.timedelta(days=1)
    result = rollup_day(day)
    RollupState.objects.filter(pk=1).update(last_nightly_day=day)
    return result


def event_days() -> tuple[dt.date, dt.date] | None:
    """The first and last local day with any event (the range a full rebuild covers)."""
    first = CaseEvent.objects.order_by("at").values_list("at", flat=True).first()
    last = CaseEvent.objects.order_by("-at").values_list("at", flat=True).first()
    if first is None:
        return None
    return timezone.localdate(first), timezone.localdate(last)


def clear() -> None:
    """Empty the facts and rollups (the first step of a rebuild from scratch)."""
    with transaction.atomic():
        for model in (AreaDay, PersonDay, CaseFact, PersonFact):
            model.objects.all().delete()


def rebuild(progress=None) -> int:
    """From scratch: clear, then roll up every day from the first event to the last; returns days."""
    clear()
    span = event_days()
    if span is None:
        return 0
    days = [span[0] + dt.timedelta(days=n) for n in range((span[1] - span[0]).days + 1)]
    for day in progress(days) if progress else days:
        rollup_day(day)
    return len(days)
