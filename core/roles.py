"""The eight roles of docs/domain.md §1. A role is a Django Group named by its code; a user may hold several."""

from enum import StrEnum

from django.utils.translation import gettext_lazy as _


class Role(StrEnum):
    INSPECTOR = "inspector"
    OPERATOR = "operator"
    SHIFT_LEADER = "shift_leader"
    DISPATCHER = "dispatcher"
    DEPARTMENT = "department"
    HOTLINE = "hotline"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.INSPECTOR: _("监督员"),
    Role.OPERATOR: _("受理员"),
    Role.SHIFT_LEADER: _("值班长"),
    Role.DISPATCHER: _("派遣员"),
    Role.DEPARTMENT: _("专业部门"),
    Role.HOTLINE: _("热线坐席"),
    Role.SUPERVISOR: _("领导/督查"),
    Role.ADMIN: _("管理员"),
}

# Roles whose work covers the whole district (docs/domain.md §1): they see every case.
DISTRICT_WIDE_ROLES = frozenset(
    {Role.OPERATOR, Role.SHIFT_LEADER, Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN, Role.HOTLINE}
)

# Model permissions granted to each role's group, as "app_label.codename" patterns; "*" = every codename
# of that app. Master data is the admin's; everyone signed in may read it through the API.
ROLE_PERMISSIONS: dict[Role, tuple[str, ...]] = {
    # Also: see sign-in attempts and unlock a locked-out user by deleting the attempt (django-axes).
    Role.ADMIN: (
        "grids.*",
        "dispatch.*",
        "core.*",
        "auth.view_group",
        "cases.view_*",
        "kpi.*_kpisettings",  # KPI 设置 (README): weights, grade bands and targets
        # Enforcement master data (issue #20): 移送 agencies, issuing units, the credit rules, the parties'
        # 台账 (contacts hidden from the admin: enforcement/permissions.py); outcomes are read-only.
        "enforcement.*_agency",
        "enforcement.*_unit",
        "enforcement.*_creditpolicy",
        "enforcement.*_party",
        "enforcement.*_letter",
        "enforcement.view_*",
        "cases.change_suggesterversion",  # switch the category suggester to another version
        "axes.view_*",
        "axes.delete_accessattempt",
    ),
}
# 综合执法 staff are department users of an issuing unit (enforcement.permissions: a department permission,
# not a ninth role); supervisors read the enforcement records in the admin too.
ENFORCEMENT_READERS = frozenset({Role.SUPERVISOR})
for _role in Role:
    # Case pages in the admin are read-only and not scoped, so only district-wide roles may view them.
    _cases = ("cases.view_*",) if _role in DISTRICT_WIDE_ROLES else ()
    _enforcement = ("enforcement.view_*",) if _role in ENFORCEMENT_READERS else ()
    ROLE_PERMISSIONS.setdefault(_role, ("grids.view_*", "dispatch.view_*", *_cases, *_enforcement))
