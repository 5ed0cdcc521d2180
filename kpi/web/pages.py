"""The KPI pages: the dashboard, the 日/周/旬/月 report pages and the glossary."""

from datetime import date, timedelta
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from enforcement.permissions import can_read as can_read_enforcement
from kpi import queries, reports
from kpi.dates import validate_kpi_date
from kpi.definitions import formulas_in_force
from kpi.models import AssessmentPeriod, KpiSettings
from kpi.web.common import CADENCES, GRANULARITIES, quick_periods, require_kpi_access
from kpi.web.dashboard_sections import Card, DashboardSection, percent, sections_for
from kpi.web.figures import RATE_PARTS, Figures
from kpi.web.filters import KpiFilters, default_filter_data


@login_required
def dashboard(request):
    require_kpi_access(request.user)
    today = timezone.localdate()
    form = KpiFilters(default_filter_data(request.GET, today), user=request.user)
    context = {"form": form, "granularities": GRANULARITIES}
    valid = form.is_valid()
    if valid:
        period = (form.cleaned_data["date_from"], form.cleaned_data["date_to"])
        granularity = form.cleaned_data["granularity"]
        figures = Figures(request.user, form.query_filters(), period, kind=form.kind, granularity=granularity)
        context.update(figures.context(), period=period, granularity=granularity, figures=True)
        context["extra_sections"] = sections_for(request.user, period, form.query_filters())
    query = request.GET.copy()
    context["quick"] = []
    for key, label, start, end in quick_periods(today):
        query["date_from"], query["date_to"] = start.isoformat(), end.isoformat()
        # Two picks can be the same days (本旬 and 本月 on the 7th): only the first is the current one.
        current = valid and period == (start, end) and not any(q["current"] for q in context["quick"])
        context["quick"].append({"key": key, "label": label, "query": query.urlencode(), "current": current})
    return render(request, "kpi/dashboard.html", {**context, **page_links()})


def enforcement_cards(user, period, filters: dict) -> list[Card] | None:
    """执法 figures for the dashboard's period (street, department and category filters apply), each card
    linking to the outcomes behind it (issue #20.4); for those who may read enforcement."""
    from enforcement import figures as enforcement_figures

    if not can_read_enforcement(user):
        return None
    narrowed = {
        k: getattr(v, "code", v) for k, v in filters.items() if k in enforcement_figures.FILTERS and v
    }
    (total,) = enforcement_figures.figures(*period, **narrowed)
    query = {"issued_after": period[0].isoformat(), "issued_before": period[1].isoformat(), **narrowed}
    outcomes = reverse("enforcement-outcomes")

    def link(**extra) -> str:
        return f"{outcomes}?{urlencode({**query, **extra})}"

    cards = [
        ("checks", link(kind="rectification")),
        ("orders", link(kind="rectification")),
        ("on_time_rate", link(kind="rectification")),
        ("penalties", link(kind="penalty")),
        ("fines", link(kind="penalty")),
        ("waivers", link(kind="waiver")),
        ("transfers", link(kind="transfer")),
        ("repeat_rate", reverse("enforcement-parties")),
    ]
    return [
        Card(
            key,
            str(_(enforcement_figures.LABELS[key])),
            percent(total[key]) if key.endswith("_rate") else str(total[key]),
            url,
        )
        for key, url in cards
    ]


ENFORCEMENT_SECTION = DashboardSection(
    key="enforcement",
    title=lambda: str(_("执法")),
    cards=enforcement_cards,
    link=lambda: (reverse("enforcement-figures-page"), str(_("执法统计"))),
    note=lambda: str(_("按所选时段、街道、部门和类别统计。")),
)


class ReportForm(forms.Form):
    cadence = forms.ChoiceField(label=_("报表类型"), choices=CADENCES)
    date = forms.DateField(
        label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}), help_text=_("报表周期内的任一天")
    )

    def clean_date(self):
        day = self.cleaned_data["date"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("不能晚于今天"))
        validate_kpi_date(day)  # the previous period of 0001-01-01 is off the calendar
        return day


def report_cell(column: reports.Column, row: dict) -> dict:
    """One cell of a report table as text (rates in reports are fractions), with a sort key."""
    value = row.get(column.key)
    kind = column.type
    if kind == "figure":
        kind = "percent" if row.get("unit") == "%" else "number"
    if value is None or value == "":
        return {"text": "—", "sort": ""}
    if kind == "percent" and isinstance(value, int | float):
        return {"text": f"{value * 100:.1f}%", "sort": value}
    if kind in ("int", "number") and isinstance(value, int | float):
        text = str(value) if isinstance(value, int) or float(value).is_integer() else f"{value:.2f}"
        if column.key == "change" and value > 0:
            text = f"+{text}"
        return {"text": text.removesuffix(".0"), "sort": value}
    if kind == "datetime" and hasattr(value, "strftime"):
        return {"text": value.strftime("%Y-%m-%d %H:%M"), "sort": value.isoformat()}
    if kind == "date" and hasattr(value, "isoformat"):
        return {"text": value.isoformat(), "sort": value.isoformat()}
    text = str(value)
    cell = {"text": text, "sort": text}
    if column.key == "met" and row.get("met_flag") is not None:
        cell["verdict"] = "met" if row["met_flag"] else "missed"
    return cell


# Report sections whose rows are areas or departments: the row's code narrows the drill-down.
SECTION_FILTER = {"streets": "street", "departments": "department"}


def report_sections(report: reports.Report, figures: Figures) -> list[dict]:
    out = []
    for section in report.sections:
        # The definition goes under the KPI's name (a <details>), not in a column of long text.
        columns = [c for c in section.columns if c.key != "definition"]
        rows = []
        for row in section.rows:
            cells = [{"key": c.key, **report_cell(c, row)} for c in columns]
            url = ""
            if section.key == "headline":
                metric = RATE_PARTS.get(row.get("key"), (row.get("key"),))[0]
                url = figures.cases_url(metric)
            elif section.key in SECTION_FILTER and row.get("code"):
                url = figures.cases_url("filed", **{SECTION_FILTER[section.key]: row["code"]})
            rows.append({"cells": cells, "url": url, "definition": row.get("definition", "")})
        out.append({"section": section, "columns": columns, "rows": rows})
    return out


def default_report_day(cadence: str, today: date) -> date:
    """The last complete period that has something to say (issue #25: a Monday opened on Sunday's all-zero
    日报): for the 日报 the latest earlier day with a report in the last 31 days (else yesterday); for the
    others the period before the running one."""
    from cases.models import Case

    if cadence not in dict(CADENCES):
        return today - timedelta(days=1)
    if cadence != "daily":
        return reports.report_period(cadence, today)[0] - timedelta(days=1)
    since = today - timedelta(days=31)
    last = (
        Case.objects.filter(created_at__date__lt=today, created_at__date__gte=since)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    return timezone.localdate(last) if last else today - timedelta(days=1)


@login_required
def report_page(request):
    require_kpi_access(request.user)
    today = timezone.localdate()
    data = request.GET.copy()
    data.setdefault("cadence", "daily")
    if not data.get("date"):
        data["date"] = default_report_day(data["cadence"], today).isoformat()
    form = ReportForm(data)
    context = {"form": form}
    if form.is_valid():
        cadence, day = form.cleaned_data["cadence"], form.cleaned_data["date"]
        report = reports.build_report(cadence, day, user=request.user)
        figures = Figures(request.user, report.filters, (report.period_from, report.period_to))
        try:
            api = reverse("kpi-report", args=[cadence])
        except NoReverseMatch:
            api = f"/api/v1/kpi/reports/{cadence}/"
        query = {"date": day.isoformat()}
        following = report.period_to + timedelta(days=1)
        frozen = AssessmentPeriod.objects.filter(start=report.period_from, end=report.period_to).first()
        context.update(
            report=report,
            frozen=frozen,
            sections=report_sections(report, figures),
            xlsx_url=f"{api}?{urlencode({**query, 'format': 'xlsx'})}",
            csv_url=f"{api}?{urlencode({**query, 'format': 'csv'})}",
            previous_url="?" + urlencode({"cadence": cadence, "date": report.previous_from.isoformat()}),
            next_url="?" + urlencode({"cadence": cadence, "date": following.isoformat()})
            if following <= today
            else "",
        )
    return render(request, "kpi/reports.html", {**context, **page_links()})


@login_required
def glossary(request):
    require_kpi_access(request.user)
    in_force = formulas_in_force(KpiSettings.load().snapshot())
    return render(
        request, "kpi/glossary.html", {"entries": queries.glossary(), "in_force": in_force, **page_links()}
    )


def page_links() -> dict:
    return {"glossary_url": reverse("kpi-glossary")}


urlpatterns = [
    path("kpi/", dashboard, name="kpi-dashboard"),
    path("kpi/reports/", report_page, name="kpi-reports"),
    path("kpi/glossary/", glossary, name="kpi-glossary"),
]
