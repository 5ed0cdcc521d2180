"""Reads: which cases a user may see, and the querysets for lists and detail pages."""

from django.db.models import (
    BooleanField,
    Exists,
    ExpressionWrapper,
    F,
    FilteredRelation,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
)

from cases.models import Case, CaseEvent, CasePhoto, CaseRequest, TimedStep
from core import (
    lookups,  # noqa: F401  (registers __any_of)
    privacy,
)
from core.privacy import CALLER_CONTACT_ROLES
from core.roles import CITY_ROLES, DISTRICT_WIDE_ROLES, STREET_ROLES, Role
from grids.models import Grid

# Roles that see the caller's name and phone: only those that must contact the caller. The policy and
# its reasons, role by role, are in core/privacy.py.
CALLER_VISIBLE_ROLES = CALLER_CONTACT_ROLES


def district_limit(user) -> int | None:
    """The district a district-wide user is held to (docs/domain.md §13), or None: every district.

    None for a user without a district (a one-district deployment, or city-wide staff) and for the city
    roles, which read every district whatever their user says."""
    if user.roles & CITY_ROLES:
        return None
    return getattr(user, "district_id", None)


def cases_visible_to(user) -> QuerySet[Case]:
    qs = Case.objects.all()
    roles = user.roles
    if roles & CITY_ROLES:
        return qs
    if roles & DISTRICT_WIDE_ROLES:
        district = district_limit(user)
        return qs if district is None else qs.filter(district_id=district)
    # Subqueries rather than joins: no row is repeated, so no DISTINCT over a large table is needed.
    # `__any_of` (= ANY(ARRAY(…)), core/lookups.py), not `__in`: beside an OR, PostgreSQL filters
    # `IN (subquery)` row by row and so reads the whole case table; the array it can match against the
    # indexes (a department's 处置中 queue: 160 ms → a few ms at 100,000 cases).
    scope = Q(pk__in=[])
    if Role.DEPARTMENT in roles and user.department_id:
        co = Case.co_departments.through.objects.filter(department_id=user.department_id).values("case_id")
        scope |= Q(department_id=user.department_id) | Q(pk__any_of=co)
    if Role.INSPECTOR in roles:
        # With IN, PostgreSQL walked the whole table by date hoping to meet the inspector's few cases
        # early (a 待核查 queue: 70 ms → 2 ms at 100,000 cases).
        grids = Grid.inspectors.through.objects.filter(user_id=user.pk).values("grid_id")
        scope |= Q(grid_id__any_of=grids) | Q(reporter=user)
    if roles & STREET_ROLES and user.street_id:
        scope |= Q(street_id=user.street_id)  # a street's sub-centre: every case in its street (§13)
    return qs.filter(scope)


def case_with_scope(user, pk) -> Case | None:
    """The case with `in_scope`: whether `user` may see it, in the one query that fetches it."""
    district = district_limit(user)
    if user.roles & CITY_ROLES or (user.roles & DISTRICT_WIDE_ROLES and district is None):
        in_scope = Value(True)
    elif user.roles & DISTRICT_WIDE_ROLES:
        in_scope = ExpressionWrapper(Q(district_id=district), output_field=BooleanField())
    else:
        in_scope = Exists(cases_visible_to(user).filter(pk=OuterRef("pk")))
    return Case.objects.annotate(in_scope=in_scope).filter(pk=pk).first()


def with_open_step(queryset: QuerySet[Case]) -> QuerySet[Case]:
    """Each case with `due_at` and `light` of its running timed step (None once finished).

    A LEFT JOIN, not a subquery per row: a case has at most one running step (a new one starts only
    after the old one finishes, cases/timing.py), so no row is repeated.
    """
    return queryset.annotate(
        open_step=FilteredRelation("steps", condition=Q(steps__finished_at__isnull=True)),
        due_at=F("open_step__due_at"),
        light=F("open_step__light"),
    )


def can_see_caller(user) -> bool:
    return privacy.can_see_caller(user)


def case_list(user) -> QuerySet[Case]:
    # The areas' outlines are large JSON polygons that no case list or page reads (maps fetch them
    # from /map/*.geojson): leaving them out keeps a 50-row page from hauling 150 polygons along.
    return (
        cases_visible_to(user)
        .select_related("grid", "community", "street", "department")
        .defer("grid__geometry", "community__geometry", "street__geometry")
    )


def case_detail(user) -> QuerySet[Case]:
    # Joined: what every case has. Fetched apart: the usually empty component and duplicate_of and the
    # reporter; one query more is cheaper than planning a ten-table join (~9 ms on PostgreSQL).
    return (
        case_list(user)
        .select_related("category")
        .prefetch_related(
            "component",
            "reporter",
            "duplicate_of",
            "co_departments",
            Prefetch("events", queryset=CaseEvent.objects.select_related("actor").order_by("at", "id")),
            Prefetch("steps", queryset=TimedStep.objects.order_by("started_at", "id")),
            Prefetch("photos", queryset=CasePhoto.objects.order_by("created_at", "id")),
            Prefetch("requests", queryset=CaseRequest.objects.select_related("requested_by", "decided_by")),
        )
    )
