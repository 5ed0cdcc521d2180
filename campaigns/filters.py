"""django-filter FilterSets shared by the API and the pages."""

import django_filters
from django.db.models import Q
from django.utils import timezone

from campaigns.models import Campaign, CampaignTask, FollowUp, Hazard, RegisterItem


class _Overdue(django_filters.FilterSet):
    overdue = django_filters.BooleanFilter(method="filter_overdue", label="超期")
    OPEN = Q()

    def filter_overdue(self, queryset, name, value):
        late = self.OPEN & Q(deadline__lt=timezone.localdate())
        return queryset.filter(late) if value else queryset.exclude(late)


class CampaignFilterSet(django_filters.FilterSet):
    class Meta:
        model = Campaign
        fields = ["status"]


class TaskFilterSet(_Overdue):
    OPEN = Q(status=CampaignTask.Status.OPEN)

    class Meta:
        model = CampaignTask
        fields = ["campaign", "department", "status"]


class RegisterItemFilterSet(_Overdue):
    OPEN = ~Q(status=RegisterItem.Status.CLEARED)

    class Meta:
        model = RegisterItem
        fields = ["campaign", "department", "status", "street", "grid"]


class FollowUpFilterSet(django_filters.FilterSet):
    class Meta:
        model = FollowUp
        fields = ["rule", "state", "inspector", "case"]


class HazardFilterSet(_Overdue):
    OPEN = ~Q(status=Hazard.Status.CLOSED)

    class Meta:
        model = Hazard
        fields = ["campaign", "department", "status", "level", "kind", "street"]
