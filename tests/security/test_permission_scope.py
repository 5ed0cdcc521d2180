"""Issue #8, part b: object scope (docs/domain.md §1). Department staff see and act only on their department's
cases (a 协办 department sees but does not act), inspectors only in their grids (and 核实 only what was
sent to them), a user without a role sees nothing, and caller contact goes only to those who call back.

"Sees" is checked everywhere a case shows: the API list and detail, the case page and its forms, the
queues and the search page, photos, the inspector's task list and its map layer, notifications,
duplicate suspects and the KPI figures.
"""

import json
from types import SimpleNamespace

import pytest
from django.test import Client

from cases import services
from cases.models import Case, CasePhoto, DuplicateSuspect, Notification
from cases.workflow import Status
from tests.cases.conftest import case_in, hotline_report, photo, report
from tests.factories import UserFactory
from tests.security.permission_world import (  # noqa: F401 (fixtures)
    clients,
    closed_hotline_case,
    fast_passwords,
    media_root,
    principals,
    world,
)

pytestmark = pytest.mark.usefixtures("fast_passwords", "media_root")


def dispatched(world, case, department, **kw) -> Case:  # noqa: F811
    s, p = services, world.p
    case = s.case_accept(case=case, actor=p.operator)
    case = s.case_file(case=case, actor=p.shift_leader)
    return s.case_dispatch(case=case, actor=p.dispatcher, department=department, **kw)


@pytest.fixture
def two(world):  # noqa: F811
    """Department A (world.office, `department`) and B (world.other_dept, `other_department`) cases."""
    p = world.p
    a_open = dispatched(world, report(world, photos=[photo()]), world.office)
    b_open = dispatched(
        world, report(world, p.other_inspector, where=world.other_inside, photos=[photo()]), world.other_dept
    )
    b_fixed = dispatched(world, report(world, p.other_inspector, where=world.other_inside), world.other_dept)
    b_fixed = services.case_submit_feedback(
        case=b_fixed, actor=p.other_department, result="已清理", photos=[photo()]
    )
    # B's case at the very spot of A's: intake would list it as a suspected duplicate of A's.
    b_near = dispatched(world, report(world, description="同一处暴露垃圾"), world.other_dept)
    DuplicateSuspect.objects.create(case=a_open, original=b_near, distance_m=0)
    notice = Notification.objects.create(
        user=p.other_department, case=b_open, kind=Notification.Kind.REMIND, title=f"【催办】{b_open.number}"
    )
    photos = {(ph.case_id, ph.stage): ph.image.url for ph in CasePhoto.objects.all()}
    return SimpleNamespace(
        a_open=a_open,
        b_open=b_open,
        b_fixed=b_fixed,
        b_near=b_near,
        b_cases=[b_open, b_fixed, b_near],
        notice=notice,
        b_report_photo=photos[(b_open.pk, CasePhoto.Stage.REPORT)],
        b_feedback_photo=photos[(b_fixed.pk, CasePhoto.Stage.FEEDBACK)],
    )


def api_ids(client, url="/api/v1/cases/?page_size=500") -> set[int]:
    return {row["id"] for row in client.get(url).json()["results"]}


def link(case) -> str:
    """How a list page links a case (a search box may still echo its number back)."""
    return f'href="/cases/{case.pk}/"'


def events(case) -> list[str]:
    return list(case.events.order_by("id").values_list("action", flat=True))


# ---------------------------------------------------------------- departments


def test_department_staff_see_only_their_own_departments_cases(world, two, clients):  # noqa: F811
    a = clients["department"]
    assert two.a_open.pk in api_ids(a)
    assert api_ids(a).isdisjoint(c.pk for c in two.b_cases)
    for case in two.b_cases:
        assert a.get(f"/api/v1/cases/{case.pk}/").status_code == 404
        assert a.get(f"/cases/{case.pk}/").status_code == 404
        assert a.get(f"/cases/{case.pk}/act/request_void/").status_code == 404
        assert a.get(f"/api/v1/cases/{case.pk}/suspects/").status_code == 403
    for page in ("/queues/in_progress/", "/cases/", f"/cases/?q={two.b_open.number}"):
        body = a.get(page).content.decode()
        assert not any(link(c) in body for c in two.b_cases), page
    assert link(two.a_open) in a.get("/queues/in_progress/").content.decode()
    # The other department's after-photo is theirs; a report photo is public (Open311's media_url).
    assert a.get(two.b_feedback_photo).status_code == 404
    assert a.get(two.b_report_photo).status_code == 200
    assert clients["other_department"].get(two.b_feedback_photo).status_code == 200


def test_department_staff_cannot_act_on_another_departments_case(world, two, clients):  # noqa: F811
    a = clients["department"]
    before = events(two.b_open)
    api = a.post(f"/api/v1/cases/{two.b_open.pk}/actions/request_return/", {"reason": "不属于本单位"})
    assert api.status_code == 403
    page = a.post(f"/cases/{two.b_open.pk}/act/request_return/", {"reason": "不属于本单位"})
    assert page.status_code == 404
    feedback = {"result": "已处理", "photos": photo()}
    assert a.post(f"/api/v1/cases/{two.b_open.pk}/actions/submit_feedback/", feedback).status_code == 403
    assert events(two.b_open) == before
    assert Case.objects.get(pk=two.b_open.pk).status == Status.IN_PROGRESS


def test_another_departments_notifications_stay_theirs(world, two, clients):  # noqa: F811
    a, b = clients["department"], clients["other_department"]
    assert two.notice.title not in a.get("/notifications/").content.decode()
    assert two.notice.title in b.get("/notifications/").content.decode()
    # (A's own inbox holds the notice of its own dispatch, notices/: only B's must be missing.)
    assert two.notice.pk not in [n["id"] for n in a.get("/api/v1/notifications/").json()["results"]]
    assert a.post(f"/notifications/{two.notice.pk}/read/").status_code == 404
    assert a.post(f"/api/v1/notifications/{two.notice.pk}/read/").status_code == 204  # only one's own
    two.notice.refresh_from_db()
    assert two.notice.read_at is None


def test_suspected_duplicates_show_only_cases_the_user_may_see(world, two, clients):  # noqa: F811
    """A's case and B's case at one spot: A's staff must not learn B's case through the suspect list."""
    a = clients["department"]
    listed = [
        row["original"]["number"]
        for row in a.get(f"/api/v1/cases/{two.a_open.pk}/suspects/").json()["results"]
    ]
    assert two.b_near.number not in listed
    operator = clients["operator"].get(f"/api/v1/cases/{two.a_open.pk}/suspects/").json()["results"]
    assert [row["original"]["number"] for row in operator] == [two.b_near.number]


def test_department_kpi_figures_are_held_to_their_department(world, two, clients):  # noqa: F811
    a = clients["department"]
    summary = a.get("/api/v1/kpi/summary/")
    assert summary.status_code == 200
    assert summary.json()["filters"]["department"] == world.office.code
    other = world.other_dept.code
    for url in ("/api/v1/kpi/summary/", "/api/v1/kpi/trend/", "/api/v1/kpi/reports/daily/"):
        assert a.get(f"{url}?department={other}").status_code == 403, url

    # Hot spots count the department's own cases only, whatever department is asked for.
    def counted(client, query=""):
        return sum(p["total"] for p in client.get(f"/api/v1/kpi/hotspots/pattern/{query}").json()["patterns"])

    assert counted(clients["operator"]) == 4
    assert counted(clients["operator"], f"?department={other}") == 3
    assert counted(a) == 1
    assert counted(a, f"?department={other}") == 0


def test_a_co_department_sees_the_case_but_cannot_act_as_the_lead(world, clients):  # noqa: F811
    case = dispatched(world, report(world), world.office, co_departments=[world.other_dept])
    b = clients["other_department"]
    assert b.get(f"/api/v1/cases/{case.pk}/").status_code == 200
    assert b.get(f"/cases/{case.pk}/").status_code == 200
    before = events(case)
    feedback = {"result": "已处理", "photos": photo()}
    assert b.post(f"/api/v1/cases/{case.pk}/actions/submit_feedback/", feedback).status_code == 403
    page = b.post(f"/cases/{case.pk}/act/submit_feedback/", {"result": "已处理", "photos": photo()})
    assert page.status_code == 200 and 'role="alert"' in page.content.decode()
    assert events(case) == before


# ---------------------------------------------------------------- inspectors


@pytest.fixture
def elsewhere(world):  # noqa: F811
    """Tasks in the other inspector's grid: a 核实 and a 核查."""
    p = world.p
    verifying = services.case_send_verify(
        case=hotline_report(world, where=world.other_inside), actor=p.operator
    )
    checking = dispatched(world, report(world, p.other_inspector, where=world.other_inside), world.office)
    checking = services.case_submit_feedback(
        case=checking, actor=p.department, result="已清理", photos=[photo()]
    )
    return SimpleNamespace(verifying=verifying, checking=checking, both=[verifying, checking])


def task_numbers(client) -> tuple[str, set[str]]:
    page = client.get("/inspector/tasks/").content.decode()
    layer = client.get("/inspector/tasks.geojson").json()
    return page, {f["properties"]["number"] for f in layer["features"]}


def test_inspectors_see_and_work_only_the_tasks_of_their_grids(world, elsewhere, clients):  # noqa: F811
    mine, theirs = clients["inspector"], clients["other_inspector"]
    page, layer = task_numbers(mine)
    assert all(c.number not in page for c in elsewhere.both)
    assert layer.isdisjoint(c.number for c in elsewhere.both)
    page, layer = task_numbers(theirs)
    assert {c.number for c in elsewhere.both} <= layer
    for case in elsewhere.both:
        assert mine.get(f"/api/v1/cases/{case.pk}/").status_code == 404
        assert mine.get(f"/cases/{case.pk}/").status_code == 404
    before = [events(c) for c in elsewhere.both]
    verify = {"confirmed": "true", "photos": photo()}
    assert mine.post(f"/api/v1/cases/{elsewhere.verifying.pk}/actions/verify/", verify).status_code == 403
    check = {"passed": "true", "photos": photo()}
    assert mine.post(f"/api/v1/cases/{elsewhere.checking.pk}/actions/check/", check).status_code == 403
    assert [events(c) for c in elsewhere.both] == before


def test_a_verification_sent_to_a_colleague_is_not_in_my_tasks(world, clients):  # noqa: F811
    """Two inspectors share a grid; the operator sent the 核实 to the second: only they see and do it."""
    second = UserFactory(username="insp3", roles=["inspector"])
    world.grid.inspectors.add(second)
    case = services.case_send_verify(case=hotline_report(world), actor=world.p.operator, inspector=second)
    mine = clients["inspector"]
    page, layer = task_numbers(mine)
    assert case.number not in page and case.number not in layer
    verify = {"confirmed": "true", "photos": photo()}
    assert mine.post(f"/api/v1/cases/{case.pk}/actions/verify/", verify).status_code == 403
    assert mine.get(f"/cases/{case.pk}/act/verify/").status_code == 302  # back to the case: not theirs
    theirs = Client()
    theirs.force_login(second)
    assert case.number in task_numbers(theirs)[1]


def test_an_inspector_follows_their_own_report_outside_their_grids(world, clients):  # noqa: F811
    p = world.p
    case = report(world, p.inspector, where=world.other_inside)
    mine = clients["inspector"]
    assert mine.get(f"/api/v1/cases/{case.pk}/").status_code == 200
    assert case.number in mine.get("/inspector/history/").content.decode()
    assert mine.post(f"/api/v1/cases/{case.pk}/actions/request_void/", {"reason": "误报"}).status_code == 200
    # The 核查 of it belongs to the grid's own inspector.
    case = dispatched(world, Case.objects.get(pk=case.pk), world.office)
    case = services.case_submit_feedback(case=case, actor=p.department, result="已清理", photos=[photo()])
    check = {"passed": "true", "photos": photo()}
    assert mine.post(f"/api/v1/cases/{case.pk}/actions/check/", check).status_code == 403


# ---------------------------------------------------------------- no role, caller contact, hotline


def test_a_user_without_a_role_sees_nothing(world, two, clients):  # noqa: F811
    nobody = clients["no_role"]
    assert nobody.get("/api/v1/cases/").json()["count"] == 0
    assert nobody.get(f"/api/v1/cases/{two.a_open.pk}/").status_code == 404
    assert nobody.get(f"/cases/{two.a_open.pk}/").status_code == 404
    body = nobody.get("/cases/").content.decode()
    assert link(two.a_open) not in body and link(two.b_open) not in body
    assert nobody.get("/api/v1/notifications/").json()["count"] == 0
    for url in ("/api/v1/kpi/summary/", "/api/v1/kpi/hotspots/places/", "/kpi/", "/queues/accept/"):
        assert nobody.get(url).status_code == 403, url
    assert nobody.get(two.b_feedback_photo).status_code == 404


def test_caller_contact_never_reaches_department_staff_or_the_public(world, clients):  # noqa: F811
    """The caller's name and phone go to those who call back (the hotline agent, the operator); the
    department that fixes the problem and the public never see them (core/privacy.py has the rest)."""
    case = hotline_report(world, reporter_phone="13912345678")
    case = services.case_send_verify(case=case, actor=world.p.operator)
    case = services.case_verify(case=case, actor=world.p.inspector, confirmed=True, photos=[photo()])
    case = services.case_file(case=case, actor=world.p.shift_leader)
    case = services.case_dispatch(case=case, actor=world.p.dispatcher, department=world.office)
    callers = {
        who: (clients[who].get(f"/api/v1/cases/{case.pk}/").json()["caller"] or {}).get("phone")
        for who in ("operator", "hotline")
    }
    assert callers == dict.fromkeys(callers, "13912345678")
    dept = clients["department"]
    assert dept.get(f"/api/v1/cases/{case.pk}/").json()["caller"] is None
    assert "13912345678" not in dept.get(f"/cases/{case.pk}/").content.decode()
    assert "13912345678" not in json.dumps(
        clients["operator"].get(f"/open311/v2/requests/{case.number}.json").json()
    )


def test_the_hotline_calls_back_only_callers_closed_cases(world, clients):  # noqa: F811
    """回访 is for callers: the queue lists closed hotline cases, not an inspector's closed report."""
    inspector_case = case_in(world, Status.CLOSED)
    hotline_case = closed_hotline_case(world)
    body = clients["hotline"].get("/hotline/callbacks/").content.decode()
    assert hotline_case.number in body
    assert inspector_case.number not in body
