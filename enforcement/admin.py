"""Admin: agencies, issuing units and the credit rules are master data (the admin's); parties may be
corrected here, with contacts shown only to 综合执法 staff; outcomes and the event log are read-only."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from enforcement import permissions
from enforcement.models import (
    Agency,
    CaseParty,
    CreditPolicy,
    EnforcementEvent,
    JointOperation,
    Letter,
    Outcome,
    Party,
    PartyContact,
    Unit,
)


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "is_active")
    search_fields = ("code", "name")


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ("name", "department", "doc_prefix")
    raw_id_fields = ("department",)


@admin.register(CreditPolicy)
class CreditPolicyAdmin(admin.ModelAdmin):
    list_display = (
        "__str__",
        "initial",
        "deduction",
        "recovery_points",
        "recovery_days",
        "waiver_window_days",
    )

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not CreditPolicy.objects.exists()


class LetterInline(admin.TabularInline):
    model = Letter
    extra = 0


@admin.register(Party)
class PartyAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "street", "credit_code", "credit_score")
    list_filter = ("kind", "street")
    search_fields = ("name", "address", "credit_code")
    raw_id_fields = ("street",)
    readonly_fields = ("credit_score", "credit_updated_at")
    inlines = [LetterInline]

    def save_model(self, request, obj, form, change):
        from enforcement.services import clean_party_fields

        fields = clean_party_fields(
            {"name": obj.name, "kind": obj.kind, "credit_code": obj.credit_code, "frontage": obj.frontage}
        )
        for name, value in fields.items():
            setattr(obj, name, value)
        super().save_model(request, obj, form, change)

    def get_exclude(self, request, obj=None):
        # Parties' personal data is seen only by 综合执法 staff (docs/domain.md §11).
        return () if permissions.can_see_contact(request.user) else ("contact_name", "contact_phone")


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Outcome)
class OutcomeAdmin(ReadOnlyAdmin):
    list_display = ("case", "kind", "number", "party", "fine", "paid", "issued_at")
    list_filter = ("kind", "year", "paid")
    search_fields = ("number", "case__number", "party__name")
    list_select_related = ("case", "party")


@admin.register(CaseParty)
class CasePartyAdmin(ReadOnlyAdmin):
    list_display = ("case", "party", "state", "occurred_at")
    list_filter = ("state",)
    list_select_related = ("case", "party")


@admin.register(PartyContact)
class PartyContactAdmin(ReadOnlyAdmin):
    list_display = ("party", "kind", "at")
    list_filter = ("kind",)


@admin.register(JointOperation)
class JointOperationAdmin(ReadOnlyAdmin):
    list_display = ("date", "area", "street")


@admin.register(EnforcementEvent)
class EnforcementEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "action", "case", "party", "actor")
    list_filter = ("action",)
    list_select_related = ("case", "party", "actor")
    verbose_name = _("执法记录")
