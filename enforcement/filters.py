"""FilterSets shared by the enforcement API and pages."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dispatch.models import Department
from enforcement.models import Outcome, Party
from grids.models import Street


class PartyFilter(django_filters.FilterSet):
    street = django_filters.CharFilter(field_name="street__code", label=_("街道编码"))
    kind = django_filters.ChoiceFilter(choices=Party.Kind.choices, label=_("类型"))
    credit_below = django_filters.NumberFilter(
        field_name="credit_score", lookup_expr="lt", label=_("信用分低于")
    )
    q = django_filters.CharFilter(method="search", label=_("搜索：名称、地址或信用代码"))

    class Meta:
        model = Party
        fields = ["street", "kind", "credit_below"]

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(name__icontains=value) | Q(address__icontains=value) | Q(credit_code__iexact=value)
        )


class OutcomeFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=Outcome.Kind.choices, label=_("类型"))
    case = django_filters.CharFilter(field_name="case__number", label=_("案件编号"))
    party = django_filters.NumberFilter(field_name="party_id", label=_("责任主体 id"))
    street = django_filters.CharFilter(field_name="case__street__code", label=_("街道编码"))
    department = django_filters.CharFilter(field_name="case__department__code", label=_("部门编码"))
    category = django_filters.CharFilter(field_name="case__category_code", label=_("类别编码"))
    issued_after = django_filters.DateFilter(
        field_name="issued_at", lookup_expr="date__gte", label=_("起始日期")
    )
    issued_before = django_filters.DateFilter(
        field_name="issued_at", lookup_expr="date__lte", label=_("截止日期")
    )
    year = django_filters.NumberFilter(label=_("年度"))
    unpaid = django_filters.BooleanFilter(method="filter_unpaid", label=_("罚款未缴"))
    check_pending = django_filters.BooleanFilter(method="filter_check_pending", label=_("待复查"))

    class Meta:
        model = Outcome
        fields = ["kind", "case", "party", "street", "department", "category", "year"]

    def filter_unpaid(self, queryset, name, value):
        return queryset.filter(kind=Outcome.Kind.PENALTY, paid=not value)

    def filter_check_pending(self, queryset, name, value):
        if value:
            return queryset.filter(kind=Outcome.Kind.RECTIFICATION, checked_at__isnull=True)
        return queryset.exclude(kind=Outcome.Kind.RECTIFICATION, checked_at__isnull=True)


# ---------------------------------------------------------------- the pages' filter forms
# The pages take the same query parameters as the API (the figures and KPI reports link to the outcomes
# page with ?street=<code>&department=<code>&issued_after=…), shown like the product's other filter forms:
# no trailing colon, date pickers, selects with 全部 for street and department (their value is still the
# code), the party id as a hidden field.

ALL = _("全部")
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
YES_NO = forms.Select(choices=[("", ALL), ("true", _("是")), ("false", _("否"))])


class PageForm(forms.Form):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


def _streets(request):
    return Street.objects.order_by("code")


def _departments(request):
    # Only departments whose cases have outcomes (a district has hundreds of 权属单位); a department the
    # figures link to always has some.
    return Department.objects.filter(pk__in=Outcome.objects.values("case__department")).order_by("code")


class PartyPageFilter(PartyFilter):
    street = django_filters.ModelChoiceFilter(
        field_name="street", to_field_name="code", queryset=_streets, label=_("街道"), empty_label=ALL
    )
    kind = django_filters.ChoiceFilter(choices=Party.Kind.choices, label=_("类型"), empty_label=ALL)
    q = django_filters.CharFilter(
        method="search",
        label=_("搜索（名称、地址或信用代码）"),
        widget=forms.TextInput(attrs={"type": "search"}),
    )

    class Meta(PartyFilter.Meta):
        form = PageForm


class OutcomePageFilter(OutcomeFilter):
    kind = django_filters.ChoiceFilter(choices=Outcome.Kind.choices, label=_("类型"), empty_label=ALL)
    party = django_filters.NumberFilter(field_name="party_id", label=_("责任主体"), widget=forms.HiddenInput)
    street = django_filters.ModelChoiceFilter(
        field_name="case__street", to_field_name="code", queryset=_streets, label=_("街道"), empty_label=ALL
    )
    department = django_filters.ModelChoiceFilter(
        field_name="case__department",
        to_field_name="code",
        queryset=_departments,
        label=_("主办部门"),
        empty_label=ALL,
    )
    category = django_filters.CharFilter(
        field_name="case__category_code",
        label=_("类别编码"),
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("如 01001")}),
    )
    issued_after = django_filters.DateFilter(
        field_name="issued_at", lookup_expr="date__gte", label=_("起始日期"), widget=DATE
    )
    issued_before = django_filters.DateFilter(
        field_name="issued_at", lookup_expr="date__lte", label=_("截止日期"), widget=DATE
    )
    unpaid = django_filters.BooleanFilter(method="filter_unpaid", label=_("罚款未缴"), widget=YES_NO)
    check_pending = django_filters.BooleanFilter(
        method="filter_check_pending", label=_("待复查"), widget=YES_NO
    )

    class Meta(OutcomeFilter.Meta):
        form = PageForm
