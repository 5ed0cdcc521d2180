"""The permission matrix of issue #8, written down as data from docs/domain.md §1–3 (not read from the code).

Three tables:

- `ACTIONS`: every workflow action, the state it starts from, where it leads, and which of the eight
  roles may take it. A role's "Y" always means *within its scope* (docs/domain.md §1): department staff act only
  on their own department's case, an inspector only on cases in their grids (核实 only the one sent to
  them; 作废申请 also on their own report). The tests add the out-of-scope colleagues, a user with no
  role and an anonymous visitor to every row, all refused.
- `may_see`: the object scope, who sees which case.
- `endpoints(w)`: every URL pattern of the site with a concrete request and the status each principal
  must get; the test fails when a pattern has no entry, so a new page or API route joins the matrix.
"""

import re
from dataclasses import dataclass, field

from core.roles import Role

# ---------------------------------------------------------------- principals

ANONYMOUS = "anonymous"
NO_ROLE = "no_role"  # signed in, in no role group (an account waiting for its role)
OTHER_DEPARTMENT = "other_department"  # department staff of another department
OTHER_INSPECTOR = "other_inspector"  # an inspector responsible for other grids
# The role the out-of-scope colleagues hold.
ROLE_OF = {OTHER_DEPARTMENT: "department", OTHER_INSPECTOR: "inspector"}

ROLES = [r.value for r in Role]  # the roles of docs/domain.md §1, in its order
SIGNED_IN = [*ROLES, NO_ROLE]
PRINCIPALS = [ANONYMOUS, *SIGNED_IN]  # who walks the URL table
ACTORS = [*PRINCIPALS, OTHER_DEPARTMENT, OTHER_INSPECTOR]  # who tries every workflow action

# The centre, the leaders, the hotline and the admin work district-wide (core/roles.py). docs/domain.md §1
# limits department staff (their department) and inspectors (their grids) and says nothing narrower for
# the others; the hotline agent must answer a caller about any case, so hotline is district-wide too.
DISTRICT_WIDE = frozenset({"operator", "shift_leader", "dispatcher", "hotline", "supervisor", "admin"})
# 市级监督 (docs/domain.md §13): above the districts, reads every case and the KPI figures, acts on none.
CITY = frozenset({"city_supervisor"})
# A street's sub-centre (docs/domain.md §13): every case in its own street, none elsewhere. They take no
# action of the case's loop: their work is the street's own (二级派遣, 提级: streets/).
STREET = frozenset({"street_dispatcher", "street_leader"})
# Centre roles are staff (the admin site); field roles and the hotline work only in the app (as the demo).
STAFF = frozenset({"operator", "shift_leader", "dispatcher", "supervisor", "admin"})


def may_see(principal: str, user, case) -> bool:
    """docs/domain.md §1 scope: district-wide roles see every case; department staff their department's cases
    (as 主办 or 协办); inspectors the cases in their grids and their own reports; nobody else any."""
    if principal == ANONYMOUS:
        return False
    roles = set(user.roles)
    if roles & (DISTRICT_WIDE | CITY):
        return True
    if "department" in roles and user.department_id:
        if case.department_id == user.department_id:
            return True
        if case.co_departments.filter(pk=user.department_id).exists():
            return True
    if "inspector" in roles:
        if user.grids.filter(pk=case.grid_id).exists() or case.reporter_id == user.pk:
            return True
    if roles & STREET and user.street_id and case.street_id == user.street_id:
        return True
    return False


# ---------------------------------------------------------------- workflow actions (docs/domain.md §3)

_COLUMNS = {
    "insp": "inspector",
    "oper": "operator",
    "lead": "shift_leader",
    "disp": "dispatcher",
    "dept": "department",
    "hotl": "hotline",
    "supv": "supervisor",
    "admn": "admin",
    "city": "city_supervisor",
}

# from: the state the case is put in first (reported cases come from an inspector, trusted, or from the
#       hotline, which must be 核实 first: the `via` column).
# pending: a ledger request of that kind waits (asked by the department; 作废 by the operator).
# to: the state after the action ("=" stays).
# Role columns: Y = may (in scope), . = refused.
# via loop: a 12345 machine ticket's case (签收, 退单 asked of the centre; the centre decides as the system).
# Notes: 作废申请 is "any staff" in DOMAIN: the admin keeps master data and does no case work, so not
# the admin. The department cannot ask to void a case before it is dispatched to them (not theirs).
ACTION_TABLE = """
action              outcome        via   from              pending     to                insp oper lead disp dept hotl supv admn city
accept              -              insp  reported          -           pending_filing     .    Y    .    .    .    .    .    .    .
send_verify         -              hotl  reported          -           verifying          .    Y    .    .    .    .    .    .    .
reject              -              insp  reported          -           rejected           .    Y    .    .    .    .    .    .    .
verify              confirmed      hotl  verifying         -           pending_filing     Y    .    .    .    .    .    .    .    .
verify              not_confirmed  hotl  verifying         -           rejected           Y    .    .    .    .    .    .    .    .
file                -              insp  pending_filing    -           pending_dispatch   .    .    Y    .    .    .    .    .    .
refuse_filing       -              insp  pending_filing    -           rejected           .    .    Y    .    .    .    .    .    .
dispatch            -              insp  pending_dispatch  -           in_progress        .    .    .    Y    .    .    .    .    .
request_return      -              insp  in_progress       -           =                  .    .    .    .    Y    .    .    .    .
approve_return      -              insp  in_progress       return      pending_dispatch   .    .    .    Y    .    .    .    .    .
deny_return         -              insp  in_progress       return      =                  .    .    .    Y    .    .    .    .    .
request_extension   -              insp  in_progress       -           =                  .    .    .    .    Y    .    .    .    .
approve_extension   -              insp  in_progress       extension   =                  .    .    .    Y    .    .    .    .    .
deny_extension      -              insp  in_progress       extension   =                  .    .    .    Y    .    .    .    .    .
request_suspension  -              insp  in_progress       -           =                  .    .    .    .    Y    .    .    .    .
approve_suspension  -              insp  in_progress       suspension  suspended          .    .    .    Y    .    .    .    .    .
deny_suspension     -              insp  in_progress       suspension  =                  .    .    .    Y    .    .    .    .    .
resume              -              insp  suspended         -           in_progress        .    .    .    Y    .    .    .    .    .
submit_feedback     -              insp  in_progress       -           pending_check      .    .    .    .    Y    .    .    .    .
check               passed         insp  pending_check     -           pending_closure    Y    .    .    .    .    .    .    .    .
check               failed         insp  pending_check     -           in_progress        Y    .    .    .    .    .    .    .    .
close               -              insp  pending_closure   -           closed             .    .    Y    .    .    .    .    .    .
request_void        -              insp  reported          -           =                  Y    Y    Y    Y    .    Y    Y    .    .
request_void        -              insp  in_progress       -           =                  Y    Y    Y    Y    Y    Y    Y    .    .
approve_void        -              insp  in_progress       void        voided             .    .    Y    .    .    .    .    .    .
deny_void           -              insp  in_progress       void        =                  .    .    Y    .    .    .    .    .    .
reopen              -              insp  closed            -           pending_dispatch   .    .    Y    .    .    .    .    .    .
supervise           -              insp  in_progress       -           =                  .    .    .    .    .    .    Y    .    .
callback            -              hotl  closed            -           =                  .    .    .    .    .    Y    .    .    .
sign                -              loop  reported          -           =                  .    Y    Y    Y    .    .    .    .    .
request_hotline_return -           loop  in_progress       -           =                  .    Y    Y    Y    Y    .    .    .    .
approve_hotline_return -           loop  in_progress       hotline_return rejected        .    .    .    .    .    .    .    .    .
deny_hotline_return -              loop  in_progress       hotline_return =               .    .    .    .    .    .    .    .    .
"""


@dataclass(frozen=True)
class ActionRow:
    action: str
    outcome: str
    via: str  # "insp" or "hotl": who reported the case
    source: str
    pending: str | None
    target: str | None  # None: the state does not change
    allowed: frozenset[str]

    @property
    def key(self) -> str:
        return "-".join(filter(None, (self.action, self.outcome, f"from_{self.source}", self.pending)))


def _parse(table: str) -> list[ActionRow]:
    lines = [line.split() for line in table.strip().splitlines()]
    header, rows = lines[0], lines[1:]
    role_columns = header[6:]
    assert [_COLUMNS[c] for c in role_columns] == [r for r in ROLES if r not in STREET], (
        "one column per role of the loop, in DOMAIN order"
    )
    out = []
    for cells in rows:
        assert len(cells) == len(header), f"row {cells[0]} has {len(cells)} cells, not {len(header)}"
        action, outcome, via, source, pending, target, *marks = cells
        assert set(marks) <= {"Y", "."}, f"row {action}: marks are Y or ."
        out.append(
            ActionRow(
                action=action,
                outcome="" if outcome == "-" else outcome,
                via=via,
                source=source,
                pending=None if pending == "-" else pending,
                target=None if target == "=" else target,
                allowed=frozenset(_COLUMNS[c] for c, m in zip(role_columns, marks, strict=True) if m == "Y"),
            )
        )
    return out


ACTIONS = _parse(ACTION_TABLE)

# 上报 (docs/domain.md §2–3): inspectors from the street, hotline agents for callers; the operator logs what
# reaches the centre from the other channels (领导交办, media, video) and a leader may assign a case
# (领导交办). The public reports through Open311 with an application's key, not as a user.
# Reporting is not bound to one's grids: docs/domain.md §1 says where an inspector works, and a problem seen
# next door is still reported; the case lands in its own grid, whose inspector verifies and checks it.
REPORTERS = frozenset({"inspector", "hotline", "operator", "supervisor"})
# 自行处置: fixed on the spot by the inspector who found it, and only in their own grids (#17.7): it skips
# 核实 and 核查, which are theirs only there.
SELF_RESOLVERS = frozenset({"inspector"})


# ---------------------------------------------------------------- endpoints

LOGIN = "login"  # a redirect to the sign-in page (pages); the API answers 401 instead
ADMIN_LOGIN = "admin-login"  # a redirect to the admin's sign-in page


@dataclass
class Probe:
    """One request against one URL pattern, and what each principal gets (`expect[principal]`)."""

    route: str  # the pattern as the resolver spells it (see walk_patterns)
    url: str
    expect: dict[str, int | str]
    method: str = "get"
    data: dict = field(default_factory=dict)
    why: str = ""
    # Only these principals are walked (None: all): for a costly answer that is the same for everyone.
    sample: tuple[str, ...] | None = None


def for_all(code, **overrides) -> dict:
    """Every principal gets `code`, except those named."""
    return {p: overrides.get(p, code) for p in PRINCIPALS}


def page(roles=SIGNED_IN, ok: int = 200, denied: int = 403, **overrides) -> dict:
    """A page behind the sign-in: `roles` get `ok`, other signed-in users `denied`, anonymous the login."""
    out = {ANONYMOUS: LOGIN, **{p: ok if p in roles else denied for p in SIGNED_IN}}
    return {**out, **overrides}


def api(roles=SIGNED_IN, ok: int = 200, denied: int = 403, **overrides) -> dict:
    """An API route: `roles` get `ok`, other signed-in users `denied`, anonymous 401."""
    out = {ANONYMOUS: 401, **{p: ok if p in roles else denied for p in SIGNED_IN}}
    return {**out, **overrides}


def visible_to(case_scope: set[str], ok: int, hidden: int, anonymous) -> dict:
    return {ANONYMOUS: anonymous, **{p: ok if p in case_scope else hidden for p in SIGNED_IN}}


# Who opens which pages (README "The pages", docs/domain.md §1).
KPI_PAGES = {"supervisor", "shift_leader", "admin", "department", *CITY}  # a department sees only itself
# The KPI API: district-wide roles see the district, a department itself (kpi/api.py). Inspectors and
# users without a role see no evaluation data at all, hot spots included.
KPI_API = DISTRICT_WIDE | {"department"} | CITY
# The districts ranked (docs/domain.md §13): the city, and a district's leaders (their own row).
CITY_RANKING = {"supervisor", "shift_leader", "admin", *CITY}
# 考核期 (issue #24.1): supervisors and admins close, correct and decide appeals; the shift leader reads;
# departments and the centre's desks appeal (a department for its own cases).
ASSESSMENT_VIEW = {"supervisor", "shift_leader", "admin"}
ASSESSMENT_ADJUST = {"supervisor", "admin"}
ASSESSMENT_DECIDE = {"supervisor", "admin"}
ASSESSMENT_APPEAL = {"department", "shift_leader", "dispatcher", "supervisor"}
SUPERVISION = {"supervisor", "shift_leader"}  # 案件地图, 超期督办
WALL = {
    "supervisor",
    "shift_leader",
    "dispatcher",
    "operator",
    "admin",
}  # 指挥大屏 (core/roles.py WALL_ROLES)
HOTLINE_QUEUE_API = {"operator", "shift_leader", "supervisor", "admin"}  # the centre's ticket inbox
DECIDE_DUPLICATES = {"operator", "shift_leader"}
SUGGEST = {"inspector", "hotline", "operator", "shift_leader"}  # who chooses a case's category
QUEUES = {  # docs/domain.md §3 "who acts next", and the dispatcher who decides the department's requests
    "accept": {"operator"},
    "verify": {"operator"},  # the operator follows what was sent out; the inspector has 我的任务
    "file": {"shift_leader"},
    "dispatch": {"dispatcher"},
    "in_progress": {"department", "dispatcher"},
    "suspended": {"department", "dispatcher"},
    "check": {"operator"},  # docs/domain.md §1: the operator sends finished work for 核查
    "close": {"shift_leader"},
}
BULK = {"accept": "operator", "file": "shift_leader", "dispatch": "dispatcher", "close": "shift_leader"}


# Where an anonymous visitor gets an answer other than the sign-in, 401, 403, 404 or 405 — and why.
PATROL_LEADERS = {"supervisor", "shift_leader", "admin"}  # core/roles.py PATROL_SUPERVISOR_ROLES
PUBLIC_ROUTES = {
    "login/": "signing in",
    "i18n/setlang/": "the language switch, before signing in too",
    "healthz": "orchestrators and monitors: up or down, nothing more",
    "api/schema/": "the interface, not data: hotline systems integrate with an API key, not an account",
    "api/docs/": "the schema's browsable view",
    "media/<path>": "report photos only: Open311 publishes a case's first one as its media_url",
    "open311/v2/discovery.<fmt>": "Open311 GeoReport v2 (docs/domain.md §9) is public",
    "open311/v2/services.<fmt>": "Open311",
    "open311/v2/services/<code>.<fmt>": "Open311",
    "open311/v2/requests.<fmt>": "Open311 (reads; posting needs an api_key)",
    "open311/v2/requests/<request_id>.<fmt>": "Open311, without contacts",
    "api/v1/": "the list of routes, as public as the schema",
    "manifest.webmanifest": "the installable app's name and icon (docs/domain.md §12), no data",
    "sw.js": "the service worker's code, no data: it caches only what a signed-in page fetched",
    "favicon.ico": "the site's icon, asked for by every browser before anyone signs in",
}


def endpoints(w) -> list[Probe]:
    """The URL table. `w` carries the objects the URLs point at (tests/security/test_permission_endpoints)."""
    case = w.case  # pending_check, dispatched to `department`'s department, in `inspector`'s grid
    seen = {"inspector", "department", *DISTRICT_WIDE, *CITY, *STREET}  # who may see `case` (in their street)
    fresh = w.fresh  # just reported (hotline), in `inspector`'s grid: no department yet
    fresh_seen = {"inspector", *DISTRICT_WIDE, *CITY, *STREET}
    probes = [
        # ------------------------------------------------ sign-in, home, inbox
        Probe("", "/", page()),
        Probe("login/", "/login/", for_all(302, anonymous=200), why="signed-in users are sent home"),
        Probe("logout/", "/logout/", for_all(405), why="POST only: a link cannot sign anyone out"),
        Probe("notifications/", "/notifications/", page()),
        Probe(
            "notifications/<int:pk>/read/",
            f"/notifications/{w.notice.pk}/read/",
            page(ok=302, denied=404, roles={"department"}),
            method="post",
            why="only the notice's own recipient; anyone else's notice does not exist for them",
        ),
        Probe("notifications/read-all/", "/notifications/read-all/", page(ok=302), method="post"),
        # ------------------------------------------------ master data layers: every signed-in user
        Probe("map/outline.geojson", "/map/outline.geojson", page()),
        Probe("map/grids.geojson", "/map/grids.geojson", page()),
        Probe("map/basemap.geojson", "/map/basemap.geojson", page(), why="roads and places: master data"),
        Probe(
            "map/components/",
            f"/map/components/?lng={w.lng}&lat={w.lat}",
            page(),
            why="部件 near a pin: master data, for every form that reports",
        ),
        # ------------------------------------------------ the installable app and patrols (docs/domain.md §12)
        Probe("manifest.webmanifest", "/manifest.webmanifest", for_all(200)),
        Probe("sw.js", "/sw.js", for_all(200)),
        Probe("favicon.ico", "/favicon.ico", for_all(200)),
        # A track is a person's whereabouts: inspectors their own, the leaders everyone's (core/roles.py).
        Probe("patrol/", "/patrol/", page({"inspector"})),
        Probe("patrols/map/", "/patrols/map/", page(PATROL_LEADERS)),
        Probe("patrols/map/data/", "/patrols/map/data/", page(PATROL_LEADERS)),
        Probe("api/v1/patrols/", "/api/v1/patrols/", api({"inspector", *PATROL_LEADERS})),
        Probe(
            "api/v1/patrols/<pk>/",
            "/api/v1/patrols/999999/",
            api({"inspector", *PATROL_LEADERS}, ok=404),
            why="none in the matrix's world: 404 past the gate",
        ),
        Probe(
            "api/v1/patrols/<pk>/end/",
            "/api/v1/patrols/999999/end/",
            api({"inspector", *PATROL_LEADERS}, ok=404),
            method="post",
        ),
        Probe(
            "api/v1/patrols/<pk>/points/",
            "/api/v1/patrols/999999/points/",
            api({"inspector", *PATROL_LEADERS}, ok=400),
            method="post",
            why="past the gate the empty batch is refused first: 400 naming the field",
        ),
        Probe(
            "api/v1/patrols/<pk>/track/",
            "/api/v1/patrols/999999/track/",
            api({"inspector", *PATROL_LEADERS}, ok=404),
        ),
        Probe("api/v1/patrols/missed/", "/api/v1/patrols/missed/", api(PATROL_LEADERS)),
        *street_probes(w),
        Probe("api/v1/patrol-coverage/", "/api/v1/patrol-coverage/", api(PATROL_LEADERS)),
        # ------------------------------------------------ queues, search, ledger
        *[Probe("queues/<str:key>/", f"/queues/{key}/", page(roles)) for key, roles in QUEUES.items()],
        Probe("queues/<str:key>/", "/queues/nosuch/", page(ok=404, denied=404)),
        *[
            Probe(
                "queues/<str:key>/bulk/",
                f"/queues/{key}/bulk/",
                page({BULK[key]} if key in BULK else set(), ok=302),
                method="post",
                why="no case chosen: back to the queue; only the queue's bulk role may post",
            )
            for key in ("accept", "file", "dispatch", "close", "check", "in_progress")
        ],
        Probe("cases/", "/cases/", page(), why="everyone's search is their own scope (no role: empty)"),
        Probe("ledger/", "/ledger/", page({"dispatcher", "shift_leader"})),
        Probe(
            "ledger/<int:pk>/<str:decision>/",
            f"/ledger/{w.return_request.pk}/deny/",
            page({"dispatcher"}, ok=302, shift_leader=404),
            method="post",
            data={f"r{w.return_request.pk}-note": "属于本单位职责"},
            why="回退 is the dispatcher's to decide; the shift leader's ledger holds only 作废",
        ),
        # ------------------------------------------------ the case page and its action forms
        Probe("cases/<int:pk>/", f"/cases/{case.pk}/", visible_to(seen, 200, 404, LOGIN)),
        Probe(
            "cases/<int:pk>/act/<str:action>/",
            f"/cases/{case.pk}/act/supervise/",
            {**visible_to(seen, 302, 404, LOGIN), "supervisor": 200},
            why="a form someone may not use sends them back to the case page",
        ),
        # ------------------------------------------------ inspector pages
        Probe("inspector/report/", "/inspector/report/", page({"inspector"})),
        Probe("inspector/tasks/", "/inspector/tasks/", page({"inspector"})),
        Probe("inspector/tasks.geojson", "/inspector/tasks.geojson", page({"inspector"})),
        Probe("inspector/history/", "/inspector/history/", page({"inspector"})),
        Probe("categories/pick/", "/categories/pick/", page(), why="master data, for every report form"),
        Probe("map/locate/", f"/map/locate/?lng={w.lng}&lat={w.lat}", page(), why="master data"),
        # ------------------------------------------------ hotline pages
        Probe("hotline/intake/", "/hotline/intake/", page({"hotline"})),
        Probe(
            "hotline/geocode/",
            "/hotline/geocode/?address=nowhere",
            page({"hotline", "operator"}),
            why="the gate passed: an address the gazetteer does not know is an answer (found: false)",
        ),
        Probe(
            "hotline/caller-history/",
            "/hotline/caller-history/?reporter_phone=13900001111",
            page({"hotline", "operator"}),
            why="a caller's earlier calls: only the roles that may see a caller (core/privacy.py)",
        ),
        Probe("hotline/tickets/", "/hotline/tickets/", page({"hotline"})),
        Probe("hotline/callbacks/", "/hotline/callbacks/", page({"hotline"})),
        Probe(
            "hotline/callbacks/<int:pk>/",
            f"/hotline/callbacks/{w.closed_hotline.pk}/",
            page({"hotline"}, ok=302),
            method="post",
            data={f"cb{w.closed_hotline.pk}-satisfaction": "satisfied"},
        ),
        # ------------------------------------------------ supervision pages
        Probe("supervise/map/", "/supervise/map/", page(SUPERVISION)),
        # ------------------------------------------------ the wall (live/): the centre's; staff follow their own
        Probe("wall/", "/wall/", page(WALL)),
        Probe("wall/snapshot.json", "/wall/snapshot.json", page(WALL)),
        Probe("live/events.json", "/live/events.json", page(WALL)),
        Probe("live/unread.json", "/live/unread.json", page()),
        # Under WSGI (the test client) the stream refuses at once, for the page to poll (live/views.py).
        Probe("live/stream", "/live/stream", page(ok=503)),
        Probe("supervise/cases.geojson", "/supervise/cases.geojson", page(SUPERVISION)),
        Probe("supervise/overdue/", "/supervise/overdue/", page(SUPERVISION)),
        Probe(
            "supervise/overdue/<int:pk>/supervise/",
            f"/supervise/overdue/{case.pk}/supervise/",
            page({"supervisor"}, ok=302, shift_leader=400),
            method="post",
            data={f"c{case.pk}-note": "请尽快处置"},
            why="the shift leader sees the overdue list, but 督办 is the supervisor's: refused on the page",
        ),
        # ------------------------------------------------ photos: report photos are public (Open311)
        Probe(
            "media/<path>",
            w.report_photo_url,
            for_all(200),
            why="Open311 lists a case's first report photo as its public media_url",
        ),
        Probe("media/<path>", w.feedback_photo_url, visible_to(seen, 200, 404, 404)),
        Probe("media/<path>", "/media/cases/nothing-here.jpg", for_all(404)),
        # ------------------------------------------------ KPI pages
        Probe("kpi/", "/kpi/", page(KPI_PAGES)),
        Probe("kpi/reports/", "/kpi/reports/", page(KPI_PAGES)),
        Probe("kpi/glossary/", "/kpi/glossary/", page(KPI_PAGES)),
        Probe("kpi/city/", "/kpi/city/", page(CITY_RANKING), why="各区排名 (docs/domain.md §13)"),
        # ------------------------------------------------ public plumbing
        Probe("i18n/setlang/", "/i18n/setlang/", for_all(302), why="the language switch, for everyone"),
        Probe(
            "api/schema/",
            "/api/schema/",
            for_all(200),
            why="the interface, no data: hotline systems integrate with an API key and no user account",
            sample=(ANONYMOUS, "admin"),  # one document for all, and generating it costs half a second
        ),
        Probe("api/docs/", "/api/docs/", for_all(200), why="the schema's browsable view"),
        Probe("healthz", "/healthz?live=1", for_all(200), why="for orchestrators: tells nothing but up"),
        Probe(
            "metrics",
            "/metrics",
            for_all(403),
            why="requests here come from outside the private networks, without the bearer token",
        ),
        # ------------------------------------------------ the REST API: who am I
        Probe("api/v1/me/", "/api/v1/me/", api()),
        Probe("api/v1/auth/token/", "/api/v1/auth/token/", for_all(405), why="POST only, open to all"),
        Probe("api/v1/", "/api/v1/", for_all(200), why="the list of routes, as public as the schema"),
    ]
    # ------------------------------------------------ master data: every signed-in user reads it
    # (core/roles.py; the admin edits it in the admin site).
    masters = [
        ("districts", w.district_code, "<code>"),
        ("streets", w.street_code, "<code>"),
        ("communities", w.community_code, "<code>"),
        ("grids", w.grid_code, "<code>"),
        ("categories", w.category_pk, "<pk>"),
        ("departments", w.department_pk, "<pk>"),
        ("components", w.component_code, "<code>"),
    ]
    for name, key, group in masters:
        probes += [
            Probe(f"api/v1/{name}/", f"/api/v1/{name}/", api()),
            Probe(f"api/v1/{name}.<format>", f"/api/v1/{name}.json", api()),
            Probe(f"api/v1/{name}/{group}/", f"/api/v1/{name}/{key}/", api()),
            Probe(f"api/v1/{name}/{group}.<format>", f"/api/v1/{name}/{key}.json", api()),
        ]
    # Source channels (docs/domain.md §2, issue #22.4): every role reads them; only the admin writes.
    probes += [
        Probe("api/v1/channels/", "/api/v1/channels/", api(ROLES)),
        Probe(
            "api/v1/channels/",
            "/api/v1/channels/",
            api({"admin"}, ok=400),
            method="post",
            why="the admin adds channels; an empty body is a 400 naming the fields",
        ),
        Probe("api/v1/channels/<code>/", "/api/v1/channels/media/", api(ROLES)),
    ]
    locate = f"lng={w.lng}&lat={w.lat}"
    probes += [
        # ------------------------------------------------ category suggestions: those who choose a category
        Probe(
            "api/v1/categories/suggest/",
            f"/api/v1/categories/suggest/?text=%E8%B7%AF%E8%BE%B9%E6%9C%89%E5%9E%83%E5%9C%BE&{locate}",
            api(SUGGEST),
            why="the reporters (inspector, hotline), the operator with a parked ticket, the shift leader at 立案",
        ),
        Probe("api/v1/grids/locate/", f"/api/v1/grids/locate/?{locate}", api()),
        Probe("api/v1/grids/locate.<format>", f"/api/v1/grids/locate.json?{locate}", api()),
        # ------------------------------------------------ hotline intake (machine clients use X-Api-Key)
        Probe("api/v1/hotline/tickets/", "/api/v1/hotline/tickets/", api(HOTLINE_QUEUE_API)),
        Probe(
            "api/v1/hotline/tickets/<int:pk>/locate/",
            f"/api/v1/hotline/tickets/{w.ticket.pk}/locate/",
            api(HOTLINE_QUEUE_API, ok=400),
            method="post",
            why="the gate passed: a locate without a position is a 400 naming it",
        ),
        Probe(
            "api/v1/hotline/tickets/<str:pk>/locate/",
            "/api/v1/hotline/tickets/abc/locate/",
            for_all(404),
            method="post",
            why="a ticket id that is not a number names no ticket, whoever asks",
        ),
        Probe(
            "api/v1/hotline/tickets/<str:channel>/<str:ticket_no>/",
            f"/api/v1/hotline/tickets/{w.ticket.channel}/{w.ticket.ticket_no}/",
            api(set()),
            why="for the hotline systems' API keys only, not for people",
        ),
        Probe(
            "api/v1/hotline/messages/",
            "/api/v1/hotline/messages/",
            api(set(), denied=401),  # no session is read there at all: a signed-in person is nobody (401)
            method="post",
            why="the 12345 centre's signed messages, with its API key only, not for people",
        ),
        # ------------------------------------------------ duplicate suspects of a fresh report
        Probe(
            "api/v1/cases/<int:case_pk>/suspects/",
            f"/api/v1/cases/{fresh.pk}/suspects/",
            api(fresh_seen),
        ),
        Probe(
            "api/v1/cases/<int:case_pk>/suspects/<int:pk>/confirm/",
            f"/api/v1/cases/{fresh.pk}/suspects/{w.suspect.pk}/confirm/",
            api({"operator"}),
            method="post",
            why="confirming is 不予受理, the operator's; the shift leader may only dismiss",
        ),
        Probe(
            "api/v1/cases/<int:case_pk>/suspects/<int:pk>/dismiss/",
            f"/api/v1/cases/{fresh.pk}/suspects/{w.suspect.pk}/dismiss/",
            api(DECIDE_DUPLICATES),
            method="post",
        ),
        # ------------------------------------------------ cases
        Probe("api/v1/cases/", "/api/v1/cases/", api(), why="each user's list is their own scope"),
        Probe("api/v1/cases/<pk>/", f"/api/v1/cases/{case.pk}/", api(seen, denied=404)),
        Probe(
            "api/v1/cases/<pk>/actions/supervise/",
            f"/api/v1/cases/{case.pk}/actions/supervise/",
            api({"supervisor"}),
            method="post",
            data={"note": "请尽快处置"},
        ),
        # Every other action has its own route too (cases/api.py, from cases/actions.py). Who may take
        # which is the ACTIONS table above, tried for every actor by test_permission_matrix.py; here
        # only the gate every action route shares.
        *(
            Probe(
                f"api/v1/cases/<pk>/actions/{action}/",
                f"/api/v1/cases/{case.pk}/actions/{action}/",
                {ANONYMOUS: 401, NO_ROLE: 403},
                method="post",
                sample=(ANONYMOUS, NO_ROLE),
                why="the roles per action: the ACTIONS table",
            )
            for action in sorted({row.action for row in ACTIONS} - {"report", "supervise"})
        ),
        Probe(
            "api/v1/cases/<pk>/actions/<action_name>/",
            f"/api/v1/cases/{case.pk}/actions/fly/",
            api(set(), denied=404),
            method="post",
            why="no action of that name",
        ),
        # ------------------------------------------------ work notices (notices/): one's own, or a case's for the centre
        Probe("api/v1/notices/", "/api/v1/notices/", api()),
        Probe("api/v1/notices/<pk>/", "/api/v1/notices/999999/", api(ok=404)),
        # ------------------------------------------------ notifications: always one's own
        Probe("api/v1/notifications/", "/api/v1/notifications/", api()),
        Probe(
            "api/v1/notifications/read-all/", "/api/v1/notifications/read-all/", api(ok=204), method="post"
        ),
        Probe(
            "api/v1/notifications/<pk>/read/",
            f"/api/v1/notifications/{w.notice.pk}/read/",
            api(ok=204),
            method="post",
            why="marks only the caller's own notices: someone else's id changes nothing",
        ),
        # ------------------------------------------------ KPI
        *[
            Probe(f"api/v1/kpi/hotspots/{name}/", f"/api/v1/kpi/hotspots/{name}/", api(KPI_API))
            for name in ("cells", "places", "pattern")
        ],
        *[
            Probe(f"api/v1/kpi/{name}/", f"/api/v1/kpi/{name}/", api(KPI_API))
            for name in ("summary", "trend", "rankings", "breakdown", "grids", "hotline")
        ],
        Probe("api/v1/kpi/glossary/", "/api/v1/kpi/glossary/", api(), why="definitions, not data"),
        Probe("api/v1/kpi/districts/", "/api/v1/kpi/districts/", api(CITY_RANKING), why="docs/domain.md §13"),
        Probe("api/v1/kpi/reports/<str:cadence>/", "/api/v1/kpi/reports/daily/", api(KPI_API)),
        # 考核期 (issue #24.1, core/roles.py ASSESSMENT_PERMISSIONS): the matrix's world has no closed
        # period, so an id is answered 404 to those who may act on one and 403 to the rest.
        Probe("kpi/periods/", "/kpi/periods/", page(ASSESSMENT_VIEW | ASSESSMENT_APPEAL)),
        Probe("kpi/periods/<int:pk>/", "/kpi/periods/999999/", page(ASSESSMENT_VIEW, ok=404)),
        Probe(
            "kpi/periods/<int:pk>/v<int:number>/adjust/",
            "/kpi/periods/999999/v1/adjust/",
            page(ASSESSMENT_ADJUST, ok=404),
            method="post",
        ),
        Probe(
            "kpi/periods/<int:pk>/v<int:number>/xlsx/",
            "/kpi/periods/999999/v1/xlsx/",
            page(ASSESSMENT_VIEW, ok=404),
        ),
        Probe(
            "kpi/appeals/<int:pk>/decide/",
            "/kpi/appeals/999999/decide/",
            page(ASSESSMENT_DECIDE, ok=404),
            method="post",
        ),
        Probe("api/v1/kpi/formula/", "/api/v1/kpi/formula/", api(ASSESSMENT_VIEW)),
        Probe(
            "api/v1/kpi/as-of/",
            "/api/v1/kpi/as-of/?level=street&date_from=2026-03-01&date_to=2026-03-31",
            api(ASSESSMENT_VIEW),
        ),
        Probe("api/v1/kpi/periods/", "/api/v1/kpi/periods/", api(ASSESSMENT_VIEW)),
        Probe("api/v1/kpi/periods/<int:pk>/", "/api/v1/kpi/periods/999999/", api(ASSESSMENT_VIEW, ok=404)),
        Probe(
            "api/v1/kpi/revisions/<int:pk>/", "/api/v1/kpi/revisions/999999/", api(ASSESSMENT_VIEW, ok=404)
        ),
        Probe(
            "api/v1/kpi/revisions/<int:pk>/xlsx/",
            "/api/v1/kpi/revisions/999999/xlsx/",
            api(ASSESSMENT_VIEW, ok=404),
        ),
        Probe(
            "api/v1/kpi/revisions/<int:pk>/adjustments/",
            "/api/v1/kpi/revisions/999999/adjustments/",
            api(ASSESSMENT_ADJUST, ok=404),
            method="post",
        ),
        Probe("api/v1/kpi/appeals/", "/api/v1/kpi/appeals/", api(ASSESSMENT_VIEW | ASSESSMENT_APPEAL)),
        Probe(
            "api/v1/kpi/appeals/<int:pk>/decide/",
            "/api/v1/kpi/appeals/999999/decide/",
            api(ASSESSMENT_DECIDE, ok=404),
            method="post",
        ),
        *enforcement_endpoints(w),
        # ------------------------------------------------ Open311 GeoReport v2: public by the standard
        Probe("open311/v2/", "/open311/v2/", for_all(404)),
        Probe("open311/v2/discovery.<fmt>", "/open311/v2/discovery.xml", for_all(200)),
        Probe("open311/v2/services.<fmt>", "/open311/v2/services.json", for_all(200)),
        Probe(
            "open311/v2/services/<code>.<fmt>",
            f"/open311/v2/services/{w.category_pk}.json",
            for_all(200),
        ),
        Probe("open311/v2/requests.<fmt>", "/open311/v2/requests.json", for_all(200)),
        Probe(
            "open311/v2/requests.<fmt>",
            "/open311/v2/requests.json",
            for_all(403),
            method="post",
            why="reporting through Open311 needs an application's api_key, signed in or not",
        ),
        Probe(
            "open311/v2/requests/<request_id>.<fmt>",
            f"/open311/v2/requests/{case.number}.json",
            for_all(200),
            why="public by the standard; the reporter's contact is never in it",
        ),
        Probe(
            "open311/v2/tokens/<token>.<fmt>",
            "/open311/v2/tokens/unknown.json",
            for_all(404),
        ),
        Probe("open311/v2/<path>", "/open311/v2/elsewhere", for_all(404)),
    ]
    probes += assessment_endpoints(w)
    return probes + campaign_probes(w)


# ---------------------------------------------------------------- campaigns (docs/domain.md §10, campaigns/)
# Pages: everyone who takes part in campaign work (README "Campaigns …"): the centre, departments and
# inspectors; the hotline and users without a role do not. Rows a department does not own are not shown
# to it. Who may *act* (set up, plan, report, urge, clear, verify) is the services' rule, tested per
# action in tests/campaigns; the API rows below with an empty body show that bad input is a 400 naming
# the field (after the row's scope: 404 for who cannot see it), the rows with a valid body show the role.
CAMPAIGN_PAGES = {"inspector", "operator", "shift_leader", "dispatcher", "department", "supervisor", "admin"}
LEADERS = {"supervisor", "shift_leader"}
# Every role of the district sees campaign rows through the API (scoped for a department). Campaigns are a
# district's work (docs/domain.md §10): the city supervisor (§13) finds none of their rows. A street's staff
# (§13) read their street's rows — the tasks of its offices, 挂号 items and hazards in it (the world's are
# all in their street: w.office is its 街道办) — and the pages listing them; they act on none.
ROLE_USERS = set(ROLES) - CITY - STREET
ROW_USERS = ROLE_USERS | STREET
NOT_SEEN = {NO_ROLE: 404, **dict.fromkeys(CITY, 404)}  # a row one cannot see does not exist for one
# The read-only campaign pages (campaigns/web/common.py READERS): street staff open them too.
CAMPAIGN_READ = {
    "campaigns/",
    "campaigns/overdue/",
    "campaigns/<int:pk>/",
    "campaigns/<int:pk>/map.geojson",
    "register/",
    "register/<int:pk>/",
    "hazards/",
    "hazards/<int:pk>/",
}


def campaign_probes(w) -> list[Probe]:
    c, t, i, f, h = w.campaign, w.task, w.item, w.followup, w.hazard
    pages = [
        ("campaigns/", "/campaigns/"),
        ("campaigns/new/", "/campaigns/new/"),
        ("campaigns/overdue/", "/campaigns/overdue/"),
        ("campaigns/<int:pk>/", f"/campaigns/{c.pk}/"),
        ("campaigns/<int:pk>/map.geojson", f"/campaigns/{c.pk}/map.geojson"),
        ("campaigns/<int:pk>/tasks/new/", f"/campaigns/{c.pk}/tasks/new/"),
        ("campaigns/<int:pk>/tag/", f"/campaigns/{c.pk}/tag/"),
        ("campaigns/<int:pk>/bulletin/", f"/campaigns/{c.pk}/bulletin/"),
        ("campaigns/<int:pk>/bulletin.xlsx", f"/campaigns/{c.pk}/bulletin.xlsx"),
        ("campaigns/tasks/<int:pk>/report/", f"/campaigns/tasks/{t.pk}/report/"),
        ("register/", "/register/"),
        ("register/new/", "/register/new/"),
        ("register/<int:pk>/", f"/register/{i.pk}/"),
        ("register/<int:pk>/rectify/", f"/register/{i.pk}/rectify/"),
        ("register/<int:pk>/clear/", f"/register/{i.pk}/clear/"),
        ("followups/", "/followups/"),
        ("followups/rules/new/", "/followups/rules/new/"),
        ("followups/<int:pk>/", f"/followups/{f.pk}/"),
        ("hazards/", "/hazards/"),
        ("hazards/new/", "/hazards/new/"),
        ("hazards/<int:pk>/", f"/hazards/{h.pk}/"),
        ("hazards/<int:pk>/act/<str:action>/", f"/hazards/{h.pk}/act/progress/"),
    ]
    probes = [
        Probe(route, url, page(CAMPAIGN_PAGES | STREET if route in CAMPAIGN_READ else CAMPAIGN_PAGES))
        for route, url in pages
    ]
    seen = api(ROW_USERS, denied=404)  # a row: every role sees it (a department its own), no role: 404
    bad = api(ROW_USERS, ok=400, denied=404)  # an empty body on a row: 400 naming the field
    probes += [
        Probe(
            "campaigns/tasks/<int:pk>/urge/",
            f"/campaigns/tasks/{t.pk}/urge/",
            page(CAMPAIGN_PAGES, ok=302),
            method="post",
            why="back to the page; a refusal (not the office) is shown there as a message",
        ),
        Probe("api/v1/campaigns/", "/api/v1/campaigns/", api()),
        Probe(
            "api/v1/campaigns/",
            "/api/v1/campaigns/",
            api(ok=400),
            method="post",
            why="empty: 400 naming name",
        ),
        Probe("api/v1/campaigns/<pk>/", f"/api/v1/campaigns/{c.pk}/", api()),
        Probe("api/v1/campaigns/<pk>/figures/", f"/api/v1/campaigns/{c.pk}/figures/", api()),
        Probe("api/v1/campaigns/<pk>/tasks/", f"/api/v1/campaigns/{c.pk}/tasks/", api(ok=400), method="post"),
        Probe("api/v1/campaigns/<pk>/tag/", f"/api/v1/campaigns/{c.pk}/tag/", api(ok=400), method="post"),
        Probe(
            "api/v1/campaigns/<pk>/finish/",
            f"/api/v1/campaigns/{c.pk}/finish/",
            api(LEADERS),
            method="post",
            why="the office (a leader or the campaign's office staff) ends a campaign",
        ),
        Probe("api/v1/campaign-tasks/", "/api/v1/campaign-tasks/", api()),
        Probe("api/v1/campaign-tasks/<pk>/", f"/api/v1/campaign-tasks/{t.pk}/", seen),
        Probe(
            "api/v1/campaign-tasks/<pk>/report/", f"/api/v1/campaign-tasks/{t.pk}/report/", bad, method="post"
        ),
        Probe(
            "api/v1/campaign-tasks/<pk>/urge/",
            f"/api/v1/campaign-tasks/{t.pk}/urge/",
            api(LEADERS, **NOT_SEEN),
            method="post",
            data={"note": "请加快"},
        ),
        Probe("api/v1/register-items/", "/api/v1/register-items/", api()),
        Probe("api/v1/register-items/", "/api/v1/register-items/", api(ok=400), method="post"),
        Probe("api/v1/register-items/<pk>/", f"/api/v1/register-items/{i.pk}/", seen),
        Probe(
            "api/v1/register-items/<pk>/rectify/",
            f"/api/v1/register-items/{i.pk}/rectify/",
            bad,
            method="post",
        ),
        Probe(
            "api/v1/register-items/<pk>/clear/",
            f"/api/v1/register-items/{i.pk}/clear/",
            api({"inspector", *LEADERS}, ok=400, **NOT_SEEN),
            method="post",
            why="销号 is the inspector's or the office's; without a check photo it is a 400",
        ),
        Probe("api/v1/followup-rules/", "/api/v1/followup-rules/", api()),
        Probe("api/v1/followup-rules/", "/api/v1/followup-rules/", api(ok=400), method="post"),
        Probe("api/v1/followup-rules/<pk>/", f"/api/v1/followup-rules/{w.rule.pk}/", api()),
        Probe("api/v1/followups/", "/api/v1/followups/", api()),
        # 回头看 stays the inspectors' and the centre's: a street's staff do not see it.
        Probe("api/v1/followups/<pk>/", f"/api/v1/followups/{f.pk}/", api(ROLE_USERS, denied=404)),
        Probe(
            "api/v1/followups/<pk>/record/",
            f"/api/v1/followups/{f.pk}/record/",
            api({"inspector"}, ok=400, **NOT_SEEN, **dict.fromkeys(STREET, 404)),
            method="post",
            why="回头看 is the grid inspector's, on site: without a photo it is a 400",
        ),
        Probe("api/v1/hazards/", "/api/v1/hazards/", api()),
        Probe("api/v1/hazards/", "/api/v1/hazards/", api(ok=400), method="post"),
        Probe("api/v1/hazards/<pk>/", f"/api/v1/hazards/{h.pk}/", seen),
        Probe("api/v1/hazards/<pk>/progress/", f"/api/v1/hazards/{h.pk}/progress/", bad, method="post"),
        Probe("api/v1/hazards/<pk>/submit/", f"/api/v1/hazards/{h.pk}/submit/", bad, method="post"),
        Probe(
            "api/v1/hazards/<pk>/verify/",
            f"/api/v1/hazards/{h.pk}/verify/",
            api({"inspector", *LEADERS}, ok=400, **NOT_SEEN),
            method="post",
            why="验收 by an inspector or a leader, with a photo from the site (none sent: 400)",
        ),
        Probe(
            "api/v1/hazards/<pk>/urge/",
            f"/api/v1/hazards/{h.pk}/urge/",
            api(LEADERS, **NOT_SEEN),
            method="post",
            data={"note": "请加快"},
        ),
    ]
    return probes


# 作业考核 (issue #24.4, core/roles.py): supervisors and the admin run it; an inspector carries out the
# inspections given to them (`w.inspection` is the inspector's, `w.finding` from a done one of theirs).
ASSESSORS = {"supervisor", "admin"}


def assessment_endpoints(w) -> list[Probe]:
    area = w.work_area
    return [
        Probe("assessment/", "/assessment/", page(ASSESSORS)),
        Probe("assessment/draw/", "/assessment/draw/", page(ASSESSORS, ok=302), method="post"),
        Probe(
            "assessment/contractors/<int:pk>/assess/",
            f"/assessment/contractors/{w.contractor.pk}/assess/",
            page(ASSESSORS, ok=302),
            method="post",
        ),
        Probe(
            "assessment/rectifications/",
            "/assessment/rectifications/",
            page(ASSESSORS, ok=302),
            method="post",
            data={"area": area.pk, "done_on": "2026-11-20", "cost": "100", "description": "代为清运"},
        ),
        Probe(
            "assessment/inspections/<int:pk>/",
            f"/assessment/inspections/{w.inspection.pk}/",
            page({"inspector", *ASSESSORS}),
            why="the inspector it was given to, and those who manage inspections",
        ),
        Probe(
            "assessment/findings/<int:pk>/register/",
            f"/assessment/findings/{w.finding.pk}/register/",
            page({"inspector", *ASSESSORS}, ok=302),
            method="post",
        ),
        Probe("api/v1/assessment/contractors/", "/api/v1/assessment/contractors/", api(ASSESSORS)),
        Probe(
            "api/v1/assessment/contractors/<pk>/",
            f"/api/v1/assessment/contractors/{w.contractor.pk}/",
            api(ASSESSORS),
        ),
        Probe(
            "api/v1/assessment/inspections/",
            "/api/v1/assessment/inspections/",
            api({"inspector", *ASSESSORS}),
            why="an inspector lists only their own",
        ),
        Probe(
            "api/v1/assessment/inspections/<pk>/",
            f"/api/v1/assessment/inspections/{w.inspection.pk}/",
            api({"inspector", *ASSESSORS}),
        ),
        Probe(
            "api/v1/assessment/inspections/<pk>/record/",
            f"/api/v1/assessment/inspections/{w.inspection.pk}/record/",
            api({"inspector", *ASSESSORS}),
            method="post",
        ),
        Probe(
            "api/v1/assessment/inspections/draw/",
            "/api/v1/assessment/inspections/draw/",
            api(ASSESSORS, ok=400),
            method="post",
            why="the gate passed: a draw without a month is a 400 naming it",
        ),
        Probe(
            "api/v1/assessment/findings/<pk>/register/",
            f"/api/v1/assessment/findings/{w.finding.pk}/register/",
            api({"inspector", "supervisor"}, ok=201, admin=403),
            method="post",
            why="registering reports a case: the admin is no reporter (cases.rules)",
        ),
        Probe("api/v1/assessment/rectifications/", "/api/v1/assessment/rectifications/", api(ASSESSORS)),
        Probe("api/v1/assessment/months/", "/api/v1/assessment/months/", api(ASSESSORS)),
        Probe(
            "api/v1/assessment/months/<pk>/",
            f"/api/v1/assessment/months/{w.month.pk}/",
            api(ASSESSORS),
        ),
        Probe(
            "api/v1/assessment/months/assess/",
            "/api/v1/assessment/months/assess/",
            api(ASSESSORS, ok=400),
            method="post",
            why="the gate passed: no contractor named is a 400",
        ),
        Probe(
            "api/v1/assessment/reports/streets/",
            "/api/v1/assessment/reports/streets/?month=2026-11",
            api(ASSESSORS),
        ),
    ]


# ---------------------------------------------------------------- enforcement (issue #20)
# 综合执法 staff are department users of an issuing unit (enforcement/permissions.py): none of the
# principals here is one, so every write is refused; supervisors, shift leaders and admins read. The shift
# leader may confirm a case's party (here: none suggested, so 400 / back to the case with the reason).
ENFORCEMENT_READERS = {"supervisor", "shift_leader", "admin"}


def enforcement_endpoints(w) -> list[Probe]:
    e, r = "/enforcement", "/api/v1/enforcement"
    party, outcome, case = w.party_pk, w.transfer_pk, w.case.pk
    return [
        Probe("enforcement/parties/", f"{e}/parties/", page(ENFORCEMENT_READERS)),
        Probe("enforcement/parties/import/", f"{e}/parties/import/", page({"admin"})),
        Probe("enforcement/parties/<int:pk>/", f"{e}/parties/{party}/", page(ENFORCEMENT_READERS)),
        Probe("enforcement/outcomes/", f"{e}/outcomes/", page(ENFORCEMENT_READERS)),
        Probe("enforcement/figures/", f"{e}/figures/", page(ENFORCEMENT_READERS)),
        Probe("enforcement/joint-operations/", f"{e}/joint-operations/", page(ENFORCEMENT_READERS)),
        Probe(
            "enforcement/cases/<pk>/<action>/",
            f"{e}/cases/{case}/confirm/",
            page({"shift_leader"}, ok=302),
            method="post",
            why="confirming a party: 综合执法 staff and the shift leader",
        ),
        Probe(
            "enforcement/outcomes/<pk>/<action>/",
            f"{e}/outcomes/{outcome}/receipt/",
            page(set()),
            method="post",
            data={"receipt_no": "R-1"},
            why="移送 receipts: 综合执法 staff only",
        ),
        Probe("api/v1/enforcement/parties/", f"{r}/parties/", api(ENFORCEMENT_READERS)),
        Probe("api/v1/enforcement/parties/<pk>/", f"{r}/parties/{party}/", api(ENFORCEMENT_READERS)),
        Probe(
            "api/v1/enforcement/parties/<pk>/contacts/",
            f"{r}/parties/{party}/contacts/",
            api(set()),
            method="post",
            data={"kind": "notice", "note": "告知"},
        ),
        Probe(
            "api/v1/enforcement/parties/import/",
            f"{r}/parties/import/",
            api({"admin"}, ok=400),
            method="post",
            why="no file: the admin is told so",
        ),
        Probe(
            "api/v1/enforcement/parties/repeat-offenders/",
            f"{r}/parties/repeat-offenders/",
            api(ENFORCEMENT_READERS),
        ),
        Probe("api/v1/enforcement/outcomes/", f"{r}/outcomes/", api(ENFORCEMENT_READERS)),
        Probe("api/v1/enforcement/outcomes/<pk>/", f"{r}/outcomes/{outcome}/", api(ENFORCEMENT_READERS)),
        Probe(
            "api/v1/enforcement/outcomes/<pk>/check/",
            f"{r}/outcomes/{outcome}/check/",
            api({"inspector"}, ok=409),
            method="post",
            data={"rectified": "true"},
            why="the case's grid inspector may check, but this outcome is a 移送, not a 责令改正",
        ),
        *[
            Probe(
                f"api/v1/enforcement/outcomes/<pk>/{name}/",
                f"{r}/outcomes/{outcome}/{name}/",
                api(set()),
                method="post",
                data=data,
            )
            for name, data in (
                ("pay", {}),
                ("receipt", {"receipt_no": "R-1"}),
                ("feedback", {"feedback": "已办结"}),
            )
        ],
        Probe("api/v1/enforcement/agencies/", f"{r}/agencies/", api(ENFORCEMENT_READERS)),
        Probe("api/v1/enforcement/joint-operations/", f"{r}/joint-operations/", api(ENFORCEMENT_READERS)),
        Probe("api/v1/enforcement/figures/", f"{r}/figures/", api(ENFORCEMENT_READERS)),
        Probe(
            "api/v1/enforcement/cases/<pk>/party/<decision>/",
            f"{r}/cases/{case}/party/confirm/",
            api({"shift_leader"}, ok=400),
            method="post",
            why="the shift leader may confirm; no party suggested or named: 400 naming the field",
        ),
    ]


# ---------------------------------------------------------------- a street's sub-centre (docs/domain.md §13)
# The world's street staff work for the street of `case`. A unit's staff hold no role; none is in the world,
# so the unit's task pages answer every role as someone with no unit.
STREETS_API = DISTRICT_WIDE | STREET  # streets/selectors.py can_use_api (and a unit's staff)
STREET_DASHBOARD = STREET | {"supervisor", "shift_leader", "admin"}
ESCALATION_TAKERS = {"shift_leader", "dispatcher"}


def street_probes(w) -> list[Probe]:
    case = w.case
    none = 999999
    return [
        Probe("streets/", "/streets/", page(STREET)),
        Probe("streets/cases/<int:pk>/", f"/streets/cases/{case.pk}/", page(STREET)),
        Probe("streets/tasks/", "/streets/tasks/", page(set()), why="a unit's staff only"),
        Probe(
            "streets/tasks/<int:pk>/report/",
            f"/streets/tasks/{none}/report/",
            page(set(), denied=404),
            method="post",
            why="only a task of one's own unit exists for one",
        ),
        Probe("streets/escalations/", "/streets/escalations/", page(STREETS_API)),
        Probe(
            "streets/escalations/<int:pk>/take/",
            f"/streets/escalations/{none}/take/",
            page(ESCALATION_TAKERS, ok=404),
            method="post",
        ),
        Probe(
            "streets/escalations/<int:pk>/return/",
            f"/streets/escalations/{none}/return/",
            page(ESCALATION_TAKERS, ok=404),
            method="post",
        ),
        Probe(
            "streets/escalations/<int:pk>/withdraw/",
            f"/streets/escalations/{none}/withdraw/",
            page(STREET, ok=404),
            method="post",
        ),
        Probe(
            "streets/assist/<int:pk>/",
            f"/streets/assist/{case.pk}/",
            page(set()),
            method="post",
            data={"note": "协办"},
            why="only a 协办 department of the case; the world's case has none",
        ),
        Probe("streets/dashboard/", "/streets/dashboard/", page(STREET_DASHBOARD)),
        Probe("api/v1/streets/units/", "/api/v1/streets/units/", api(STREETS_API)),
        Probe("api/v1/streets/units/<pk>/", f"/api/v1/streets/units/{none}/", api(STREETS_API, ok=404)),
        Probe("api/v1/streets/sub-dispatches/", "/api/v1/streets/sub-dispatches/", api(STREETS_API)),
        Probe(
            "api/v1/streets/sub-dispatches/<pk>/",
            f"/api/v1/streets/sub-dispatches/{none}/",
            api(STREETS_API, ok=404),
        ),
        *(
            Probe(
                f"api/v1/streets/sub-dispatches/<pk>/{verb}/",
                f"/api/v1/streets/sub-dispatches/{none}/{verb}/",
                api(STREETS_API, ok=404),
                method="post",
            )
            for verb in ("report", "accept", "return")
        ),
        Probe("api/v1/streets/escalations/", "/api/v1/streets/escalations/", api(STREETS_API)),
        Probe(
            "api/v1/streets/escalations/<pk>/",
            f"/api/v1/streets/escalations/{none}/",
            api(STREETS_API, ok=404),
        ),
        *(
            Probe(
                f"api/v1/streets/escalations/<pk>/{verb}/",
                f"/api/v1/streets/escalations/{none}/{verb}/",
                api(STREETS_API, ok=404),
                method="post",
            )
            for verb in ("take", "return", "withdraw")
        ),
        Probe(
            "api/v1/streets/assist/",
            "/api/v1/streets/assist/",
            api(ok=400),
            method="post",
            why="an empty body: 400 naming the fields, before anyone's scope is asked",
        ),
    ]


# ---------------------------------------------------------------- the admin site
# README: "/admin/ (master data, cases read-only)". docs/domain.md §1: master data is the admin's. Everyone
# signed in may read master data (core/roles.py); the centre's staff see cases read-only; only a
# superuser manages API tokens. Field roles are not staff and never get past the admin's sign-in.
# model → (roles that open the list, roles that open the "add" form)
MASTER = (STAFF, {"admin"})
CASES_READ_ONLY = (STAFF & DISTRICT_WIDE, set())
ADMIN_MODELS: dict[str, tuple[set[str], set[str]]] = {
    "auth.group": ({"admin"}, set()),  # roles are fixed groups: the admin reads them, assigns them to users
    "authtoken.tokenproxy": (set(), set()),  # credentials: superusers only
    "core.user": ({"admin"}, {"admin"}),
    "grids.district": MASTER,
    "grids.street": MASTER,
    "grids.community": MASTER,
    "grids.grid": (STAFF, set()),  # grids come from import_grids (GeoJSON), never typed in by hand
    "dispatch.department": MASTER,
    "dispatch.category": MASTER,
    "dispatch.component": MASTER,
    "dispatch.routingrule": MASTER,
    "dispatch.calendarday": MASTER,
    "dispatch.workingwindow": MASTER,
    "dispatch.timelimitrule": MASTER,
    "cases.case": CASES_READ_ONLY,
    "cases.caseevent": CASES_READ_ONLY,
    "cases.caserequest": CASES_READ_ONLY,
    "cases.casephoto": CASES_READ_ONLY,
    "cases.timedstep": CASES_READ_ONLY,
    "cases.notification": CASES_READ_ONLY,
    "cases.hotlinemessage": CASES_READ_ONLY,  # the 12345 centre's messages with our answers: a record
    # The category suggester's versions (the admin may switch back to one) and its log of choices:
    # read like cases; nobody adds either by hand (training and the forms write them).
    "cases.suggesterversion": CASES_READ_ONLY,
    # Integration (issue #22.5): channels are master data the centre reads and the admin keeps; API
    # clients hold credentials, for the admin alone; the hotline inbox and outbox are records the
    # intake writes, read like cases (the admin retries and resends them by audited actions).
    "cases.channel": (STAFF & DISTRICT_WIDE, {"admin"}),
    "cases.apiclient": ({"admin"}, {"admin"}),
    "cases.hotlineticket": CASES_READ_ONLY,
    "cases.hotlineoutbox": CASES_READ_ONLY,
    "dispatch.categorymapping": MASTER,
    "cases.suggestionfeedback": CASES_READ_ONLY,
    # README: KPI weights, grade bands and targets are edited in the admin (KPI 设置): the admin's.
    "kpi.kpisettings": ({"admin"}, {"admin"}),
    # 考核期 records are written by the services with their audit rows: the admin reads them, nobody adds.
    "kpi.assessmentperiod": ({"admin"}, set()),
    "kpi.assessmentrevision": ({"admin"}, set()),
    "kpi.assessmentadjustment": ({"admin"}, set()),
    "kpi.kpiappeal": ({"admin"}, set()),
    "kpi.assessmentlog": ({"admin"}, set()),
    # Sign-in attempts and lock-outs (django-axes): the admin reads them and unlocks by deleting one.
    "axes.accessattempt": ({"admin"}, set()),
    "axes.accesslog": ({"admin"}, set()),
    "axes.accessfailurelog": ({"admin"}, set()),
    "core.adminaudit": ({"admin"}, set()),  # the admin's audit trail: read only, for the admin
    # The base map (docs/domain.md §12): roads come from import_basemap, places from the gazetteer; master data.
    "grids.road": MASTER,
    "grids.place": MASTER,
    # Patrols: grid classes are the admin's; patrols and coverage are records the services write, read by
    # the leaders who may see tracks (core/roles.py PATROL_SUPERVISOR_ROLES).
    "patrols.gridpatrolplan": (PATROL_LEADERS & STAFF, {"admin"}),
    "patrols.patrol": (PATROL_LEADERS & STAFF, set()),
    "patrols.gridcoverage": (PATROL_LEADERS & STAFF, set()),
    # Streets (docs/domain.md §13): the units are the admin's master data; 二级派遣 and 提级 are records the
    # services write with their case events, read-only here.
    "streets.unit": ({"admin"}, {"admin"}),
    "streets.subdispatch": ({"admin"}, set()),
    "streets.escalation": ({"admin"}, set()),
    # 作业考核 (issue #24.4): its master data is the admin's; supervisors read it and the records the
    # services write (抽查, 代为整改, 月度考核, events), which nobody adds by hand.
    **{
        f"assessment.{name}": (ASSESSORS, {"admin"})
        for name in (
            "contractor",
            "contract",
            "workarea",
            "checklist",
            "dustthreshold",
            "gradeband",
            "streettarget",
        )
    },
    **{
        f"assessment.{name}": (ASSESSORS, set())
        for name in ("inspection", "rectification", "monthlyassessment", "assessmentevent")
    },
    # Campaigns (docs/domain.md §10): campaigns and 回头看 rules are the admin's master data, read by the leaders;
    # tasks, lists, 回头看, hazards and their events are read-only (the services write them).
    "campaigns.campaign": ({"admin", "supervisor", "shift_leader"}, {"admin"}),
    "campaigns.followuprule": ({"admin", "supervisor", "shift_leader"}, {"admin"}),
    "campaigns.campaigntask": ({"admin", "supervisor", "shift_leader"}, set()),
    "campaigns.registeritem": ({"admin", "supervisor", "shift_leader"}, set()),
    "campaigns.followup": ({"admin", "supervisor", "shift_leader"}, set()),
    "campaigns.hazard": ({"admin", "supervisor", "shift_leader"}, set()),
    "campaigns.event": ({"admin", "supervisor", "shift_leader"}, set()),
    # Enforcement (issue #20): agencies, units and parties are the admin's master data, read by supervisors;
    # the credit rules are one row (no second one); outcomes and their log are written by the services only.
    "enforcement.agency": ({"admin", "supervisor"}, {"admin"}),
    "enforcement.unit": ({"admin", "supervisor"}, {"admin"}),
    "enforcement.party": ({"admin", "supervisor"}, {"admin"}),
    "enforcement.creditpolicy": ({"admin", "supervisor"}, set()),
    "enforcement.outcome": ({"admin", "supervisor"}, set()),
    "enforcement.caseparty": ({"admin", "supervisor"}, set()),
    "enforcement.partycontact": ({"admin", "supervisor"}, set()),
    "enforcement.jointoperation": ({"admin", "supervisor"}, set()),
    "enforcement.enforcementevent": ({"admin", "supervisor"}, set()),
    # Notice channels (robots, SMS, email) are configured by the admin; notices and deliveries are read.
    "notices.channel": ({"admin"}, {"admin"}),
    "notices.notice": ({"admin"}, set()),
    "notices.delivery": ({"admin"}, set()),
    # The SMS gateway's keys (notices.SmsProvider): configured by the admin, the secret never shown back.
    "notices.smsprovider": ({"admin"}, {"admin"}),
}


def admin_expect(roles: set[str], ok: int = 200) -> dict:
    """Anonymous and non-staff users go to the admin's sign-in; staff get `ok` or 403."""
    out = {ANONYMOUS: ADMIN_LOGIN}
    for p in SIGNED_IN:
        out[p] = ADMIN_LOGIN if p not in STAFF else (ok if p in roles else 403)
    return out


_GROUP = re.compile(r"\(\?P<(\w+)>(?:[^()]|\([^()]*\))*\)")


def route_name(raw: str) -> str:
    """A route as the table names it: the included prefixes and the pattern joined, a regex's named
    groups as <name>, anchors and escapes dropped: "api/v1/^cases/(?P<pk>\\d+)/$" → "api/v1/cases/<pk>/".
    How a group is matched (a lookup regex) may change without the table noticing; a new route may not."""
    name = _GROUP.sub(r"<\1>", raw).replace("/?$", "").replace("\\.", ".")
    return name.replace("^", "").replace("$", "")


def walk_patterns(patterns=None, prefix: str = "") -> tuple[set[str], set[str]]:
    """(every route outside the admin, every admin route), named by `route_name`."""
    from django.urls import URLResolver, get_resolver

    routes: set[str] = set()
    admin: set[str] = set()
    for p in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(p.pattern)
        if isinstance(p, URLResolver):
            inner, inner_admin = walk_patterns(p.url_patterns, route)
            if p.namespace == "admin":
                admin |= inner | inner_admin
            else:
                routes |= inner
                admin |= inner_admin
        else:
            routes.add(route_name(route))
    return routes, admin
