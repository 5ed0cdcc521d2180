"""The gazetteer (地名地址, grids.Place) from a file: CSV or GeoJSON rows → Place rows, all or nothing.

Hotline tickets arrive with address text only (cases/intake/gazetteer.py finds them here), so the
district's 门牌, 兴趣点, 社区 and 道路 come from the 民政/规划 address register as a file. Every row is
checked first; any problem (named by its line or feature number) refuses the whole file, so a half
imported gazetteer never places a ticket wrongly. A row that names an entry already known (kind, name,
road, house number) updates its position and aliases: importing the next edition of the file again is
safe.

CSV columns (UTF-8, a header row): name, kind, lng, lat, and optionally road, house_number, aliases,
community (a community code). kind is road / house / poi / community or 道路 / 门牌 / 兴趣点 / 社区.
GeoJSON: Point features with the same names as properties (lng/lat from the geometry).
"""

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from grids.locator import InvalidPosition, check_position, find_many
from grids.models import Community, Grid, Place

KINDS = {k.value: k.value for k in Place.Kind} | {str(k.label): k.value for k in Place.Kind}
LIMITS = {"name": 100, "road": 100, "house_number": 20, "aliases": 300}


class GazetteerImportError(Exception):
    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("\n".join(errors))


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    rows: list = field(default_factory=list)


def read_rows(path: str | Path) -> list[tuple[str, dict]]:
    """(where, properties) per row: "第 3 行" for CSV (the header is line 1), "要素 2" for GeoJSON."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise GazetteerImportError([f"文件 {path} 不存在"]) from None
    except UnicodeDecodeError as exc:
        raise GazetteerImportError([f"文件 {path} 不是 UTF-8 编码：{exc}"]) from None
    if path.suffix.lower() in (".geojson", ".json"):
        return _geojson_rows(text, path)
    reader = csv.DictReader(io.StringIO(text))
    missing = {"name", "kind", "lng", "lat"} - set(reader.fieldnames or ())
    if missing:
        raise GazetteerImportError(
            [f"CSV 缺少列：{', '.join(sorted(missing))}（表头须有 name, kind, lng, lat）"]
        )
    return [(f"第 {reader.line_num} 行", row) for row in reader]


def _geojson_rows(text: str, path: Path) -> list[tuple[str, dict]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise GazetteerImportError([f"文件 {path} 不是有效的 GeoJSON：{exc}"]) from None
    if not isinstance(data, dict) or not isinstance(data.get("features"), list):
        raise GazetteerImportError(["GeoJSON 须为含 features 的 FeatureCollection"])
    rows = []
    for n, feature in enumerate(data["features"], 1):
        props = dict((feature or {}).get("properties") or {})
        geometry = (feature or {}).get("geometry") or {}
        if geometry.get("type") == "Point" and isinstance(geometry.get("coordinates"), list):
            coords = geometry["coordinates"]
            props["lng"], props["lat"] = (coords + [None, None])[:2]
        else:
            props["lng"] = props["lat"] = None
        rows.append((f"要素 {n}", props))
    return rows


def import_places(rows: list[tuple[str, dict]]) -> ImportResult:
    """Check every row, then write them all in one transaction; GazetteerImportError lists the problems."""
    errors, checked = [], []
    communities = dict(Community.objects.values_list("code", "pk"))
    for where, raw in rows:
        problem, place = _check(raw, communities)
        if problem:
            errors.append(f"{where}：{problem}")
        else:
            checked.append((where, place))
    # Inside the district: a place outside every grid could never place a ticket.
    found = find_many([(p.lng, p.lat) for _w, p in checked])
    community_of = dict(
        Grid.objects.filter(pk__in={r.id for r in found if r is not None}).values_list("pk", "community_id")
    )
    for (where, place), ref in zip(checked, found, strict=True):
        if ref is None:
            errors.append(f"{where}：位置 ({place.lng:g}, {place.lat:g}) 不在本区任何单元网格内")
        elif place.community_id is None:
            place.community_id = community_of.get(ref.id)
    seen = {}
    for where, place in checked:
        key = (place.kind, place.name, place.road, place.house_number)
        if key in seen:
            errors.append(f"{where}：与{seen[key]}重复（同一类型、名称、道路和门牌号）")
        seen.setdefault(key, where)
    if errors:
        raise GazetteerImportError(errors)
    result = ImportResult()
    with transaction.atomic():
        existing = {
            (p.kind, p.name, p.road, p.house_number): p
            for p in Place.objects.filter(name__in={p.name for _w, p in checked})
        }
        fresh = []
        for _where, place in checked:
            known = existing.get((place.kind, place.name, place.road, place.house_number))
            if known is None:
                fresh.append(place)
                continue
            known.lng, known.lat, known.aliases = place.lng, place.lat, place.aliases
            known.community_id = place.community_id
            known.save(update_fields=["lng", "lat", "aliases", "community"])
            result.updated += 1
        Place.objects.bulk_create(fresh, batch_size=1000)
        result.created = len(fresh)
    return result


def _check(raw: dict, communities: dict) -> tuple[str, Place | None]:
    text = {
        k: str(raw.get(k) or "").strip()
        for k in ("name", "kind", "road", "house_number", "aliases", "community")
    }
    if not text["name"]:
        return "缺少名称（name）", None
    for name, limit in LIMITS.items():
        if len(text[name]) > limit:
            return f"{name} 超过 {limit} 个字", None
    kind = KINDS.get(text["kind"])
    if kind is None:
        return (
            f"类型（kind）「{text['kind']}」无效，应为 road、house、poi、community 或 道路、门牌、兴趣点、社区",
            None,
        )
    if kind == Place.Kind.HOUSE and not (text["road"] and text["house_number"]):
        return "门牌须填写所在道路（road）和门牌号（house_number）", None
    try:
        lng, lat = check_position(raw.get("lng"), raw.get("lat"))
    except InvalidPosition as exc:
        return f"经纬度无效：{exc}", None
    community_id = None
    if text["community"]:
        community_id = communities.get(text["community"])
        if community_id is None:
            return f"社区编码「{text['community']}」不存在", None
    return "", Place(
        name=text["name"],
        kind=kind,
        road=text["road"],
        house_number=text["house_number"],
        aliases=text["aliases"],
        lng=lng,
        lat=lat,
        community_id=community_id,
    )
