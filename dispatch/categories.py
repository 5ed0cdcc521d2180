"""The category taxonomy (docs/domain.md §5): loading the national list and searching it.

The national list is data (fixtures/gbt47678_5_2026.csv). Loading it is idempotent and keeps the
published codes with their gaps; rows that other standards or local extensions own are never touched.
"""

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet

from dispatch.models import Category

STANDARD_CSV = Path(settings.BASE_DIR) / "fixtures" / "gbt47678_5_2026.csv"
STANDARD = Category.Standard.GBT_47678_5_2026

_KINDS = {"部件": Category.Kind.COMPONENT, "事项": Category.Kind.EVENT}

# What people type versus what the standard calls it: a reporter searches 马葫芦 (Tianjin for a
# manhole) or 牛皮癣 (fly-posting), not 污水井盖 or 非法小广告. A rule applies when its fragment occurs
# in the category name, so one line covers every 井盖 type, 部件 and 事项 alike.
KEYWORD_RULES: tuple[tuple[str, str], ...] = (
    ("井盖", "井盖 窨井 马葫芦 下水道"),
    ("箅子", "雨箅子 雨水口 下水道"),
    ("沟槽盖板", "盖板 下水道"),
    ("路灯", "路灯 灯杆 不亮"),
    ("垃圾", "垃圾 脏乱"),
    ("道路不洁", "垃圾 脏乱 保洁"),
    ("绿地脏乱", "垃圾 脏乱"),
    ("乱堆杂物", "杂物 垃圾 堆物"),
    ("遗撒", "遗撒 撒漏"),
    ("渣土", "渣土 建筑垃圾"),
    ("占道经营", "摆摊 摊贩 流动摊点"),
    ("店外经营", "占道 出店经营"),
    ("游商", "游商 小贩 摆摊"),
    ("小广告", "广告 牛皮癣 野广告 乱贴乱画"),
    ("散发广告", "广告 传单"),
    ("户外广告", "广告 广告牌"),
    ("牌匾", "招牌 牌匾"),
    ("私搭乱建", "违建 违章建筑 乱搭建"),
    ("无证建设", "违建 违章建筑"),
    ("扰民", "噪音 噪声 扰民"),
    ("噪声", "噪音"),
    ("露天烧烤", "烧烤 油烟"),
    ("扬尘", "扬尘 灰尘"),
    ("道路破损", "坑洼 路面破损"),
    ("机动车乱停放", "乱停车 违停 停车"),
    ("非机动车乱停放", "乱停车 自行车 电动车"),
    ("共享单车", "单车 自行车 乱停放"),
    ("废弃车辆", "僵尸车 废弃车"),
    ("沿街晾挂", "晾晒 晾衣"),
    ("积雪", "积雪 结冰 冰雪 路滑"),
    ("架空线缆", "飞线 电线 线缆"),
    ("流浪乞讨", "乞讨 流浪"),
    ("树", "树木 绿化"),
)


@dataclass(frozen=True)
class CategoryRow:
    kind: str
    code: str
    major_code: str
    major_name: str
    name: str


class CategoryFileError(ValueError):
    """A row of the category file we refuse, with its line number."""


def keywords_for(name: str) -> str:
    """Search keywords for a category name, from KEYWORD_RULES; empty when no rule applies."""
    words: list[str] = []
    for fragment, keywords in KEYWORD_RULES:
        if fragment in name:
            words.extend(w for w in keywords.split() if w not in words)
    return " ".join(words)


def merge_keywords(existing: str, seeded: str) -> str:
    """Seeded words appended to what an admin already typed; their words are never dropped."""
    words = existing.split()
    words.extend(w for w in seeded.split() if w not in words)
    return " ".join(words)


def read_category_file(path: Path | str) -> list[CategoryRow]:
    rows: list[CategoryRow] = []
    with open(path, encoding="utf-8-sig", newline="") as fh:
        for line_no, raw in enumerate(csv.DictReader(fh), start=2):
            rows.append(_parse_row(raw, line_no))
    return rows


def _parse_row(raw: dict[str, str], line_no: int) -> CategoryRow:
    try:
        kind_label, code, major_code = raw["kind"].strip(), raw["code"].strip(), raw["major_code"].strip()
        major_name, name = raw["major_name"].strip(), raw["name"].strip()
    except (KeyError, AttributeError):
        raise CategoryFileError(
            f"第 {line_no} 行：缺少列（需要 kind,code,major_code,major_name,name）"
        ) from None
    if kind_label not in _KINDS:
        raise CategoryFileError(f"第 {line_no} 行：类型 {kind_label!r} 应为 部件 或 事项")
    if not (code.isdigit() and len(code) == 5 and code.startswith(major_code) and len(major_code) == 2):
        raise CategoryFileError(
            f"第 {line_no} 行：编码 {code!r} 应为 5 位数字，且以 2 位大类编码 {major_code!r} 开头"
        )
    if not name or not major_name:
        raise CategoryFileError(f"第 {line_no} 行：名称和大类名称不能为空")
    return CategoryRow(_KINDS[kind_label], code, major_code, major_name, name)


@transaction.atomic
def load_standard_categories(path: Path | str | None = None) -> tuple[int, int]:
    """Create or update the GB/T 47678.5-2026 categories; returns (created, updated).

    Keyed on (standard, kind, code), so running it again changes nothing and "updated" counts only rows
    whose values really changed. Categories missing from the file are left alone: cases refer to them.
    """
    rows = read_category_file(path or STANDARD_CSV)
    existing = {(c.kind, c.code): c for c in Category.objects.select_for_update().filter(standard=STANDARD)}
    to_create: list[Category] = []
    to_update: list[Category] = []
    for row in rows:
        values = {
            "major_code": row.major_code,
            "major_name": row.major_name,
            "name": row.name,
            "is_local": False,
        }
        category = existing.get((row.kind, row.code))
        if category is None:
            to_create.append(
                Category(
                    standard=STANDARD, kind=row.kind, code=row.code, keywords=keywords_for(row.name), **values
                )
            )
            continue
        values["keywords"] = merge_keywords(category.keywords, keywords_for(row.name))
        changed = [field for field, value in values.items() if getattr(category, field) != value]
        if changed:
            for field in changed:
                setattr(category, field, values[field])
            to_update.append(category)
    Category.objects.bulk_create(to_create)
    if to_update:
        Category.objects.bulk_update(to_update, ["major_code", "major_name", "name", "keywords", "is_local"])
    return len(to_create), len(to_update)


def search_categories(q: str, queryset: QuerySet[Category] | None = None) -> QuerySet[Category]:
    """Categories matching every word of `q` in name, keywords, major name or as a code prefix.

    Case-insensitive; ordered by kind then code, the order of the published list.
    """
    queryset = Category.objects.all() if queryset is None else queryset
    for term in _terms(q):
        queryset = queryset.filter(
            Q(name__icontains=term)
            | Q(keywords__icontains=term)
            | Q(major_name__icontains=term)
            | Q(code__startswith=term)
        )
    return queryset.order_by("kind", "code")


def _terms(q: str) -> Iterable[str]:
    return (term for term in (q or "").split() if term)
