"""The case page: what each role sees on it (buttons, caller, photos, deadlines, nearby duplicates), its
scope, and a query count that does not grow with the case's history."""

import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases import services
from cases.intake.duplicates import find_suspects
from cases.models import CasePhoto, DuplicateSuspect
from cases.rules import allowed_actions
from cases.workflow import Status
from tests.cases.conftest import add_request, case_in, hotline_report
from tests.web.conftest import photo, report

pytestmark = pytest.mark.usefixtures("media_root", "fast_passwords")

# The case page's own reads (22), then the panels of the apps above cases (cases/web/extensions.py):
# campaign tags and 回潮 chain, enforcement party and outcomes, notice deliveries — a fixed two more;
# the streets' panel (docs/domain.md §13): the case's 二级派遣 and its 提级 — two more.
PAGE_QUERIES = 22 + 2 + 2


def url(case) -> str:
    return f"/cases/{case.pk}/"


def buttons(response) -> list[str]:
    """The actions offered on the page, in page order (every button carries data-action)."""
    return re.findall(r'data-action="([a-z_]+)"', response.content.decode())


def html(response) -> str:
    return response.content.decode()


def test_operator_sees_exactly_the_allowed_buttons_on_a_reported_case(
    world, as_role, django_assert_max_num_queries
):
    case = report(world)
    client = as_role("operator")
    with django_assert_max_num_queries(PAGE_QUERIES):
        response = client.get(url(case))
    assert response.status_code == 200
    shown = buttons(response)
    assert sorted(shown) == sorted(allowed_actions(case, world.p.operator))
    assert {"accept", "send_verify", "reject"} <= set(shown)
    page = html(response)
    for label in ("受理", "派发核实", "不予受理"):
        assert f">{label}<" in page
    assert "dispatch" not in shown and "supervise" not in shown


def test_supervisor_on_a_reported_case_sees_none_of_the_operators_buttons(world, as_role):
    case = report(world)
    shown = buttons(as_role("supervisor").get(url(case)))
    assert not {"accept", "send_verify", "reject"} & set(shown)
    assert "supervise" in shown
    assert sorted(shown) == sorted(allowed_actions(case, world.p.supervisor))


def test_department_sees_its_own_actions_and_not_the_centres(world, as_role):
    case = case_in(world, Status.IN_PROGRESS)
    shown = buttons(as_role("department").get(url(case)))
    assert {"submit_feedback", "request_return", "request_extension", "request_suspension"} <= set(shown)
    assert not {"accept", "send_verify", "reject", "dispatch", "close", "check"} & set(shown)
    assert sorted(shown) == sorted(allowed_actions(case, world.p.department))


def test_shift_leader_with_nothing_to_do_sees_no_buttons_and_a_note(world, as_role):
    case = case_in(world, Status.IN_PROGRESS)
    response = as_role("hotline").get(url(case))
    assert buttons(response) == ["request_void"]
    closed = case_in(world, Status.REJECTED)
    response = as_role("department").get(url(closed))
    assert response.status_code == 404  # never dispatched to the department: outside its scope


def test_caller_is_hidden_from_the_department_and_shown_to_the_centre(world, as_role):
    s, p = services, world.p
    case = hotline_report(world, reporter_name="张先生", reporter_phone="13912345678")
    case = s.case_send_verify(case=case, actor=p.operator)
    case = s.case_verify(case=case, actor=p.inspector, confirmed=True, photos=[photo()])
    case = s.case_file(case=case, actor=p.shift_leader)
    case = s.case_dispatch(case=case, actor=p.dispatcher, department=world.office)

    department_page = html(as_role("department").get(url(case)))
    assert case.number in department_page
    assert "13912345678" not in department_page and "张先生" not in department_page
    assert "data-caller" not in department_page

    operator_page = html(as_role("operator").get(url(case)))
    assert "13912345678" in operator_page and "张先生" in operator_page


def test_another_department_and_another_inspector_get_404(world, as_role):
    case = case_in(world, Status.IN_PROGRESS)
    assert as_role("other_department").get(url(case)).status_code == 404
    assert as_role("other_inspector").get(url(case)).status_code == 404
    assert as_role("department").get(url(case)).status_code == 200
    assert as_role("inspector").get(url(case)).status_code == 200


def test_signed_out_goes_to_login(world, client):
    case = report(world)
    response = client.get(url(case))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_facts_timeline_photos_deadlines_and_map(world, as_role):
    case = report(world, photos=[photo("before.jpg")], address="友谊路 12 号")
    case = services.case_accept(case=case, actor=world.p.operator, note="受理意见甲")
    case = services.case_file(case=case, actor=world.p.shift_leader)
    case = services.case_dispatch(case=case, actor=world.p.dispatcher, department=world.office)
    case = services.case_submit_feedback(
        case=case, actor=world.p.department, result="已清理干净", photos=[photo("after.jpg")]
    )
    response = as_role("operator").get(url(case))
    page = html(response)

    # Facts
    for text in (
        case.number,
        "待核查",
        "事项",
        "暴露垃圾",
        "06",
        "市容环境类",
        "友谊路 12 号",
        world.grid.code,
        world.community.name,
        world.street.name,
        "监督员上报",
        world.office.name,
    ):
        assert text in page, text
    # Timeline: each event with its label and role, newest last
    events = re.findall(r'data-event="([a-z_]+)"', page)
    assert events == ["report", "accept", "file", "dispatch", "submit_feedback"]
    assert "受理意见甲" in page and "已清理干净" in page and "受理员" in page
    # Before / after photos side by side, thumbnails linking to the full image
    before = case.photos.get(stage=CasePhoto.Stage.REPORT)
    after = case.photos.get(stage=CasePhoto.Stage.FEEDBACK)
    before_at, after_at = page.index(before.thumbnail.url), page.index(after.thumbnail.url)
    assert before_at < page.index("处置后") < after_at
    assert f'href="{before.image.url}"' in page and f'href="{after.image.url}"' in page
    # Deadlines: the running step's light as a colour and a word, with the time left
    assert 'class="light light-green"' in page and "绿灯" in page and "剩余" in page
    assert "核查" in page and "处置" in page
    # The small map with the case point and its grid
    data = json.loads(
        re.search(r'<script id="case-map-data" type="application/json">(.*?)</script>', page).group(1)
    )
    assert data["grid"] == world.grid.code and data["number"] == case.number
    assert (data["lng"], data["lat"]) == (case.lng, case.lat)
    assert 'id="case-map"' in page and "map small" in page


def test_pending_request_shows_reason_and_the_decision_buttons_next_to_it(world, as_role):
    case = add_request(world, case_in(world, Status.IN_PROGRESS), "extension")
    page = html(as_role("dispatcher").get(url(case)))
    request_block = page[page.index('data-request="extension"') :]
    request_block = request_block[: request_block.index("</article>")]
    assert "需要调配机械" in request_block
    assert (
        'data-action="approve_extension"' in request_block and 'data-action="deny_extension"' in request_block
    )
    # The department that asked sees the request waiting, without the decision buttons
    department_page = html(as_role("department").get(url(case)))
    assert "需要调配机械" in department_page and "approve_extension" not in department_page


def test_query_count_does_not_grow_with_events_and_photos(world, as_role):
    client = as_role("operator")

    def queries_for(case) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url(case)).status_code == 200
        return len(ctx.captured_queries)

    small = case_in(world, Status.IN_PROGRESS)
    big = case_in(world, Status.IN_PROGRESS)
    for n in range(6):
        services.case_supervise(case=big, actor=world.p.supervisor, note=f"督办 {n}")
        add_request(world, big, "extension")
        services.case_deny_extension(case=big, actor=world.p.dispatcher, note="不同意")
    big = services.case_submit_feedback(
        case=big, actor=world.p.department, result="已处理", photos=[photo() for _ in range(5)]
    )
    big = services.case_check(
        case=big, actor=world.p.inspector, passed=False, note="未清理", photos=[photo()]
    )
    small = services.case_submit_feedback(
        case=small, actor=world.p.department, result="已处理", photos=[photo()]
    )
    small = services.case_check(
        case=small, actor=world.p.inspector, passed=False, note="未清理", photos=[photo()]
    )
    assert big.events.count() > small.events.count() + 15 and big.photos.count() > small.photos.count() + 3
    queries_for(small)  # warm the calendar cache
    assert queries_for(big) == queries_for(small) <= PAGE_QUERIES


# ---------------------------------------------------------------- nearby similar cases


def test_nearby_similar_cases_with_one_click_reject_as_duplicate(world, as_role):
    lat = world.inside[1]
    original = report(world, where=(117.2001, lat), description="垃圾桶满溢")
    newer = report(world, where=(117.2003, lat), description="垃圾桶满溢，无人清理")  # ≈ 17 m east
    far = report(world, where=(117.2009, lat + 0.0004))  # ≈ 68 m: outside the 50 m radius
    other_kind = report(world, where=(117.2002, lat), category=world.component_cat)
    find_suspects(newer)
    assert DuplicateSuspect.objects.filter(case=newer, original=original).exists()

    page = html(as_role("operator").get(url(newer)))
    section = page[page.index('id="nearby-title"') :]
    section = section[: section.index("</section>")]
    assert original.number in section and "17 米" in section and "待受理" in section
    assert far.number not in section and other_kind.number not in section
    assert "系统疑似重复" in section
    assert f'data-duplicate-of="{original.pk}"' in section

    response = as_role("operator").post(
        reverse("case-action", args=[newer.pk, "reject"]),
        {"reason": "duplicate", "duplicate_of": original.number},
    )
    assert response.status_code == 302 and response["Location"] == url(newer)
    newer.refresh_from_db()
    assert newer.status == Status.REJECTED and newer.duplicate_of_id == original.pk
    assert (
        DuplicateSuspect.objects.get(case=newer, original=original).state == DuplicateSuspect.State.CONFIRMED
    )
    # Once rejected there is nothing left to decide: no reject buttons
    page = html(as_role("operator").get(url(newer)))
    assert "data-duplicate-of" not in page


def test_nearby_section_only_for_the_centre(world, as_role):
    case = case_in(world, Status.IN_PROGRESS)
    assert "nearby-title" not in html(as_role("department").get(url(case)))
    assert "nearby-title" not in html(as_role("supervisor").get(url(case)))
    assert "nearby-title" in html(as_role("shift_leader").get(url(case)))
    assert "附近没有相似案件" in html(as_role("shift_leader").get(url(case)))
    # Not 待受理 any more: listed but no reject button
    report(world, where=world.inside)
    assert "data-duplicate-of" not in html(as_role("operator").get(url(case)))
