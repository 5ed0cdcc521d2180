"""Import and export unit grids as a GeoJSON FeatureCollection (the 网格划分 hand-over format).

Each feature is one grid; its properties carry the whole hierarchy (district/street/community code and
name, grid_code, optional grid_name and inspectors). An import is all-or-nothing: every problem in the
file is collected first, with its feature number, and nothing is written unless there are none. Grids
are matched by code and updated in place; codes are never changed and grids missing from the file are
never deleted, because cases and components point at them.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from django.contrib.auth import get_user_model
from django.db import transaction
from shapely.geometry import Polygon, shape
from shapely.geometry.base import BaseGeometry

from grids import locator
from grids.codes import COMMUNITY_LEN, DISTRICT_LEN, STREET_LEN, code_errors
from grids.geometry import GeometryError, geodesic_area_m2, parse_polygon, to_geojson
from grids.models import Community, District, Grid, Street

# Shared edges digitised by different people never match to the last bit; below this the "overlap" or
# "gap" is rounding noise, not a division error (0.01 m² is a 10 cm × 10 cm square).
OVERLAP_TOLERANCE_M2 = 0.01
GAP_TOLERANCE_M2 = 0.01
NAME_MAX = 100
BATCH = 1000

# (items, description, total) → items; the command passes a tqdm bar, tests and code pass nothing.
Progress = Callable[[Iterable, str, int], Iterable]


def no_progress(items: Iterable, desc: str, total: int) -> Iterable:
    return items


class GridImportError(Exception):
    """The file was refused; `errors` lists every problem found, nothing was saved."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("\n".join(errors))


@dataclass
class FeatureRow:
    number: int  # 1-based position in `features`, the number people see in error messages
    codes: dict[str, str]  # level → code
    names: dict[str, str]  # level → name
    geojson: dict | None = None
    polygon: BaseGeometry | None = None
    inspectors: list[str] | None = None  # None: the file says nothing, keep the current ones
    bad_codes: bool = True  # until every code has been checked

    @property
    def grid_code(self) -> str:
        return self.codes["grid"]

    @property
    def label(self) -> str:
        code = self.codes.get("grid")
        return f"第 {self.number} 个要素（网格 {code}）" if code else f"第 {self.number} 个要素"


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    districts: int = 0
    streets: int = 0
    communities: int = 0
    outlines: dict[str, BaseGeometry] = field(default_factory=dict, repr=False)


LEVELS = ("district", "street", "community", "grid")
_LABELS = {"district": "区", "street": "街道", "community": "社区", "grid": "网格"}
_PARENT = {"street": "district", "community": "street", "grid": "community"}


# --- reading -------------------------------------------------------------------------------------


def load_geojson(path: str | Path) -> dict:
    try:
        with open(path, encoding="utf-8-sig") as fh:
            return json.load(fh)
    except FileNotFoundError:
        raise GridImportError([f"文件 {path} 不存在"]) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise GridImportError([f"文件 {path} 不是有效的 UTF-8 GeoJSON：{exc}"]) from None


def _text(value: Any) -> str:
    # Codes typed as JSON numbers are accepted: no GB/T 2260 code starts with 0, so nothing is lost.
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, int):
        return str(value)
    return value.strip() if isinstance(value, str) else ""


def _parse_feature(number: int, feature: Any) -> tuple[FeatureRow, list[str]]:
    row = FeatureRow(number=number, codes={}, names={})
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        return row, ["不是 GeoJSON Feature"]
    props = feature.get("properties")
    if not isinstance(props, dict):
        return row, ["缺少 properties"]
    problems: list[str] = []
    for level in LEVELS:
        row.codes[level] = _text(props.get(f"{level}_code"))
        name = _text(props.get(f"{level}_name"))
        if not name and level != "grid":
            problems.append(f"缺少{_LABELS[level]}名称 {level}_name")
        if len(name) > NAME_MAX:
            problems.append(f"{_LABELS[level]}名称超过 {NAME_MAX} 个字符")
        row.names[level] = name or row.codes[level]  # an unnamed grid is called by its code
    valid: dict[str, bool] = {}
    for level in LEVELS:
        parent = _PARENT.get(level)
        # Only compare with a parent code that is itself well formed, else one typo reports twice.
        parent_code = row.codes[parent] if parent and valid.get(parent) else None
        errors = code_errors(level, row.codes[level], parent_code)
        valid[level] = not errors
        problems.extend(errors)
    row.bad_codes = not all(valid.values())
    try:
        row.polygon = parse_polygon(feature.get("geometry"))
        row.geojson = feature["geometry"]
    except GeometryError as exc:
        problems.append(str(exc))
    if "inspectors" in props:
        inspectors = props["inspectors"]
        if isinstance(inspectors, list) and all(isinstance(name, str) for name in inspectors):
            row.inspectors = [name.strip() for name in inspectors if name.strip()]
        else:
            problems.append("inspectors 必须是用户名列表")
    return row, problems


def parse_features(
    data: Any, progress: Progress = no_progress
) -> tuple[list[FeatureRow], list[tuple[int, str]]]:
    """Every feature as a row, plus (feature number, message) for each problem found in isolation."""
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        return [], [(0, "文件必须是 GeoJSON FeatureCollection")]
    features = data.get("features")
    if not isinstance(features, list) or not features:
        return [], [(0, "FeatureCollection 中没有任何要素")]
    rows, errors = [], []
    for number, feature in enumerate(progress(features, "检查要素", len(features)), start=1):
        row, problems = _parse_feature(number, feature)
        rows.append(row)
        errors.extend((number, f"{row.label}：{problem}") for problem in problems)
    return rows, errors


# --- checks across features -----------------------------------------------------------------------


def _consistency_errors(rows: list[FeatureRow]) -> tuple[list[tuple[int, str]], set[int]]:
    """Duplicate grid codes, and one district/street/community code given two different names.

    Also returns the feature numbers of the repeats, which the geometry checks then leave out.
    """
    errors = []
    repeats = set()
    first_grid: dict[str, FeatureRow] = {}
    first_name: dict[tuple[str, str], FeatureRow] = {}
    for row in rows:
        if row.bad_codes:
            continue
        if (seen := first_grid.setdefault(row.grid_code, row)) is not row:
            errors.append((row.number, f"{row.label}：网格编码与第 {seen.number} 个要素重复"))
            repeats.add(row.number)
        for level in ("district", "street", "community"):
            key = (level, row.codes[level])
            seen = first_name.setdefault(key, row)
            if seen.names[level] != row.names[level]:
                errors.append(
                    (
                        row.number,
                        f"{row.label}：{_LABELS[level]} {row.codes[level]} 的名称“{row.names[level]}”"
                        f"与第 {seen.number} 个要素中的“{seen.names[level]}”不一致",
                    )
                )
    return errors, repeats


def _inspector_errors(rows: list[FeatureRow]) -> tuple[list[tuple[int, str]], dict[str, int]]:
    wanted = {name for row in rows for name in row.inspectors or ()}
    users = dict(get_user_model().objects.filter(username__in=wanted).values_list("username", "id"))
    errors = []
    for row in rows:
        if unknown := sorted(set(row.inspectors or ()) - users.keys()):
            errors.append((row.number, f"{row.label}：未知的网格责任监督员用户名 {'、'.join(unknown)}"))
    return errors, users


@dataclass
class _Piece:
    code: str
    polygon: BaseGeometry
    row: FeatureRow | None  # None: a grid already in the database that the file does not mention

    @property
    def label(self) -> str:
        return self.row.label if self.row else f"已有网格 {self.code}（不在本文件中）"


def _pieces(rows: list[FeatureRow], repeats: set[int]) -> list[_Piece]:
    """The tiling as it will be after the import: the file's grids plus the untouched ones of its districts."""
    pieces = [
        _Piece(row.codes.get("grid", ""), row.polygon, row)
        for row in rows
        if row.polygon is not None and row.number not in repeats
    ]
    in_file = {piece.code for piece in pieces}
    districts = {piece.row.codes["district"] for piece in pieces if piece.row and not piece.row.bad_codes}
    existing = (
        Grid.objects.filter(community__street__district__code__in=districts)
        .exclude(code__in=in_file)
        .values_list("code", "geometry")
        .iterator(chunk_size=2000)
    )
    pieces.extend(_Piece(code, shape(geojson), None) for code, geojson in existing)
    return pieces


def _overlap_errors(pieces: list[_Piece], tree: shapely.STRtree) -> list[tuple[int, str]]:
    polygons = tree.geometries
    left, right = tree.query(polygons, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    from_file = np.array([piece.row is not None for piece in pieces], dtype=bool)
    keep = from_file[left] | from_file[right]  # old-vs-old overlaps are not this file's fault
    left, right = left[keep], right[keep]
    # Neighbours share edges: `touches` means only the boundaries meet, which is what a tiling wants.
    keep = ~shapely.touches(polygons[left], polygons[right])
    errors = []
    for i, j in zip(left[keep], right[keep], strict=True):
        area = geodesic_area_m2(shapely.intersection(polygons[i], polygons[j]))
        if area <= OVERLAP_TOLERANCE_M2:
            continue
        # Named from the file's side: the lower feature number first, an existing grid second.
        a, b = sorted((pieces[i], pieces[j]), key=lambda p: p.row.number if p.row else float("inf"))
        number = a.row.number if a.row else 0
        errors.append((number, f"{a.label}与{b.label}重叠，重叠面积约 {area:.2f} m²"))
    return errors


def _union(parts: list[BaseGeometry]) -> BaseGeometry:
    return shapely.union_all(np.array(parts, dtype=object)) if len(parts) > 1 else parts[0]


def _outlines(pieces: list[_Piece]) -> dict[str, BaseGeometry]:
    """Community, street and district outlines as unions of their grids, built bottom-up (fewer, larger pieces)."""
    outlines: dict[str, BaseGeometry] = {}
    level_parts: dict[str, list[BaseGeometry]] = defaultdict(list)
    for piece in pieces:
        level_parts[piece.code[:COMMUNITY_LEN]].append(piece.polygon)
    for parent_len in (STREET_LEN, DISTRICT_LEN, 0):
        parent_parts: dict[str, list[BaseGeometry]] = defaultdict(list)
        for code, parts in level_parts.items():
            outlines[code] = _union(parts)
            parent_parts[code[:parent_len]].append(outlines[code])
        level_parts = parent_parts if parent_len else {}
    return outlines


def _holes(outline: BaseGeometry) -> Iterator[Polygon]:
    for polygon in getattr(outline, "geoms", [outline]):
        for ring in polygon.interiors:
            yield Polygon(ring)


def _gap_errors(outlines: dict[str, BaseGeometry], pieces: list[_Piece], tree: shapely.STRtree) -> list[str]:
    errors = []
    for code, outline in sorted(outlines.items()):
        if len(code) != DISTRICT_LEN:
            continue
        for hole in _holes(outline):
            area = geodesic_area_m2(hole)
            if area <= GAP_TOLERANCE_M2:
                continue
            spot = hole.representative_point()
            around = sorted(pieces[i].code for i in tree.query(hole, predicate="intersects"))
            names = "、".join(around[:4]) + (" 等" if len(around) > 4 else "")
            errors.append(
                f"区 {code} 内网格之间有缝隙：约在 ({spot.x:.6f}, {spot.y:.6f})，面积约 {area:.2f} m²，"
                f"周边网格 {names}"
            )
    return errors


# --- writing --------------------------------------------------------------------------------------


_AREA_MODELS = (
    ("district", District, "districts"),
    ("street", Street, "streets"),
    ("community", Community, "communities"),
)


def _upsert_areas(
    rows: list[FeatureRow], outlines: dict[str, BaseGeometry], result: ImportResult
) -> dict[str, int]:
    """Create or update the districts, streets and communities the file names; code → id of each."""
    ids: dict[str, int] = {}
    for level, model, counter in _AREA_MODELS:
        parent = _PARENT.get(level)
        wanted = {row.codes[level]: row for row in rows}
        objects = []
        for code, row in wanted.items():
            obj = model(code=code, name=row.names[level])
            if parent:
                setattr(obj, f"{parent}_id", ids[row.codes[parent]])
            obj.geometry = to_geojson(outlines[code]) if code in outlines else None
            objects.append(obj)
        model.objects.bulk_create(
            objects,
            update_conflicts=True,
            unique_fields=["code"],
            update_fields=["name", "geometry", *([parent] if parent else [])],
        )
        ids.update(model.objects.filter(code__in=wanted).values_list("code", "id"))
        setattr(result, counter, len(wanted))
    return ids


_GRID_FIELDS = [
    "name",
    "community",
    "geometry",
    "area_m2",
    "min_lng",
    "min_lat",
    "max_lng",
    "max_lat",
    "updated_at",
]


def _save(
    rows: list[FeatureRow], outlines: dict[str, BaseGeometry], users: dict[str, int], progress: Progress
) -> ImportResult:
    result = ImportResult(outlines=outlines)
    area_ids = _upsert_areas(rows, outlines, result)
    codes = [row.grid_code for row in rows]
    existing = set(Grid.objects.filter(code__in=codes).values_list("code", flat=True))
    grids = []
    for row in progress(rows, "保存网格", len(rows)):
        grid = Grid(code=row.grid_code, name=row.names["grid"], community_id=area_ids[row.codes["community"]])
        grid.set_geometry(row.geojson)
        grids.append(grid)
    Grid.objects.bulk_create(
        grids,
        batch_size=BATCH,
        update_conflicts=True,
        unique_fields=["code"],
        update_fields=_GRID_FIELDS,
    )
    grid_ids = dict(Grid.objects.filter(code__in=codes).values_list("code", "id"))
    _set_inspectors(rows, grid_ids, users)
    result.created = len(codes) - len(existing)
    result.updated = len(existing)
    return result


def _set_inspectors(rows: list[FeatureRow], grid_ids: dict[str, int], users: dict[str, int]) -> None:
    through = Grid.inspectors.through
    told = [row for row in rows if row.inspectors is not None]
    through.objects.filter(grid_id__in=[grid_ids[row.grid_code] for row in told]).delete()
    links = {(grid_ids[row.grid_code], users[name]) for row in told for name in row.inspectors or ()}
    through.objects.bulk_create([through(grid_id=g, user_id=u) for g, u in sorted(links)], batch_size=BATCH)


# --- entry points ---------------------------------------------------------------------------------


def import_grids(data: Any, *, progress: Progress = no_progress) -> ImportResult:
    """Validate the whole FeatureCollection, then save it in one transaction; GridImportError if anything is wrong."""
    with transaction.atomic():
        rows, errors = parse_features(data, progress)
        if not rows:
            raise GridImportError([message for _n, message in errors])
        consistency, repeats = _consistency_errors(rows)
        errors += consistency
        inspector_errors, users = _inspector_errors(rows)
        errors += inspector_errors
        pieces = _pieces(rows, repeats)
        tree = shapely.STRtree(np.array([piece.polygon for piece in pieces], dtype=object))
        errors += _overlap_errors(pieces, tree)
        outlines: dict[str, BaseGeometry] = {}
        gaps: list[str] = []
        if repeats or any(row.polygon is None or row.bad_codes for row in rows):
            # A grid left out of the tiling would show up as a gap of its own: check gaps once it is fixed.
            gaps.append("（部分要素的编码或几何有误，修正后将再检查网格之间的缝隙）")
        else:
            outlines = _outlines(pieces)
            gaps = _gap_errors(outlines, pieces, tree)
        if errors or gaps:
            raise GridImportError([message for _n, message in sorted(errors, key=lambda e: e[0])] + gaps)
        result = _save(rows, outlines, users, progress)
    locator.invalidate()  # bulk writes fire no post_save: tell this process's index to re-check
    return result


def export_grids(queryset=None) -> dict:
    """The grids as the FeatureCollection `import_grids` reads (export → import changes nothing)."""
    queryset = (
        (queryset if queryset is not None else Grid.objects.all())
        .select_related("community__street__district")
        .prefetch_related("inspectors")
    )
    features = []
    for grid in queryset.order_by("code").iterator(chunk_size=2000):
        community = grid.community
        street = community.street
        district = street.district
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "district_code": district.code,
                    "district_name": district.name,
                    "street_code": street.code,
                    "street_name": street.name,
                    "community_code": community.code,
                    "community_name": community.name,
                    "grid_code": grid.code,
                    "grid_name": grid.name,
                    "inspectors": sorted(user.username for user in grid.inspectors.all()),
                },
                "geometry": grid.geometry,
            }
        )
    return {"type": "FeatureCollection", "features": features}
