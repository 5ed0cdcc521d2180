"""Writes played stories in bulk: ids and case numbers first, then cases, 协办 links, ledger rows, events.

One transaction per batch, so an interrupted run leaves whole batches only. Case and request ids are
taken from the tables' own sequences before writing, because events point at both (a request's id is
in its event's payload). Case numbers come from CaseNumberCounter with the same atomic upsert as
services.next_case_number, reserving a block per (district, day), so a case reported through the
services later never gets a number the generator used. Events are only ever inserted: the table
refuses UPDATE and DELETE.

PostgreSQL gets COPY (several times faster than INSERT for millions of events); other databases get
`executemany` INSERTs. Not bulk_create: it would stamp Case.updated_at (auto_now) with the wall clock
instead of the time of the case's last change.
"""

import csv
import io
import json
from collections import Counter
from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone

from cases.models import Case, CaseEvent, CaseNumberCounter, CaseRequest, TimedStep
from tooling.generator.story import CaseRef, Request, Story
from tooling.generator.timed import Timed

_NULL = "\\N"
_EVENT_COLUMNS = (
    "case_id",
    "action",
    "from_status",
    "to_status",
    "actor_id",
    "actor_role",
    "at",
    "note",
    "payload",
)
_STEP_ATTRS = [name for name in Timed.__slots__ if name != "id"]
_STEP_COLUMNS = ["id", "case_id", *_STEP_ATTRS]
_REQUEST_COLUMNS = (
    "id", "case_id", "kind", "state", "reason", "extension_hours", "requested_by_id", "requested_role",
    "requested_department_id", "requested_at", "decided_by_id", "decided_at", "decision_note", "reason_code",
)  # fmt: skip


class Writer:
    def __init__(self, method: str = "auto"):
        self.copy = method == "copy" or (method == "auto" and connection.vendor == "postgresql")
        if self.copy and connection.vendor != "postgresql":
            raise ValueError("COPY needs PostgreSQL")
        self.zone = timezone.get_current_timezone()
        self.case_fields = [f for f in Case._meta.concrete_fields]
        self.through = Case.co_departments.through
        self.written = Counter()

    # ------------------------------------------------------------------ a batch

    def write(self, stories: list[Story]) -> None:
        with transaction.atomic():
            self._number(stories)
            # Events point at requests and timed steps by id (payload), so both get theirs first.
            for model, rows in (
                (CaseRequest, [r for s in stories for r in s.requests]),
                (TimedStep, [t for s in stories for t in s.clockwork.steps]),
            ):
                for row, pk in zip(rows, self._ids(model, len(rows)), strict=True):
                    row.id = pk
            cases = [self._case_row(s) for s in stories]
            links = [(s.ref.id, department) for s in stories for department in s.co]
            ledger = [self._request_row(s, r) for s in stories for r in s.requests]
            steps = [
                [t.id, s.ref.id, *(getattr(t, name) for name in _STEP_ATTRS)]
                for s in stories
                for t in s.clockwork.steps
            ]
            events = [self._event_row(s, e) for s in stories for e in s.events]
            self._insert(Case._meta.db_table, [f.column for f in self.case_fields], cases, self.case_fields)
            self._insert(self.through._meta.db_table, ["case_id", "department_id"], links)
            self._insert(
                CaseRequest._meta.db_table,
                list(_REQUEST_COLUMNS),
                ledger,
                _fields(CaseRequest, _REQUEST_COLUMNS),
            )
            self._insert(TimedStep._meta.db_table, _STEP_COLUMNS, steps, _fields(TimedStep, _STEP_COLUMNS))
            self._insert(
                CaseEvent._meta.db_table, list(_EVENT_COLUMNS), events, _fields(CaseEvent, _EVENT_COLUMNS)
            )
        self.written.update(
            cases=len(cases),
            events=len(events),
            requests=len(ledger),
            co_departments=len(links),
            steps=len(steps),
        )

    def finish(self) -> None:
        if connection.vendor == "postgresql":
            # Fresh statistics, or the planner keeps guessing from the empty tables it saw last.
            with connection.cursor() as cursor:
                tables = (Case, CaseEvent, CaseRequest, TimedStep)
                cursor.execute("ANALYZE " + ", ".join(m._meta.db_table for m in tables))

    # ------------------------------------------------------------------ ids and numbers

    def _ids(self, model, n: int) -> list[int]:
        if not n:
            return []
        table = model._meta.db_table
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, n]
                )
                return [row[0] for row in cursor.fetchall()]
            # SQLite: the batch's transaction holds the write lock (IMMEDIATE), so max + 1 is ours.
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {connection.ops.quote_name(table)}")
            top = cursor.fetchone()[0]
        return list(range(top + 1, top + n + 1))

    def _number(self, stories: list[Story]) -> None:
        """Ids, case numbers (`district-YYYYMMDD-NNNNN`) and hotline ticket numbers, in report order."""
        for story, pk in zip(stories, self._ids(Case, len(stories)), strict=True):
            story.ref.id = pk
        days: dict[tuple[str, object], list[Story]] = {}
        for story in stories:
            days.setdefault((story.grid.district_code, story.case["created_at"].date()), []).append(story)
        table = connection.ops.quote_name(CaseNumberCounter._meta.db_table)
        with connection.cursor() as cursor:
            for (prefix, day), group in days.items():
                cursor.execute(
                    f"INSERT INTO {table} (prefix, day, last) VALUES (%s, %s, %s) "
                    f"ON CONFLICT (prefix, day) DO UPDATE SET last = {table}.last + excluded.last RETURNING last",
                    [prefix, day, len(group)],
                )
                first = cursor.fetchone()[0] - len(group) + 1
                for seq, story in enumerate(group, start=first):
                    story.ref.number = f"{prefix}-{day:%Y%m%d}-{seq:05d}"

    # ------------------------------------------------------------------ rows

    def _case_row(self, s: Story) -> list:
        case = s.case
        case["id"], case["number"] = s.ref.id, s.ref.number
        if case["hotline_channel"]:
            case["hotline_ticket_no"] = f"{case['created_at']:%y%m%d}{s.ref.id:08d}"
        if s.original is not None:
            case["duplicate_of_id"] = s.original.id
        return [case[f.attname] if f.attname in case else f.get_default() for f in self.case_fields]

    def _request_row(self, s: Story, r: Request) -> list:
        return [
            r.id, s.ref.id, r.kind, r.state, r.reason, r.extension_hours, r.requested_by_id, r.requested_role,
            r.requested_department_id, r.requested_at, r.decided_by_id, r.decided_at, r.decision_note,
            r.reason_code,
        ]  # fmt: skip

    def _event_row(self, s: Story, event: tuple) -> list:
        action, source, target, actor, role, at, note, payload = event
        if "request" in payload or "duplicate_of" in payload or "timed_step" in payload:
            payload = {k: _resolve(v) for k, v in payload.items()}
        return [s.ref.id, action, source, target, actor, role, at, note, payload]

    # ------------------------------------------------------------------ out

    def _insert(self, table: str, columns: list[str], rows: list[list], fields=None) -> None:
        if not rows:
            return
        if self.copy:
            self._copy(table, columns, rows)
            return
        prepared = (
            [[self._db(value, field) for value, field in zip(row, fields, strict=True)] for row in rows]
            if fields
            else rows
        )
        names = ", ".join(connection.ops.quote_name(c) for c in columns)
        marks = ", ".join(["%s"] * len(columns))
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {connection.ops.quote_name(table)} ({names}) VALUES ({marks})", prepared
            )

    def _db(self, value, field):
        if isinstance(value, datetime):
            value = value.replace(tzinfo=self.zone)
        return field.get_db_prep_save(value, connection)

    def _copy(self, table: str, columns: list[str], rows: list[list]) -> None:
        buffer = io.StringIO()
        out = csv.writer(buffer, lineterminator="\n")
        zone = self.zone
        for row in rows:
            out.writerow([_text(value, zone) for value in row])
        buffer.seek(0)
        names = ", ".join(connection.ops.quote_name(c) for c in columns)
        with connection.cursor() as cursor:
            cursor.cursor.copy_expert(
                f"COPY {connection.ops.quote_name(table)} ({names}) FROM STDIN WITH (FORMAT csv, NULL '{_NULL}')",
                buffer,
            )


def _fields(model, columns):
    by_column = {f.column: f for f in model._meta.concrete_fields}
    return [by_column[c] for c in columns]


def _resolve(value):
    if isinstance(value, Request):
        return value.id
    if isinstance(value, CaseRef):
        return value.number
    if isinstance(value, Timed):
        return value.id
    return value


def _text(value, zone) -> str:
    """One CSV field for COPY: NULL as \\N (an empty string stays an empty string), zone-aware times."""
    kind = type(value)
    if kind is str or kind is int or kind is float:  # most fields: checked first, this runs millions of times
        return value
    if value is None:
        return _NULL
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, datetime):
        return value.replace(tzinfo=zone).isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return value
