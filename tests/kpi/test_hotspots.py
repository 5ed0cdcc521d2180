"""Hot spots (kpi/hotspots.py) on hand-built cases, with the expected figures written out.

Cases are written straight into the table, as the generator does: the hot-spot queries read only
`Case` rows (position, grid, category snapshot, source, status, created_at), so a test can place each
case exactly where and when it needs without walking it through the services.
"""

import itertools
import math
from datetime import date, datetime, timedelta
from fractions import Fraction
from types import SimpleNamespace

import pytest
from django.utils import timezone

from cases.models import Case, Source
from cases.workflow import Status
from dispatch.models import Category, Department
from kpi import hotspots
from tests.factories import (
    CategoryFactory,
    CommunityFactory,
    DepartmentFactory,
    GridFactory,
    StreetFactory,
    UserFactory,
)

AS_OF = date(2026, 3, 31)  # a Tuesday; the recent week is 03-25 … 03-31, the baseline 01-28 … 03-24
_numbers = itertools.count(1)

# ---------------------------------------------------------------- helpers (test_reports.py uses them too)


def build_world() -> SimpleNamespace:
    """Two streets with a grid each (plus a second grid in the first), three categories, four personas."""
    street = StreetFactory(name="友谊路街道")
    community = CommunityFactory(street=street)
    other_street = StreetFactory(district=street.district, name="越秀路街道")
    other_community = CommunityFactory(street=other_street)
    office = DepartmentFactory(name="友谊路街道公共管理办", kind=Department.Kind.STREET_OFFICE, street=street)
    parks = DepartmentFactory(name="区园林中心")
    garbage = CategoryFactory(
        kind=Category.Kind.EVENT, major_code="06", major_name="市容环境类", name="暴露垃圾"
    )
    parking = CategoryFactory(
        kind=Category.Kind.EVENT, major_code="09", major_name="街面秩序类", name="占道停车"
    )
    manhole = CategoryFactory(
        kind=Category.Kind.COMPONENT, major_code="01", major_name="市政公用设施", name="污水井盖"
    )
    return SimpleNamespace(
        street=street,
        other_street=other_street,
        grid=GridFactory(community=community, west=117.200, south=39.050),
        grid2=GridFactory(community=community, west=117.201, south=39.050),
        other_grid=GridFactory(community=other_community, west=117.300, south=39.050),
        office=office,
        parks=parks,
        garbage=garbage,
        parking=parking,
        manhole=manhole,
        supervisor=UserFactory(username="boss", roles=["supervisor"]),
        dispatcher=UserFactory(username="disp", roles=["dispatcher"]),
        office_user=UserFactory(username="office", roles=["department"], department=office),
        parks_user=UserFactory(username="parks", roles=["department"], department=parks),
    )


@pytest.fixture
def w(db):
    return build_world()


def local(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour, minute))


def make_case(
    world,
    *,
    at: datetime,
    grid=None,
    category=None,
    east_m: float = 0.0,
    north_m: float = 0.0,
    source: str = Source.INSPECTOR,
    status: str = Status.IN_PROGRESS,
    department=None,
    **extra,
) -> Case:
    """One case `east_m`/`north_m` metres from the south-west corner (+10 m, +10 m) of its grid."""
    grid = grid or world.grid
    category = category or world.garbage
    lat0 = grid.min_lat + 10 / 111_195
    lng0 = grid.min_lng + 10 / (111_195 * math.cos(math.radians(lat0)))
    lat = lat0 + north_m / 111_195
    lng = lng0 + east_m / (111_195 * math.cos(math.radians(lat)))
    filed = status not in (Status.REPORTED, Status.VERIFYING, Status.PENDING_FILING, Status.REJECTED)
    return Case.objects.create(
        number=f"T{next(_numbers):08d}",
        source=source,
        status=status,
        category=category,
        category_code=category.code,
        category_name=category.name,
        category_kind=category.kind,
        major_code=category.major_code,
        lng=lng,
        lat=lat,
        grid=grid,
        community=grid.community,
        street=grid.community.street,
        description="测试案件",
        department=department if department is not None else world.office,
        created_at=at,
        filed_at=at + timedelta(hours=1) if filed else None,
        closed_at=at + timedelta(days=1) if status == Status.CLOSED else None,
        **extra,
    )


def weekly(world, *, per_week: int, weeks: int = 8, recent: int, as_of: date = AS_OF, **kw) -> None:
    """`per_week` cases in each of the `weeks` baseline weeks, then `recent` in the week ending `as_of`."""
    recent_from = as_of - timedelta(days=6)
    for week in range(1, weeks + 1):
        for n in range(per_week):
            make_case(world, at=local(recent_from - timedelta(days=7 * week - n % 7), 9 + n % 8), **kw)
    for n in range(recent):
        make_case(world, at=local(recent_from + timedelta(days=n % 7), 8 + n % 10), **kw)


# ---------------------------------------------------------------- the test statistic


@pytest.mark.parametrize(
    ("k", "n", "p"), [(3, 11, 1 / 9), (15, 31, 1 / 9), (5, 5, 1 / 9), (1, 40, 0.5), (0, 4, 0.2)]
)
def test_binomial_tail_is_exact(k, n, p):
    p_ = Fraction(p)
    exact = sum(math.comb(n, i) * p_**i * (1 - p_) ** (n - i) for i in range(k, n + 1))
    assert hotspots.binomial_sf(k, n, p) == pytest.approx(float(exact), rel=1e-12)


def test_binomial_tail_of_a_large_cell_does_not_overflow():
    assert hotspots.binomial_sf(1, 100_000, 0.5) == 1.0
    assert hotspots.binomial_sf(60_000, 100_000, 0.5) < 1e-300


def test_benjamini_hochberg_adjusts_in_input_order():
    # m = 4: sorted 0.01, 0.02, 0.03, 0.5 → ×4/1, ×4/2, ×4/3, ×4/4 → 0.04, 0.04, 0.04, 0.5 (monotone)
    assert hotspots.benjamini_hochberg([0.5, 0.03, 0.01, 0.02]) == pytest.approx([0.5, 0.04, 0.04, 0.04])


# ---------------------------------------------------------------- hot cells


def test_two_a_week_to_fifteen_is_hot_one_to_three_is_not(w):
    weekly(w, per_week=2, recent=15)  # grid × 暴露垃圾: 16 in 8 weeks, then 15
    weekly(w, per_week=1, recent=3, grid=w.grid2)  # 8 in 8 weeks, then 3: noise
    weekly(w, per_week=10, recent=13, category=w.parking)  # a busy cell a little up: not "far above"
    weekly(w, per_week=0, recent=3, grid=w.other_grid)  # 0 → 3: too few to call

    result = hotspots.hot_cells(Case.objects.all(), as_of=AS_OF)

    assert (result.recent_from, result.baseline_from, result.baseline_to) == (
        date(2026, 3, 25),
        date(2026, 1, 28),
        date(2026, 3, 24),
    )
    assert result.tested == 3  # the 0 → 3 cell has n = 3 < min_count: it could never be hot
    assert len(result.cells) == 1
    cell = result.cells[0]
    assert (cell.grid_code, cell.category_code, cell.kind) == (w.grid.code, w.garbage.code, "event")
    assert (cell.recent, cell.baseline, cell.baseline_mean, cell.ratio) == (15, 16, 2.0, 7.5)
    # P(X ≥ 15 | n = 31, p = 1/9), written out: 2.528·10⁻⁷; ×3/1 for BH with m = 3 (the smallest p)
    assert cell.p_value == pytest.approx(2.528279e-7, rel=1e-6)
    assert cell.q_value == pytest.approx(3 * 2.528279e-7, rel=1e-6)
    assert cell.case_filter == {
        "grid": w.grid.code,
        "kind": "event",
        "category": w.garbage.code,
        "created_after": "2026-03-25",
        "created_before": "2026-03-31",
    }
    assert (cell.lng, cell.lat) == (117.2005, 39.0505)
    assert cell.street_name == "友谊路街道"


def test_a_new_problem_with_an_empty_baseline_is_hot_and_has_no_ratio(w):
    weekly(w, per_week=0, recent=6, category=w.manhole)
    (cell,) = hotspots.hot_cells(Case.objects.all(), as_of=AS_OF).cells
    assert (cell.recent, cell.baseline, cell.ratio) == (6, 0, None)
    assert cell.p_value == pytest.approx((1 / 9) ** 6)


def test_rejected_and_voided_cases_are_not_problems(w):
    weekly(w, per_week=2, recent=4)
    weekly(w, per_week=0, recent=11, status=Status.REJECTED)  # duplicates of one bin, say
    weekly(w, per_week=0, recent=5, status=Status.VOIDED)
    assert hotspots.hot_cells(Case.objects.all(), as_of=AS_OF).cells == []


def test_the_recent_window_starts_at_local_midnight(w):
    weekly(w, per_week=0, recent=0)
    for _ in range(5):
        make_case(w, at=local(date(2026, 3, 25), 0, 0))  # first minute of the recent week: recent
    make_case(w, at=local(date(2026, 3, 24), 23, 59))  # last minute of the baseline
    make_case(w, at=local(date(2026, 4, 1), 0, 0))  # after as_of: ignored
    (cell,) = hotspots.hot_cells(Case.objects.all(), as_of=AS_OF).cells
    assert (cell.recent, cell.baseline) == (5, 1)


def test_scope_and_department_visibility(w):
    weekly(w, per_week=2, recent=15)  # the street office's cases
    everyone = hotspots.visible_cases(w.supervisor)
    assert len(hotspots.hot_cells(everyone, as_of=AS_OF).cells) == 1
    assert len(hotspots.hot_cells(hotspots.visible_cases(w.office_user), as_of=AS_OF).cells) == 1
    assert hotspots.hot_cells(hotspots.visible_cases(w.parks_user), as_of=AS_OF).cells == []
    other_street = hotspots.CaseScope(street=w.other_street.code)
    assert hotspots.hot_cells(hotspots.visible_cases(w.supervisor, other_street), as_of=AS_OF).cells == []
    by_source = hotspots.CaseScope(source=Source.PUBLIC)
    assert hotspots.hot_cells(hotspots.visible_cases(w.supervisor, by_source), as_of=AS_OF).cells == []
    major = hotspots.CaseScope(major="06", kind="event")
    assert len(hotspots.hot_cells(hotspots.visible_cases(w.supervisor, major), as_of=AS_OF).cells) == 1


# ---------------------------------------------------------------- repeated places


def test_repeated_place_found_with_its_members_and_a_60_m_neighbour_kept_apart(w):
    day = AS_OF - timedelta(days=3)
    here = [make_case(w, at=local(day - timedelta(days=d)), east_m=e, north_m=n) for d, e, n in
            [(0, 0, 0), (5, 8, 3), (20, 3, -6)]]  # fmt: skip
    there = [
        make_case(w, at=local(day - timedelta(days=d)), east_m=60 + e) for d, e in [(1, 0), (2, 4), (9, -2)]
    ]
    make_case(w, at=local(AS_OF - timedelta(days=30)), east_m=2)  # 31 days before: outside t = 30
    make_case(w, at=local(day), east_m=1, category=w.parking)  # another problem at the same spot
    make_case(w, at=local(day), east_m=2, status=Status.REJECTED)  # rejected: not a problem

    result = hotspots.repeated_places(Case.objects.all(), as_of=AS_OF)

    assert (result.date_from, result.date_to, result.total) == (date(2026, 3, 2), AS_OF, 2)
    members = [set(p.case_ids) for p in result.places]
    assert {c.pk for c in here} in members
    assert {c.pk for c in there} in members
    place = result.places[members.index({c.pk for c in here})]
    assert place.count == 3
    assert place.categories == [{"kind": "event", "code": w.garbage.code, "name": "暴露垃圾", "count": 3}]
    assert place.case_numbers == [c.number for c in sorted(here, key=lambda c: c.created_at)]
    assert place.grid_code == w.grid.code
    assert place.radius_m < 10
    assert place.first_at == here[2].created_at and place.last_at == here[0].created_at


def test_a_pair_60_m_apart_is_not_a_place_but_45_m_apart_is(w):
    day = AS_OF - timedelta(days=1)
    a = make_case(w, at=local(day))
    make_case(w, at=local(day), east_m=60)
    assert hotspots.repeated_places(Case.objects.all(), as_of=AS_OF, min_cases=2).places == []
    b = make_case(w, at=local(day), north_m=45)
    (place,) = hotspots.repeated_places(Case.objects.all(), as_of=AS_OF, min_cases=2).places
    assert set(place.case_ids) == {a.pk, b.pk}


def test_places_do_not_chain_along_a_street(w):
    # Five cases 40 m apart in a line: single linkage would make one 160 m "place" of five.
    day = AS_OF - timedelta(days=1)
    line = [make_case(w, at=local(day), east_m=40 * i) for i in range(5)]
    result = hotspots.repeated_places(Case.objects.all(), as_of=AS_OF, min_cases=3)
    assert [p.count for p in result.places] == [3]
    assert set(result.places[0].case_ids) == {line[0].pk, line[1].pk, line[2].pk}  # tie → oldest anchor
    assert result.places[0].radius_m == pytest.approx(40, abs=0.5)


def test_grouping_by_category_major_or_any(w):
    day = AS_OF - timedelta(days=1)
    make_case(w, at=local(day), category=w.garbage)
    make_case(w, at=local(day), east_m=5, category=w.garbage)
    make_case(w, at=local(day), east_m=10, category=w.parking)
    cases = Case.objects.all()
    assert hotspots.repeated_places(cases, as_of=AS_OF).places == []
    assert hotspots.repeated_places(cases, as_of=AS_OF, group_by="major").places == []
    (place,) = hotspots.repeated_places(cases, as_of=AS_OF, group_by="any").places
    assert [(c["name"], c["count"]) for c in place.categories] == [("暴露垃圾", 2), ("占道停车", 1)]
    with pytest.raises(ValueError):
        hotspots.repeated_places(cases, group_by="street")


# ---------------------------------------------------------------- day-of-week × hour-of-day


def test_weekday_hour_pattern_per_major(w):
    monday = date(2026, 3, 2)
    make_case(w, at=local(monday, 8, 5))
    make_case(w, at=local(monday, 8, 55))
    make_case(w, at=local(monday + timedelta(days=6), 23, 30))  # Sunday 23:30 local (15:30 UTC)
    make_case(w, at=local(monday + timedelta(days=7), 0, 10))  # the next Monday 00:10 local (Sunday UTC)
    make_case(w, at=local(monday + timedelta(days=2), 14), category=w.parking)
    make_case(w, at=local(monday + timedelta(days=2), 14), category=w.manhole)
    make_case(w, at=local(monday + timedelta(days=2), 14), status=Status.VOIDED)
    make_case(w, at=local(monday - timedelta(days=1), 9))  # before the period

    patterns = hotspots.weekday_hour_pattern(
        Case.objects.all(), date_from=monday, date_to=monday + timedelta(days=13)
    )

    assert [(p.kind, p.major_code, p.major_name, p.total) for p in patterns] == [
        ("event", "06", "市容环境类", 4),
        ("component", "01", "市政公用设施", 1),
        ("event", "09", "街面秩序类", 1),
    ]
    garbage = patterns[0].matrix
    expected = [[0] * 24 for _ in range(7)]
    expected[0][8] = 2  # Monday 08:00–09:00
    expected[6][23] = 1  # Sunday 23:00
    expected[0][0] = 1  # Monday 00:00
    assert garbage == expected
    assert patterns[2].matrix[2][14] == 1  # Wednesday 14:00, 占道停车


# ---------------------------------------------------------------- API


def test_hot_cells_api(api, w):
    weekly(w, per_week=2, recent=15)
    api.force_authenticate(w.supervisor)
    body = api.get("/api/v1/kpi/hotspots/cells/", {"date": "2026-03-31"}).json()
    assert body["tested"] == 1
    (cell,) = body["cells"]
    assert (cell["grid_code"], cell["recent"], cell["baseline"], cell["ratio"]) == (w.grid.code, 15, 16, 7.5)

    api.force_authenticate(w.parks_user)  # another department: none of these cases are theirs
    assert api.get("/api/v1/kpi/hotspots/cells/", {"date": "2026-03-31"}).json()["cells"] == []


def test_repeated_places_and_pattern_api(api, w):
    day = AS_OF - timedelta(days=2)
    ids = {make_case(w, at=local(day, 8 + i), east_m=5 * i).pk for i in range(3)}
    api.force_authenticate(w.dispatcher)
    body = api.get("/api/v1/kpi/hotspots/places/", {"date": "2026-03-31", "radius": 30, "street": ""}).json()
    assert body["total"] == 1 and set(body["places"][0]["case_ids"]) == ids
    body = api.get(
        "/api/v1/kpi/hotspots/pattern/", {"date_from": "2026-03-23", "date_to": "2026-03-31"}
    ).json()
    (pattern,) = body["patterns"]
    assert pattern["matrix"][day.weekday()][8:11] == [1, 1, 1]


@pytest.mark.parametrize(
    ("url", "params", "field"),
    [
        ("cells/", {"date": "2026-02-30"}, "date"),
        ("cells/", {"fdr": "0.9"}, "fdr"),
        ("cells/", {"source": "pigeon"}, "source"),
        ("places/", {"radius": "-5"}, "radius"),
        ("places/", {"group_by": "street"}, "group_by"),
        ("pattern/", {"date_from": "2026-03-31", "date_to": "2026-03-01"}, "date_from"),
    ],
)
def test_bad_parameters_are_400_naming_the_parameter(api, w, url, params, field):
    api.force_authenticate(w.supervisor)
    response = api.get(f"/api/v1/kpi/hotspots/{url}", params)
    assert response.status_code == 400
    assert field in response.json()


def test_anonymous_users_are_refused(api, db):
    assert api.get("/api/v1/kpi/hotspots/cells/").status_code in (401, 403)
