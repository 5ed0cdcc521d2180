"""The pending-requests ledger (审批台账): what each decider sees, approve and deny with a note,
errors on the row, filter by kind, pages, and a query count that does not grow with the rows."""

import pytest

from cases import services
from cases.models import CaseRequest
from cases.workflow import Status
from tests.cases.conftest import case_in
from tests.web.conftest import report

pytestmark = pytest.mark.usefixtures("fast_passwords", "media_root")


def request_of(case, kind) -> CaseRequest:
    return CaseRequest.objects.get(case=case, kind=kind)


def test_dispatcher_sees_return_extension_and_suspension_requests(
    world, as_role, django_assert_max_num_queries
):
    ext = case_in(world, Status.IN_PROGRESS, pending="extension")
    ret = case_in(world, Status.IN_PROGRESS, pending="return")
    void = case_in(world, Status.REPORTED, pending="void")
    client = as_role("dispatcher")
    with django_assert_max_num_queries(7):
        html = client.get("/ledger/").content.decode()
    assert ext.number in html and ret.number in html and void.number not in html
    for text in (
        "需要调配机械",
        "延期 8.0 工作时",
        "不属于我单位职责",
        world.office.name,
        "已等待",
        "批准",
        "驳回",
    ):
        assert text in html, text
    assert f'action="/ledger/{request_of(ext, "extension").pk}/approve/"' in html
    html = client.get("/ledger/?kind=return").content.decode()
    assert ret.number in html and ext.number not in html


def test_shift_leader_sees_void_requests_only(world, as_role):
    case_in(world, Status.IN_PROGRESS, pending="extension")
    void = case_in(world, Status.REPORTED, pending="void")
    html = as_role("shift_leader").get("/ledger/").content.decode()
    assert void.number in html and "延期" not in html.split("<tbody>")[1]


def test_approve_an_extension(world, as_role):
    case = case_in(world, Status.IN_PROGRESS, pending="extension")
    item = request_of(case, "extension")
    response = as_role("dispatcher").post(
        f"/ledger/{item.pk}/approve/", {f"r{item.pk}-note": "同意延期", "next": "kind=extension"}, follow=True
    )
    assert response.redirect_chain[0][0] == "/ledger/?kind=extension"
    assert [str(m) for m in response.context["messages"]] == [f"已批准 {case.number} 的延期申请"]
    item.refresh_from_db()
    assert item.state == CaseRequest.State.APPROVED and item.decision_note == "同意延期"
    assert case.__class__.objects.get(pk=case.pk).extension_count == 1


def test_deny_a_void_request(world, as_role):
    case = case_in(world, Status.REPORTED, pending="void")
    item = request_of(case, "void")
    as_role("shift_leader").post(f"/ledger/{item.pk}/deny/", {f"r{item.pk}-note": "信息属实"})
    item.refresh_from_db()
    assert item.state == CaseRequest.State.DENIED and item.decision_note == "信息属实"
    assert case.__class__.objects.get(pk=case.pk).status == Status.REPORTED


def test_a_refused_decision_is_shown_on_its_row_and_keeps_the_note(world, as_role):
    case = report(world)
    services.case_request_void(case=case, actor=world.p.shift_leader, reason="误报")  # his own request
    item = request_of(case, "void")
    client = as_role("shift_leader")
    assert "本人提出的申请" in client.get("/ledger/").content.decode()
    response = client.post(f"/ledger/{item.pk}/approve/", {f"r{item.pk}-note": "我来批"})
    html = response.content.decode()
    assert response.status_code == 403
    row = html[html.index(f'id="request-{item.pk}"') :]
    assert "不能审批自己提出的申请" in row[: row.index("</tr>")]
    item.refresh_from_db()
    assert item.state == CaseRequest.State.PENDING


def test_htmx_decision_returns_the_row(world, as_role):
    case = case_in(world, Status.IN_PROGRESS, pending="suspension")
    item = request_of(case, "suspension")
    response = as_role("dispatcher").post(f"/ledger/{item.pk}/approve/", {}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200 and html.lstrip().startswith(f'<tr id="request-{item.pk}"')
    assert "已批准" in html and "<form" not in html
    assert case.__class__.objects.get(pk=case.pk).status == Status.SUSPENDED


def test_htmx_refusal_returns_the_row_with_its_error(world, as_role):
    case = case_in(world, Status.IN_PROGRESS, pending="extension")
    item = request_of(case, "extension")
    response = as_role("dispatcher").post(
        f"/ledger/{item.pk}/approve/", {f"r{item.pk}-note": "x" * 501}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 400 and "field-error" in response.content.decode()
    item.refresh_from_db()
    assert item.state == CaseRequest.State.PENDING


def test_the_ledger_is_for_deciders_only(world, as_role):
    case = case_in(world, Status.IN_PROGRESS, pending="extension")
    item = request_of(case, "extension")
    for role in ("operator", "department", "inspector", "supervisor"):
        assert as_role(role).get("/ledger/").status_code == 403
        assert as_role(role).post(f"/ledger/{item.pk}/approve/").status_code == 403
    # A shift leader decides 作废, not 延期: the request is not in his ledger.
    assert as_role("shift_leader").post(f"/ledger/{item.pk}/approve/").status_code == 404
    item.refresh_from_db()
    assert item.state == CaseRequest.State.PENDING


def test_ledger_queries_do_not_grow_with_the_rows(world, as_role, django_assert_max_num_queries):
    client = as_role("shift_leader")
    for _ in range(3):
        case_in(world, Status.REPORTED, pending="void")
    client.get("/ledger/")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get("/ledger/")
    for _ in range(27):
        case_in(world, Status.REPORTED, pending="void")
    with django_assert_max_num_queries(len(few)):
        html = client.get("/ledger/").content.decode()
    assert html.count('class="tag">作废') == 25 and "第 1 / 2 页，共 30 条" in html
    assert "共 30 条" in client.get("/ledger/?page=2").content.decode()


# ---------------------------------------------------------------- sorting (issue #5 point 9)


def _numbers(html: str, cases) -> list[str]:
    return sorted((c.number for c in cases), key=html.index)


def test_ledger_sorts_both_ways_and_keeps_the_kind(world, as_role, django_assert_max_num_queries):
    first = case_in(world, Status.IN_PROGRESS, pending="extension")
    second = case_in(world, Status.IN_PROGRESS, pending="return")
    third = case_in(world, Status.IN_PROGRESS, pending="extension")
    client = as_role("dispatcher")
    cases = (first, second, third)
    assert _numbers(client.get("/ledger/").content.decode(), cases) == [c.number for c in cases]
    with django_assert_max_num_queries(7):
        html = client.get("/ledger/?sort=-requested_at").content.decode()
    assert _numbers(html, cases) == [third.number, second.number, first.number]
    assert (
        '<th scope="col" aria-sort="descending"><a href="/ledger/?sort=requested_at">申请时间</a></th>'
        in html
    )
    assert '<a href="/ledger/?kind=extension&amp;sort=-requested_at"' in html  # the tabs keep the sort
    html = client.get("/ledger/?kind=extension&sort=-case").content.decode()
    assert _numbers(html, (first, third)) == [third.number, first.number] and second.number not in html
    assert 'href="/ledger/?kind=extension&amp;sort=case"' in html
    html = client.get("/ledger/?sort=kind").content.decode()
    assert _numbers(html, cases) == [first.number, third.number, second.number]  # extension < return
    assert '<input type="hidden" name="next" value="sort=kind">' in html  # a decision comes back here


def test_ledger_unknown_sort_falls_back_to_first_come_first_served(world, as_role):
    first = case_in(world, Status.IN_PROGRESS, pending="extension")
    second = case_in(world, Status.IN_PROGRESS, pending="extension")
    for bad in ("reason", "-requested_by__password", "-"):
        response = as_role("dispatcher").get("/ledger/", {"sort": bad})
        assert response.status_code == 200
        assert _numbers(response.content.decode(), (first, second)) == [first.number, second.number]
