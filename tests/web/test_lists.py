"""The queue pages and the case search (issue #5 points 5, 6, 7, 9): content, filters, sorting,
pagination, htmx refresh, scope, and a query count that does not grow with the rows."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases.models import TimedStep
from cases.workflow import Status
from tests.cases.conftest import case_in, hotline_report
from tests.web.conftest import report

pytestmark = pytest.mark.usefixtures("fast_passwords", "media_root")

# Session, user, roles, notification badge; the filter form's streets and 大类; count; rows.
PAGE_QUERIES = 8


def numbers_in(html: str) -> list[str]:
    """Case numbers in row order (each row's number links to its case page)."""
    return re.findall(r'<th scope="row" class="number">\s*<a href="/cases/\d+/">([^<]+)</a>', html)


def set_step(case, **values):
    TimedStep.objects.filter(case=case, finished_at__isnull=True).update(**values)


def queries_of(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_operator_queue_lists_cases_with_their_columns(world, as_role, django_assert_max_num_queries):
    case = report(world, address="友谊路 3 号")
    client = as_role("operator")
    with django_assert_max_num_queries(PAGE_QUERIES):
        response = client.get("/queues/accept/")
    assert response.status_code == 200
    html = response.content.decode()
    assert numbers_in(html) == [case.number]
    assert f'href="/cases/{case.pk}/"' in html
    for text in (
        "暴露垃圾",
        "友谊路 3 号",
        world.grid.code,
        "监督员上报",
        "一般",
        "绿灯",
        "light-green",
        "共 1 件",
    ):
        assert text in html, text
    assert 'data-check-all="case"' in html and "受理所选" in html  # the operator's bulk bar
    assert re.search(r'aria-sort="ascending"><a [^>]*>上报时间', html)  # oldest first by default
    assert '<label for="id_q">搜索</label>' in html and 'name="created_after"' in html


@pytest.mark.parametrize(
    "key, status, role",
    [
        ("accept", Status.REPORTED, "operator"),
        ("file", Status.PENDING_FILING, "shift_leader"),
        ("dispatch", Status.PENDING_DISPATCH, "dispatcher"),
        ("in_progress", Status.IN_PROGRESS, "department"),
        ("in_progress", Status.IN_PROGRESS, "dispatcher"),
    ],
)
def test_queries_do_not_grow_with_the_rows(world, as_role, key, status, role, django_assert_max_num_queries):
    """3 rows and 30 rows cost the same number of queries (the rows' deadlines come with them)."""
    client = as_role(role)
    for _ in range(3):
        case_in(world, status, pending="extension" if status == Status.IN_PROGRESS else None)
    url = f"/queues/{key}/"
    client.get(url)  # warm per-process caches (calendar, content types)
    few = queries_of(client, url)
    for _ in range(27):
        case_in(world, status, pending="extension" if status == Status.IN_PROGRESS else None)
    with django_assert_max_num_queries(few):
        response = client.get(url)
    assert len(numbers_in(response.content.decode())) == 25
    assert few <= PAGE_QUERIES + 2  # + suggestions (dispatch) or pending requests (处置中)


def test_search_queries_do_not_grow_with_the_rows(world, as_role, django_assert_max_num_queries):
    client = as_role("supervisor")
    for _ in range(3):
        report(world)
    few = queries_of(client, "/cases/")
    for _ in range(27):
        report(world)
    with django_assert_max_num_queries(few):
        client.get("/cases/")
    assert few <= PAGE_QUERIES


def test_unknown_queue_is_404_and_someone_elses_queue_is_403(world, as_role):
    assert as_role("operator").get("/queues/nope/").status_code == 404
    assert as_role("inspector").get("/queues/accept/").status_code == 403
    assert as_role("inspector").get("/queues/in_progress/").status_code == 403
    assert as_role("department").get("/queues/dispatch/").status_code == 403
    assert as_role("operator").get("/queues/close/").status_code == 403


def test_a_department_sees_only_its_own_cases(world, as_role):
    mine = case_in(world, Status.IN_PROGRESS)  # dispatched to world.office, the department's
    html = as_role("department").get("/queues/in_progress/").content.decode()
    assert numbers_in(html) == [mine.number]
    other = as_role("other_department")
    assert numbers_in(other.get("/queues/in_progress/").content.decode()) == []
    assert "暂无待办案件" in other.get("/queues/in_progress/").content.decode()
    assert numbers_in(other.get("/cases/").content.decode()) == []
    assert numbers_in(other.get(f"/cases/?q={mine.number}").content.decode()) == []


def test_in_progress_is_sorted_by_deadline_and_late_rows_stand_out(world, as_role):
    now = timezone.now()
    later, red, yellow = (case_in(world, Status.IN_PROGRESS) for _ in range(3))
    set_step(later, due_at=now + timedelta(days=3))
    set_step(red, due_at=now - timedelta(hours=2), light="red")
    set_step(yellow, due_at=now + timedelta(hours=1), light="yellow")
    client = as_role("department")
    html = client.get("/queues/in_progress/").content.decode()
    assert numbers_in(html) == [red.number, yellow.number, later.number]
    assert re.search(r'aria-sort="ascending"><a [^>]*>当前环节时限', html)
    assert 'class="row-red"' in html and 'class="row-yellow"' in html
    assert "红灯" in html and "黄灯" in html and "已超" in html
    html = client.get("/queues/in_progress/?sort=-deadline").content.decode()
    assert numbers_in(html) == [later.number, yellow.number, red.number]
    assert re.search(r'aria-sort="descending"><a [^>]*>当前环节时限', html)
    # Sort links keep the filters and flip the direction.
    html = client.get("/queues/in_progress/?light=red&sort=deadline").content.decode()
    assert numbers_in(html) == [red.number]
    assert 'href="?light=red&amp;sort=-deadline"' in html


def test_dispatchers_reach_return_and_redispatch_from_their_in_progress_queue(world, as_role):
    case = case_in(world, Status.IN_PROGRESS, pending="return")
    html = as_role("dispatcher").get("/queues/in_progress/").content.decode()
    assert "审批 / 改派" in html and 'href="/ledger/"' in html
    assert "待审批回退" in html and f'href="/cases/{case.pk}/"' in html
    assert "审批 / 改派" not in as_role("department").get("/queues/in_progress/").content.decode()
    assert "data-check-all" not in html  # no bulk action on 处置中


def test_filters_narrow_the_queue(world, as_role):
    urgent = report(world, urgency="urgent", address="紧急路 1 号")
    plain = report(world, address="平常路 2 号")
    client = as_role("operator")
    assert numbers_in(client.get("/queues/accept/?urgency=urgent").content.decode()) == [urgent.number]
    assert numbers_in(client.get("/queues/accept/?q=平常路").content.decode()) == [plain.number]
    assert numbers_in(client.get(f"/queues/accept/?street={world.street.code}").content.decode()) == [
        urgent.number,
        plain.number,
    ]
    assert numbers_in(client.get("/queues/accept/?street=nowhere").content.decode()) == []
    set_step(plain, light="red")
    assert numbers_in(client.get("/queues/accept/?overdue=true").content.decode()) == [plain.number]
    assert numbers_in(client.get("/queues/accept/?light=green").content.decode()) == [urgent.number]
    html = client.get("/queues/accept/?kind=component").content.decode()
    assert "没有符合筛选条件的案件" in html and "清除筛选" in html


def test_invalid_filter_input_shows_its_error_next_to_the_field(world, as_role):
    case = report(world)
    html = as_role("operator").get("/queues/accept/?created_after=not-a-date&urgency=bogus").content.decode()
    after = html.index('name="created_after"')
    assert "field-error" in html[after : after + 400]  # the error right under the date field
    assert 'aria-invalid="true"' in html
    assert numbers_in(html) == [case.number]  # the other filters still apply; the bad ones are ignored


def test_filters_the_form_does_not_show_are_kept(world, as_role):
    """A KPI drill-down's flags (not on the compact form) still filter and ride along as hidden fields."""
    report(world)
    html = as_role("shift_leader").get("/cases/?reworked=true").content.decode()
    assert numbers_in(html) == []
    assert '<input type="hidden" name="reworked" value="true">' in html


def test_queue_pages_by_25(world, as_role):
    cases = [report(world) for _ in range(27)]
    client = as_role("operator")
    first = client.get("/queues/accept/?urgency=normal").content.decode()
    assert numbers_in(first) == [c.number for c in cases[:25]]
    assert "第 1 / 2 页，共 27 条" in first and 'href="?urgency=normal&amp;page=2"' in first
    second = client.get("/queues/accept/?urgency=normal&page=2").content.decode()
    assert numbers_in(second) == [c.number for c in cases[25:]]
    assert numbers_in(client.get("/queues/accept/?page=99").content.decode()) == [
        c.number for c in cases[25:]
    ]


def test_htmx_refresh_returns_only_the_results(world, as_role):
    case = report(world)
    response = as_role("operator").get("/queues/accept/?q=" + case.number, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and 'id="filter-form"' not in html
    assert html.lstrip().startswith('<div id="results"') and numbers_in(html) == [case.number]
    assert 'hx-swap-oob="true"' in html  # the sort field and the filter errors follow along
    full = as_role("operator").get("/queues/accept/").content.decode()
    assert 'hx-get="/queues/accept/"' in full and 'hx-push-url="true"' in full


def test_search_shows_every_state_the_user_may_see(world, as_role):
    closed = case_in(world, Status.CLOSED)
    new = report(world)
    hotline = hotline_report(world)
    client = as_role("shift_leader")
    html = client.get("/cases/").content.decode()
    assert numbers_in(html) == [hotline.number, new.number, closed.number]  # newest first
    assert "已结案" in html and "状态" in html
    html = client.get("/cases/?status=closed").content.decode()
    assert numbers_in(html) == [closed.number]
    html = client.get("/cases/?source=hotline_12345&source=inspector&sort=created_at").content.decode()
    assert numbers_in(html) == [closed.number, new.number, hotline.number]
    html = client.get("/cases/?sort=deadline").content.decode()
    assert numbers_in(html)[-1] == closed.number  # no running step: last
    assert "data-check-all" not in html  # no bulk actions on the search page


def test_case_search_for_a_department_is_its_own_cases(world, as_role):
    mine = case_in(world, Status.IN_PROGRESS)
    report(world)  # not dispatched: not the department's
    assert numbers_in(as_role("department").get("/cases/").content.decode()) == [mine.number]


def test_signed_out_visitors_go_to_the_login_page(client, world):
    assert client.get("/queues/accept/").status_code == 302
    assert client.get("/cases/").status_code == 302
    assert client.get("/ledger/").status_code == 302
