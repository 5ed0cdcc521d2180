"""The rollup cells behind every figure: the filters, the cells they select, and their sums as figures."""

from django.db.models import Q, Sum

from dispatch.models import Department
from grids.models import Community, District, Grid, Street
from kpi import metrics
from kpi.models import ROLLUP_SUMS, AreaDay, CategoryDay, GridDay, StreetDay

# district: several districts in one deployment (docs/domain.md §13); a district's staff are held to theirs.
FILTERS = ("district", "street", "community", "grid", "department", "kind", "category", "major", "source")


def pk_of(model, value) -> int | None:
    if value in (None, ""):
        return None
    if isinstance(value, model):
        return value.pk
    if isinstance(value, int):
        return value
    pk = model.objects.filter(code=value).values_list("pk", flat=True).first()
    return pk if pk is not None else -1  # an unknown code matches nothing, like the case list's filter


def code_of(model, value) -> str | None:
    if value in (None, ""):
        return None
    if isinstance(value, model):
        return value.code
    if isinstance(value, int):
        return model.objects.filter(pk=value).values_list("code", flat=True).first()
    return str(value)


def source_list(source) -> list[str] | None:
    if source in (None, "", []):
        return None
    return [source] if isinstance(source, str) else [str(s) for s in source]


def check_filters(filters: dict) -> None:
    unknown = set(filters) - set(FILTERS)
    if unknown:
        raise TypeError(f"unknown KPI filter(s): {', '.join(sorted(unknown))}")


# The column each filter reads, and each area rollup with the columns it can filter and group by,
# coarsest first: a query reads the first that has every column it needs (AreaDay has them all).
FILTER_COLUMNS = {
    "district": "district_id",  # CategoryDay keys on it; elsewhere a district is its streets (below)
    "street": "street_id",
    "community": "community_id",
    "grid": "grid_id",
    "department": "dept",
    "kind": "category_kind",
    "category": "category_code",
    "major": "major_code",
    "source": "source",
}
# Every table but CategoryDay answers a district filter through its streets.
TABLES = [
    (m, {*m.KEYS, *m.CARRIED} | ({"district_id"} if "street_id" in m.KEYS + m.CARRIED else set()))
    for m in (StreetDay, CategoryDay, GridDay)
]


def table_for(columns) -> type:
    """The coarsest rollup with every column of `columns` (sums are the same in each: only the keys differ)."""
    needed = set(columns)
    return next((model for model, has in TABLES if needed <= has), AreaDay)


def cells_for(period_from, period_to, *columns, **filters):
    """The rollup cells of the period and filters, from the coarsest table that has the filters' columns
    and `columns` (those the caller groups or filters by in turn)."""
    check_filters(filters)
    used = {FILTER_COLUMNS[name] for name, value in filters.items() if value not in (None, "", [])}
    table = table_for({*used, *columns})
    q = Q(day__gte=period_from, day__lte=period_to)
    district = pk_of(District, filters.get("district"))
    if district is not None and table is CategoryDay:
        q &= Q(district_id=district)
    elif district is not None:
        # The other rollups key on streets, not districts: a district is its streets (a dozen or two ids).
        q &= Q(street_id__in=list(Street.objects.filter(district_id=district).values_list("pk", flat=True)))
    for name, model, column in (
        ("street", Street, "street_id"),
        ("community", Community, "community_id"),
        ("grid", Grid, "grid_id"),
        ("department", Department, "dept"),
    ):
        pk = pk_of(model, filters.get(name))
        if pk is not None:
            q &= Q(**{column: pk})
    if filters.get("category"):
        q &= Q(category_code=filters["category"])
    if filters.get("major"):
        q &= Q(major_code=filters["major"])
    if filters.get("kind"):
        q &= Q(category_kind=filters["kind"])
    sources = source_list(filters.get("source"))
    if sources:
        q &= Q(source__in=sources)
    return table.objects.filter(q)


SUMS = {name: Sum(name) for name in ROLLUP_SUMS}


def figures_of(sums: dict) -> tuple[dict, dict]:
    counts = metrics.area_counts({k: sums.get(k) for k in ROLLUP_SUMS})
    return counts, as_percent(metrics.area_rates(counts))


def as_percent(rates: dict) -> dict:
    return {k: None if v is None else round(v * 100, 2) for k, v in rates.items()}


def public_filters(filters: dict) -> dict:
    out = {}
    for name, model in (
        ("district", District),
        ("street", Street),
        ("community", Community),
        ("grid", Grid),
        ("department", Department),
    ):
        code = code_of(model, filters.get(name))
        if code:
            out[name] = code
    for name in ("kind", "category", "major"):
        if filters.get(name):
            out[name] = str(filters[name])
    if source_list(filters.get("source")):
        out["source"] = source_list(filters.get("source"))
    return out


def sums_by(qs, *fields) -> list[dict]:
    """The cells' sums per value of `fields`."""
    return list(qs.order_by().values(*fields).annotate(**SUMS))
