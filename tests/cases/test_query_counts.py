"""The case endpoints are free of N+1 queries: the count does not grow with the page or the timeline."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases import services as s
from cases.workflow import Status
from tests.cases.conftest import case_in, photo, report

pytestmark = pytest.mark.usefixtures("fast_passwords", "media_root")

CASES = "/api/v1/cases/"


def _queries(api, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = api.get(url)
    assert response.status_code == 200, response.content
    return len(ctx.captured_queries)


def _add_cases(world, n: int) -> None:
    # A mix that fills every related column the list shows: dispatched cases have a department.
    for i in range(n):
        if i % 2:
            s.case_dispatch(
                case=case_in(world, Status.PENDING_DISPATCH),
                actor=world.p.dispatcher,
                department=world.office,
            )
        else:
            report(world)


@pytest.mark.parametrize("role", ["operator", "department", "inspector"])
def test_list_queries_do_not_grow_with_the_page(api, world, role):
    user = getattr(world.p, role)
    api.force_authenticate(user)
    _add_cases(world, 5)
    small_page = api.get(CASES).json()["results"]
    few = _queries(api, CASES)
    _add_cases(world, 35)
    large_page = api.get(CASES).json()["results"]
    many = _queries(api, CASES)
    assert len(large_page) > len(small_page)  # the page really grew for this user
    assert many == few


def _busy(world):
    """A case in progress with a long history: reworks with photos, decided requests, 督办."""
    p = world.p
    case = case_in(world, Status.IN_PROGRESS)
    for i in range(4):
        s.case_submit_feedback(
            case=case, actor=p.department, result=f"第{i + 1}次处理", photos=[photo(), photo()]
        )
        s.case_check(case=case, actor=p.inspector, passed=False, note="未处理到位", photos=[photo()])
        s.case_request_extension(case=case, actor=p.department, reason="需要时间", hours=2)
        s.case_approve_extension(case=case, actor=p.dispatcher)
        s.case_supervise(case=case, actor=p.supervisor, note="请加快")
    return case


@pytest.mark.parametrize("role", ["dispatcher", "department", "inspector", "supervisor"])
def test_detail_queries_do_not_grow_with_the_timeline(api, world, role):
    api.force_authenticate(getattr(world.p, role))
    quiet = case_in(world, Status.IN_PROGRESS)
    busy = _busy(world)
    assert busy.events.count() >= 20 and busy.photos.count() >= 12 and busy.requests.count() == 4
    assert _queries(api, f"{CASES}{busy.pk}/") == _queries(api, f"{CASES}{quiet.pk}/")


def test_detail_query_count_is_bounded(api, world, django_assert_max_num_queries):
    api.force_authenticate(world.p.dispatcher)
    busy = _busy(world)
    with django_assert_max_num_queries(15):
        assert api.get(f"{CASES}{busy.pk}/").status_code == 200
