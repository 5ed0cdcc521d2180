"""The suggester in the admin: its versions (switch back to one) and the log of choices, both read-only."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from cases.errors import ActionError
from cases.suggest.models import SuggesterVersion, SuggestionFeedback
from cases.suggest.services import suggester_activate


@admin.register(SuggesterVersion)
class SuggesterVersionAdmin(admin.ModelAdmin):
    list_display = [
        "__str__", "origin", "is_active", "trained_on", "held_out", "categories", "top1", "top3",
        "sure_threshold", "sure_share", "sure_precision", "activated_at",
    ]  # fmt: skip
    list_filter = ["origin", "is_active"]
    readonly_fields = [f.name for f in SuggesterVersion._meta.fields]
    actions = ["activate"]

    def has_add_permission(self, request):
        return False  # versions come from training (beat, manage.py train_suggester)

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("启用所选版本（切换类别推荐模型）"), permissions=["change"])
    def activate(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, _("请只选择一个版本"), messages.ERROR)
            return
        try:
            version = suggester_activate(version=queryset.get())
        except ActionError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return
        self.message_user(request, _("已启用 %(version)s") % {"version": version})


@admin.register(SuggestionFeedback)
class SuggestionFeedbackAdmin(admin.ModelAdmin):
    list_display = ["at", "where", "actor", "case", "chosen", "rank", "sure", "version"]
    list_filter = ["where", "sure", "version"]
    list_select_related = ["actor", "case", "chosen", "version"]
    search_fields = ["case__number", "text"]
    raw_id_fields = ["case", "actor", "chosen"]
    readonly_fields = [f.name for f in SuggestionFeedback._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
