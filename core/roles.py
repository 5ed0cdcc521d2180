"""The roles of docs/domain.md §1 (and the city's and the streets', §13). A role is a Django Group named by its code; a user may hold several."""

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
    # 市级 (docs/domain.md §13): a city above several districts; reads every district, acts on none.
    CITY_SUPERVISOR = "city_supervisor"
    # A street's sub-centre (二级平台, docs/domain.md §13): its 指挥 and 领导 see every case in their street.
    STREET_DISPATCHER = "street_dispatcher"
    STREET_LEADER = "street_leader"

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
    Role.CITY_SUPERVISOR: _("市级监督"),
    Role.STREET_DISPATCHER: _("街道指挥"),
    Role.STREET_LEADER: _("街道领导"),
}

# Roles whose work covers the whole district (docs/domain.md §1): they see every case.
DISTRICT_WIDE_ROLES = frozenset(
    {Role.OPERATOR, Role.SHIFT_LEADER, Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN, Role.HOTLINE}
)

# Roles above the districts (docs/domain.md §13): they see every district's cases and figures, read-only
# (no workflow action lists them), and a district set on their user does not narrow them.
CITY_ROLES = frozenset({Role.CITY_SUPERVISOR})
# A street's sub-centre (docs/domain.md §13): bound to one street (core.User.street), they see every case
# in it, send it onward to the street's units (二级派遣, streets/) and escalate hard ones (提级).
STREET_ROLES = frozenset({Role.STREET_DISPATCHER, Role.STREET_LEADER})
# Who at the district takes an escalated case back (提级 queue, streets/).
ESCALATION_TAKERS = frozenset({Role.SHIFT_LEADER, Role.DISPATCHER})

# Who may open the command centre's wall (指挥大屏, live/): the centre's staff and the leaders.
WALL_ROLES = frozenset({Role.SUPERVISOR, Role.SHIFT_LEADER, Role.DISPATCHER, Role.OPERATOR, Role.ADMIN})

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
        "kpi.view_*",  # 考核 periods, revisions, adjustments, appeals and their log (read-only in the admin)
        # Enforcement master data (issue #20): 移送 agencies, issuing units, the credit rules, the parties'
        # 台账 (contacts hidden from the admin: enforcement/permissions.py); outcomes are read-only.
        "enforcement.*_agency",
        "enforcement.*_unit",
        "enforcement.*_creditpolicy",
        "enforcement.*_party",
        "enforcement.*_letter",
        "enforcement.view_*",
        "cases.change_suggesterversion",  # switch the category suggester to another version
        # Integration (issue #22.5): channels, API clients and their keys, retry/resend of the hotline
        # inbox and outbox (the admin's actions, audited: cases/integration_admin.py).
        "cases.add_channel",
        "cases.change_channel",
        "cases.add_apiclient",
        "cases.change_apiclient",
        "cases.change_hotlineticket",
        "cases.change_hotlineoutbox",
        "axes.view_*",
        "notices.*",  # notice channels (企业微信/钉钉 robots, SMS, email), quiet hours, the outbox
        "axes.delete_accessattempt",
        "assessment.*",  # contractors, contracts, checklists, thresholds, grade bands (issue #24.4)
        "streets.*",  # the streets' units (社区/物业/作业单位) and their staff (docs/domain.md §13)
        "campaigns.*",  # 专项行动, 挂号/销号, 回头看, 隐患台账: master data and corrections (docs/domain.md §10)
    ),
    # 作业考核 (issue #24.4): supervisors draw the 随机抽查, record 代为整改 and assess the month; an
    # inspector carries out the inspections given to them (checked per inspection, not by permission).
    # The 监督中心 leaders run campaigns and 回头看 rules; in the admin they read everything of them.
    Role.SUPERVISOR: (
        "grids.view_*",
        "dispatch.view_*",
        "cases.view_*",
        "campaigns.view_*",
        "enforcement.view_*",  # ENFORCEMENT_READERS (below)
        "patrols.view_*",  # PATROL_SUPERVISOR_ROLES (below)
        "assessment.view_*",
        "assessment.add_inspection",
        "assessment.change_inspection",
        "assessment.add_rectification",
        "assessment.add_monthlyassessment",
        "assessment.change_monthlyassessment",
    ),
    Role.SHIFT_LEADER: (
        "grids.view_*",
        "dispatch.view_*",
        "cases.view_*",
        "campaigns.view_*",
        "patrols.view_*",
    ),
    Role.INSPECTOR: (
        "grids.view_*",
        "dispatch.view_*",
        "assessment.view_inspection",
        "assessment.view_checklist",
    ),
}
# 考核 periods (issue #24.1): who may do what to a frozen table. Closing and correcting are the
# supervisors' and the admin's; an appeal (申诉) is asked by those who answer for a case's figures
# (a department for its own cases, the centre's desks) and decided by someone else of the first group.
ASSESSMENT_PERMISSIONS: dict[str, frozenset[Role]] = {
    "view": frozenset({Role.SUPERVISOR, Role.SHIFT_LEADER, Role.ADMIN}),
    "close": frozenset({Role.SUPERVISOR, Role.ADMIN}),
    "adjust": frozenset({Role.SUPERVISOR, Role.ADMIN}),
    "appeal": frozenset({Role.DEPARTMENT, Role.SHIFT_LEADER, Role.DISPATCHER, Role.SUPERVISOR}),
    "decide_appeal": frozenset({Role.SUPERVISOR, Role.ADMIN}),
}

# 综合执法 staff are department users of an issuing unit (enforcement.permissions: a department permission,
# not a ninth role); supervisors read the enforcement records in the admin too.
ENFORCEMENT_READERS = frozenset({Role.SUPERVISOR})
# Patrols (docs/domain.md §12): inspectors patrol and see their own tracks; a track is a person's
# whereabouts, so only these roles see everyone's tracks and the coverage figures per grid.
PATROL_ROLES = frozenset({Role.INSPECTOR})
PATROL_SUPERVISOR_ROLES = frozenset({Role.SUPERVISOR, Role.SHIFT_LEADER, Role.ADMIN})
for _role in Role:
    # Case pages in the admin are read-only and not scoped, so only district-wide roles may view them.
    _cases = ("cases.view_*",) if _role in DISTRICT_WIDE_ROLES | CITY_ROLES else ()
    _enforcement = ("enforcement.view_*",) if _role in ENFORCEMENT_READERS else ()
    _patrols = ("patrols.view_*",) if _role in PATROL_SUPERVISOR_ROLES else ()
    ROLE_PERMISSIONS.setdefault(_role, ("grids.view_*", "dispatch.view_*", *_cases, *_enforcement, *_patrols))
