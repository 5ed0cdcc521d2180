"""Cases in the admin are read-only: every change goes through a service, so the event log stays whole."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from cases import channels
from cases.models import Case, CaseEvent, CasePhoto, CaseRequest, HotlineMessage, Notification, TimedStep
from cases.selectors import district_limit
from core.privacy import can_see_caller


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class CaseEventInline(admin.TabularInline):
    model = CaseEvent
    fields = ["at", "action", "from_status", "to_status", "actor", "actor_role", "note"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False


class TimedStepInline(admin.TabularInline):
    """Each step's deadline, light and the time-limit rule that applied when it started."""

    model = TimedStep
    fields = [
        "step",
        "started_at",
        "due_at",
        "light",
        "limit_amount",
        "limit_unit",
        "rule_text",
        "finished_at",
        "on_time",
    ]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class SourceFilter(admin.SimpleListFilter):
    """来源 by the channels' names (cases/channels.py): `source` has no choices of its own."""

    title = _("来源")
    parameter_name = "source"

    def lookups(self, request, model_admin):
        return channels.choices()

    def queryset(self, request, queryset):
        return queryset.filter(source=self.value()) if self.value() else queryset


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    list_display = [
        "number",
        "status",
        "source_label",
        "category_name",
        "street",
        "department",
        "created_at",
        "closed_at",
    ]
    list_filter = ["status", SourceFilter, "urgency", "category_kind", "major_code", "district", "street"]
    search_fields = ["number", "address", "description", "hotline_ticket_no"]
    date_hierarchy = "created_at"
    list_select_related = ["street", "department"]
    inlines = [TimedStepInline, CaseEventInline]

    def get_queryset(self, request):
        # A district's staff read their district's cases here too (docs/domain.md §13).
        queryset = super().get_queryset(request)
        district = district_limit(request.user)
        if district is not None and not request.user.is_superuser:
            queryset = queryset.filter(district_id=district)
        return queryset

    def get_exclude(self, request, obj=None):
        # The reporter's contact details only for the roles that call reporters (core/privacy.py).
        if can_see_caller(request.user):
            return super().get_exclude(request, obj)
        return [
            *(super().get_exclude(request, obj) or ()),
            "reporter_name",
            "reporter_phone",
            "reporter_email",
        ]


@admin.register(CaseEvent)
class CaseEventAdmin(ReadOnlyAdmin):
    list_display = ["case", "action", "from_status", "to_status", "actor", "actor_role", "at"]
    list_filter = ["action", "actor_role"]
    search_fields = ["case__number", "note"]
    list_select_related = ["case", "actor"]
    date_hierarchy = "at"


@admin.register(CaseRequest)
class CaseRequestAdmin(ReadOnlyAdmin):
    list_display = ["case", "kind", "state", "requested_by", "requested_at", "decided_by", "decided_at"]
    list_filter = ["kind", "state"]
    search_fields = ["case__number", "reason"]
    list_select_related = ["case", "requested_by", "decided_by"]


@admin.register(HotlineMessage)
class HotlineMessageAdmin(ReadOnlyAdmin):
    """The 12345 centre's messages and our answers (cases/intake/loop.py); written only by the endpoint."""

    list_display = ["received_at", "channel", "message_id", "kind", "ticket", "status_code"]
    list_filter = ["kind", "channel", "status_code"]
    search_fields = ["message_id", "ticket__ticket_no"]
    list_select_related = ["ticket"]
    date_hierarchy = "received_at"


@admin.register(CasePhoto)
class CasePhotoAdmin(ReadOnlyAdmin):
    list_display = ["case", "stage", "width", "height", "created_at"]
    list_filter = ["stage"]
    list_select_related = ["case"]


@admin.register(TimedStep)
class TimedStepAdmin(ReadOnlyAdmin):
    list_display = ["case", "step", "started_at", "due_at", "light", "rule_text", "finished_at", "on_time"]
    list_filter = ["step", "light", "on_time"]
    search_fields = ["case__number", "rule_text"]
    list_select_related = ["case"]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["title", "user", "kind", "created_at", "read_at"]
    list_filter = ["kind"]
    search_fields = ["title", "user__username"]
    list_select_related = ["user"]


# The category suggester: its versions and the log of choices (cases/suggest/admin.py).
# Channels, API keys, the hotline inbox and outbox (issue #22.5): cases/integration_admin.py.
from cases import integration_admin as _integration_admin  # noqa: E402, F401
from cases.suggest import admin as _suggest_admin  # noqa: E402, F401
