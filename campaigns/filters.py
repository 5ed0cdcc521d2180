"""django-filter FilterSets shared by the API and the pages."""

import django_filters
from django.db.models import Q
from django.forms import NullBooleanSelect
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campaigns.models import Campaign, CampaignTask, FollowUp, Hazard, RegisterItem


class _Labelled(django_filters.FilterSet):
    """The pages' filter forms say 全部 for "any" (not "---------" or 未知)."""

    @property
    def form(self):
        form = super().form
        if not getattr(form, "_labelled", False):
            for field in form.fields.values():
                if getattr(field, "empty_label", None) is not None:
                    field.empty_label = _("全部")
                    if hasattr(field, "choices") and not hasattr(field, "queryset"):
                        field.choices = list(field.choices)[1:]  # rebuilt with the new empty label
                if isinstance(field.widget, NullBooleanSelect):
                    field.widget.choices = [("unknown", _("全部")), ("true", _("是")), ("false", _("否"))]
            form._labelled = True
        return form


class _Overdue(_Labelled):
    overdue = django_filters.BooleanFilter(method="filter_overdue", label="超期")
    OPEN = Q()

    def filter_overdue(self, queryset, name, value):
        late = self.OPEN & Q(deadline__lt=timezone.localdate())
        return queryset.filter(late) if value else queryset.exclude(late)


class CampaignFilterSet(_Labelled):
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


class FollowUpFilterSet(_Labelled):
    class Meta:
        model = FollowUp
        fields = ["rule", "state", "inspector", "case"]


class HazardFilterSet(_Overdue):
    OPEN = ~Q(status=Hazard.Status.CLOSED)

    class Meta:
        model = Hazard
        fields = ["campaign", "department", "status", "level", "kind", "street"]
