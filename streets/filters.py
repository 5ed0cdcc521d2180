import django_filters

from streets.models import Escalation, SubDispatch, Unit


class UnitFilter(django_filters.FilterSet):
    name = django_filters.CharFilter(lookup_expr="icontains", label="名称包含")

    class Meta:
        model = Unit
        fields = ["street", "kind", "community", "is_active", "name"]


class SubDispatchFilter(django_filters.FilterSet):
    overdue = django_filters.BooleanFilter(method="filter_overdue", label="仍在处理且已超期")
    due_before = django_filters.IsoDateTimeFilter(field_name="due_at", lookup_expr="lt", label="单位期限早于")

    class Meta:
        model = SubDispatch
        fields = ["street", "unit", "state", "case", "overdue", "due_before"]

    def filter_overdue(self, queryset, name, value):
        from django.utils import timezone

        overdue = {"state": SubDispatch.State.DISPATCHED, "due_at__lt": timezone.now()}
        return queryset.filter(**overdue) if value else queryset.exclude(**overdue)


class EscalationFilter(django_filters.FilterSet):
    class Meta:
        model = Escalation
        fields = ["street", "state", "case"]
