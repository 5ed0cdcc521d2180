"""The city page (docs/domain.md §13): the districts ranked on the area figures of docs/domain.md §7.

For the city supervisors (市级监督), who read every district; a district's leaders see their own row.
The same rows as /api/v1/kpi/districts/ (kpi.queries.district_rows).
"""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.roles import CITY_ROLES, Role
from kpi import queries
from kpi.dates import validate_kpi_date
from kpi.web.common import MAX_SPAN_DAYS, case_search_url, display, quick_periods

CITY_PAGE_ROLES = CITY_ROLES | {Role.SUPERVISOR, Role.SHIFT_LEADER, Role.ADMIN}

ORDERS = [
    ("score", _("综合得分")),
    ("closure_rate", _("结案率")),
    ("on_time_closure_rate", _("按期结案率")),
    ("satisfaction_rate", _("满意率")),
    ("filing_rate", _("立案率")),
    ("dispose_on_time_rate", _("按期处置率")),
]
# The columns after the score and the grade: (where, key, label, unit).
COLUMNS = [
    ("counts", "reported", _("上报数"), ""),
    ("counts", "filed", _("立案数"), ""),
    ("counts", "closed", _("结案数"), ""),
    ("rates", "closure_rate", _("结案率"), "%"),
    ("rates", "on_time_closure_rate", _("按期结案率"), "%"),
    ("rates", "dispose_on_time_rate", _("按期处置率"), "%"),
    ("rates", "satisfaction_rate", _("满意率"), "%"),
    ("counts", "overdue_open", _("超期未处置"), ""),
]


class CityFilters(forms.Form):
    date_from = forms.DateField(
        label=_("起始日期"), widget=forms.DateInput(attrs={"type": "date"}), validators=[validate_kpi_date]
    )
    date_to = forms.DateField(
        label=_("截止日期"), widget=forms.DateInput(attrs={"type": "date"}), validators=[validate_kpi_date]
    )
    by = forms.ChoiceField(label=_("排名依据"), choices=ORDERS, required=False)

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end:
            if start > end:
                self.add_error("date_from", _("起始日期不能晚于截止日期"))
            elif (end - start).days >= MAX_SPAN_DAYS:
                self.add_error("date_from", _("时间跨度不能超过 %(days)s 天") % {"days": MAX_SPAN_DAYS})
        data["by"] = data.get("by") or "score"
        return data


@login_required
def city_ranking(request):
    if not request.user.roles & CITY_PAGE_ROLES:
        raise PermissionDenied(_("各区排名仅向市级监督和区领导/督查、值班长、管理员开放"))
    today = timezone.localdate()
    data = request.GET.copy()
    data.setdefault("date_from", today.replace(day=1).isoformat())
    data.setdefault("date_to", today.isoformat())
    form = CityFilters(data)
    context = {"form": form, "columns": [label for _where, _key, label, _unit in COLUMNS], "rows": None}
    if form.is_valid():
        start, end, by = form.cleaned_data["date_from"], form.cleaned_data["date_to"], form.cleaned_data["by"]
        filters = queries.scope_filters(request.user)  # a district's leaders: their district only
        rows = queries.district_rows(start, end, by=by, **filters)
        context.update(
            period=(start, end),
            by_label=dict(ORDERS)[by],
            rows=[
                {
                    "rank": r["rank"],
                    "code": r["code"],
                    "name": r["name"],
                    "score": r["score"],
                    "grade": r["grade"],
                    "has_data": r["has_data"],
                    "url": case_search_url(r["cases"]),
                    "cells": [
                        {"raw": r[where][key], "display": display(r[where][key], unit)}
                        for where, key, _label, unit in COLUMNS
                    ],
                }
                for r in rows
            ],
        )
    query = request.GET.copy()
    context["quick"] = []
    for key, label, start, end in quick_periods(today):
        query["date_from"], query["date_to"] = start.isoformat(), end.isoformat()
        context["quick"].append({"key": key, "label": label, "query": query.urlencode()})
    context["api_url"] = reverse("api-kpi-districts")
    return render(request, "kpi/city.html", context)


urlpatterns = [path("kpi/city/", city_ranking, name="kpi-city")]
