"""The page registry of the audit (tests/e2e/test_audit.py, issue #25): every page of the site, who opens it,
and the object it needs. The audit visits each entry as each of its roles at 1366×900 and on a 390 px phone.

To register a new page, add one line to PAGES:

    Page("city-ranking", {"supervisor", "shift_leader"}),                  # a URL name, no parameters
    Page("case-detail", {"operator"}, needs="case"),                     # <pk> = the audit world's case
    Page("queue", {"operator"}, kwargs={"key": "accept"}),               # fixed URL parameters
    Page("/admin/grids/grid/", {"admin"}),                              # a path (admin pages)

`needs` names an object of the audit world (`audit_targets` in test_audit.py: add one there if the page
needs a new kind); its pk becomes the route's <pk>. A route that is no page (POST only, JSON, a file
download, a fragment) goes into NOT_PAGES with the reason. test_every_page_route_is_registered fails
when a named route of the site is in neither, the way tests/security's permission matrix does.
"""

from dataclasses import dataclass, field

from core.roles import Role

EVERYONE = frozenset(r.value for r in Role)
ANONYMOUS = "anonymous"
_CENTRE = {"operator", "shift_leader", "dispatcher", "supervisor", "hotline", "department", "admin"}
_LEADERS = {"supervisor", "shift_leader"}
_KPI = {"supervisor", "shift_leader", "admin"}
_CAMPAIGNS = {"supervisor", "shift_leader", "department", "inspector", "admin"}
_ENFORCEMENT = {"supervisor", "shift_leader", "admin"}


@dataclass(frozen=True)
class Page:
    target: str  # a URL name (reverse) or a path starting with "/"
    roles: frozenset[str] | set[str]
    needs: str | None = None  # an attribute of the audit world's targets whose pk is <pk>
    kwargs: dict = field(default_factory=dict)
    query: str = ""
    # Requests this page fails on purpose (regexes on the watch's text), e.g. a probe that answers 404.
    allow: tuple[str, ...] = ()
    # A page designed for one screen size (the wall's 1920 px display): overflow is not checked.
    overflow_ok: bool = False
    # Extra axe rules to leave out on this page only, with the reason in a comment where used.
    skip_rules: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        base = self.target.strip("/").replace("/", "_") or "root"
        extra = "-".join(str(v) for v in self.kwargs.values())
        return "-".join(filter(None, [base, extra, self.query.replace("=", "_").replace("&", "_")]))


PAGES: list[Page] = [
    Page("login", {ANONYMOUS}),
    Page("home", EVERYONE),
    Page("notifications", EVERYONE),
    # ---- queues, search, ledger, the case
    Page("queue", {"operator"}, kwargs={"key": "accept"}),
    Page("queue", {"operator"}, kwargs={"key": "verify"}),
    Page("queue", {"operator"}, kwargs={"key": "check"}),
    Page("queue", {"shift_leader"}, kwargs={"key": "file"}),
    Page("queue", {"shift_leader"}, kwargs={"key": "close"}),
    Page("queue", {"dispatcher"}, kwargs={"key": "dispatch"}),
    Page("queue", {"dispatcher", "department"}, kwargs={"key": "in_progress"}),
    Page("queue", {"department"}, kwargs={"key": "suspended"}),
    Page("case-search", _CENTRE),
    Page("ledger", {"dispatcher", "shift_leader"}),
    Page("case-detail", _CENTRE | {"inspector"}, needs="case"),
    Page("case-action", {"inspector"}, needs="case", kwargs={"action": "check"}),
    Page("case-action", {"department"}, needs="in_progress", kwargs={"action": "submit_feedback"}),
    # ---- the inspector
    Page("inspector-report", {"inspector"}),
    Page("inspector-tasks", {"inspector"}),
    Page("inspector-history", {"inspector"}),
    Page("patrol-phone", {"inspector"}),
    # ---- the hotline
    Page("hotline-intake", {"hotline"}),
    Page("hotline-tickets", {"hotline"}),
    Page("hotline-callbacks", {"hotline"}),
    # ---- supervision
    Page("supervise-map", _LEADERS),
    Page("supervise-overdue", _LEADERS),
    Page("patrol-map", _KPI),
    # 指挥大屏 is laid out for the centre's 1920 px wall display: wider than a laptop on purpose.
    Page("wall", {"supervisor"}, overflow_ok=True),
    # ---- evaluation
    Page("kpi-dashboard", _KPI),
    Page("kpi-reports", _KPI),
    Page("kpi-reports", {"supervisor"}, query="cadence=monthly"),
    Page("kpi-glossary", {"supervisor"}),
    Page("kpi-periods", {"supervisor", "department"}),
    Page("assessment-overview", {"supervisor", "admin"}),
    Page("assessment-inspection", {"supervisor"}, needs="inspection"),
    # ---- campaigns, registers, follow-ups, hazards
    Page("campaign-list", _CAMPAIGNS),
    Page("campaign-create", {"supervisor"}),
    Page("campaign-overdue", {"supervisor", "department"}),
    Page("campaign-detail", {"supervisor", "department"}, needs="campaign"),
    Page("campaign-bulletin", {"supervisor"}, needs="campaign"),
    Page("campaign-task-add", {"supervisor"}, needs="campaign"),
    Page("campaign-task-report", {"department"}, needs="task"),
    Page("register-list", _CAMPAIGNS),
    Page("register-create", {"inspector"}),
    Page("register-detail", {"supervisor", "department"}, needs="item"),
    Page("followup-list", {"supervisor"}),
    Page("followup-rule-create", {"supervisor"}),
    Page("followup-detail", {"supervisor"}, needs="followup"),
    Page("hazard-list", _CAMPAIGNS),
    Page("hazard-create", {"inspector"}),
    Page("hazard-detail", {"supervisor"}, needs="hazard"),
    # ---- enforcement
    Page("enforcement-parties", _ENFORCEMENT),
    Page("enforcement-party", {"supervisor"}, needs="party"),
    Page("enforcement-party-import", {"admin"}),
    Page("enforcement-outcomes", {"supervisor"}),
    Page("enforcement-figures-page", _ENFORCEMENT),
    Page("enforcement-joint-operations", {"supervisor"}),
    # ---- the admin (paths: the admin's own routes are Django's)
    Page("/admin/", {"admin"}),
    Page("/admin/grids/grid/", {"admin"}),
    # Django's list_editable 启用 checkboxes carry no label of their own (their column header names them).
    Page("/admin/dispatch/category/", {"admin"}, skip_rules=("label",)),
    Page("/admin/cases/case/", {"admin"}),
    # Channels as data (docs/domain.md §2); its list_editable 排序 fields are named by their column header.
    Page("/admin/cases/channel/", {"admin"}, skip_rules=("label",)),
    Page("/admin/cases/apiclient/", {"admin"}),  # API keys: create, rotate, revoke
    # ---- the city and the streets (docs/domain.md §13)
    Page("kpi-city", {"supervisor", "city_supervisor"}),
    Page("streets-home", {"street_dispatcher", "street_leader"}),
    Page("streets-case", {"street_dispatcher"}, needs="case"),
    Page("streets-dashboard", {"street_leader", "supervisor"}),
    Page("streets-escalations", {"shift_leader", "dispatcher"}),
]

# Named routes that are no page of their own, and why. Routes under api/, admin/ and open311/ are the
# API's and the admin's (covered by tests/security) and are not listed.
NOT_PAGES: dict[str, str] = {
    "hotline-caller-history": "an htmx fragment of the hotline form (the repeat-caller note)",
    "streets-task-report": "POST only (the unit's report, from streets-tasks)",
    "streets-escalation-take": "POST only",
    "streets-escalation-return": "POST only",
    "streets-escalation-withdraw": "POST only",
    "streets-assist": "POST only (the 协办 form on the case page)",
    # A unit's staff hold no role, so the audit has no persona for them: tests/e2e/test_streets.py opens it.
    "streets-tasks": "the page of a unit's staff (no role): walked by tests/e2e/test_streets.py",
    "logout": "POST only",
    "notification-read": "POST only",
    "notifications-read-all": "POST only",
    "pwa-manifest": "JSON",
    "pwa-service-worker": "script",
    "favicon": "an icon",
    "map-outline": "GeoJSON",
    "map-grids": "GeoJSON",
    "map-basemap": "GeoJSON",
    "queue-bulk": "POST only",
    "ledger-decide": "POST only",
    "inspector-tasks-geojson": "GeoJSON",
    "category-options": "htmx fragment of the report form",
    "position-locate": "htmx fragment of the report form",
    "components-near": "htmx fragment of the report form",
    "hotline-callback": "POST only (the 回访 form is on hotline-callbacks)",
    "hotline-geocode": "htmx fragment of the intake form",
    "supervise-cases": "GeoJSON",
    "supervise-case": "POST only",
    "case-photo": "an image",
    "enforcement-case-act": "POST only",
    "enforcement-outcome-act": "POST only",
    "kpi-period": "the period detail: needs a closed period (the audit world has none); tests/web covers it",
    "kpi-period-adjust": "POST only",
    "kpi-period-xlsx": "a download",
    "kpi-appeal-decide": "POST only",
    "assessment-draw": "POST only",
    "assessment-assess": "POST only",
    "assessment-rectify": "POST only",
    "assessment-register": "POST only",
    "campaign-geojson": "GeoJSON",
    "campaign-tag": "POST only",
    "campaign-task-urge": "POST only",
    "campaign-bulletin-xlsx": "a download",
    "register-rectify": "POST only",
    "register-clear": "POST only",
    "hazard-act": "a form fragment of the hazard page",
    "wall-snapshot": "JSON",
    "live-events": "JSON",
    "live-stream": "event stream",
    "live-unread": "JSON",
    "patrol-map-data": "JSON",
    "set_language": "POST only",
    "healthz": "plain text",
    "metrics": "Prometheus text",
}
