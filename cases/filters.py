"""The case FilterSet, shared by the API and the pages (NetBox-style)."""

import django_filters
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from cases import channels
from cases.models import Case, Light, RequestNature, Satisfaction, TimedStep, Urgency
from cases.workflow import STATUS_CHOICES, Status
from dispatch.models import Step


def _steps(step: str, **where) -> Exists:
    return Exists(TimedStep.objects.filter(case=OuterRef("pk"), step=step, **where))


def kpi_flag(name: str) -> Q:
    """A case-level KPI flag (docs/domain.md §7) as a Q, for the KPI drill-down lists. kpi/rollup.py counts the
    same definitions (as counts over the timed steps); tests/kpi/test_api.py checks each list holds
    exactly the cases behind its number."""
    late = Q(on_time=False) | Q(finished_at__isnull=True, light=Light.RED)
    return {
        "dispatched": Q(_steps(Step.DISPOSE)),
        "disposed_on_time": Q(_steps(Step.DISPOSE))
        & ~Q(_steps(Step.DISPOSE, on_time__isnull=True))
        & ~Q(_steps(Step.DISPOSE, on_time=False)),
        "closed_on_time": Q(status=Status.CLOSED) & ~Q(_steps(Step.DISPOSE, on_time=False)),
        "dispose_overdue": Q(Exists(TimedStep.objects.filter(late, case=OuterRef("pk"), step=Step.DISPOSE))),
        "reached_filing": Q(_steps("file")),
        "accepted_on_time": Q(_steps(Step.ACCEPT, on_time=True)),
        "reworked": Q(rework_count__gt=0),
        "extended": Q(extension_count__gt=0),
        # The 12345 loop: an approved 退单 (the case ended 不予受理 with the centre's word on the ticket),
        # and one the centre counts against the district.
        "hotline_returned": Q(status=Status.REJECTED, hotline_ticket__return_counted__isnull=False),
        "return_counted": Q(status=Status.REJECTED, hotline_ticket__return_counted=True),
    }[name]


class AnyOfFilter(django_filters.MultipleChoiceFilter):
    """Several values as one `IN (…)`, never DISTINCT.

    django-filter's own MultipleChoiceFilter ORs one equality per value; PostgreSQL cannot read that
    OR from the (status, created_at) index in date order, so a two-status desk queue walked the whole
    case table by date (25 ms at 100,000 cases); the IN list it reads from the status index (0.6 ms).
    No DISTINCT: these filter the case row itself, so no join can repeat it, and a DISTINCT would make
    PostgreSQL sort and compare whole rows (a 50-row page cost ~90 ms).
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, distinct=False, **kwargs)

    def filter(self, qs, value):
        if not value or self.is_noop(qs, value):
            return qs
        return self.get_method(qs)(**{f"{self.field_name}__in": sorted(set(value))})


class CaseFilterSet(django_filters.FilterSet):
    status = AnyOfFilter(choices=STATUS_CHOICES, label=_("状态"))
    # Channels are data: any channel's code, active or not (old cases keep theirs).
    source = AnyOfFilter(choices=channels.choices, label=_("来源"))
    urgency = django_filters.ChoiceFilter(choices=Urgency.choices, label=_("紧急程度"))
    request_nature = AnyOfFilter(choices=RequestNature.choices, label=_("诉求性质"))
    category = django_filters.CharFilter(field_name="category_code", label=_("类别编码"))
    major_code = django_filters.CharFilter(field_name="major_code", label=_("大类编码"))
    kind = django_filters.ChoiceFilter(
        field_name="category_kind",
        choices=[("component", _("部件")), ("event", _("事项"))],
        label=_("部件/事项"),
    )
    grid = django_filters.CharFilter(field_name="grid__code", label=_("网格编码"))
    community = django_filters.CharFilter(field_name="community__code", label=_("社区编码"))
    street = django_filters.CharFilter(field_name="street__code", label=_("街道编码"))
    district = django_filters.CharFilter(field_name="district__code", label=_("区编码"))
    department = django_filters.CharFilter(field_name="department__code", label=_("主办部门编码"))
    created_after = django_filters.DateFilter(
        field_name="created_at", lookup_expr="date__gte", label=_("上报日期起")
    )
    created_before = django_filters.DateFilter(
        field_name="created_at", lookup_expr="date__lte", label=_("上报日期止")
    )
    filed_after = django_filters.DateFilter(
        field_name="filed_at", lookup_expr="date__gte", label=_("立案日期起")
    )
    filed_before = django_filters.DateFilter(
        field_name="filed_at", lookup_expr="date__lte", label=_("立案日期止")
    )
    closed_after = django_filters.DateFilter(
        field_name="closed_at", lookup_expr="date__gte", label=_("结案日期起")
    )
    closed_before = django_filters.DateFilter(
        field_name="closed_at", lookup_expr="date__lte", label=_("结案日期止")
    )
    q = django_filters.CharFilter(method="search", label=_("搜索（编号、工单号、地址、描述）"))
    light = django_filters.ChoiceFilter(choices=Light.choices, method="filter_light", label=_("当前环节亮灯"))
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("超期"))
    # KPI drill-down (kpi/queries.py cases_params): each is one kpi_flag.
    satisfaction = AnyOfFilter(choices=Satisfaction.choices, label=_("满意度"))
    dispatched = django_filters.BooleanFilter(method="filter_flag", label=_("已派遣（应处置）"))
    disposed_on_time = django_filters.BooleanFilter(method="filter_flag", label=_("按期处置"))
    closed_on_time = django_filters.BooleanFilter(method="filter_flag", label=_("按期结案"))
    dispose_overdue = django_filters.BooleanFilter(method="filter_flag", label=_("处置曾超期"))
    reached_filing = django_filters.BooleanFilter(method="filter_flag", label=_("曾到待立案"))
    accepted_on_time = django_filters.BooleanFilter(method="filter_flag", label=_("按时受理"))
    reworked = django_filters.BooleanFilter(method="filter_flag", label=_("有返工"))
    extended = django_filters.BooleanFilter(method="filter_flag", label=_("有延期"))
    hotline_returned = django_filters.BooleanFilter(method="filter_flag", label=_("12345批准退单"))
    return_counted = django_filters.BooleanFilter(method="filter_flag", label=_("退单计入本区"))

    class Meta:
        model = Case
        fields: list[str] = []

    def filter_light(self, queryset, name, value):
        open_steps = TimedStep.objects.filter(case=OuterRef("pk"), finished_at__isnull=True, light=value)
        return queryset.filter(Exists(open_steps))

    def filter_flag(self, queryset, name, value):
        flag = kpi_flag(name)
        return queryset.filter(flag if value else ~flag)

    def filter_overdue(self, queryset, name, value):
        late = Exists(
            TimedStep.objects.filter(case=OuterRef("pk"), finished_at__isnull=True, light=Light.RED)
        )
        return queryset.filter(late if value else ~late)

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(number__icontains=value)
            | Q(hotline_ticket_no__icontains=value)
            | Q(address__icontains=value)
            | Q(description__icontains=value)
        )
