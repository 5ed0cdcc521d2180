"""The inspector's pages: report (position, category, photos, 自行处置), my tasks (list + GeoJSON), my reports."""

import re

import pytest
from django.urls import reverse

from cases import services
from cases.models import Case, CaseEvent, CasePhoto
from cases.workflow import Status
from tests.cases.conftest import case_in, hotline_report, photo, report

# 我的任务: the cases' queries (7), then the task sources the apps above cases register
# (cases/web/extensions.py: 回头看, 随机抽查, 整改复查), two reads in all — whatever the number of tasks.
TASK_PAGE_QUERIES = 7 + 2

pytestmark = pytest.mark.usefixtures("media_root", "fast_passwords")


def section(html: str, marker: str) -> str:
    """The fieldset that starts at `marker` (an id or class attribute), up to its closing tag."""
    start = html.index(marker)
    return html[start : html.index("</fieldset>", start)]


def form_data(world, **changes) -> dict:
    lng, lat = world.inside
    data = {
        "lng": lng,
        "lat": lat,
        "address": "友谊路32号门前",
        "category": world.event_cat.pk,
        "urgency": "normal",
        "description": "路边有暴露垃圾",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


# ---------------------------------------------------------------- report


def test_report_page_has_map_picker_and_photo_inputs(world, as_role, django_assert_max_num_queries):
    client = as_role("inspector")
    with django_assert_max_num_queries(6):
        response = client.get(reverse("inspector-report"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "data-position" in html and 'data-locate-url="/map/locate/"' in html
    assert 'capture="environment"' in html and "multiple" in html and 'accept="image/*"' in html
    # The picker starts with the 大类 of 部件 and 事项 to browse.
    assert "市容环境类" in html and "市政公用设施" in html
    assert 'id="report-strings"' in html  # report.js strings, no inline script
    assert "<script>" not in html


def test_report_with_two_photos_creates_the_case_in_the_right_grid(
    world, as_role, django_assert_max_num_queries
):
    client = as_role("inspector")
    data = form_data(world, photos=[photo("a.jpg"), photo("b.jpg")])
    response = client.post(reverse("inspector-report"), data)
    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("case-detail", args=[case.pk]) + "?reported=1"
    # Issue #25: the case page says it worked and offers the next report, not only 申请作废.
    shown = client.get(response["Location"]).content.decode()
    assert f"上报成功：案件 {case.number} 已提交指挥中心受理。" in shown
    assert "data-next-steps" in shown and f'href="{reverse("inspector-report")}">继续上报' in shown
    assert case.grid == world.grid
    assert case.reporter == world.p.inspector
    assert case.source == "inspector" and case.status == Status.REPORTED
    assert case.category == world.event_cat and case.address == "友谊路32号门前"
    assert case.photos.filter(stage=CasePhoto.Stage.REPORT).count() == 2


def test_a_report_page_sent_twice_saves_one_case(world, as_role):
    """A double tap or a browser retry posts the same page twice: its hidden key makes one case, and
    the second post lands on that case's page as the first did."""
    client = as_role("inspector")
    page = client.get(reverse("inspector-report")).content.decode()
    key = re.search(r'name="submission_key" value="([0-9a-f]{32})"', page).group(1)
    assert key not in client.get(reverse("inspector-report")).content.decode()  # a new key per page
    first = client.post(reverse("inspector-report"), form_data(world, photos=[photo()], submission_key=key))
    second = client.post(reverse("inspector-report"), form_data(world, photos=[photo()], submission_key=key))
    case = Case.objects.get()
    assert first["Location"] == second["Location"] == reverse("case-detail", args=[case.pk]) + "?reported=1"
    assert case.events.count() == 1 and case.photos.count() == 1


def test_a_tampered_report_key_is_refused_where_it_can_be_read(world, as_role):
    client = as_role("inspector")
    response = client.post(
        reverse("inspector-report"), form_data(world, photos=[photo()], submission_key="<x>")
    )
    assert response.status_code == 200 and not Case.objects.exists()
    assert "submission_key 无效" in response.content.decode()  # shown as a form error, not on a hidden input


def test_out_of_district_position_is_refused_next_to_the_map_and_nothing_is_saved(world, as_role):
    client = as_role("inspector")
    response = client.post(
        reverse("inspector-report"), form_data(world, lng=116.0, lat=38.5, photos=[photo()])
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert Case.objects.count() == 0 and CasePhoto.objects.count() == 0
    position = section(html, 'id="position"')
    assert "不在" in position and "field-error" in position
    # Every typed value is kept; photos must be chosen again, and the page says so next to the field.
    assert "路边有暴露垃圾" in html and 'value="友谊路32号门前"' in html
    assert f'value="{world.event_cat.pk}" checked' in html
    assert "照片需要重新选择" in section(html, 'class="photo-field')


def test_missing_category_is_shown_in_the_picker_with_other_values_kept(world, as_role):
    client = as_role("inspector")
    response = client.post(reverse("inspector-report"), form_data(world, category=None, category_q="垃圾"))
    html = response.content.decode()
    assert response.status_code == 200
    assert Case.objects.count() == 0
    assert "请选择问题类别" in section(html, 'class="category-picker')
    assert 'value="垃圾"' in html  # the search words, with their matches listed again
    assert world.event_cat.name in section(html, 'class="category-picker')
    assert "路边有暴露垃圾" in html and 'value="117.2005"' in html and 'value="39.0505"' in html
    # The position was fine: the grid shows without asking the browser again.
    assert world.grid.code in section(html, 'id="position"')


def test_missing_position_asks_to_locate(world, as_role):
    response = as_role("inspector").post(reverse("inspector-report"), form_data(world, lng="", lat=""))
    assert "请点“定位”或在地图上点选问题位置" in section(response.content.decode(), 'id="position"')
    assert Case.objects.count() == 0


def test_self_resolved_report_goes_to_pending_closure_with_after_photos(world, as_role):
    client = as_role("inspector")
    data = form_data(
        world, self_resolved="on", photos=[photo()], after_photos=[photo("after1.jpg"), photo("after2.jpg")]
    )
    response = client.post(reverse("inspector-report"), data)
    case = Case.objects.get()
    assert response.status_code == 302
    assert case.self_resolved and case.status == Status.PENDING_CLOSURE
    assert case.photos.filter(stage=CasePhoto.Stage.FEEDBACK).count() == 2


def test_self_resolved_without_after_photo_is_refused_next_to_it(world, as_role):
    response = as_role("inspector").post(reverse("inspector-report"), form_data(world, self_resolved="on"))
    html = response.content.decode()
    assert "自行处置须上传处置后照片" in section(html, 'class="when-self-resolved')
    assert re.search(r'role="switch"[^>]*checked', html)  # the switch stays on, so the field stays shown
    assert Case.objects.count() == 0


def test_after_photos_are_ignored_unless_self_resolved(world, as_role):
    as_role("inspector").post(reverse("inspector-report"), form_data(world, after_photos=[photo()]))
    case = Case.objects.get()
    assert not case.self_resolved and case.photos.count() == 0


def test_report_page_is_for_inspectors(world, as_role):
    assert as_role("operator").get(reverse("inspector-report")).status_code == 403
    assert as_role("operator").post(reverse("inspector-report"), form_data(world)).status_code == 403
    assert Case.objects.count() == 0


# ---------------------------------------------------------------- position and category helpers


def test_position_locate_answers_inside_and_outside(world, as_role):
    client = as_role("inspector")
    inside = client.get(reverse("position-locate"), {"lng": world.inside[0], "lat": world.inside[1]}).json()
    assert inside["inside"] and inside["code"] == world.grid.code
    assert inside["community"]["name"] == world.community.name
    outside = client.get(reverse("position-locate"), {"lng": 116.0, "lat": 38.5})
    assert outside.status_code == 200 and not outside.json()["inside"] and outside.json()["detail"]


def test_category_options_search_names_keywords_and_codes(world, as_role, django_assert_max_num_queries):
    client = as_role("inspector")
    world.component_cat.keywords = "窨井 马葫芦"
    world.component_cat.save()
    url = reverse("category-options")
    with django_assert_max_num_queries(4):
        by_name = client.get(url, {"category_q": "垃圾"}).content.decode()
    assert world.event_cat.name in by_name and world.component_cat.name not in by_name
    assert "事项" in by_name and "06 市容环境类" in by_name
    assert world.component_cat.name in client.get(url, {"category_q": "马葫芦"}).content.decode()
    assert (
        world.component_cat.name in client.get(url, {"category_q": world.component_cat.code}).content.decode()
    )
    browse = client.get(url, {"major": "06", "kind": "event"}).content.decode()
    assert world.event_cat.name in browse and world.component_cat.name not in browse
    # The chosen category stays on top, checked, whatever is searched.
    kept = client.get(url, {"category_q": "马葫芦", "category": world.event_cat.pk}).content.decode()
    assert f'value="{world.event_cat.pk}" checked' in kept
    assert "没有找到" in client.get(url, {"category_q": "不存在的东西"}).content.decode()


# ---------------------------------------------------------------- my tasks


def other_grid_verifying(world) -> Case:
    case = hotline_report(world, where=world.other_inside)
    return services.case_send_verify(case=case, actor=world.p.operator)


def test_my_tasks_lists_only_my_grids_verify_and_check_cases(world, as_role, django_assert_max_num_queries):
    verifying = case_in(world, Status.VERIFYING)
    checking = case_in(world, Status.PENDING_CHECK)
    not_a_task = case_in(world, Status.PENDING_FILING)
    elsewhere = other_grid_verifying(world)
    client = as_role("inspector")

    with django_assert_max_num_queries(TASK_PAGE_QUERIES):
        html = client.get(reverse("inspector-tasks")).content.decode()
    assert verifying.number in html and checking.number in html
    assert not_a_task.number not in html and elsewhere.number not in html
    assert reverse("case-detail", args=[verifying.pk]) in html
    assert "light-green" in html
    assert 'id="tasks-map"' in html and 'data-cases-url="/inspector/tasks.geojson"' in html

    with django_assert_max_num_queries(5):
        geo = client.get(reverse("inspector-tasks-geojson")).json()
    props = {f["properties"]["number"]: f["properties"] for f in geo["features"]}
    assert set(props) == {verifying.number, checking.number}
    assert props[verifying.number]["url"] == reverse("case-detail", args=[verifying.pk])
    assert props[verifying.number]["light"] == "green"
    assert props[checking.number]["label"].startswith("核查")
    point = next(f for f in geo["features"] if f["properties"]["number"] == verifying.number)
    assert point["geometry"]["coordinates"] == [verifying.lng, verifying.lat]

    # More tasks, the same number of queries.
    for _ in range(3):
        case_in(world, Status.VERIFYING)
    with django_assert_max_num_queries(TASK_PAGE_QUERIES):
        assert client.get(reverse("inspector-tasks")).content.decode().count('class="task-card') == 5
    with django_assert_max_num_queries(5):
        assert len(client.get(reverse("inspector-tasks-geojson")).json()["features"]) == 5


def test_other_inspector_sees_their_own_tasks(world, as_role):
    elsewhere = other_grid_verifying(world)
    mine = case_in(world, Status.VERIFYING)
    html = as_role("other_inspector").get(reverse("inspector-tasks")).content.decode()
    assert elsewhere.number in html and mine.number not in html


def test_tasks_are_nearest_deadline_first(world, as_role):
    first = case_in(world, Status.VERIFYING)
    second = case_in(world, Status.VERIFYING)
    # Pull the second one's deadline forward: it must now come first.
    step = second.steps.get(finished_at__isnull=True)
    step.due_at = first.steps.get(finished_at__isnull=True).due_at.replace(year=2000)
    step.save(update_fields=["due_at"])
    html = as_role("inspector").get(reverse("inspector-tasks")).content.decode()
    assert html.index(second.number) < html.index(first.number)


def test_tasks_pages_are_for_inspectors(world, as_role):
    assert as_role("department").get(reverse("inspector-tasks")).status_code == 403
    assert as_role("department").get(reverse("inspector-tasks-geojson")).status_code == 403


# ---------------------------------------------------------------- my reports


def test_history_lists_my_reports_newest_first(world, as_role, django_assert_max_num_queries):
    older = report(world, description="第一件")
    newer = report(world, description="第二件", category=world.component_cat)
    theirs = report(world, world.p.other_inspector, where=world.other_inside)
    hotline_in_my_grid = hotline_report(world)
    client = as_role("inspector")
    with django_assert_max_num_queries(7):
        html = client.get(reverse("inspector-history")).content.decode()
    assert older.number in html and newer.number in html
    assert html.index(newer.number) < html.index(older.number)
    assert theirs.number not in html and hotline_in_my_grid.number not in html
    assert "待受理" in html

    services.case_accept(case=older, actor=world.p.operator)
    filtered = client.get(reverse("inspector-history"), {"status": "pending_filing"}).content.decode()
    assert older.number in filtered and newer.number not in filtered


def test_history_is_paginated_without_more_queries(world, as_role, django_assert_max_num_queries):
    for i in range(22):
        report(world, description=f"问题{i}")
    client = as_role("inspector")
    with django_assert_max_num_queries(7):
        first = client.get(reverse("inspector-history")).content.decode()
    assert first.count('class="task-card"') == 20 and 'rel="next"' in first
    with django_assert_max_num_queries(7):
        second = client.get(reverse("inspector-history"), {"page": 2}).content.decode()
    assert second.count('class="task-card"') == 2


def test_no_event_is_written_by_a_refused_report(world, as_role):
    as_role("inspector").post(reverse("inspector-report"), form_data(world, lng=116.0, lat=38.5))
    assert CaseEvent.objects.count() == 0


# ---------------------------------------------------------------- sorting and filters (issue #5 point 9)


def test_tasks_sort_both_ways_filter_and_keep_the_filters_in_the_links(
    world, as_role, django_assert_max_num_queries
):
    first = case_in(world, Status.VERIFYING)
    second = case_in(world, Status.VERIFYING)
    checking = case_in(world, Status.PENDING_CHECK)
    client = as_role("inspector")

    def tasks(**params):
        html = client.get(reverse("inspector-tasks"), params).content.decode()
        return re.findall(r'data-task="([^"]+)"', html), html

    with django_assert_max_num_queries(TASK_PAGE_QUERIES):
        up, html = tasks(sort="number")
    assert up == sorted(up) and len(up) == 3
    assert re.search(r'href="/inspector/tasks/\?sort=-number" aria-current="true">编号', html)
    down, html = tasks(sort="-number")
    assert down == up[::-1]
    assert 'href="/inspector/tasks/?sort=number" aria-current="true"' in html

    # CaseFilterSet filters (核实 only, words, light); the sort links and the map keep them.
    with django_assert_max_num_queries(TASK_PAGE_QUERIES):
        only, html = tasks(status="verifying", sort="-number")
    assert only == [second.number, first.number]
    assert 'href="/inspector/tasks/?status=verifying&amp;sort=number"' in html
    assert 'data-cases-url="/inspector/tasks.geojson?status=verifying"' in html
    assert tasks(q=checking.number)[0] == [checking.number]
    none, html = tasks(light="red")
    assert none == [] and "没有符合筛选条件的任务" in html
    geo = client.get(reverse("inspector-tasks-geojson"), {"status": "pending_check"}).json()
    assert [f["properties"]["number"] for f in geo["features"]] == [checking.number]


def test_tasks_unknown_sort_falls_back_to_nearest_deadline(world, as_role):
    first = case_in(world, Status.VERIFYING)
    second = case_in(world, Status.VERIFYING)
    step = second.steps.get(finished_at__isnull=True)
    step.due_at = step.due_at.replace(year=2000)
    step.save(update_fields=["due_at"])
    client = as_role("inspector")
    for bad in ("password", "-due_at", "grid__code", "--number"):
        response = client.get(reverse("inspector-tasks"), {"sort": bad})
        assert response.status_code == 200
        assert re.findall(r'data-task="([^"]+)"', response.content.decode()) == [second.number, first.number]
    latest_first = client.get(reverse("inspector-tasks"), {"sort": "-deadline"}).content.decode()
    assert re.findall(r'data-task="([^"]+)"', latest_first) == [first.number, second.number]


def test_history_sorts_filters_and_ignores_unknown_sorts(world, as_role, django_assert_max_num_queries):
    a = report(world, description="第一件 井盖")
    b = report(world, description="第二件")
    c = report(world, description="第三件 井盖")
    client = as_role("inspector")

    def numbers(**params):
        html = client.get(reverse("inspector-history"), params).content.decode()
        return re.findall(r'data-case="([^"]+)"', html)

    newest = [c.number, b.number, a.number]
    assert numbers() == newest
    with django_assert_max_num_queries(7):
        assert numbers(sort="created_at") == newest[::-1]
    assert numbers(sort="number") == sorted(newest)
    assert numbers(sort="-number") == sorted(newest, reverse=True)
    assert numbers(sort="reporter__password") == newest
    assert numbers(q="井盖") == [c.number, a.number]
    assert numbers(q="井盖", sort="created_at") == [a.number, c.number]
    html = client.get(reverse("inspector-history"), {"q": "井盖", "sort": "created_at"}).content.decode()
    assert 'href="/inspector/history/?q=%E4%BA%95%E7%9B%96&amp;sort=-created_at" aria-current="true"' in html
    assert 'name="sort" value="created_at"' in html  # the filter form keeps the sort
    empty = client.get(reverse("inspector-history"), {"q": "没有这件"}).content.decode()
    assert "没有符合筛选条件的上报" in empty
