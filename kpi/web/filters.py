"""The dashboard's filter form: period, granularity, area, department, category and source."""

from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from cases import channels
from cases.selectors import district_limit
from core.roles import DISTRICT_WIDE_ROLES
from dispatch.models import Category, Department
from grids.models import Street
from kpi import queries
from kpi.dates import validate_kpi_date
from kpi.web.common import DISTRICT_KPI_ROLES, GRANULARITIES, MAX_SPAN_DAYS

ALL = _("全部")


def _choices_with_all(choices):
    return [("", ALL), *choices]


class KpiFilters(forms.Form):
    """The dashboard's GET form: period, area, department, 大类/category, source."""

    date_from = forms.DateField(
        label=_("起始日期"), widget=forms.DateInput(attrs={"type": "date"}), validators=[validate_kpi_date]
    )
    date_to = forms.DateField(
        label=_("截止日期"), widget=forms.DateInput(attrs={"type": "date"}), validators=[validate_kpi_date]
    )
    street = forms.ChoiceField(label=_("街道"), required=False)
    department = forms.ChoiceField(label=_("主办部门"), required=False)
    major = forms.ChoiceField(label=_("大类"), required=False)
    category = forms.ChoiceField(label=_("小类"), required=False)
    source = forms.ChoiceField(
        label=_("来源"), required=False, choices=lambda: _choices_with_all(channels.choices())
    )
    granularity = forms.ChoiceField(
        label=_("趋势粒度"), required=False, choices=GRANULARITIES, widget=forms.HiddenInput
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        # Instances, not codes, go to kpi.queries: it then needs no lookup of its own per function.
        streets = Street.objects.order_by("code").only("code", "name")
        if (district := district_limit(user)) is not None and user.roles & DISTRICT_WIDE_ROLES:
            streets = streets.filter(district_id=district)  # a district's staff: its streets (§13)
        self.streets = {s.code: s for s in streets}
        self.fields["street"].choices = _choices_with_all(
            [(code, s.name) for code, s in self.streets.items()]
        )
        departments = Department.objects.filter(is_active=True).order_by("kind", "code").only("code", "name")
        if not user.has_role(*DISTRICT_KPI_ROLES):
            # A department user reads their own department: the only choice, already chosen.
            departments = departments.filter(pk=user.department_id)
        self.departments = {d.code: d for d in departments}
        choices = [(code, d.name) for code, d in self.departments.items()]
        if user.has_role(*DISTRICT_KPI_ROLES):
            self.fields["department"].choices = _choices_with_all(choices)
        else:
            self.fields["department"].choices = choices
            self.fields["department"].required = True
            if self.is_bound and choices and not self.data.get("department"):
                self.data = self.data.copy()
                self.data["department"] = choices[0][0]
        majors, categories = {}, {}
        kinds = dict(Category.Kind.choices)
        for kind, code, major_code, major_name, name in (
            Category.objects.filter(is_active=True)
            .order_by("kind", "code", "standard")
            .values_list("kind", "code", "major_code", "major_name", "name")
        ):
            group = f"{kinds.get(kind, kind)} {major_code} {major_name}"
            majors.setdefault(f"{kind}:{major_code}", group)
            categories.setdefault(group, {}).setdefault(f"{kind}:{code}", f"{code} {name}")
        self.fields["major"].choices = _choices_with_all(list(majors.items()))
        self.fields["category"].choices = _choices_with_all(
            [(group, list(options.items())) for group, options in categories.items()]
        )

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end:
            if start > end:
                self.add_error("date_from", _("起始日期不能晚于截止日期"))
            elif (end - start).days >= MAX_SPAN_DAYS:
                self.add_error("date_from", _("时间跨度不能超过 %(days)s 天") % {"days": MAX_SPAN_DAYS})
        if not data.get("granularity"):  # readable by default: days for a month, weeks, then months
            span = (end - start).days if start and end else 0
            data["granularity"] = "day" if span <= 45 else "week" if span <= 180 else "month"
        return data

    def query_filters(self) -> dict:
        """The cleaned filters as kpi.queries takes them (codes), held to what the user may see."""
        data = self.cleaned_data
        filters = {"source": data["source"]} if data.get("source") else {}
        if data.get("street"):
            filters["street"] = self.streets[data["street"]]
        if data.get("department"):
            filters["department"] = self.departments[data["department"]]
        # 部件 and 事项 share codes (部件 01 ≠ 事项 01): the choice carries the kind.
        self.kind = ""
        if data.get("category"):
            self.kind, filters["category"] = data["category"].split(":", 1)
        elif data.get("major"):
            self.kind, filters["major"] = data["major"].split(":", 1)
        if self.kind:
            filters["kind"] = self.kind
        scoped = queries.scope_filters(self.user, **filters)
        own = scoped.get("department")
        if isinstance(own, str) and own in self.departments:  # a department user's own, as a code
            scoped["department"] = self.departments[own]
        return scoped


def default_filter_data(get, today: date) -> dict:
    """The GET parameters with the period defaulting to 本月 (the first of the month to today)."""
    data = get.copy()
    if not data.get("date_from") and not data.get("date_to"):
        data["date_from"] = today.replace(day=1).isoformat()
        data["date_to"] = today.isoformat()
    elif not data.get("date_to"):
        data["date_to"] = today.isoformat()
    elif not data.get("date_from"):
        data["date_from"] = data["date_to"]
    return data
