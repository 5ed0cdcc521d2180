"""What every KPI page shares: who may open them, the periods offered, links to the cases behind a figure."""

import calendar
from datetime import date, timedelta
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from core.roles import Role

# Who may open the KPI pages. Department staff see their own department only (queries.scope_filters).
# The city supervisor (docs/domain.md §13) reads them over every district, as a district's leaders do theirs.
KPI_ROLES = (Role.SUPERVISOR, Role.SHIFT_LEADER, Role.ADMIN, Role.DEPARTMENT, Role.CITY_SUPERVISOR)
DISTRICT_KPI_ROLES = (Role.SUPERVISOR, Role.SHIFT_LEADER, Role.ADMIN, Role.CITY_SUPERVISOR)
MAX_SPAN_DAYS = 366

GRANULARITIES = [("day", _("按日")), ("week", _("按周")), ("xun", _("按旬")), ("month", _("按月"))]
CADENCES = [
    ("daily", _("日报（日巡查）")),
    ("weekly", _("周报（周统计）")),
    ("xun", _("旬报（旬反馈）")),
    ("monthly", _("月报（月总结）")),
]
# Sequential single-hue classes for the choropleth (ColorBrewer Blues): the legend prints the ranges,
# so the map is read by value, not by hue alone.
MAP_COLOURS = ["#deebf7", "#9ecae1", "#6baed6", "#3182bd", "#08519c"]
TOP_ROWS = 15  # rows of a long table shown before "more"


def require_kpi_access(user) -> None:
    if not user.has_role(*KPI_ROLES):
        raise PermissionDenied(_("综合评价仅对领导/督查、值班长、管理员和专业部门开放"))


def case_search_url(params: dict | None) -> str:
    """The case search page listing the cases behind a figure (None when a figure has no list)."""
    if params is None:
        return ""
    try:
        base = reverse("case-search")
    except NoReverseMatch:  # the case search page is another module's; keep the link shape meanwhile
        base = "/cases/"
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")}, doseq=True)
    return f"{base}?{query}" if query else base


def case_detail_url(pk: int) -> str:
    try:
        return reverse("case-detail", args=[pk])
    except NoReverseMatch:
        return f"/cases/{pk}/"


def month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def xun_bounds(day: date) -> tuple[date, date]:
    """The 旬 of `day`: 1–10, 11–20, 21–end of month."""
    if day.day <= 10:
        return day.replace(day=1), day.replace(day=10)
    if day.day <= 20:
        return day.replace(day=11), day.replace(day=20)
    return day.replace(day=21), month_end(day)


def quick_periods(today: date) -> list[tuple[str, str, date, date]]:
    """(key, label, from, to) of the quick picks; the current ones end today."""
    month_start = today.replace(day=1)
    last_month_end = month_start - timedelta(days=1)
    return [
        ("today", _("本日"), today, today),
        ("week", _("本周"), today - timedelta(days=today.weekday()), today),
        ("xun", _("本旬"), xun_bounds(today)[0], today),
        ("month", _("本月"), month_start, today),
        ("last_month", _("上月"), last_month_end.replace(day=1), last_month_end),
    ]


def display(value, unit: str = "") -> str:
    """A figure for people: kpi.queries gives rates as percentages (0–100), counts as integers."""
    if value is None:
        return "—"
    if unit == "%":
        return f"{value:.1f}%"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.1f}"
    return str(int(value))
