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
        "patrols.*",  # grid classes (巡查频次) and the patrol records
        "core.*",
        "auth.view_group",
        "cases.view_*",
        "kpi.*_kpisettings",  # KPI 设置 (README): weights, grade bands and targets
        "cases.change_suggesterversion",  # switch the category suggester to another version
        "axes.view_*",
        "axes.delete_accessattempt",
    ),
}
# Patrols (docs/domain.md §12): inspectors patrol and see their own tracks; a track is a person's
# whereabouts, so only these roles see everyone's tracks and the coverage figures per grid.
PATROL_ROLES = frozenset({Role.INSPECTOR})
PATROL_SUPERVISOR_ROLES = frozenset({Role.SUPERVISOR, Role.SHIFT_LEADER, Role.ADMIN})

for _role in Role:
    # Case pages in the admin are read-only and not scoped, so only district-wide roles may view them.
    _cases = ("cases.view_*",) if _role in DISTRICT_WIDE_ROLES else ()
    _patrols = ("patrols.view_*",) if _role in PATROL_SUPERVISOR_ROLES else ()
    ROLE_PERMISSIONS.setdefault(_role, ("grids.view_*", "dispatch.view_*", *_cases, *_patrols))
