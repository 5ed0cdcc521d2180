"""The menu as data: each entry is a page and the roles it is for. Unknown URL names fail loudly in the
test that walks the menu (tests/web/test_navigation.py), so the menu cannot point at a missing page."""

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from core.roles import STREET_ROLES, WALL_ROLES, Role
from enforcement.permissions import can_read as can_read_enforcement
from streets.services import units_of

_R = Role
EVERYONE = frozenset(Role)


def has_unit(user) -> bool:
    """A unit's staff (docs/domain.md §13) hold no role; asked only of those, so no other page pays a query."""
    return not user.roles and units_of(user).exists()


# The sections of a long menu (a shift leader's has twenty entries: one row of sections, each a short list).
FIELD, STREET, HOTLINE, CASES = _("现场"), _("街道"), _("热线"), _("案件")
COMMAND, EVAL, CAMPAIGN, ENFORCE = _("指挥"), _("评价"), _("专项"), _("执法")
# Up to this many entries the menu stays one row of links (an inspector's, a hotline agent's).
FLAT_MENU_MAX = 9

CAMPAIGN_ROLES = frozenset({_R.SUPERVISOR, _R.SHIFT_LEADER, _R.DEPARTMENT, _R.INSPECTOR, _R.ADMIN})


@dataclass(frozen=True)
class MenuEntry:
    label: str | Promise
    url_name: str
    roles: frozenset[Role]
    args: tuple = ()
    # A finer test than the roles (e.g. a department permission): the user must also pass it.
    allowed: Callable[[object], bool] | None = None
    # The menu section a long menu folds it into (see `menu_groups`).
    group: str | Promise = ""

    @property
    def url(self) -> str:
        return reverse(self.url_name, args=self.args)


MENU: tuple[MenuEntry, ...] = (
    MenuEntry(_("上报问题"), "inspector-report", frozenset({_R.INSPECTOR}), group=FIELD),
    MenuEntry(_("我的任务"), "inspector-tasks", frozenset({_R.INSPECTOR}), group=FIELD),
    MenuEntry(_("我的上报"), "inspector-history", frozenset({_R.INSPECTOR}), group=FIELD),
    MenuEntry(_("巡查"), "patrol-phone", frozenset({_R.INSPECTOR}), group=FIELD),
    # A street's sub-centre (docs/domain.md §13, streets/); a unit's staff may hold no role at all.
    MenuEntry(_("街道工作台"), "streets-home", STREET_ROLES, group=STREET),
    MenuEntry(_("单位任务"), "streets-tasks", frozenset(), allowed=has_unit, group=STREET),
    MenuEntry(
        _("街道看板"),
        "streets-dashboard",
        STREET_ROLES | {_R.SUPERVISOR, _R.SHIFT_LEADER, _R.ADMIN},
        group=STREET,
    ),
    MenuEntry(
        _("提级案件"), "streets-escalations", STREET_ROLES | {_R.SHIFT_LEADER, _R.DISPATCHER}, group=STREET
    ),
    MenuEntry(_("热线登记"), "hotline-intake", frozenset({_R.HOTLINE}), group=HOTLINE),
    MenuEntry(_("热线工单"), "hotline-tickets", frozenset({_R.HOTLINE}), group=HOTLINE),
    MenuEntry(_("回访"), "hotline-callbacks", frozenset({_R.HOTLINE}), group=HOTLINE),
    MenuEntry(_("审批台账"), "ledger", frozenset({_R.DISPATCHER, _R.SHIFT_LEADER}), group=CASES),
    MenuEntry(
        _("案件查询"),
        "case-search",
        frozenset(
            {
                _R.OPERATOR,
                _R.SHIFT_LEADER,
                _R.DISPATCHER,
                _R.SUPERVISOR,
                _R.HOTLINE,
                _R.DEPARTMENT,
                _R.ADMIN,
                _R.CITY_SUPERVISOR,
            }
        ),
        group=CASES,
    ),
    # The city above several districts (docs/domain.md §13): the districts ranked, read-only.
    MenuEntry(_("各区排名"), "kpi-city", frozenset({_R.CITY_SUPERVISOR}), group=EVAL),
    MenuEntry(_("指挥大屏"), "wall", WALL_ROLES, group=COMMAND),
    MenuEntry(_("案件地图"), "supervise-map", frozenset({_R.SUPERVISOR, _R.SHIFT_LEADER}), group=COMMAND),
    MenuEntry(_("超期督办"), "supervise-overdue", frozenset({_R.SUPERVISOR, _R.SHIFT_LEADER}), group=COMMAND),
    MenuEntry(
        _("巡查轨迹"), "patrol-map", frozenset({_R.SUPERVISOR, _R.SHIFT_LEADER, _R.ADMIN}), group=COMMAND
    ),
    MenuEntry(
        _("综合评价"),
        "kpi-dashboard",
        frozenset({_R.SUPERVISOR, _R.SHIFT_LEADER, _R.ADMIN, _R.CITY_SUPERVISOR}),
        group=EVAL,
    ),
    MenuEntry(
        _("统计报表"),
        "kpi-reports",
        frozenset({_R.SUPERVISOR, _R.SHIFT_LEADER, _R.ADMIN, _R.CITY_SUPERVISOR}),
        group=EVAL,
    ),
    MenuEntry(_("作业考核"), "assessment-overview", frozenset({_R.SUPERVISOR, _R.ADMIN}), group=EVAL),
    # Work beyond the single case (docs/domain.md §10, campaigns/web).
    MenuEntry(_("专项行动"), "campaign-list", CAMPAIGN_ROLES, group=CAMPAIGN),
    MenuEntry(_("挂号销号"), "register-list", CAMPAIGN_ROLES, group=CAMPAIGN),
    MenuEntry(
        _("回头看"), "followup-list", frozenset({_R.SUPERVISOR, _R.SHIFT_LEADER, _R.ADMIN}), group=CAMPAIGN
    ),
    MenuEntry(_("隐患台账"), "hazard-list", CAMPAIGN_ROLES, group=CAMPAIGN),
    MenuEntry(
        _("专项督办"),
        "campaign-overdue",
        frozenset({_R.SUPERVISOR, _R.SHIFT_LEADER, _R.DEPARTMENT}),
        group=CAMPAIGN,
    ),
    MenuEntry(
        _("考核期"),
        "kpi-periods",
        frozenset({_R.SUPERVISOR, _R.SHIFT_LEADER, _R.ADMIN, _R.DEPARTMENT, _R.DISPATCHER}),
        group=EVAL,
    ),
    # 综合执法 staff are department users of an issuing unit (enforcement/permissions.py, issue #20).
    MenuEntry(
        _("门前三包"),
        "enforcement-parties",
        frozenset({_R.SUPERVISOR, _R.SHIFT_LEADER, _R.ADMIN, _R.DEPARTMENT}),
        allowed=can_read_enforcement,
        group=ENFORCE,
    ),
    MenuEntry(
        _("执法统计"),
        "enforcement-figures-page",
        frozenset({_R.SUPERVISOR, _R.SHIFT_LEADER, _R.ADMIN, _R.DEPARTMENT}),
        allowed=can_read_enforcement,
        group=ENFORCE,
    ),
)


def menu_for(user) -> list[MenuEntry]:
    roles = user.roles
    # An entry with no roles is decided by its `allowed` alone (a unit's staff, who may hold no role).
    return [
        entry
        for entry in MENU
        if (entry.roles & roles if entry.roles else entry.allowed is not None)
        and (entry.allowed is None or entry.allowed(user))
    ]


@dataclass(frozen=True)
class MenuGroup:
    """A section of the menu as the page shows it: `label` is empty for a plain link (`entries` of one)."""

    label: str | Promise
    entries: list[tuple]  # (label, url, current)

    @property
    def current(self) -> bool:
        return any(current for _label, _url, current in self.entries)


def menu_groups(user, path: str) -> list[MenuGroup]:
    """The user's menu for the page at `path`: flat when short; folded into its sections when long, where
    a section holding one of the user's entries shows as that link."""
    entries = menu_for(user)
    shown = [(entry, (entry.label, entry.url, path.startswith(entry.url))) for entry in entries]
    if len(entries) <= FLAT_MENU_MAX:
        return [MenuGroup("", [item]) for _entry, item in shown]
    groups: dict = {}
    for entry, item in shown:
        groups.setdefault(entry.group or entry.url_name, []).append(item)
    return [MenuGroup(label if len(items) > 1 else "", items) for label, items in groups.items()]
