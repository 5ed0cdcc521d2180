"""Issue #8, part a: every workflow action × every role (and the out-of-scope colleagues, a user with no
role, an anonymous visitor), through the API and through the case page's form.

The expected matrix is `ACTION_TABLE` in tests/security/permission_matrix.py, written from docs/domain.md §3.
A case is put in each row's state by the real services (rows starting from the same state share it),
then every principal tries the row's action three ways, each in a savepoint rolled back afterwards:

- API `POST /api/v1/cases/<id>/actions/<action>/`: allowed → 200, the state the table says and one new
  event by that user; refused → 403 (401 anonymous) and nothing written.
- the form page `GET /cases/<id>/act/<action>/`: allowed → 200; refused but the case is visible → back
  to the case page (302); the case outside the user's scope → 404; anonymous → the sign-in page.
- the form `POST`: allowed → redirect and the same change; refused → the form again with the refusal
  (200) and nothing written; outside the scope → 404; anonymous → the sign-in page.

All disagreements of a start state are reported together, one line per row, principal and way.
"""

import re

import pytest
from django.db import transaction
from django.urls import reverse

from cases.models import Case
from tests.cases.conftest import add_request, case_in, hotline_report, photo, report
from tests.security.permission_matrix import (
    ACTIONS,
    ACTORS,
    ANONYMOUS,
    OTHER_INSPECTOR,
    REPORTERS,
    ROLE_OF,
    ROLES,
    SELF_RESOLVERS,
    ActionRow,
    may_see,
)
from tests.security.permission_world import (  # noqa: F401 (fixtures)
    attempt,
    clients,
    closed_hotline_case,
    fast_passwords,
    is_login_redirect,
    media_root,
    principals,
    world,
)

pytestmark = pytest.mark.usefixtures("fast_passwords", "media_root")

PHOTO_ACTIONS = {"verify", "check", "submit_feedback"}


def start(world, row: ActionRow) -> Case:  # noqa: F811
    """A case in the row's state, reported the row's way, with the row's pending request."""
    if row.via == "hotl" and row.source == "reported":
        case = hotline_report(world)
    elif row.via == "hotl" and row.source == "closed":
        case = closed_hotline_case(world)
    elif row.via == "loop":  # a 12345 machine ticket's case: the 接诉即办 loop (docs/domain.md §13)
        case = case_in(world, row.source, loop=True)
    elif row.source == "reported":
        case = report(world)
    else:
        case = case_in(world, row.source)  # verifying starts from a hotline ticket sent to the inspector
    if row.pending:
        case = add_request(world, case, row.pending)
    case = Case.objects.get(pk=case.pk)
    assert case.status == row.source
    return case


def inputs(row: ActionRow, world, case: Case) -> dict:  # noqa: F811
    """Valid input for the row's action, named as both the API and the form take it."""
    decision = {"note": "同意"} if row.action.startswith("approve_") else {"note": "理由不足，请继续处置"}
    data = {
        "accept": {"note": "受理"},
        "send_verify": {"note": "请到现场核实"},
        "verify": {"confirmed": str(row.outcome == "confirmed").lower(), "note": "现场核实"},
        "reject": {"reason": "invalid", "note": "无效信息"},
        "file": {"category": case.category_id, "urgency": case.urgency, "variant": case.variant},
        "refuse_filing": {"reason": "不属于城市管理范围"},
        "dispatch": {"department": world.office.pk, "note": "请处置"},
        "request_return": {"reason": "不属于本单位职责"},
        "request_extension": {"hours": "8", "reason": "需要调配机械"},
        "request_suspension": {"reason": "需立项改造"},
        "resume": {"note": "恢复处置"},
        "submit_feedback": {"result": "已清理完毕"},
        "check": {"passed": str(row.outcome == "passed").lower(), "note": "现场复核"},
        "close": {"note": "结案"},
        "request_void": {"reason": "误报"},
        "reopen": {"reason": "回访不满意"},
        "supervise": {"note": "请尽快处置"},
        "callback": {"satisfaction": "satisfied", "note": "市民满意"},
        "sign": {"note": "签收"},
        "request_hotline_return": {"reason_code": "out_of_scope", "reason": "不属于城管职责"},
    }.get(row.action, decision)
    if row.action in PHOTO_ACTIONS:
        data["photos"] = photo()
    return data


def _changed(out, row: ActionRow, case: Case, user) -> str:
    """What is wrong with an allowed action's effect ("" when it did what the table says)."""
    expected_status = row.target or row.source
    if out.case_status != expected_status:
        return f"state {out.case_status}, table says {expected_status}"
    if out.new_events != [(row.action, user.pk)]:
        return f"events written {out.new_events}, expected one {row.action} by {user.username}"
    return ""


def _unchanged(out, row: ActionRow) -> str:
    if out.case_status != row.source or out.new_events:
        return f"refused yet changed the case: state {out.case_status}, events {out.new_events}"
    return ""


def alert(body: str) -> str:
    """The refusal a form page shows (its role="alert" text), or the start of the page."""
    found = re.findall(r'role="alert"[^>]*>(.*?)</', body, re.S)
    return " | ".join(t.strip() for t in found if t.strip()) or body[:200]


def check_api(client, row, case, actor, user, allowed, world) -> str:  # noqa: F811
    out = attempt(
        client, "post", f"/api/v1/cases/{case.pk}/actions/{row.action}/", inputs(row, world, case), case
    )
    if actor == ANONYMOUS:
        return "" if out.status == 401 else f"expected 401, got {out.status}"
    if allowed:
        if out.status != 200:
            return f"expected 200, got {out.status}: {out.body[:200]}"
        return _changed(out, row, case, user)
    if out.status != 403:
        return f"expected 403, got {out.status}: {out.body[:200]}"
    return _unchanged(out, row)


def check_form_page(client, row, case, actor, allowed, visible) -> str:
    out = attempt(client, "get", reverse("case-action", args=[case.pk, row.action]))
    if actor == ANONYMOUS:
        return "" if is_login_redirect(out) else f"expected the sign-in page, got {out.status}"
    if not visible:
        return "" if out.status == 404 else f"case outside the scope: expected 404, got {out.status}"
    if allowed:
        return "" if out.status == 200 else f"expected the form (200), got {out.status} {out.location}"
    back = reverse("case-detail", args=[case.pk])
    if (out.status, out.location) != (302, back):
        return f"expected a redirect back to the case, got {out.status} {out.location}"
    return ""


def check_form_post(client, row, case, actor, user, allowed, visible, world) -> str:  # noqa: F811
    url = reverse("case-action", args=[case.pk, row.action])
    out = attempt(client, "post", url, inputs(row, world, case), case)
    if actor == ANONYMOUS:
        return "" if is_login_redirect(out) else f"expected the sign-in page, got {out.status}"
    if not visible:
        if out.status != 404:
            return f"case outside the scope: expected 404, got {out.status}"
        return _unchanged(out, row)
    if allowed:
        if out.status != 302 or is_login_redirect(out):
            return f"expected a redirect after success, got {out.status}: {alert(out.body)}"
        return _changed(out, row, case, user)
    if out.status != 200 or 'role="alert"' not in out.body:
        return f"expected the form again with the refusal, got {out.status}"
    return _unchanged(out, row)


# Rows that start from the same state (and pending request) share one case: every attempt is rolled
# back, so the case is as the services left it for each row and each principal.
STARTS: dict[str, list[ActionRow]] = {}
for _row in ACTIONS:
    STARTS.setdefault("-".join(filter(None, (_row.source, _row.pending, _row.via))), []).append(_row)


@pytest.mark.parametrize("start_key", STARTS)
def test_each_action_is_open_to_exactly_its_roles(world, principals, clients, start_key):  # noqa: F811
    rows = STARTS[start_key]
    case = start(world, rows[0])
    problems = []
    for row in rows:
        for actor in ACTORS:
            user = principals[actor]
            allowed = actor in ROLES and actor in row.allowed
            visible = may_see(actor, user, case)
            if allowed:
                assert visible, f"table error: {actor} may {row.action} but cannot see the case"
            client = clients[actor]
            checks = {
                "api": check_api(client, row, case, actor, user, allowed, world),
                "form page": check_form_page(client, row, case, actor, allowed, visible),
                "form post": check_form_post(client, row, case, actor, user, allowed, visible, world),
            }
            verdict = "may" if allowed else "may not"
            problems += [
                f"{row.key}: {actor} ({verdict}) via {how}: {what}" for how, what in checks.items() if what
            ]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("self_resolved", [False, True], ids=["report", "self_resolved"])
def test_reporting_is_open_to_exactly_the_reporting_roles(world, principals, clients, self_resolved):  # noqa: F811
    """POST /api/v1/cases/ as everyone: the reporting roles create a case they reported; the rest get 403
    (anonymous 401) and no case appears."""
    lng, lat = world.inside
    data = {
        "category": world.event_cat.pk,
        "lng": lng,
        "lat": lat,
        "description": "路边有暴露垃圾",
        "reporter_name": "张先生",
        "reporter_phone": "13800000000",
        "hotline_ticket_no": "T-PERM-0001",  # used only when the source is a hotline
    }
    if self_resolved:
        data["self_resolved"] = "true"
    may = SELF_RESOLVERS if self_resolved else REPORTERS
    problems = []
    for actor in ACTORS:
        # A fresh after-photo each time: an upload is read once.
        out = attempt_report(clients[actor], {**data, "after_photos": photo()} if self_resolved else data)
        user = principals[actor]
        if actor == ANONYMOUS:
            expected = 401
        else:
            expected = 201 if ROLE_OF.get(actor, actor) in may else 403
            if self_resolved and actor == OTHER_INSPECTOR:
                expected = 403  # 自行处置 only in one's own grids (#17.7), as 核实 and 核查
        if out["status"] != expected:
            problems.append(f"{actor}: expected {expected}, got {out['status']}: {out['body'][:200]}")
        elif expected == 201 and out["reporters"] != [user.pk]:
            problems.append(f"{actor}: the new case names {out['reporters']} as reporter")
        elif expected != 201 and out["reporters"]:
            problems.append(f"{actor}: refused, yet a case was created")
    assert not problems, "\n".join(problems)


def attempt_report(client, data: dict) -> dict:
    with transaction.atomic():
        last = Case.objects.order_by("-id").values_list("id", flat=True).first() or 0
        response = client.post("/api/v1/cases/", data)
        reporters = list(Case.objects.filter(id__gt=last).values_list("reporter_id", flat=True))
        transaction.set_rollback(True)
    return {"status": response.status_code, "body": response.content.decode(), "reporters": reporters}


def test_the_table_covers_every_action_of_the_workflow():
    """A new action in cases/workflow.py needs its row here (report is covered by the endpoint table)."""
    from cases.workflow import Action

    assert {r.action for r in ACTIONS} == {a.value for a in Action} - {"report"}
