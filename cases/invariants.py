"""What must always hold between a case, its events, its clock and its photos (issue 8, point 2).

Each check is a plain function over one range of case ids (inclusive) and returns the broken cases in
it as `Problem`s; `manage.py check_invariants` walks the whole table range by range, so memory stays
flat however many cases there are. The work is done by the database: one aggregate or window query
per check and range compares what the events say with the case's columns and returns only the rows
that disagree; Python merely words them. Everything is ORM and runs on PostgreSQL and SQLite.

- replay:   the events, in id order (the order they were written under the case's row lock), form an
            unbroken chain of legal edges of the workflow table, starting with a report from nothing
            and ending in the case's status.
- steps:    an open case has exactly one running TimedStep, of the step STEP_FOR_STATUS names, with a
            deadline, a light and the next_check_at the sweep needs; a terminal case has none.
- counters: the counters and timestamps on the case equal what its events count and record.
- files:    every file under MEDIA_ROOT/cases/ belongs to a CasePhoto and every CasePhoto's files exist
            (a sorted merge of the directory walk with the photo names, so neither side is held).
"""

import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from django.core.files.storage import FileSystemStorage
from django.db import connection
from django.db.models import Count, Exists, F, Max, Min, OuterRef, Q, Window
from django.db.models.functions import Collate, Lag, Lead, RowNumber

from cases.models import Case, CaseEvent, CasePhoto, Light, TimedStep
from cases.workflow import (
    OPEN,
    SIDE_MOVES,
    STEP_FOR_STATUS,
    TERMINAL,
    TRANSITIONS,
    Action,
    SideEvent,
    Status,
)

CHUNK = 10_000
MAX_LISTED = 100


@dataclass(frozen=True)
class Problem:
    check: str
    case: str  # the case number; for a file that no photo owns, its path
    what: str

    def __str__(self) -> str:
        return f"{self.case}: {self.what}"


# ---------------------------------------------------------------- which cases


def case_ranges(
    *, chunk: int = CHUNK, limit: int | None = None, numbers: Iterable[str] | None = None
) -> Iterator[tuple[int, int, int]]:
    """(first id, last id, number of cases) for consecutive runs of `chunk` cases, in id order.

    Boundaries are found by seeking the primary key index, so ranges hold `chunk` cases however
    sparse the ids are. `limit` stops after that many cases; `numbers` picks single cases.
    """
    if numbers is not None:
        for pk in Case.objects.filter(number__in=list(numbers)).order_by("pk").values_list("pk", flat=True):
            yield pk, pk, 1
        return
    ids = Case.objects.order_by("pk").values_list("pk", flat=True)
    done, after = 0, None
    while limit is None or done < limit:
        size = chunk if limit is None else min(chunk, limit - done)
        page = ids if after is None else ids.filter(pk__gt=after)
        first = page.first()
        if first is None:
            return
        last = page[size - 1 : size].first()
        if last is None:  # fewer than `size` left
            last = page.last()
            size = page.count()
        yield first, last, size
        done += size
        after = last


# ---------------------------------------------------------------- replay


def _legal_edges() -> frozenset[tuple[str, str, str]]:
    edges = set()
    for t in TRANSITIONS:
        for source in t.sources:
            target = t.target or source
            edges.add((t.action.value, source or "", target.value if target else ""))
    # Side events (a street's 二级派遣, 提级, 协办 …: SideEvent) change no state: an edge onto itself anywhere;
    # the district's take-over of a 提级 also moves a case the street was working on (SIDE_MOVES).
    edges.update((kind.value, status.value, status.value) for kind in SideEvent for status in Status)
    edges.update(
        (kind.value, source.value, target.value)
        for kind, (sources, target) in SIDE_MOVES.items()
        for source in sources
    )
    return frozenset(edges)


LEGAL_EDGES = _legal_edges()


def check_replay(lo: int, hi: int) -> list[Problem]:
    """Replaying the events of cases lo..hi leads to each case's status by legal edges only."""
    problems: dict[int, list[str]] = {}
    numbers: dict[int, str] = {}

    def note(case_id, number, what):
        numbers[case_id] = number
        problems.setdefault(case_id, []).append(what)

    in_range = Q(case_id__gte=lo, case_id__lte=hi)
    for pk, number in (
        Case.objects.filter(pk__gte=lo, pk__lte=hi)
        .filter(~Exists(CaseEvent.objects.filter(case=OuterRef("pk"))))
        .values_list("pk", "number")
    ):
        note(pk, number, "没有任何事件（应至少有一条上报）")

    # The chain, in one windowed pass: each event against its predecessor and the last one against
    # the case. Only the events that break it come back.
    per_case = {"partition_by": [F("case_id")], "order_by": [F("id").asc()]}
    broken = (
        CaseEvent.objects.filter(in_range)
        .annotate(
            seq=Window(RowNumber(), **per_case),
            prev_to=Window(Lag("to_status"), **per_case),
            next_id=Window(Lead("id"), **per_case),
            case_status=F("case__status"),
            case_number=F("case__number"),
        )
        .filter(
            (Q(seq=1) & (~Q(action=Action.REPORT) | ~Q(from_status="")))
            | (Q(seq__gt=1) & (Q(action=Action.REPORT) | Q(from_status__lt=F("prev_to"))))
            | (Q(seq__gt=1) & Q(from_status__gt=F("prev_to")))
            | (
                Q(next_id__isnull=True)
                & (Q(to_status__lt=F("case_status")) | Q(to_status__gt=F("case_status")))
            )
        )
        .values_list(
            "case_id",
            "case_number",
            "id",
            "seq",
            "action",
            "from_status",
            "to_status",
            "prev_to",
            "next_id",
            "case_status",
        )
        .order_by("case_id", "id")
    )
    for case_id, number, event_id, seq, action, from_s, to_s, prev_to, next_id, status in broken:
        if seq == 1 and (action != Action.REPORT or from_s):
            note(
                case_id,
                number,
                f"第一条事件 #{event_id} 是 {action}（{from_s or '∅'}→{to_s}），应为从无到有的上报",
            )
        elif seq > 1 and action == Action.REPORT:
            note(case_id, number, f"事件 #{event_id} 是第二次上报")
        elif seq > 1 and from_s != prev_to:
            note(case_id, number, f"事件 #{event_id} {action} 的原状态 {from_s} ≠ 上一事件的新状态 {prev_to}")
        if next_id is None and to_s != status:
            note(case_id, number, f"状态为 {status}，而最后一条事件 #{event_id} {action} 的新状态为 {to_s}")

    # Legal edges: the distinct (action, from, to) in the range are a few dozen rows; only an edge the
    # workflow table does not have is looked up case by case.
    edges = CaseEvent.objects.filter(in_range).values_list("action", "from_status", "to_status").distinct()
    for action, from_s, to_s in edges.order_by():
        if (action, from_s, to_s) in LEGAL_EDGES:
            continue
        for case_id, number, event_id in (
            CaseEvent.objects.filter(in_range, action=action, from_status=from_s, to_status=to_s)
            .values_list("case_id", "case__number", "id")
            .order_by("case_id", "id")
        ):
            note(case_id, number, f"事件 #{event_id} {action} {from_s or '∅'}→{to_s} 不是流程表中的边")

    return [Problem("replay", numbers[pk], "；".join(whats)) for pk, whats in sorted(problems.items())]


# ---------------------------------------------------------------- steps


def _expected_step_q() -> Q:
    """The open step is the one STEP_FOR_STATUS names for the case's status."""
    by_step: dict[str, list[str]] = {}
    for status, step in STEP_FOR_STATUS.items():
        by_step.setdefault(step, []).append(status)
    q = Q(pk__in=[])
    for step, statuses in by_step.items():
        q |= Q(step=step, case__status__in=sorted(statuses))
    return q


def _step_consistent_q() -> Q:
    """SQL for what `_describe_step` words: a running step the sweep and the pages can rely on."""
    paused = Q(paused_at__isnull=False)
    clock = (
        # 挂账 pauses the 处置 clock: the sweep must not see it, and resume needs the remaining time.
        (paused & Q(next_check_at__isnull=True, remaining_at_pause__isnull=False))
        | (~paused & Q(light=Light.RED, next_check_at__isnull=True))
        | (~paused & Q(light=Light.YELLOW, next_check_at=F("due_at")))
        | (~paused & Q(light=Light.GREEN, next_check_at=F("warn_at")))
    )
    suspended = Q(case__status=Status.SUSPENDED)
    return (
        _expected_step_q()
        & Q(light__in=Light.values, warn_at__lte=F("due_at"))
        & clock
        & ((suspended & paused) | (~suspended & ~paused))
    )


def _describe_step(row: dict) -> list[str]:
    whats = []
    status, step = row["case__status"], row["step"]
    if STEP_FOR_STATUS.get(status) != step:
        whats.append(f"运行中的环节是 {step}，状态 {status} 应为 {STEP_FOR_STATUS.get(status)}")
    light, paused = row["light"], row["paused_at"] is not None
    if light not in Light.values:
        whats.append(f"亮灯 {light!r} 无效")
    if row["warn_at"] > row["due_at"]:
        whats.append("预警时间晚于截止时间")
    if paused and (row["next_check_at"] is not None or row["remaining_at_pause"] is None):
        whats.append("挂账中的环节应无 next_check_at 且记下剩余时限")
    if paused != (status == Status.SUSPENDED):
        whats.append("挂账状态与环节是否暂停不一致")
    expected = {Light.RED: None, Light.YELLOW: row["due_at"], Light.GREEN: row["warn_at"]}.get(light)
    if not paused and light in Light.values and row["next_check_at"] != expected:
        whats.append(f"{light} 灯的 next_check_at 为 {row['next_check_at']}，应为 {expected}")
    return whats


def check_steps(lo: int, hi: int) -> list[Problem]:
    """Each open case in lo..hi runs exactly one consistent timed step; terminal cases run none."""
    problems: dict[int, list[str]] = {}
    numbers: dict[int, str] = {}

    def note(case_id, number, what):
        numbers[case_id] = number
        problems.setdefault(case_id, []).append(what)

    running = TimedStep.objects.filter(finished_at__isnull=True)
    for pk, number, status in (
        Case.objects.filter(pk__gte=lo, pk__lte=hi)
        .filter(
            (Q(status__in=sorted(OPEN)) & ~Exists(running.filter(case=OuterRef("pk"))))
            | ~Q(status__in=[s.value for s in Status])
        )
        .values_list("pk", "number", "status")
        .order_by("pk")
    ):
        if status in OPEN:
            note(pk, number, f"状态 {status} 没有运行中的环节")
        else:
            note(pk, number, f"状态 {status!r} 不存在")

    # Every running step in the range, counted per case by a window: only those that are not the
    # single consistent step of an open case come back.
    for row in (
        running.filter(case_id__gte=lo, case_id__lte=hi)
        .annotate(running=Window(Count("id"), partition_by=[F("case_id")]))
        .exclude(_step_consistent_q() & Q(running=1))
        .values(
            "case_id",
            "case__number",
            "case__status",
            "running",
            "id",
            "step",
            "light",
            "due_at",
            "warn_at",
            "next_check_at",
            "paused_at",
            "remaining_at_pause",
        )
        .order_by("case_id", "id")
    ):
        case_id, number, status = row["case_id"], row["case__number"], row["case__status"]
        if status in TERMINAL:
            whats = [f"案件已终结（{status}）却仍在运行"]
        else:
            whats = [f"共有 {row['running']} 个运行中的环节"] if row["running"] > 1 else []
            whats += _describe_step(row)
        for what in whats or ["环节时限不一致"]:  # SQL saw more than this wording does
            note(case_id, number, f"环节 #{row['id']} {row['step']}：{what}")

    # A finished step still due for a check would have the sweep file a 督办 on a step that is over.
    for case_id, number, step_id, step in (
        TimedStep.objects.filter(case_id__gte=lo, case_id__lte=hi)
        .filter(finished_at__isnull=False, next_check_at__isnull=False)
        .values_list("case_id", "case__number", "id", "step")
        .order_by("case_id", "id")
    ):
        note(case_id, number, f"已完成的环节 #{step_id} {step} 仍有 next_check_at")

    return [Problem("steps", numbers[pk], "；".join(whats)) for pk, whats in sorted(problems.items())]


# ---------------------------------------------------------------- counters


def _events(**lookups) -> Q:
    return Q(**{f"events__{name}": value for name, value in lookups.items()})


# Counter column → the events it counts (services: case_check, case_supervise and the sweep's
# automatic 督办, case_approve_extension, case_approve_return, case_reopen).
COUNTERS: dict[str, Q] = {
    "rework_count": _events(action=Action.CHECK, payload__passed=False),
    "supervise_count": _events(action=Action.SUPERVISE),
    "extension_count": _events(action=Action.APPROVE_EXTENSION),
    "return_count": _events(action=Action.APPROVE_RETURN),
    "reopen_count": _events(action=Action.REOPEN),
}
# Timestamp column → the action whose (latest) event sets it. closed_at only while closed: reopen clears it.
TIMESTAMPS: dict[str, tuple[Action, Callable]] = {
    "created_at": (Action.REPORT, Min),
    "filed_at": (Action.FILE, Max),
    "dispatched_at": (Action.DISPATCH, Max),
    "closed_at": (Action.CLOSE, Max),
}


def _differs(column: str, other: str) -> Q:
    """`column IS DISTINCT FROM other`, spelled so both PostgreSQL and SQLite take it."""
    return (
        Q(**{f"{column}__isnull": True, f"{other}__isnull": False})
        | Q(**{f"{column}__isnull": False, f"{other}__isnull": True})
        | Q(**{f"{column}__lt": F(other)})
        | Q(**{f"{column}__gt": F(other)})
    )


def check_counters(lo: int, hi: int) -> list[Problem]:
    """The counters and timestamps of cases lo..hi agree with their events (one grouped query)."""
    aggregates = {f"ev_{name}": Count("events", filter=q) for name, q in COUNTERS.items()}
    aggregates |= {
        f"ev_{name}": agg("events__at", filter=_events(action=action))
        for name, (action, agg) in TIMESTAMPS.items()
    }
    closed = Q(status=Status.CLOSED)
    wrong = Q(pk__in=[])
    for name in COUNTERS:
        wrong |= Q(**{f"{name}__lt": F(f"ev_{name}")}) | Q(**{f"{name}__gt": F(f"ev_{name}")})
    for name in TIMESTAMPS:
        if name == "closed_at":
            wrong |= (closed & _differs(name, f"ev_{name}")) | (~closed & Q(closed_at__isnull=False))
        else:
            wrong |= _differs(name, f"ev_{name}")
    rows = (
        Case.objects.filter(pk__gte=lo, pk__lte=hi)
        .annotate(**aggregates)
        .filter(wrong)
        .values("pk", "number", "status", *COUNTERS, *TIMESTAMPS, *aggregates)
        .order_by("pk")
    )
    problems = []
    for row in rows:
        whats = [
            f"{name} = {row[name]}，事件计数为 {row[f'ev_{name}']}"
            for name in COUNTERS
            if row[name] != row[f"ev_{name}"]
        ]
        for name in TIMESTAMPS:
            expected = row[f"ev_{name}"]
            if name == "closed_at" and row["status"] != Status.CLOSED:
                expected = None
            if row[name] != expected:
                whats.append(f"{name} = {row[name]}，事件记录为 {expected}")
        problems.append(Problem("counters", row["number"], "；".join(whats) or "计数与事件不一致"))
    return problems


# ---------------------------------------------------------------- photo files


def _storage():
    return CasePhoto._meta.get_field("image").storage


def _pending(processed_at, failed) -> bool:
    """Not (or not successfully) processed by the worker: only its private original exists (cases/photos.py)."""
    return processed_at is None or failed


def check_photos_exist(lo: int, hi: int) -> list[Problem]:
    """Each photo of cases lo..hi has its files (one stat per file: for --case and --limit runs): the image
    and thumbnail once processed, the private original until then (or when it could not be decoded)."""
    storage = _storage()
    problems = []
    for photo_id, number, image, thumbnail, original, processed_at, failed in (
        CasePhoto.objects.filter(case_id__gte=lo, case_id__lte=hi)
        .values_list("pk", "case__number", "image", "thumbnail", "original", "processed_at", "failed")
        .order_by("case_id", "pk")
    ):
        if _pending(processed_at, failed):
            files = (("原始上传", original),)
        else:
            files = (("照片", image), ("缩略图", thumbnail))
        for kind, name in files:
            if not name or not storage.exists(name):
                problems.append(Problem("files", number, f"照片 #{photo_id} 的{kind}文件 {name!r} 不存在"))
    return problems


def _walk_sorted(root: str, relative: str) -> Iterator[str]:
    """Files under root/relative as storage names ('cases/2026/05/x.jpg'), in code-point order.

    A directory sorts as its name plus '/', which is how every path below it starts, so a depth-first
    walk yields the names in the same order as sorting the full paths. Only one directory's listing
    is held at a time.
    """
    try:
        with os.scandir(os.path.join(root, relative)) as it:
            entries = [(e.name + "/" if e.is_dir(follow_symlinks=False) else e.name) for e in it]
    except FileNotFoundError:
        return
    for name in sorted(entries):
        path = f"{relative}/{name}"
        if name.endswith("/"):
            yield from _walk_sorted(root, path.rstrip("/"))
        else:
            yield path


def _photo_names() -> Iterator[tuple[str, int, str]]:
    """(file name, photo id, case number) for every file a photo must have, in code-point order."""
    # The database must sort as Python does, whatever the column's collation.
    binary = "C" if connection.vendor == "postgresql" else "BINARY"

    # Processed photos have their image and thumbnail; a pending (or undecodable) one only its original.
    pending = Q(processed_at__isnull=True) | Q(failed=True)

    def names(column, which):
        # .order_by(): the model's default order is not allowed inside a UNION on SQLite.
        return (
            CasePhoto.objects.filter(which)
            .annotate(name=Collate(F(column), binary))
            .values_list("name", "pk", "case__number")
            .order_by()
        )

    return (
        names("image", ~pending)
        .union(names("thumbnail", ~pending), names("original", pending), all=True)
        .order_by("name")
        .iterator(chunk_size=5000)
    )


def check_files(*, prefix: str = "cases") -> Iterator[Problem]:
    """Orphan files under MEDIA_ROOT/<prefix>/ and photos whose files are gone, by a sorted merge."""
    storage = _storage()
    if not isinstance(storage, FileSystemStorage):
        return  # only a local MEDIA_ROOT can be walked; object stores keep their own inventory
    root = storage.location
    on_disk = _walk_sorted(root, prefix)
    in_db = _photo_names()
    disk, db = next(on_disk, None), next(in_db, None)
    while disk is not None or db is not None:
        if db is not None and (disk is None or db[0] < disk):
            name, photo_id, number = db
            # A name outside the walked folder was not listed: look it up directly.
            if not name or name.startswith(prefix + "/") or not storage.exists(name):
                yield Problem("files", number, f"照片 #{photo_id} 的文件 {name!r} 不存在")
            db = next(in_db, None)
        elif db is None or disk < db[0]:
            yield Problem("files", disk, "孤立文件：没有照片记录引用它")
            disk = next(on_disk, None)
        else:
            matched = disk
            disk = next(on_disk, None)
            while db is not None and db[0] == matched:  # a name shared by two rows is still one file
                db = next(in_db, None)


# ---------------------------------------------------------------- all together

CASE_CHECKS: dict[str, Callable[[int, int], list[Problem]]] = {
    "replay": check_replay,
    "steps": check_steps,
    "counters": check_counters,
}
CHECK_NAMES = (*CASE_CHECKS, "files")


@dataclass
class Report:
    """Per check: how many broken cases (or files), and the first `listed` of them."""

    listed: int = MAX_LISTED
    cases: int = 0
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CHECK_NAMES, 0))
    shown: dict[str, list[Problem]] = field(default_factory=lambda: {name: [] for name in CHECK_NAMES})

    def add(self, problems: Iterable[Problem]) -> None:
        for problem in problems:
            self.counts[problem.check] += 1
            if len(self.shown[problem.check]) < self.listed:
                self.shown[problem.check].append(problem)

    @property
    def broken(self) -> int:
        return sum(self.counts.values())


def run(
    *,
    chunk: int = CHUNK,
    limit: int | None = None,
    numbers: Iterable[str] | None = None,
    files: bool = True,
    listed: int = MAX_LISTED,
    on_range: Callable[[int], None] | None = None,
) -> Report:
    """All checks over the chosen cases. The orphan scan needs every case, so it runs only on a full
    run; a --limit or --case run checks that its own photos' files exist instead."""
    report = Report(listed=listed)
    partial = limit is not None or numbers is not None
    for lo, hi, n in case_ranges(chunk=chunk, limit=limit, numbers=numbers):
        for check in CASE_CHECKS.values():
            report.add(check(lo, hi))
        if files and partial:
            report.add(check_photos_exist(lo, hi))
        report.cases += n
        if on_range:
            on_range(n)
    if files and not partial:
        report.add(check_files())
    return report
