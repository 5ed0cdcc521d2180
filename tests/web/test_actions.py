"""The action forms of the case page: each posts through its service and moves the case; a bad submit
shows its error next to the field, keeps what was typed and changes nothing; scope and role hold."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from cases import services
from cases.models import CasePhoto, CaseRequest
from cases.workflow import Status
from tests.cases.conftest import add_request, case_in, hotline_report, snapshot
from tests.web.conftest import photo, report

pytestmark = pytest.mark.usefixtures("media_root", "fast_passwords")

FORM_QUERIES = 20
POST_QUERIES = 60


def act_url(case, action: str) -> str:
    return reverse("case-action", args=[case.pk, action])


def page_url(case) -> str:
    return f"/cases/{case.pk}/"


def act(client, case, action: str, data=None, **extra):
    return client.post(act_url(case, action), data or {}, **extra)


def moved(response, case) -> None:
    """A successful action redirects to the case page with a success message."""
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response["Location"] == page_url(case)


def error_for(response, field: str) -> str:
    """The errors shown inline in `field`'s own block of the form (empty when there are none)."""
    page = response.content.decode()
    start = page.index(f'data-field="{field}"')
    ends = [i for i in (page.find("data-field=", start + 1), page.find("form-buttons", start)) if i > 0]
    block = page[start : min(ends)]
    return " ".join(re.findall(r'<small class="field-error" role="alert"[^>]*>(.*?)</small>', block, re.S))


# ---------------------------------------------------------------- the centre: 受理, 核实, 立案, 派遣


def test_accept_is_one_click(world, as_role, django_assert_max_num_queries):
    case = report(world)
    client = as_role("operator")
    with django_assert_max_num_queries(POST_QUERIES):
        response = act(client, case, "accept")
    moved(response, case)
    case.refresh_from_db()
    assert case.status == Status.PENDING_FILING
    page = client.get(page_url(case)).content.decode()
    assert "已完成「受理」" in page


def test_send_verify_form_preselects_the_grids_inspector_then_verify_with_photo(
    world, as_role, django_assert_max_num_queries
):
    case = hotline_report(world)
    operator = as_role("operator")
    with django_assert_max_num_queries(FORM_QUERIES):
        form = operator.get(act_url(case, "send_verify"))
    assert form.status_code == 200
    assert f'<option value="{world.p.inspector.pk}" selected>' in form.content.decode()
    moved(act(operator, case, "send_verify", {"inspector": world.p.inspector.pk, "note": "请核实"}), case)
    case.refresh_from_db()
    assert case.status == Status.VERIFYING and case.verify_inspector_id == world.p.inspector.pk

    inspector = as_role("inspector")
    page = inspector.get(act_url(case, "verify")).content.decode()
    assert 'accept="image/*"' in page and 'capture="environment"' in page and "multiple" in page
    moved(act(inspector, case, "verify", {"confirmed": "true", "note": "属实", "photos": [photo()]}), case)
    case.refresh_from_db()
    assert case.status == Status.PENDING_FILING
    assert case.photos.filter(stage=CasePhoto.Stage.VERIFY).count() == 1


def test_verify_without_photo_shows_the_error_and_changes_nothing(world, as_role):
    case = case_in(world, Status.VERIFYING)
    before = snapshot(case)
    response = act(as_role("inspector"), case, "verify", {"confirmed": "true", "note": "现场已看"})
    assert response.status_code == 200
    assert "请上传现场照片" in error_for(response, "photos")
    assert "现场已看" in response.content.decode()  # the note is kept
    assert re.search(r'value="true"[^>]* checked', response.content.decode())  # the choice is kept
    assert snapshot(case) == before


def test_file_with_category_urgency_and_variant(world, as_role):
    case = case_in(world, Status.PENDING_FILING)
    client = as_role("shift_leader")
    page = client.get(act_url(case, "file")).content.decode()
    assert f'<option value="{world.event_cat.pk}" selected>' in page
    moved(
        act(
            client,
            case,
            "file",
            {"category": world.component_cat.pk, "urgency": "urgent", "variant": "general"},
        ),
        case,
    )
    case.refresh_from_db()
    assert case.status == Status.PENDING_DISPATCH
    assert (case.category_id, case.urgency) == (world.component_cat.pk, "urgent")


def test_dispatch_preselects_the_suggestion_and_sets_co_departments(world, as_role):
    case = case_in(world, Status.PENDING_DISPATCH)
    client = as_role("dispatcher")
    page = client.get(act_url(case, "dispatch")).content.decode()
    assert f'<option value="{world.office.pk}" selected>' in page and "建议" in page

    # The service's refusal lands next to the field it names, and the choices are kept
    before = snapshot(case)
    response = act(
        client,
        case,
        "dispatch",
        {"department": world.office.pk, "co_departments": [world.office.pk], "note": "速办"},
    )
    assert response.status_code == 200
    assert "主办部门不能同时是协办部门" in error_for(response, "co_departments")
    assert "速办" in response.content.decode()
    assert snapshot(case) == before

    moved(
        act(
            client, case, "dispatch", {"department": world.office.pk, "co_departments": [world.other_dept.pk]}
        ),
        case,
    )
    case.refresh_from_db()
    assert case.status == Status.IN_PROGRESS and case.department_id == world.office.pk
    assert list(case.co_departments.values_list("pk", flat=True)) == [world.other_dept.pk]


def test_reject_as_duplicate_needs_the_original(world, as_role):
    original = report(world)
    case = report(world)
    client = as_role("operator")
    before = snapshot(case)
    response = act(client, case, "reject", {"reason": "duplicate", "note": "同一垃圾桶"})
    assert response.status_code == 200
    assert "重复案件须指明原案件" in error_for(response, "duplicate_of")
    assert snapshot(case) == before

    response = act(client, case, "reject", {"reason": "duplicate", "duplicate_of": "NO-SUCH"})
    assert "不存在" in error_for(response, "duplicate_of")
    assert snapshot(case) == before

    moved(act(client, case, "reject", {"reason": "duplicate", "duplicate_of": original.number}), case)
    case.refresh_from_db()
    assert (
        case.status == Status.REJECTED
        and case.duplicate_of_id == original.pk
        and case.reject_reason == "duplicate"
    )


# ---------------------------------------------------------------- the department and its ledger requests


def test_request_return_then_dispatcher_approves(world, as_role):
    case = case_in(world, Status.IN_PROGRESS)
    department = as_role("department")
    before = snapshot(case)
    response = act(department, case, "request_return", {"reason": ""})
    assert response.status_code == 200 and error_for(response, "reason")
    assert snapshot(case) == before

    moved(act(department, case, "request_return", {"reason": "不属于我单位职责"}), case)
    assert case.requests.get().state == CaseRequest.State.PENDING

    moved(act(as_role("dispatcher"), case, "approve_return", {"note": "同意改派"}), case)
    case.refresh_from_db()
    assert case.status == Status.PENDING_DISPATCH and case.department_id is None and case.return_count == 1
    assert case.requests.get().state == CaseRequest.State.APPROVED


def test_department_sent_home_after_return_is_approved_goes_home(world, as_role):
    """A department whose own action ends its view of the case lands on the home page, not on a 404."""
    case = add_request(world, case_in(world, Status.IN_PROGRESS), "return")
    moved(act(as_role("dispatcher"), case, "approve_return"), case)
    assert as_role("department").get(page_url(case)).status_code == 404


@pytest.mark.parametrize("hours", ["abc", "0", "-3", "5000", ""])
def test_request_extension_with_bad_hours_shows_the_error_and_keeps_the_reason(world, as_role, hours):
    case = case_in(world, Status.IN_PROGRESS)
    before = snapshot(case)
    response = act(
        as_role("department"), case, "request_extension", {"hours": hours, "reason": "需要调配机械"}
    )
    assert response.status_code == 200
    assert error_for(response, "hours")
    assert "需要调配机械" in response.content.decode()
    assert snapshot(case) == before


def test_request_extension_then_approve(world, as_role):
    case = case_in(world, Status.IN_PROGRESS)
    due_before = case.steps.get(step="dispose").due_at
    moved(
        act(as_role("department"), case, "request_extension", {"hours": "8", "reason": "需要调配机械"}), case
    )
    request = case.requests.get()
    assert request.extension_hours == Decimal("8.0")
    moved(act(as_role("dispatcher"), case, "approve_extension"), case)
    case.refresh_from_db()
    assert case.extension_count == 1 and case.status == Status.IN_PROGRESS
    assert case.steps.get(step="dispose").due_at > due_before


def test_deny_needs_a_reason(world, as_role):
    case = add_request(world, case_in(world, Status.IN_PROGRESS), "suspension")
    client = as_role("dispatcher")
    before = snapshot(case)
    response = act(client, case, "deny_suspension", {"note": ""})
    assert error_for(response, "note") and snapshot(case) == before
    moved(act(client, case, "deny_suspension", {"note": "可以在时限内处置"}), case)
    assert case.requests.get().state == CaseRequest.State.DENIED


def test_submit_feedback_with_several_photos(world, as_role, django_assert_max_num_queries):
    case = case_in(world, Status.IN_PROGRESS)
    client = as_role("department")
    page = client.get(act_url(case, "submit_feedback")).content.decode()
    assert 'enctype="multipart/form-data"' in page and 'accept="image/*"' in page and "capture" in page
    with django_assert_max_num_queries(POST_QUERIES):
        response = act(
            client,
            case,
            "submit_feedback",
            {"result": "已清理完毕", "photos": [photo("a.jpg"), photo("b.png", fmt="PNG")]},
        )
    moved(response, case)
    case.refresh_from_db()
    assert case.status == Status.PENDING_CHECK
    assert case.photos.filter(stage=CasePhoto.Stage.FEEDBACK).count() == 2
    assert case.events.last().note == "已清理完毕"


def test_feedback_errors_inline_keep_the_text_and_ask_for_the_photos_again(world, as_role):
    case = case_in(world, Status.IN_PROGRESS)
    client = as_role("department")
    before = snapshot(case)

    no_photo = act(client, case, "submit_feedback", {"result": "已清理完毕"})
    assert no_photo.status_code == 200 and error_for(no_photo, "photos")
    assert "已清理完毕" in no_photo.content.decode()

    no_result = act(client, case, "submit_feedback", {"result": " ", "photos": [photo()]})
    assert error_for(no_result, "result")
    assert "没有保存，请重新选择" in no_result.content.decode()  # said plainly: files cannot be kept

    not_an_image = act(
        client, case, "submit_feedback", {"result": "已清理", "photos": [photo(), _text_file()]}
    )
    assert "不是可识别的图片" in error_for(not_an_image, "photos")
    assert snapshot(case) == before


def _text_file():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("note.jpg", b"not an image", content_type="image/jpeg")


# ---------------------------------------------------------------- 核查, 结案, 回访, 督办


def test_check_failed_needs_a_reason_then_goes_back_for_rework(world, as_role):
    case = case_in(world, Status.PENDING_CHECK)
    client = as_role("inspector")
    before = snapshot(case)
    response = act(client, case, "check", {"passed": "false", "photos": [photo()]})
    assert "核查不通过须说明原因" in error_for(response, "note")
    assert snapshot(case) == before

    moved(act(client, case, "check", {"passed": "false", "note": "仍有垃圾", "photos": [photo()]}), case)
    case.refresh_from_db()
    assert case.status == Status.IN_PROGRESS and case.rework_count == 1
    assert case.department_id == world.office.pk


def test_check_passed_then_close_then_callback(world, as_role):
    s, p = services, world.p
    case = hotline_report(world)
    case = s.case_send_verify(case=case, actor=p.operator)
    case = s.case_verify(case=case, actor=p.inspector, confirmed=True, photos=[photo()])
    case = s.case_file(case=case, actor=p.shift_leader)
    case = s.case_dispatch(case=case, actor=p.dispatcher, department=world.office)
    case = s.case_submit_feedback(case=case, actor=p.department, result="已清理", photos=[photo()])

    moved(act(as_role("inspector"), case, "check", {"passed": "true", "photos": [photo()]}), case)
    case.refresh_from_db()
    assert case.status == Status.PENDING_CLOSURE

    leader = as_role("shift_leader")
    page = leader.get(page_url(case)).content.decode()
    assert f'<form method="post" action="{act_url(case, "close")}"' in page  # one click, no form to fill
    moved(act(leader, case, "close"), case)
    case.refresh_from_db()
    assert case.status == Status.CLOSED

    hotline = as_role("hotline")
    response = act(hotline, case, "callback", {"note": "已回访"})
    assert error_for(response, "satisfaction")
    moved(act(hotline, case, "callback", {"satisfaction": "basically_satisfied", "note": "已回访"}), case)
    case.refresh_from_db()
    assert case.satisfaction == "basically_satisfied"


def test_reopen_needs_a_reason(world, as_role):
    case = case_in(world, Status.CLOSED)
    client = as_role("shift_leader")
    before = snapshot(case)
    assert error_for(act(client, case, "reopen", {"reason": ""}), "reason")
    assert snapshot(case) == before
    moved(act(client, case, "reopen", {"reason": "回访不满意"}), case)
    case.refresh_from_db()
    assert case.status == Status.PENDING_DISPATCH and case.reopen_count == 1


def test_supervise_with_a_note(world, as_role):
    case = case_in(world, Status.IN_PROGRESS)
    client = as_role("supervisor")
    before = snapshot(case)
    assert error_for(act(client, case, "supervise", {"note": ""}), "note")
    assert snapshot(case) == before
    moved(act(client, case, "supervise", {"note": "请今日内处置完毕"}), case)
    case.refresh_from_db()
    assert case.supervise_count == 1 and case.status == Status.IN_PROGRESS
    assert "请今日内处置完毕" in as_role("department").get(page_url(case)).content.decode()


# ---------------------------------------------------------------- role, scope, htmx


def test_wrong_role_is_refused_inline_and_changes_nothing(world, as_role):
    case = case_in(world, Status.PENDING_DISPATCH)
    before = snapshot(case)
    response = act(as_role("operator"), case, "dispatch", {"department": world.office.pk})
    assert response.status_code == 200
    assert "您的角色不能执行「派遣」" in response.content.decode()
    assert snapshot(case) == before


def test_another_departments_case_is_404_for_form_and_post(world, as_role):
    case = case_in(world, Status.IN_PROGRESS)
    client = as_role("other_department")
    before = snapshot(case)
    assert client.get(act_url(case, "submit_feedback")).status_code == 404
    assert act(client, case, "submit_feedback", {"result": "x", "photos": [photo()]}).status_code == 404
    assert snapshot(case) == before


def test_unknown_action_is_404_and_a_not_allowed_form_goes_back_to_the_case(world, as_role):
    case = report(world)
    client = as_role("operator")
    assert client.get(act_url(case, "explode")).status_code == 404
    assert client.get(act_url(case, "report")).status_code == 404
    response = client.get(act_url(case, "close"))
    assert response.status_code == 302 and response["Location"] == page_url(case)
    assert "当前不能对该案件执行「结案」" in client.get(page_url(case)).content.decode()


def test_htmx_loads_the_form_inline_and_posts_back(world, as_role):
    case = case_in(world, Status.IN_PROGRESS)
    client = as_role("supervisor")
    partial = client.get(act_url(case, "supervise"), HTTP_HX_REQUEST="true")
    body = partial.content.decode()
    assert partial.status_code == 200 and "<html" not in body
    assert f'hx-post="{act_url(case, "supervise")}"' in body and 'name="note"' in body

    error = act(client, case, "supervise", {"note": ""}, HTTP_HX_REQUEST="true")
    assert error.status_code == 200 and "<html" not in error.content.decode() and error_for(error, "note")

    done = act(client, case, "supervise", {"note": "请尽快"}, HTTP_HX_REQUEST="true")
    assert done.status_code == 200 and done["HX-Redirect"] == page_url(case)


def test_destructive_forms_ask_first(world, as_role):
    case = report(world)
    client = as_role("operator")
    assert 'data-confirm="' in client.get(act_url(case, "reject")).content.decode()
    inline = client.get(act_url(case, "reject"), HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-confirm="' in inline and "data-confirm" not in inline
