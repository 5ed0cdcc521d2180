"""The page audit of issue #25: every page of tests/e2e/pages.py (PAGES), as every role that opens it, at
1366×900 and on a 390 px phone. For each it saves a full-page screenshot under
test-output/e2e/test_audit_pages_<role>_/ and fails (listing every problem of the role at once) on:

- horizontal overflow: the document wider than the window, or an element sticking out of it that is not
  inside a deliberate scroll container (overflow-x auto/scroll/hidden/clip);
- console errors, page errors, failed requests and 4xx/5xx answers (the conftest's watch);
- WCAG 2 A/AA violations found by axe-core (node_modules/axe-core, injected from disk: no CDN):
  contrast, labels, names of buttons and links, and the rest of the wcag2a/wcag2aa rules.

One test per role (parametrised), so pytest-xdist spreads the roles over its workers.
"""

import re
from pathlib import Path

import pytest
from django.urls import reverse

from tests.e2e.conftest import OUTPUT, _safe, login
from tests.e2e.pages import ANONYMOUS, NOT_PAGES, PAGES, Page
from tests.security.permission_matrix import STAFF
from tests.security.test_permission_endpoints import targets  # noqa: F401 (fixture)
from tests.security.url_walk import site_routes

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
VIEWPORTS = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
ROLES = sorted({role for page in PAGES for role in page.roles})

# Everything sticking out of the window that is not inside a scroll container. Only the outermost such
# element is named (its children stick out with it). Elements moved off-screen on purpose (the skip link,
# visually hidden text) and fixed overlays are left out.
OVERFLOW_JS = """
() => {
  const vw = document.documentElement.clientWidth;
  const out = [];
  if (document.documentElement.scrollWidth > vw + 1) {
    out.push(`document is ${document.documentElement.scrollWidth}px wide in a ${vw}px window`);
  }
  const clipped = (el) => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      if (/(auto|scroll|hidden|clip)/.test(getComputedStyle(p).overflowX)) return true;
    }
    return false;
  };
  const named = new Set();
  const describe = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '') +
    ` "${(el.innerText || '').trim().slice(0, 30)}"`;
  for (const el of document.querySelectorAll('body *')) {
    if (el.closest('.skip-link, .visually-hidden, .leaflet-container')) continue;
    const style = getComputedStyle(el);
    if (style.position === 'fixed' || style.visibility === 'hidden') continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    if (r.right <= vw + 1 && r.left >= -1) continue;
    if (clipped(el)) continue;
    let inside = false;
    for (const done of named) if (done.contains(el)) { inside = true; break; }
    if (inside) continue;
    named.add(el);
    out.push(`${describe(el)} spans ${Math.round(r.left)}–${Math.round(r.right)}px of ${vw}px`);
  }
  return out.slice(0, 8);
}
"""

AXE_JS = """
async (tags) => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ') + (n.failureSummary ? ' — ' +
      n.failureSummary.split('\\n').slice(1, 2).join('').trim() : '')),
    count: v.nodes.length,
  }));
}
"""


def test_every_page_route_is_registered():
    """A new named page route must join PAGES (or NOT_PAGES with its reason), as the permission matrix."""
    names = {
        route.name
        for route in site_routes()
        if route.name and not route.text.startswith(("api/", "admin/", "open311/", "^api/"))
    }
    registered = {p.target for p in PAGES if not p.target.startswith("/")}
    assert names - registered - set(NOT_PAGES) == set(), "routes the audit does not know: add them to PAGES"
    assert (registered | set(NOT_PAGES)) - names == set(), "entries for routes that no longer exist"
    assert registered & set(NOT_PAGES) == set(), "a route is either a page or not"


@pytest.fixture
def audit_targets(e2e_world, targets):  # noqa: F811
    """The permission matrix's objects (a case waiting for 核查, a campaign, a hazard …) plus a case in
    progress, with the staff flags the demo sets."""
    from tests.cases.conftest import case_in

    for role in STAFF:
        user = getattr(e2e_world.p, role)
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    targets.in_progress = case_in(e2e_world, "in_progress")
    # Something in every queue, so its table is laid out with rows (an empty queue shows no table).
    for status in ("reported", "pending_filing", "pending_dispatch", "pending_closure", "suspended"):
        case_in(e2e_world, status)
    targets.party = type("Obj", (), {"pk": targets.party_pk})()
    return targets


def url_of(page: Page, world_targets) -> str:
    if page.target.startswith("/"):
        return page.target
    kwargs = dict(page.kwargs)
    if page.needs:
        kwargs["pk"] = getattr(world_targets, page.needs).pk
    url = reverse(page.target, kwargs=kwargs)
    return f"{url}?{page.query}" if page.query else url


def settle(tab) -> None:
    try:
        tab.wait_for_load_state("networkidle", timeout=5_000)
    except Exception:  # a page that keeps polling: its load event is enough
        tab.wait_for_load_state("load")


def audit(tab, label: str, watch, page: Page) -> list[str]:
    allow, skip_rules = page.allow, page.skip_rules
    problems = (
        [] if page.overflow_ok else [f"{label}: overflow: {line}" for line in tab.evaluate(OVERFLOW_JS)]
    )
    tab.add_script_tag(path=str(AXE))
    for v in tab.evaluate(AXE_JS, AXE_TAGS):
        if v["id"] in skip_rules:
            continue
        problems.append(f"{label}: axe {v['id']} ({v['impact']}, {v['count']}×): {v['help']} — {v['nodes']}")
    seen = [p for p in watch.problems if not any(re.search(a, p) for a in allow)]
    watch.problems.clear()
    problems += [f"{label}: {p}" for p in seen]
    return problems


@pytest.mark.parametrize("role", ROLES)
def test_audit_pages(role, request, e2e_world, audit_targets, open_page, watch):
    assert AXE.is_file(), "axe-core is missing: npm ci"
    folder = OUTPUT / _safe(request.node.name)
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.png"):
        old.unlink()
    tab = open_page(role, VIEWPORTS["desktop"], bypass_csp=True)
    if role != ANONYMOUS:
        login(tab, getattr(e2e_world.p, role))
    problems: list[str] = []
    pages = [p for p in PAGES if role in p.roles]
    assert pages, f"no page for {role}"
    for page in pages:
        url = url_of(page, audit_targets)
        for size, viewport in VIEWPORTS.items():
            tab.set_viewport_size(viewport)
            label = f"{role} {url} @{size}"
            try:
                response = tab.goto(url)
            except Exception as exc:  # an error page Chromium will not show (e.g. an empty 405)
                problems.append(f"{label}: {exc}".splitlines()[0])
                watch.problems.clear()
                continue
            settle(tab)
            if response is None or response.status >= 400:
                problems.append(f"{label}: answered {response.status if response else 'nothing'}")
            tab.screenshot(path=str(folder / f"{_safe(page.name)}-{size}.png"), full_page=True)
            problems += audit(tab, label, watch, page)
    assert not problems, f"{len(problems)} problems:\n  " + "\n  ".join(problems)
