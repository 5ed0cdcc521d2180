"""Hot spots (热点分析): where and when problems recur (issue #7 point 5, docs/domain.md §7 last item).

Three views over the cases a user may see, all computed by SQL aggregation over a bounded date range,
so their cost follows the window, not the size of the history:

1. **Hot cells** (`hot_cells`): grid × category cells whose recent count is far above their own
   baseline. The test is the exact *conditional test for two Poisson rates* (Przyborowski & Wilenski
   1940; the "C-test" of Krishnamoorthy & Thomson 2004). Let a cell have x cases in the recent window
   (default the 7 days ending `as_of`) and b cases in the P baseline windows of the same length just
   before it (default P = 8 weeks). If cases arrive as a Poisson process with a constant rate, then,
   given the total n = x + b, x is Binomial(n, 1/(P + 1)): each case is as likely to fall in any of the
   P + 1 equal windows. The one-sided p-value is P(X ≥ x | n). Why this test:
   - it is exact for small counts, where a normal approximation or a z-score is wrong, and it carries
     the uncertainty of the baseline itself, which plugging b/P into a Poisson tail as if it were the
     true rate does not: 1 → 3 cases is then as unremarkable as it should be (p ≈ 0.11 with b = 8);
   - it needs no prior or floor for a cell with an empty baseline: 0 → 5 has p = (1/9)⁵ ≈ 2·10⁻⁵;
   - windows are whole weeks, so the weekday mix (fewer reports at weekends) is the same in both;
     the 8-week baseline follows slow seasonal change; surges shorter than the window show up as what
     they are;
   - thousands of cells are tested at once, so p-values are corrected with Benjamini–Hochberg (false
     discovery rate `fdr`, default 5 %) over every cell that could have been hot at all: the cells
     with n ≥ `min_count`. That screen uses only n, the statistic the test conditions on, so it does
     not bias the p-values (Tarone 1990); a cell with n < min_count can never reach x ≥ min_count.
   A hot cell must also be large enough to matter: x ≥ `min_count` (default 5) and x ≥ `min_ratio`
   (default 2) × its baseline weekly mean. So 2/week → 15/week is hot (p ≈ 3·10⁻⁷); 100/week → 115/week
   may be significant but is not "far above". Caveat: the Poisson model ignores over-dispersion
   (weather, campaigns); a district-wide surge flags many cells at once, which is the truth, if not news.

2. **Repeated places** (`repeated_places`): ≥ k cases within r metres within t days (defaults 3, 50 m,
   30 days), by default of the same category (同一位置同类问题反复发生). Points are projected to local
   metres (equirectangular about the mean latitude: < 0.5 % scale error across a district), bucketed
   into r × r squares, and neighbours are looked up only in the 3 × 3 surrounding buckets (numpy,
   vectorised). Clusters are taken greedily, densest first: the case with the most free neighbours
   within r becomes an anchor and takes them. So every member lies within r of its anchor (the
   literal "k cases within r metres") and clusters never chain along a street the way single-linkage
   or DBSCAN would. Only the recent window is read.

3. **Weekly pattern** (`weekday_hour_pattern`): for each 大类 (kind + major code, since 部件 01 and
   事项 01 differ), a 7 × 24 matrix of cases by local day of week (row 0 = Monday) and hour reported.

Cases count by when they were reported (`created_at`, 上报时间): a hot spot is about problems arising,
not about when the centre filed them. Rejected (不予受理/不予立案, duplicates included) and voided
(作废) cases are left out: they are not problems, or not new ones.

Every function takes a `cases` queryset already scoped to the user (cases.selectors.cases_visible_to)
and narrowed by a `CaseScope` (street, category, 大类, source …); `visible_cases(user, scope)` does both.
"""

import heapq
import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import numpy as np
from django.db import connection
from django.db.models import Case as DjCase
from django.db.models import Count, F, Q, QuerySet, Value, When, Window
from django.db.models.functions import DenseRank, ExtractHour, ExtractIsoWeekDay
from django.utils import timezone

from cases.models import Case
from cases.selectors import cases_visible_to
from cases.workflow import Status
from dispatch.models import Category
from grids.models import Grid

EARTH_RADIUS_M = 6_371_008.8
NOT_PROBLEMS = (Status.REJECTED, Status.VOIDED)


# ---------------------------------------------------------------- scope and time


@dataclass(frozen=True)
class CaseScope:
    """The dashboard filters, by code, named as in kpi.queries (plus `kind`: 部件 01 ≠ 事项 01).

    Empty = no filter. Build one from the same keyword filters the kpi.queries functions take:
    `CaseScope(street="120103001", major="06")`.
    """

    street: str = ""
    community: str = ""
    grid: str = ""
    department: str = ""
    category: str = ""
    major: str = ""
    kind: str = ""
    source: str | tuple[str, ...] = ""

    def apply(self, cases: QuerySet[Case]) -> QuerySet[Case]:
        lookups = {
            "street__code": self.street,
            "community__code": self.community,
            "grid__code": self.grid,
            "department__code": self.department,
            "category_code": self.category,
            "major_code": self.major,
            "category_kind": self.kind,
        }
        cases = cases.filter(**{k: v for k, v in lookups.items() if v})
        if isinstance(self.source, list | tuple):  # kpi.queries allows a list of sources
            return cases.filter(source__in=self.source) if self.source else cases
        return cases.filter(source=self.source) if self.source else cases


def visible_cases(user, scope: CaseScope | None = None) -> QuerySet[Case]:
    """The cases `user` may see (district-wide roles: all; a department: its own), narrowed by `scope`."""
    cases = cases_visible_to(user)
    return scope.apply(cases) if scope else cases


def day_start(day: date) -> datetime:
    """Local midnight at the start of `day`, as an aware datetime (what created_at is compared with)."""
    return timezone.make_aware(datetime.combine(day, datetime.min.time()))


def counted(cases: QuerySet[Case], start: date, end: date) -> QuerySet[Case]:
    """The real problems reported from local day `start` to local day `end`, both included."""
    return cases.filter(
        created_at__gte=day_start(start), created_at__lt=day_start(end + timedelta(days=1))
    ).exclude(status__in=NOT_PROBLEMS)


def today() -> date:
    return timezone.localdate()


# ---------------------------------------------------------------- 1. hot cells


def binomial_sf(k: int, n: int, p: float) -> float:
    """P(X ≥ k) for X ~ Binomial(n, p), summed exactly in log space (no scipy needed)."""
    if k <= 0 or p >= 1.0:
        return 1.0
    if k > n or p <= 0.0:
        return 0.0
    if k >= (n + 1) * p:  # at or past the mode: the upper tail's terms only shrink from k on
        return min(1.0, _shrinking_sum(k, n, p, +1))
    # Below the mode the upper tail is large; its complement's terms shrink from k − 1 down to 0.
    return max(0.0, 1.0 - _shrinking_sum(k - 1, n, p, -1))


def _shrinking_sum(start: int, n: int, p: float, step: int) -> float:
    """Σ pmf(i) from i = start in direction `step`, for terms that shrink from the first one on."""
    log_p, log_q = math.log(p), math.log1p(-p)
    first = math.lgamma(n + 1) - math.lgamma(start + 1) - math.lgamma(n - start + 1)
    first += start * log_p + (n - start) * log_q
    total, rel, i = 0.0, 0.0, start
    while 0 <= i <= n:
        term = math.exp(rel)
        total += term
        if term < total * 1e-17 or (step > 0 and i == n) or (step < 0 and i == 0):
            break
        if step > 0:  # pmf(i + 1) / pmf(i) = (n − i) / (i + 1) · p / q
            rel += math.log(n - i) - math.log(i + 1) + log_p - log_q
        else:
            rel += math.log(i) - math.log(n - i + 1) - log_p + log_q
        i += step
    return math.exp(first + math.log(total))


def benjamini_hochberg(p_values: list[float]) -> list[float]:
    """BH-adjusted p-values (q-values), in the input order."""
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    adjusted = [1.0] * m
    running = 1.0
    for rank in range(m, 0, -1):
        i = order[rank - 1]
        running = min(running, p_values[i] * m / rank)
        adjusted[i] = running
    return adjusted


@dataclass
class HotCell:
    grid_id: int
    grid_code: str
    grid_name: str
    street_name: str
    kind: str
    category_code: str
    category_name: str
    recent: int  # cases in the recent window
    baseline: int  # cases in all baseline windows together
    baseline_mean: float  # baseline cases per window
    ratio: float | None  # recent / baseline_mean; None when the baseline is empty
    p_value: float
    q_value: float  # Benjamini–Hochberg adjusted
    lng: float  # grid centre, for the map
    lat: float
    case_filter: dict = field(default_factory=dict)  # /api/v1/cases/ query for the cases behind it


@dataclass
class HotCellResult:
    as_of: date
    recent_from: date
    baseline_from: date
    baseline_to: date
    tested: int  # cells with n ≥ min_count: the m of the multiple-testing correction
    cells: list[HotCell]


def hot_cells(
    cases: QuerySet[Case],
    *,
    as_of: date | None = None,
    recent_days: int = 7,
    baseline_windows: int = 8,
    min_count: int = 5,
    min_ratio: float = 2.0,
    fdr: float = 0.05,
    limit: int | None = None,
) -> HotCellResult:
    """Grid × category cells far above their own baseline (see the module docstring for the test)."""
    as_of = as_of or today()
    recent_from = as_of - timedelta(days=recent_days - 1)
    baseline_from = recent_from - timedelta(days=recent_days * baseline_windows)
    rows = list(
        counted(cases, baseline_from, as_of)
        .values("grid_id", "category_kind", "category_code")
        .annotate(
            recent=Count("id", filter=Q(created_at__gte=day_start(recent_from))),
            total=Count("id"),
        )
        .filter(total__gte=min_count)
        .order_by()
    )
    p0 = 1.0 / (baseline_windows + 1)
    p_values = [binomial_sf(r["recent"], r["total"], p0) for r in rows]
    q_values = benjamini_hochberg(p_values)
    hot = []
    for row, p, q in zip(rows, p_values, q_values, strict=True):
        x, b = row["recent"], row["total"] - row["recent"]
        mean = b / baseline_windows
        if q <= fdr and x >= min_count and x >= min_ratio * mean:
            hot.append((row, p, q, x, b, mean))
    hot.sort(key=lambda h: (h[2], -(h[3] / h[5] if h[5] else math.inf), h[0]["grid_id"]))
    if limit is not None:
        hot = hot[:limit]
    grids = {
        g.pk: g
        for g in Grid.objects.filter(pk__in={h[0]["grid_id"] for h in hot}).select_related(
            "community__street"
        )
    }
    names = category_names({(h[0]["category_kind"], h[0]["category_code"]) for h in hot})
    window = {"created_after": recent_from.isoformat(), "created_before": as_of.isoformat()}
    cells = []
    for row, p, q, x, b, mean in hot:
        grid = grids[row["grid_id"]]
        cells.append(
            HotCell(
                grid_id=grid.pk,
                grid_code=grid.code,
                grid_name=grid.name,
                street_name=grid.community.street.name,
                kind=row["category_kind"],
                category_code=row["category_code"],
                category_name=names.get((row["category_kind"], row["category_code"]), ""),
                recent=x,
                baseline=b,
                baseline_mean=round(mean, 2),
                ratio=round(x / mean, 2) if mean else None,
                p_value=p,
                q_value=q,
                lng=round((grid.min_lng + grid.max_lng) / 2, 6),
                lat=round((grid.min_lat + grid.max_lat) / 2, 6),
                case_filter={
                    "grid": grid.code,
                    "kind": row["category_kind"],
                    "category": row["category_code"],
                    **window,
                },
            )
        )
    return HotCellResult(as_of, recent_from, baseline_from, recent_from - timedelta(days=1), len(rows), cells)


# ---------------------------------------------------------------- 2. repeated places

GROUPINGS = ("category", "major", "any")


def project(lng: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Local metres: equirectangular about the mean latitude (a district is a few tens of km wide)."""
    lat0 = math.radians(float(lat.mean()))
    x = np.radians(lng) * EARTH_RADIUS_M * math.cos(lat0)
    y = np.radians(lat) * EARTH_RADIUS_M
    return x, y


def metres_between(lng1: float, lat1: float, lng2: float, lat2: float) -> float:
    """Equirectangular distance: the same metric the clustering uses."""
    k = math.radians(1) * EARTH_RADIUS_M
    return math.hypot((lng2 - lng1) * k * math.cos(math.radians((lat1 + lat2) / 2)), (lat2 - lat1) * k)


def neighbour_pairs(
    x: np.ndarray, y: np.ndarray, group: np.ndarray, radius: float, min_size: int
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (i, j), self-pairs included, of points in one group within `radius` of each other.

    Points go into radius × radius buckets keyed by (group, column, row); a point's neighbours can only
    be in the 3 × 3 buckets around its own. Points with fewer than `min_size` points in those 9 buckets
    cannot be in a cluster and get no pairs.
    """
    n = len(x)
    cx = np.floor(x / radius).astype(np.int64)
    cy = np.floor(y / radius).astype(np.int64)
    cx += 1 - cx.min()  # columns 1 … W-2: an offset of ±1 never wraps into the next group or column
    cy += 1 - cy.min()
    width, height = int(cy.max()) + 2, int(cx.max()) + 2
    key = (group.astype(np.int64) * height + cx) * width + cy
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    offsets = [dx * width + dy for dx in (-1, 0, 1) for dy in (-1, 0, 1)]
    spans = []
    upper = np.zeros(n, dtype=np.int64)
    for off in offsets:
        lo = np.searchsorted(sorted_key, key + off, "left")
        hi = np.searchsorted(sorted_key, key + off, "right")
        spans.append((lo, hi))
        upper += hi - lo
    candidates = np.flatnonzero(upper >= min_size)
    left, right = [], []
    for lo, hi in spans:
        lo, count = lo[candidates], (hi - lo)[candidates]
        total = int(count.sum())
        if not total:
            continue
        i = np.repeat(candidates, count)
        within = np.arange(total) - np.repeat(np.cumsum(count) - count, count)
        j = order[np.repeat(lo, count) + within]
        close = (x[i] - x[j]) ** 2 + (y[i] - y[j]) ** 2 <= radius * radius
        left.append(i[close])
        right.append(j[close])
    if not left:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    return np.concatenate(left), np.concatenate(right)


def greedy_clusters(
    ids: np.ndarray, left: np.ndarray, right: np.ndarray, min_size: int
) -> list[tuple[int, list[int]]]:
    """Densest first: (anchor index, member indexes) with every member within the radius of its anchor.

    A lazy max-heap on the number of still-free neighbours; ties go to the older (smaller) case id, so
    the result does not depend on the order rows came back in.
    """
    if not len(left):
        return []
    order = np.argsort(left, kind="stable")
    left, right = left[order], right[order]
    # CSR: the neighbours of point i are right[start[i]:start[i + 1]].
    start = np.searchsorted(left, np.arange(len(ids) + 1))
    degree = np.diff(start)
    seeds = np.flatnonzero(degree >= min_size)
    heap = list(zip((-degree[seeds]).tolist(), ids[seeds].tolist(), seeds.tolist(), strict=True))
    heapq.heapify(heap)
    taken = np.zeros(len(ids), dtype=bool)
    clusters = []
    while heap:
        negative, _id, node = heapq.heappop(heap)
        if taken[node]:
            continue
        near = right[start[node] : start[node + 1]]
        free = near[~taken[near]]
        if len(free) < min_size:
            continue
        if len(free) < -negative:  # some neighbours were taken since: queue again with the true count
            heapq.heappush(heap, (-len(free), _id, node))
            continue
        taken[free] = True
        clusters.append((node, sorted(int(m) for m in free)))
    return clusters


@dataclass
class RepeatedPlace:
    lng: float  # centre: the mean of the members' positions
    lat: float
    radius_m: float  # the farthest member from the centre
    count: int
    categories: list[dict]  # [{"kind", "code", "name", "count"}], most frequent first
    case_ids: list[int]
    case_numbers: list[str]
    grid_code: str  # the grid most members are in
    address: str  # the newest member's address
    first_at: datetime
    last_at: datetime


@dataclass
class RepeatedPlaceResult:
    date_from: date
    date_to: date
    radius_m: float
    min_cases: int
    group_by: str
    total: int  # clusters found, before `limit`
    places: list[RepeatedPlace]


def repeated_places(
    cases: QuerySet[Case],
    *,
    as_of: date | None = None,
    days: int = 30,
    radius_m: float = 50.0,
    min_cases: int = 3,
    group_by: str = "category",
    limit: int | None = None,
) -> RepeatedPlaceResult:
    """Places with ≥ `min_cases` cases within `radius_m` metres in the `days` ending `as_of`.

    `group_by`: "category" (same 小类, the default), "major" (same 大类) or "any" (any problem).
    """
    if group_by not in GROUPINGS:
        raise ValueError(f"group_by must be one of {GROUPINGS}")
    as_of = as_of or today()
    date_from = as_of - timedelta(days=days - 1)
    group_fields = {"category": ("category_kind", "category_code"), "major": ("category_kind", "major_code")}
    fields = group_fields.get(group_by, ())
    # One float row per case, the group numbered in SQL: numpy takes the rows as they come.
    numbering = Window(DenseRank(), order_by=[F(f) for f in fields]) if fields else Value(0)
    query = (
        counted(cases, date_from, as_of).order_by().annotate(g=numbering).values_list("id", "lng", "lat", "g")
    )
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = np.array(cursor.fetchall(), dtype=np.float64).reshape(-1, 4)
    ids = rows[:, 0].astype(np.int64)
    found: list[tuple[int, list[int]]] = []
    if len(rows) >= min_cases:
        lng, lat, group = rows[:, 1], rows[:, 2], rows[:, 3].astype(np.int64)
        x, y = project(lng, lat)
        left, right = neighbour_pairs(x, y, group, radius_m, min_cases)
        found = greedy_clusters(ids, left, right, min_cases)
    # Biggest first; equal sizes: the anchor's case id, newest first.
    found.sort(key=lambda c: (-len(c[1]), -int(ids[c[0]])))
    total = len(found)
    if limit is not None:
        found = found[:limit]
    member_ids = [int(ids[m]) for _anchor, members in found for m in members]
    details = {
        c["id"]: c
        for c in Case.objects.filter(pk__in=member_ids).values(
            "id",
            "number",
            "lng",
            "lat",
            "category_kind",
            "category_code",
            "category_name",
            "grid__code",
            "address",
            "created_at",
        )
    }
    places = []
    for _anchor, members in found:
        rows_ = sorted((details[int(ids[m])] for m in members), key=lambda c: (c["created_at"], c["id"]))
        mx, my = sum(c["lng"] for c in rows_) / len(rows_), sum(c["lat"] for c in rows_) / len(rows_)
        spread = max(metres_between(mx, my, c["lng"], c["lat"]) for c in rows_)
        kinds = Counter((c["category_kind"], c["category_code"], c["category_name"]) for c in rows_)
        places.append(
            RepeatedPlace(
                lng=round(mx, 6),
                lat=round(my, 6),
                radius_m=round(spread, 1),
                count=len(rows_),
                categories=[
                    {"kind": k, "code": code, "name": name, "count": n}
                    for (k, code, name), n in sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0]))
                ],
                case_ids=[c["id"] for c in rows_],
                case_numbers=[c["number"] for c in rows_],
                grid_code=Counter(c["grid__code"] for c in rows_).most_common(1)[0][0],
                address=next((c["address"] for c in reversed(rows_) if c["address"]), ""),
                first_at=rows_[0]["created_at"],
                last_at=rows_[-1]["created_at"],
            )
        )
    return RepeatedPlaceResult(date_from, as_of, radius_m, min_cases, group_by, total, places)


# ---------------------------------------------------------------- 3. day-of-week × hour-of-day


@dataclass
class WeekHourPattern:
    kind: str
    major_code: str
    major_name: str
    total: int
    matrix: list[list[int]]  # 7 rows (Monday first) × 24 hours, local time


# The current national standard's names first, then local extensions, then older standards.
CURRENT_FIRST = (
    DjCase(
        When(standard=Category.Standard.GBT_47678_5_2026, then=0),
        When(standard=Category.Standard.LOCAL, then=1),
        default=2,
    ),
    "standard",
    "pk",
)


def category_names(keys: set[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """(kind, code) → name, the current standard's first (a code may exist in older standards too)."""
    names: dict[tuple[str, str], str] = {}
    rows = Category.objects.filter(code__in={code for _kind, code in keys}).order_by(*CURRENT_FIRST)
    for kind, code, name in rows.values_list("kind", "code", "name"):
        names.setdefault((kind, code), name)
    return names


def major_names() -> dict[tuple[str, str], str]:
    names = {}
    for kind, major, name in Category.objects.order_by("standard").values_list(
        "kind", "major_code", "major_name"
    ):
        names.setdefault((kind, major), name)
    return names


def weekday_hour_pattern(cases: QuerySet[Case], *, date_from: date, date_to: date) -> list[WeekHourPattern]:
    """Cases reported per local day of week × hour, one 7 × 24 matrix per 大类, largest 大类 first."""
    rows = (
        counted(cases, date_from, date_to)
        .annotate(dow=ExtractIsoWeekDay("created_at"), hour=ExtractHour("created_at"))
        .values("category_kind", "major_code", "dow", "hour")
        .annotate(n=Count("id"))
        .order_by()
    )
    matrices: dict[tuple[str, str], list[list[int]]] = {}
    for row in rows:
        matrix = matrices.setdefault((row["category_kind"], row["major_code"]), [[0] * 24 for _ in range(7)])
        matrix[row["dow"] - 1][row["hour"]] += row["n"]
    names = major_names()
    patterns = [
        WeekHourPattern(kind, major, names.get((kind, major), ""), sum(map(sum, m)), m)
        for (kind, major), m in matrices.items()
    ]
    patterns.sort(key=lambda p: (-p.total, p.kind, p.major_code))
    return patterns
