"""The rollup: CaseEvents and TimedSteps → per-case facts → area and people cells.

A window of time (one day for the nightly run, "since the last run" during the day) is rolled up
in one transaction:

1. the cases *touched* in the window: those with any CaseEvent in it (every change a KPI can see
   writes an event, including the SLA sweep's 超期 督办, so nothing changes silently);
2. their facts are recomputed from the case row and its timed steps as they are now (CaseFact), and
   their attributable actions (PersonFact) from their events;
3. the facts that actually changed are subtracted from the cells they counted in and the new
   versions added, in one INSERT … ON CONFLICT DO UPDATE per rollup table, keyed by the old and new
   (day, grid, department, category, source) of each changed case on both of the days it counts on
   (report day for 上报数, filing day for the rest: docs/domain.md §7 cohorts), and likewise (day, person,
   role, action); a cell left counting nothing is deleted. A forced run (`kpi_rollup`) instead
   re-sums every cell a touched case counts in from the facts, which also repairs a damaged cell;
4. the coarse area tables (StreetDay, CategoryDay, GridDay: what the dashboard and the rankings read)
   gain and lose the same signed rows, one INSERT … SELECT … GROUP BY … ON CONFLICT each (forced:
   every dirty day of each re-summed from the facts);
5. after the commit, if any fact changed, the tables the pages read are ANALYZEd, so the planner sees
   their real size.

So a case filed in March and closed in April moves March's cells when April's rollup sees its 结案
event, and the work of a run follows the number of cases touched in its window, never the size of
the history. Every step recomputes from the current state, so a run is idempotent and any order of
runs ends in the same tables; `rebuild()` (from scratch) therefore equals the incremental result.

The SQL is portable (PostgreSQL and SQLite): temporary tables, INSERT … SELECT … ON CONFLICT, EXCEPT, and an
ORM-compiled SELECT for the facts (its time-zone-aware dates come out right on both backends).
"""

import datetime as dt
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Case as Choose
from django.db.models import CharField, Count, Exists, F, IntegerField, OuterRef, Q, Subquery, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from cases.models import Case, CaseEvent, Satisfaction, TimedStep
from cases.workflow import Action, Status
from core.dates import local_days
from core.roles import Role
from dispatch.models import Step
from grids.models import Street
from kpi.models import (
    COARSE,
    FILED_FLAGS,
    REPORT_FLAGS,
    AreaDay,
    CaseFact,
    PersonDay,
    PersonFact,
    RollupState,
)

TOUCHED, DIRTY, DAYS = "kpi_tmp_touched", "kpi_tmp_dirty", "kpi_tmp_days"
# A fact table's rows of the touched cases: stored (OLD), as of now (NEW), and those that differ.
OLD, NEW, GONE, CAME = "kpi_tmp_old", "kpi_tmp_new", "kpi_tmp_gone", "kpi_tmp_came"
IN_TOUCHED = f"case_id IN (SELECT case_id FROM {TOUCHED})"
CELL = ("grid_id", "dept", "category_id", "source")
PERSON_CELL = ("user_id", "role", "kind")
# Actions people are scored on (docs/domain.md §7), and the timed step each one finishes.
SCORED_STEP = {
    Action.VERIFY: Step.VERIFY,
    Action.CHECK: Step.CHECK,
    Action.ACCEPT: Step.ACCEPT,
    Action.SEND_VERIFY: Step.ACCEPT,
    Action.REJECT: Step.ACCEPT,
    Action.FILE: Step.FILE,
    Action.CLOSE: Step.CLOSE,
    Action.DISPATCH: Step.DISPATCH,
}


# 应结案 / 应处置 leave out what was voided and what is suspended now (docs/domain.md §7).
NOT_DUE = (Status.VOIDED, Status.SUSPENDED)
REACHED = (Satisfaction.SATISFIED, Satisfaction.BASICALLY_SATISFIED, Satisfaction.UNSATISFIED)
# A cell with these at 0 counts nothing (every other column counts a subset of them): it is deleted.
EMPTY = {AreaDay: ("reported", "filed"), PersonDay: ("n",)}


@dataclass
class Result:
    cases: int = 0  # touched in the window
    current: int = 0  # of those, already rolled up with every event they have (skipped)
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
        "n_dispose": steps(step=Step.DISPOSE),
        "n_dispose_unfinished": steps(step=Step.DISPOSE, on_time__isnull=True),
        "n_dispose_late": steps(step=Step.DISPOSE, on_time=False),
        "n_dispose_red_open": steps(step=Step.DISPOSE, finished_at__isnull=True, light="red"),
        "n_file": steps(step=Step.FILE),
        "n_accept_on_time": steps(step=Step.ACCEPT, on_time=True),
        "n_red_open": steps(finished_at__isnull=True, light="red"),
    }
    due = Q(n_dispose__gt=0) & ~Q(status__in=NOT_DUE)
    # An approved 退单 ends a 12345 ticket as 不予受理 with the centre's word kept on the ticket.
    returned = Q(status=s.REJECTED, hotline_ticket__return_counted__isnull=False)
    counted = Q(status=s.REJECTED, hotline_ticket__return_counted=True)
    rejected = Q(status=s.REJECTED, n_file=0)
    flags = {
        "r_rejected": Q(status=s.REJECTED, n_file=0),
        "r_filed": Q(filed_at__isnull=False),
        "r_accepted_on_time": Q(n_accept_on_time__gt=0),
        "r_closed": Q(status=s.CLOSED),
        "r_voided": Q(status=s.VOIDED),
        # 回访联系上: "unreachable" is a callback that did not reach the caller (满意率's denominator).
        "r_callback": Q(satisfaction__in=REACHED),
        "r_satisfied": Q(satisfaction__in=["satisfied", "basically_satisfied"]),
        "r_returned": returned,
        "r_returned_counted": counted,
        "r_hotline_due": ~Q(status=s.VOIDED) & ~(rejected & ~counted) & ~(returned & ~counted),
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
    event_count = (
        CaseEvent.objects.filter(case_id=OuterRef("pk")).order_by().values("case_id").annotate(n=Count("id"))
    )
    exprs = {
        "k_case_id": F("pk"),
        "k_report_day": TruncDate("created_at"),
        "k_filed_day": TruncDate("filed_at"),
        "k_events": Subquery(event_count.values("n"), output_field=IntegerField()),
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
    # A 派遣 was wrong when the department's 回退 was approved before any later 派遣 (docs/domain.md §7).
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

# Touched cases whose fact already counts every event they have: nothing about them can have changed
# (see CaseFact.events), so the run leaves them out. An event that commits after a run read past its
# time raises the count, so the overlap of the next run picks its case up again.
UP_TO_DATE = (
    f"DELETE FROM {TOUCHED} WHERE case_id IN ("
    f"SELECT f.case_id FROM {CaseFact._meta.db_table} f WHERE f.case_id IN (SELECT case_id FROM {TOUCHED}) "
    f"AND f.events = (SELECT COUNT(*) FROM {CaseEvent._meta.db_table} e WHERE e.case_id = f.case_id))"
)


def _execute(cursor, sql: str, params=()) -> int:
    cursor.execute(sql, params)
    return cursor.rowcount


def _analyze(cursor, table: str) -> None:
    """PostgreSQL has no statistics for a fresh temporary table and may then plan a scan of a whole
    rollup table against it; a few hundred rows analysed keep every join on the indexes."""
    if connection.vendor == "postgresql":
        cursor.execute(f"ANALYZE {table}")


def _refresh(cursor, fact_model, select, cell_model, day_columns, key, delta, resum, force: bool) -> int:
    """Steps 2–4 of the module docstring for one fact table and its rollup; returns the cells written."""
    facts = fact_model._meta.db_table
    cells = cell_model._meta.db_table
    pk = fact_model._meta.pk.column
    for table in (OLD, NEW, GONE, CAME, DIRTY):
        _execute(cursor, f"DROP TABLE IF EXISTS {table}")
    # The stored facts of the touched cases, and their facts as of now (same columns, same order).
    _execute(cursor, f"CREATE TEMPORARY TABLE {OLD} AS SELECT * FROM {facts} WHERE {IN_TOUCHED}")
    _execute(cursor, f"CREATE TEMPORARY TABLE {NEW} AS SELECT * FROM {facts} WHERE 1 = 0")
    columns, qs = select()
    sql, params = qs.query.sql_with_params()
    _execute(cursor, f"INSERT INTO {NEW} ({', '.join(columns)}) {sql}", params)
    # Only facts that changed can change a cell: a 督办 or a denied request leaves the sums alone.
    # `force` treats every touched fact as changed and re-sums its cells from the facts, which also
    # repairs a damaged cell.
    gone, came = OLD, NEW
    if not force:
        gone, came = GONE, CAME
        _execute(
            cursor,
            f"CREATE TEMPORARY TABLE {GONE} AS SELECT * FROM (SELECT * FROM {OLD} EXCEPT SELECT * FROM {NEW}) x",
        )
        _execute(
            cursor,
            f"CREATE TEMPORARY TABLE {CAME} AS SELECT * FROM (SELECT * FROM {NEW} EXCEPT SELECT * FROM {OLD}) x",
        )
    _execute(cursor, f"DELETE FROM {facts} WHERE {pk} IN (SELECT {pk} FROM {gone})")
    _execute(cursor, f"INSERT INTO {facts} SELECT * FROM {came}")
    # The cells a changed fact counted in before: they may have emptied (or, forced, be re-summed).
    keys = ", ".join(key)
    dirty = " UNION ".join(
        f"SELECT DISTINCT {day} AS day, {keys} FROM {table} WHERE {day} IS NOT NULL"
        for day in day_columns
        for table in ((gone, came) if force else (gone,))
    )
    _execute(cursor, f"CREATE TEMPORARY TABLE {DIRTY} AS SELECT * FROM ({dirty}) x")
    _analyze(cursor, DIRTY)
    in_dirty = "EXISTS (SELECT 1 FROM {d} d WHERE {m})".format(
        d=DIRTY, m=" AND ".join(f"d.{c} = {cells}.{c}" for c in ("day", *key))
    )
    if force:
        _execute(cursor, f"DELETE FROM {cells} WHERE {in_dirty}")
        return _execute(cursor, resum(facts, cells))
    # Each cell gains the new facts and loses the old ones: work in proportion to what changed,
    # whatever the size of the cells or of the history.
    written = _execute(cursor, delta(gone, came, cells))
    empty = " AND ".join(f"{c} = 0" for c in EMPTY[cell_model])
    _execute(cursor, f"DELETE FROM {cells} WHERE {empty} AND {in_dirty}")
    return written


def _upsert(
    cells: str, keys: tuple[str, ...], carried: tuple[str, ...], sums: tuple[str, ...], rows: str
) -> str:
    """INSERT the summed rows, adding them to a cell that exists (both backends speak ON CONFLICT)."""
    updates = [f"{c} = {cells}.{c} + excluded.{c}" for c in sums] + [f"{c} = excluded.{c}" for c in carried]
    return (
        f"INSERT INTO {cells} ({', '.join((*keys, *carried, *sums))}) "
        f"SELECT {', '.join(keys)}, {', '.join(f'MAX({c})' for c in carried) or ''}"
        f"{', ' if carried else ''}{', '.join(f'SUM({c})' for c in sums)} "
        f"FROM ({rows}) x GROUP BY {', '.join(keys)} "
        f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {', '.join(updates)}"
    )


def _signed(gone: str, came: str) -> str:
    return f"SELECT 1 AS sign, * FROM {came} UNION ALL SELECT -1 AS sign, * FROM {gone}"


AREA_CARRIED = ("community_id", "street_id", "category_code", "category_kind", "major_code")
AREA_REPORT = ("reported", *REPORT_FLAGS)
AREA_FILED = ("filed", *FILED_FLAGS)


def _area_rows(source, value, columns=(*CELL, *AREA_CARRIED)) -> str:
    """Each fact's two cohort rows: on its report day the r_* columns, on its filing day the rest.

    `source(day)` is the SQL of the facts to read for a cohort day column, `value(column, ones)` the
    expression for a counted column (`ones`: the column that counts the fact itself), `columns` the
    fact columns a row keeps (a coarse table's keys and carried columns).
    """

    def part(day: str, counted: tuple[str, ...], ones: str) -> str:
        values = [
            f"{value(c, c == ones) if c in counted else '0'} AS {c}" for c in (*AREA_REPORT, *AREA_FILED)
        ]
        return (
            f"SELECT f.{day} AS day, {', '.join('f.' + c for c in columns)}, {', '.join(values)} "
            f"FROM ({source(day)}) f WHERE f.{day} IS NOT NULL"
        )

    return f"{part('report_day', AREA_REPORT, 'reported')} UNION ALL {part('filed_day', AREA_FILED, 'filed')}"


def _area_delta(gone: str, came: str, cells: str) -> str:
    rows = _area_rows(
        lambda day: _signed(gone, came), lambda c, ones: "f.sign" if ones else f"f.sign * f.{c}"
    )
    return _upsert(cells, ("day", *CELL), AREA_CARRIED, (*AREA_REPORT, *AREA_FILED), rows)


def _area_sums(facts: str, cells: str) -> str:
    match = " AND ".join(f"f.{c} = d.{c}" for c in CELL)
    rows = _area_rows(
        lambda day: f"SELECT f.* FROM {DIRTY} d JOIN {facts} f ON f.{day} = d.day AND {match}",
        lambda c, ones: "1" if ones else f"f.{c}",
    )
    return _upsert(cells, ("day", *CELL), AREA_CARRIED, (*AREA_REPORT, *AREA_FILED), rows)


def _with_district(model, facts: str) -> str:
    """The facts with their street's district, for a table keyed on districts (facts keep streets: a
    district is its streets, and the rollup reads one street row per fact through its primary key)."""
    if "district_id" not in model.KEYS:
        return facts
    return (
        f"SELECT x.*, COALESCE(s.district_id, 0) AS district_id FROM ({facts}) x "
        f"LEFT JOIN {Street._meta.db_table} s ON s.id = x.street_id"
    )


def _coarse_delta(model, gone: str, came: str) -> str:
    """A coarse table gains the changed facts' new versions and loses their old ones: the same signed
    rows as AreaDay's, summed to the coarse keys in one INSERT … SELECT … GROUP BY … ON CONFLICT."""
    rows = _area_rows(
        lambda day: _with_district(model, _signed(gone, came)),
        lambda c, ones: "f.sign" if ones else f"f.sign * f.{c}",
        (*model.KEYS, *model.CARRIED),
    )
    return _upsert(
        model._meta.db_table, ("day", *model.KEYS), model.CARRIED, (*AREA_REPORT, *AREA_FILED), rows
    )


def _coarse_sums(model, facts: str, days: str | None) -> str:
    """A coarse table's cells of the days in `days` (a one-column table of days; None: every day),
    summed from the facts."""
    where = f" WHERE f.{{day}} IN (SELECT day FROM {days})" if days else ""
    rows = _area_rows(
        lambda day: _with_district(model, f"SELECT f.* FROM {facts} f" + where.format(day=day)),
        lambda c, ones: "1" if ones else f"f.{c}",
        (*model.KEYS, *model.CARRIED),
    )
    return _upsert(
        model._meta.db_table, ("day", *model.KEYS), model.CARRIED, (*AREA_REPORT, *AREA_FILED), rows
    )


def _refresh_coarse(cursor, gone: str, came: str, force: bool) -> None:
    """After AreaDay (while DIRTY holds its dirty cells): the coarse tables, one statement each.

    Unforced, each gains and loses what AreaDay did, and a cell left counting nothing on a dirty day is
    deleted. Forced, every dirty day of each is re-summed whole from the facts (a few thousand facts
    a day), which also repairs a damaged coarse cell.
    """
    empty = " AND ".join(f"{c} = 0" for c in EMPTY[AreaDay])
    _execute(cursor, f"DROP TABLE IF EXISTS {DAYS}")
    _execute(cursor, f"CREATE TEMPORARY TABLE {DAYS} AS SELECT DISTINCT day FROM {DIRTY}")
    for model in COARSE:
        table = model._meta.db_table
        if force:
            _execute(cursor, f"DELETE FROM {table} WHERE day IN (SELECT day FROM {DAYS})")
            _execute(cursor, _coarse_sums(model, CaseFact._meta.db_table, DAYS))
        else:
            _execute(cursor, _coarse_delta(model, gone, came))
            _execute(cursor, f"DELETE FROM {table} WHERE {empty} AND day IN (SELECT day FROM {DAYS})")
    _execute(cursor, f"DROP TABLE IF EXISTS {DAYS}")


# The tables the KPI pages read: analysed after every run, so the planner knows their size and spread
# (a table grown from nothing in one night otherwise keeps the estimate of an empty one).
READ_TABLES = tuple(m._meta.db_table for m in (AreaDay, *COARSE, PersonDay))


def analyze_rollups() -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {', '.join(READ_TABLES)}")
        else:
            for table in READ_TABLES:
                cursor.execute(f"ANALYZE {table}")


def _person_delta(gone: str, came: str, cells: str) -> str:
    rows = (
        f"SELECT f.day, {', '.join('f.' + c for c in PERSON_CELL)}, f.sign AS n, f.sign * f.on_time AS on_time, "
        f"f.sign * f.ok AS ok FROM ({_signed(gone, came)}) f"
    )
    return _upsert(cells, ("day", *PERSON_CELL), (), ("n", "on_time", "ok"), rows)


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

    Cells gain and lose the facts that changed; with `force`, every cell a touched case counts in is
    re-summed from the facts.
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
                # A day touches a few thousand cases of a history of millions: reach them through the
                # indexes, one by one. A hash or merge join would read a whole case, step or event table
                # instead, and make the run grow with the history it is not about.
                _execute(cursor, "SET LOCAL enable_hashjoin = off")
                _execute(cursor, "SET LOCAL enable_mergejoin = off")
            _execute(cursor, f"DROP TABLE IF EXISTS {TOUCHED}")
            _execute(cursor, f"CREATE TEMPORARY TABLE {TOUCHED} (case_id BIGINT PRIMARY KEY)")
            events = CaseEvent._meta.db_table
            result.cases = _execute(
                cursor,
                f"INSERT INTO {TOUCHED} (case_id) SELECT DISTINCT case_id FROM {events} WHERE at >= %s AND at < %s",
                [start, end],
            )
            if not force:
                result.current = _execute(cursor, UP_TO_DATE)
            _analyze(cursor, TOUCHED)
            if result.cases > result.current:
                result.cells = _refresh(
                    cursor,
                    CaseFact,
                    case_facts_select,
                    AreaDay,
                    ("report_day", "filed_day"),
                    CELL,
                    _area_delta,
                    _area_sums,
                    force,
                )
                _refresh_coarse(cursor, GONE if not force else OLD, CAME if not force else NEW, force)
                cursor.execute(
                    f"SELECT COUNT(*) FROM (SELECT case_id FROM {GONE if not force else OLD} "
                    f"UNION SELECT case_id FROM {CAME if not force else NEW}) x"
                )
                result.changed = cursor.fetchone()[0]
                result.person_cells = _refresh(
                    cursor,
                    PersonFact,
                    person_facts_select,
                    PersonDay,
                    ("day",),
                    PERSON_CELL,
                    _person_delta,
                    _person_sums,
                    force,
                )
            for table in (TOUCHED, OLD, NEW, GONE, CAME, DIRTY):
                _execute(cursor, f"DROP TABLE IF EXISTS {table}")
    if result.changed:
        analyze_rollups()  # after the commit: the lock is not held for it
    return result


def forget_window(start: dt.datetime, end: dt.datetime) -> int:
    """Take the cases with an event in [start, end) out of the rollup: their facts are deleted and
    subtracted from the cells, as if they had never been rolled up. The next run over the window
    puts them back (the benchmark's worst night: every case of the day is new to the rollup)."""
    with transaction.atomic(), connection.cursor() as cursor:
        RollupState.objects.get_or_create(pk=1)
        RollupState.objects.select_for_update().get(pk=1)
        for table in (TOUCHED, OLD, NEW):
            _execute(cursor, f"DROP TABLE IF EXISTS {table}")
        events = CaseEvent._meta.db_table
        _execute(cursor, f"CREATE TEMPORARY TABLE {TOUCHED} (case_id BIGINT PRIMARY KEY)")
        cases = _execute(
            cursor,
            f"INSERT INTO {TOUCHED} (case_id) SELECT DISTINCT case_id FROM {events} WHERE at >= %s AND at < %s",
            [start, end],
        )
        for facts, cells, delta in ((CaseFact, AreaDay, _area_delta), (PersonFact, PersonDay, _person_delta)):
            table = facts._meta.db_table
            _execute(cursor, f"DROP TABLE IF EXISTS {OLD}")
            _execute(cursor, f"DROP TABLE IF EXISTS {NEW}")
            _execute(cursor, f"CREATE TEMPORARY TABLE {OLD} AS SELECT * FROM {table} WHERE {IN_TOUCHED}")
            _execute(cursor, f"CREATE TEMPORARY TABLE {NEW} AS SELECT * FROM {table} WHERE 1 = 0")
            _execute(cursor, delta(OLD, NEW, cells._meta.db_table))
            empty = " AND ".join(f"{c} = 0" for c in EMPTY[cells])
            _execute(cursor, f"DELETE FROM {cells._meta.db_table} WHERE {empty}")
            if cells is AreaDay:
                for model in COARSE:
                    _execute(cursor, _coarse_delta(model, OLD, NEW))
                    _execute(cursor, f"DELETE FROM {model._meta.db_table} WHERE {empty}")
            _execute(cursor, f"DELETE FROM {table} WHERE {IN_TOUCHED}")
        for table in (TOUCHED, OLD, NEW):
            _execute(cursor, f"DROP TABLE IF EXISTS {table}")
    analyze_rollups()
    return cases


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    return local_days(day)


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
        for model in (AreaDay, *COARSE, PersonDay, CaseFact, PersonFact):
            model.objects.all().delete()


def fill_coarse() -> None:
    """The coarse tables rewritten from the facts as they stand (after a migration added one)."""
    with transaction.atomic(), connection.cursor() as cursor:
        RollupState.objects.get_or_create(pk=1)
        RollupState.objects.select_for_update().get(pk=1)
        for model in COARSE:
            _execute(cursor, f"DELETE FROM {model._meta.db_table}")
            _execute(cursor, _coarse_sums(model, CaseFact._meta.db_table, None))
    analyze_rollups()


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
