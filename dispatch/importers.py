"""Import managed components (管理部件普查数据) from CSV.

All-or-nothing: every row is checked first and every problem is reported with its line number (the
header is line 1); nothing is written unless the whole file is clean. Components are matched by code
and updated in place. A row's grid comes from its position through the GridLocator; a grid_code in the
file is only a cross-check, because a survey's grid column is often copied from a neighbouring row.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from dispatch.codes import COMPONENT_CODE_LEN, component_code_errors
from dispatch.models import Category, Component, Department
from grids.locator import InvalidPosition, PointOutsideGrids, check_position, find_many
from grids.models import Grid

REQUIRED_COLUMNS = ("code", "category_code", "lng", "lat")
OPTIONAL_COLUMNS = ("name", "regulator", "owner", "maintainer", "status", "address", "grid_code")
DEPARTMENT_COLUMNS = {"regulator": "主管部门", "owner": "权属单位", "maintainer": "养护单位"}
# The published standard wins when a code exists in several; local extensions and older lists follow.
STANDARD_PREFERENCE = [
    Category.Standard.GBT_47678_5_2026,
    Category.Standard.LOCAL,
    Category.Standard.GBT_30428_2_2013,
    Category.Standard.CJT_214_2007,
]
STATUSES = {label: value for value, label in Component.Status.choices} | {
    value: value for value in Component.Status.values
}
BATCH = 1000

Progress = Callable[[Iterable, str, int], Iterable]


def no_progress(items: Iterable, desc: str, total: int) -> Iterable:
    return items


class ComponentImportError(Exception):
    """The file was refused; `errors` lists every problem found, nothing was saved."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("\n".join(errors))


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    legacy_codes: int = 0


@dataclass
class _Row:
    line: int
    values: dict[str, str]
    problems: list[str] = field(default_factory=list)
    category: Category | None = None
    position: tuple[float, float] | None = None
    grid: Grid | None = None

    @property
    def code(self) -> str:
        return self.values["code"]

    def message(self, problem: str) -> str:
        return (
            f"第 {self.line} 行（部件 {self.code}）：{problem}"
            if self.code
            else f"第 {self.line} 行：{problem}"
        )


def parse_csv(text: str) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """The header and (line number, record) pairs; line numbers count physical lines, header = 1."""
    reader = csv.DictReader(io.StringIO(text, newline=""))
    columns = [name.strip() for name in reader.fieldnames or []]
    reader.fieldnames = columns
    records = []
    while True:
        line = reader.line_num + 1  # where the next record starts, even after a quoted multi-line cell
        try:
            record = next(reader)
        except StopIteration:
            return columns, records
        records.append((line, record))


def read_csv(path: str | Path) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """Read a UTF-8 (with or without BOM) or GB18030 CSV: Excel in China saves the latter by default."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise ComponentImportError([f"无法读取文件 {path}：{exc.strerror}"]) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("gb18030", errors="replace")
    return parse_csv(text)


def _categories(codes: set[str]) -> tuple[dict[str, Category], set[str]]:
    """code → the preferred 部件 category, and the codes that exist only as 事项."""
    found: dict[str, Category] = {}
    event_only = set()
    rank = {standard: i for i, standard in enumerate(STANDARD_PREFERENCE)}
    for category in Category.objects.filter(code__in=codes):
        if category.kind != Category.Kind.COMPONENT:
            event_only.add(category.code)
            continue
        best = found.get(category.code)
        if best is None or rank.get(category.standard, 99) < rank.get(best.standard, 99):
            found[category.code] = category
    return found, event_only - found.keys()


def _check_row(row: _Row, categories: dict[str, Category], event_only: set[str], departments: dict[str, int]):
    values = row.values
    if not row.code:
        row.problems.append("缺少部件编码")
    category_code = values["category_code"]
    if not category_code:
        row.problems.append("缺少部件类型编码 category_code")
    elif category_code in categories:
        row.category = categories[category_code]
    elif category_code in event_only:
        row.problems.append(f"类别 {category_code} 是事项类别，不是部件类别")
    else:
        row.problems.append(f"未知的部件类型编码 {category_code}")
    for column, label in DEPARTMENT_COLUMNS.items():
        if values[column] and values[column] not in departments:
            row.problems.append(f"未知的{label}编码 {values[column]}")
    if values["status"] and values["status"] not in STATUSES and values["status"].lower() not in STATUSES:
        row.problems.append(f"状态“{values['status']}”无效，应为 完好/破损/丢失/废弃/移除 之一")
    try:
        row.position = check_position(values["lng"], values["lat"])
    except InvalidPosition as exc:
        row.problems.append(str(exc))


def _check_grid_and_code(row: _Row, located: Grid | None, given: dict[str, Grid]) -> None:
    grid_code = row.values["grid_code"]
    if grid_code and grid_code not in given:
        row.problems.append(f"网格编码 {grid_code} 不存在")
    elif grid_code and located is not None and located.code != grid_code:
        row.problems.append(f"填写的网格 {grid_code} 与坐标所在网格 {located.code} 不一致")
    row.grid = located
    if not row.code:
        return
    # A legacy 16-digit code embeds the old 4-digit type: only compare it with a category of that width.
    embedded_len = 5 if len(row.code) == COMPONENT_CODE_LEN else 4
    category_code = row.category.code if row.category and len(row.category.code) == embedded_len else None
    district = located.code[:6] if located else None
    row.problems.extend(component_code_errors(row.code, district, category_code))


@dataclass
class _Lookups:
    """Everything the rows refer to, fetched once for the whole file."""

    categories: dict[str, Category]
    event_only: set[str]
    departments: dict[str, int]


def _check_rows(records: list[tuple[int, dict[str, str]]], progress: Progress) -> tuple[list[_Row], _Lookups]:
    columns = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
    rows = [_Row(line, {col: (record.get(col) or "").strip() for col in columns}) for line, record in records]
    categories, event_only = _categories({row.values["category_code"] for row in rows})
    wanted = {row.values[col] for row in rows for col in DEPARTMENT_COLUMNS} - {""}
    lookups = _Lookups(
        categories, event_only, dict(Department.objects.filter(code__in=wanted).values_list("code", "id"))
    )
    for row in progress(rows, "检查部件", len(rows)):
        _check_row(row, lookups.categories, lookups.event_only, lookups.departments)

    # One vectorised locator pass for the whole file rather than one lookup per row.
    placed = [row for row in rows if row.position is not None]
    refs = dict(zip((row.line for row in placed), find_many([row.position for row in placed]), strict=True))
    grids = Grid.objects.only("id", "code")
    located = grids.in_bulk({ref.id for ref in refs.values() if ref})
    given = grids.in_bulk({row.values["grid_code"] for row in rows} - {""}, field_name="code")
    for row in rows:
        ref = refs.get(row.line)
        if row.position is not None and ref is None:
            row.problems.append(str(PointOutsideGrids(*row.position)))
        # Rows without a usable position still get their code and grid_code checked.
        _check_grid_and_code(row, located[ref.id] if ref else None, given)

    first_line: dict[str, int] = {}
    for row in rows:
        if row.code and (first := first_line.setdefault(row.code, row.line)) != row.line:
            row.problems.append(f"部件编码与第 {first} 行重复")
    return rows, lookups


_UPDATE_FIELDS = [
    "category",
    "name",
    "lng",
    "lat",
    "grid",
    "regulator",
    "owner",
    "maintainer",
    "status",
    "address",
]


def _save(rows: list[_Row], lookups: _Lookups, progress: Progress) -> ImportResult:
    codes = [row.code for row in rows]
    existing = set(Component.objects.filter(code__in=codes).values_list("code", flat=True))
    components = []
    for row in progress(rows, "保存部件", len(rows)):
        values, departments = row.values, lookups.departments
        status = values["status"]
        components.append(
            Component(
                code=row.code,
                category=row.category,
                name=values["name"],
                lng=row.position[0] if row.position else None,
                lat=row.position[1] if row.position else None,
                grid=row.grid,
                regulator_id=departments.get(values["regulator"]),
                owner_id=departments.get(values["owner"]),
                maintainer_id=departments.get(values["maintainer"]),
                # A blank status means the survey found nothing wrong: 完好.
                status=STATUSES.get(status, STATUSES.get(status.lower())) or Component.Status.INTACT,
                address=values["address"],
            )
        )
    Component.objects.bulk_create(
        components,
        batch_size=BATCH,
        update_conflicts=True,
        unique_fields=["code"],
        update_fields=_UPDATE_FIELDS,
    )
    return ImportResult(
        created=len(codes) - len(existing),
        updated=len(existing),
        legacy_codes=sum(1 for code in codes if len(code) != COMPONENT_CODE_LEN),
    )


def import_components(
    columns: list[str], records: list[tuple[int, dict[str, str]]], *, progress: Progress = no_progress
) -> ImportResult:
    """Validate every row, then upsert all components by code in one transaction."""
    if missing := [col for col in REQUIRED_COLUMNS if col not in columns]:
        raise ComponentImportError([f"第 1 行（表头）缺少列：{', '.join(missing)}"])
    if not records:
        raise ComponentImportError(["文件中没有数据行"])
    with transaction.atomic():
        rows, lookups = _check_rows(records, progress)
        errors = [row.message(problem) for row in rows for problem in row.problems]
        if errors:
            raise ComponentImportError(errors)
        return _save(rows, lookups, progress)
