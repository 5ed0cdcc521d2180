"""A street's figures (docs/domain.md §13): its cases, the 二级派遣 per unit on time or overdue, the ranking
of its communities and contractors, and the 格内解决率 (docs/domain.md §13 gives the formula).

One aggregate query per figure family, whatever the number of units or cases.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import Case
from cases.workflow import OPEN, Status
from core.roles import DISTRICT_WIDE_ROLES, Role
from dispatch.models import Department
from streets.models import Escalation, SubDispatch, Unit
from streets.services import street_of

# Who sees the streets' card section on the KPI dashboard: the district's leaders (all streets).
DASHBOARD_LEADERS = frozenset({Role.SUPERVISOR, Role.SHIFT_LEADER, Role.ADMIN})


def _bounds(period: tuple[date, date]) -> tuple[datetime, datetime]:
    start, end = period
    tz = timezone.get_current_timezone()
    return datetime.combine(start, time.min, tz), datetime.combine(end + timedelta(days=1), time.min, tz)


def within_street_rate(period: tuple[date, date], street_id: int | None = None) -> tuple[int, int]:
    """格内解决率's (numerator, denominator): of the street's cases closed in the period, those resolved
    within the street — 自行处置 by an inspector, or an accepted 二级派遣 to one of its units, or handled by
    its own street office as 主办 — and never escalated (提级) to the district (a 提级 returned or
    withdrawn does not count)."""
    start, end = _bounds(period)
    closed = Case.objects.filter(status=Status.CLOSED, closed_at__gte=start, closed_at__lt=end)
    if street_id is not None:
        closed = closed.filter(street_id=street_id)
    accepted = SubDispatch.objects.filter(case=OuterRef("pk"), state=SubDispatch.State.ACCEPTED)
    # A 提级 the district returned or the street withdrew left the case with the street: still 格内.
    escalated = Escalation.objects.filter(
        case=OuterRef("pk"), state__in=(Escalation.State.PENDING, Escalation.State.TAKEN)
    )
    own_office = Department.objects.filter(
        pk=OuterRef("department_id"), kind=Department.Kind.STREET_OFFICE, street_id=OuterRef("street_id")
    )
    figures = closed.aggregate(
        total=Count("pk"),
        within=Count(
            "pk",
            filter=(Q(self_resolved=True) | Q(Exists(accepted)) | Q(Exists(own_office)))
            & ~Q(Exists(escalated)),
        ),
    )
    return figures["within"], figures["total"]


def rate(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


@dataclass
class UnitRow:
    """One unit's 二级派遣 sent in a period: how many, reported on time or overdue (docs/domain.md §13),
    still open, accepted, returned (recalled ones count in `total` only)."""

    unit: Unit
    total: int
    on_time: int
    overdue: int
    open: int
    accepted: int
    returned: int

    @property
    def on_time_rate(self) -> float | None:
        """按期率 = 按期反馈 ÷ (按期反馈 + 超期): work not yet due and not reported is in neither."""
        return rate(self.on_time, self.on_time + self.overdue)


def unit_rows(
    street_id: int | None, period: tuple[date, date], *, district_id: int | None = None, sent_only=False
) -> list[UnitRow]:
    """二级派遣 per unit sent in the period — of one street (or every street, or a district's) — ranked by
    on-time rate (best first). One aggregate query. `sent_only`: leave out units sent nothing."""
    start, end = _bounds(period)
    now = timezone.now()
    sent = Q(tasks__dispatched_at__gte=start, tasks__dispatched_at__lt=end)
    reported_on_time = Q(tasks__reported_at__isnull=False, tasks__reported_at__lte=F("tasks__due_at"))
    late = Q(tasks__reported_at__gt=F("tasks__due_at")) | Q(
        tasks__state=SubDispatch.State.DISPATCHED, tasks__due_at__lt=now
    )
    units = Unit.objects.all()
    if street_id is not None:
        units = units.filter(street_id=street_id)
    if district_id is not None:
        units = units.filter(street__district_id=district_id)
    units = units.select_related("community", "street").annotate(
        n_total=Count("tasks", filter=sent),
        n_on_time=Count("tasks", filter=sent & reported_on_time),
        n_overdue=Count("tasks", filter=sent & late),
        n_open=Count("tasks", filter=sent & Q(tasks__state__in=SubDispatch.OPEN_STATES)),
        n_accepted=Count("tasks", filter=sent & Q(tasks__state=SubDispatch.State.ACCEPTED)),
        n_returned=Count("tasks", filter=sent & Q(tasks__state=SubDispatch.State.RETURNED)),
    )
    if sent_only:
        units = units.filter(n_total__gt=0)
    rows = [
        UnitRow(u, u.n_total, u.n_on_time, u.n_overdue, u.n_open, u.n_accepted, u.n_returned) for u in units
    ]
    rows.sort(key=lambda r: (r.on_time_rate is None, -(r.on_time_rate or 0), -r.total, r.unit.name))
    return rows


@dataclass
class StreetFigures:
    cases: int
    open_cases: int
    sub_dispatches: int
    sub_overdue: int
    pending_escalations: int
    within: int
    closed: int
    sub_on_time: int = 0

    @property
    def within_rate(self) -> float | None:
        return rate(self.within, self.closed)

    @property
    def sub_on_time_rate(self) -> float | None:
        """二级派遣按期率, as the units' rows and the KPI reports' 二级派遣 section count it."""
        return rate(self.sub_on_time, self.sub_on_time + self.sub_overdue)


def street_figures(street_id: int | None, period: tuple[date, date]) -> StreetFigures:
    """The street's (or, with None, every street's) headline figures for the period. The 二级派遣 figures
    are the sums of `unit_rows`, so the cards, the units' ranking and the KPI reports agree."""
    start, end = _bounds(period)
    cases = Case.objects.filter(created_at__gte=start, created_at__lt=end)
    escalations = Escalation.objects.filter(state=Escalation.State.PENDING)
    if street_id is not None:
        cases = cases.filter(street_id=street_id)
        escalations = escalations.filter(street_id=street_id)
    c = cases.aggregate(n=Count("pk"), open=Count("pk", filter=Q(status__in=OPEN)))
    units = unit_rows(street_id, period, sent_only=True)
    within, closed = within_street_rate(period, street_id)
    return StreetFigures(
        c["n"],
        c["open"],
        sum(r.total for r in units),
        sum(r.overdue for r in units),
        escalations.count(),
        within,
        closed,
        sub_on_time=sum(r.on_time for r in units),
    )


def community_ranking(street_id: int, period: tuple[date, date]) -> list[dict]:
    """The street's communities by cases reported in the period and their 格内解决率 (most cases first)."""
    from grids.models import Community

    start, end = _bounds(period)
    rows = []
    for community in (
        Community.objects.filter(street_id=street_id).only("pk", "name", "code").order_by("code")
    ):
        rows.append({"community": community})
    counts = dict(
        Case.objects.filter(street_id=street_id, created_at__gte=start, created_at__lt=end)
        .values_list("community_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    closed = dict(
        Case.objects.filter(
            street_id=street_id, status=Status.CLOSED, closed_at__gte=start, closed_at__lt=end
        )
        .values_list("community_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in rows:
        pk = row["community"].pk
        row["cases"] = counts.get(pk, 0)
        row["closed"] = closed.get(pk, 0)
    rows.sort(key=lambda r: (-r["cases"], r["community"].code))
    return rows


# ---------------------------------------------------------------- the KPI dashboard's card section


def dashboard_cards(user, period: tuple[date, date], filters: dict):
    """The streets' cards on the KPI dashboard: for the district's leaders, every street (or the street
    filtered on); for street staff, their own street."""
    from django.urls import reverse

    from kpi.web.dashboard_sections import Card, percent

    street = street_of(user)
    if street is None:
        if not (user.is_superuser or user.roles & DASHBOARD_LEADERS & DISTRICT_WIDE_ROLES):
            return None
        if (
            filters.get("department")
            or filters.get("category")
            or filters.get("major")
            or filters.get("source")
        ):
            return None  # the figures are by place
        street = filters.get("street") or None
        street = getattr(street, "pk", street)
    figures = street_figures(int(street) if street else None, period)
    if not (figures.cases or figures.sub_dispatches or figures.closed):
        return None
    url = reverse("streets-dashboard")
    return [
        Card("within_street", str(_("格内解决率")), percent(figures.within_rate), url),
        Card("sub_dispatches", str(_("二级派遣")), str(figures.sub_dispatches), url),
        Card("sub_on_time", str(_("二级派遣按期率")), percent(figures.sub_on_time_rate), url),
        Card(
            "escalations",
            str(_("待区级受理的提级")),
            str(figures.pending_escalations),
            reverse("streets-escalations"),
        ),
    ]
