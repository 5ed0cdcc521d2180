"""The streets' pages (docs/domain.md §13): the street's queue and case page, a unit's tasks, the
district's 提级 queue, the street dashboard and the 协办 form on the case page."""

import pytest
from django.test import Client

from cases.models import CaseEvent
from cases.workflow import Status
from streets import services
from streets.models import Escalation, SubDispatch
from tests.cases.conftest import case_in

pytestmark = pytest.mark.usefixtures("fast_passwords", "media_root")


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_street_works_a_case_through_its_pages(world, streets):
    case = case_in(world, Status.IN_PROGRESS)
    street = _client(world.p.street_dispatcher)
    home = street.get("/streets/")
    assert home.status_code == 200 and case.number in home.content.decode()

    too_late = street.post(
        f"/streets/cases/{case.pk}/", {"do": "sub_dispatch", "unit": streets.community.pk, "hours": "150"}
    )
    assert too_late.status_code == 400 and "晚于街道的期限" in too_late.content.decode()
    sent = street.post(
        f"/streets/cases/{case.pk}/", {"do": "sub_dispatch", "unit": streets.community.pk, "hours": "1"}
    )
    assert sent.status_code == 302
    sub = SubDispatch.objects.get()

    tasks = _client(streets.community_user).get("/streets/tasks/")
    assert tasks.status_code == 200 and case.number in tasks.content.decode()
    assert _client(streets.contractor_user).post(f"/streets/tasks/{sub.pk}/report/").status_code == 404
    assert (
        _client(streets.community_user).post(f"/streets/tasks/{sub.pk}/report/", {"note": "好了"}).status_code
        == 302
    )

    street.post(f"/streets/cases/{case.pk}/", {"do": "accept", "sub": sub.pk, "note": "合格"})
    sub.refresh_from_db()
    assert sub.state == SubDispatch.State.ACCEPTED
    page = street.get(f"/cases/{case.pk}/").content.decode()
    assert "街道验收通过" in page and "单位反馈" in page


def test_another_street_gets_no_case_page(world, streets):
    case = case_in(world, Status.IN_PROGRESS)
    assert _client(streets.other_dispatcher).get(f"/streets/cases/{case.pk}/").status_code == 404
    assert _client(streets.other_dispatcher).get(f"/cases/{case.pk}/").status_code == 404


def test_the_district_takes_an_escalation_from_its_queue(world, streets):
    case = case_in(world, Status.IN_PROGRESS)
    street = _client(world.p.street_leader)
    assert (
        street.post(f"/streets/cases/{case.pk}/", {"do": "escalate", "reason": "需区级协调"}).status_code
        == 302
    )
    queue = _client(world.p.dispatcher).get("/streets/escalations/").content.decode()
    assert case.number in queue and "需区级协调" in queue
    escalation = Escalation.objects.get()
    taken = _client(world.p.dispatcher).post(f"/streets/escalations/{escalation.pk}/take/")
    assert taken.status_code == 302 and taken["Location"] == f"/cases/{case.pk}/"
    escalation.refresh_from_db()
    assert escalation.state == Escalation.State.TAKEN
    case.refresh_from_db()
    assert case.status == Status.PENDING_DISPATCH


def test_the_district_returns_and_the_street_withdraws_from_the_pages(world, streets):
    case = case_in(world, Status.IN_PROGRESS)
    street = _client(world.p.street_leader)
    street.post(f"/streets/cases/{case.pk}/", {"do": "escalate", "reason": "需区级协调"})
    district = _client(world.p.dispatcher)
    first = Escalation.objects.get()
    blank = district.post(f"/streets/escalations/{first.pk}/return/", {"note": ""})
    assert blank.status_code == 400 and "请填写退回理由" in blank.content.decode()
    back = district.post(f"/streets/escalations/{first.pk}/return/", {"note": "街道可自行处置"})
    assert back.status_code == 302 and back["Location"] == "/streets/escalations/"
    page = street.get(f"/streets/cases/{case.pk}/").content.decode()
    assert "区级已退回" in page and "街道可自行处置" in page

    street.post(f"/streets/cases/{case.pk}/", {"do": "escalate", "reason": "再次提级"})
    second = Escalation.objects.get(state=Escalation.State.PENDING)
    assert "data-withdraw-form" in street.get(f"/streets/cases/{case.pk}/").content.decode()
    assert district.post(f"/streets/escalations/{second.pk}/withdraw/").status_code == 403
    gone = street.post(f"/streets/escalations/{second.pk}/withdraw/", {"note": "已协调"})
    assert gone.status_code == 302 and gone["Location"] == f"/streets/cases/{case.pk}/"
    second.refresh_from_db()
    case.refresh_from_db()
    assert second.state == Escalation.State.WITHDRAWN and case.status == Status.IN_PROGRESS
    assert case in street.get("/streets/").context["cases"]  # still in the street's queue


def test_the_dashboard_ranks_units_and_gives_the_within_street_rate(world, streets):
    case = case_in(world, Status.IN_PROGRESS)
    sub = services.sub_dispatch(case=case, unit=streets.community, hours=1, actor=world.p.street_dispatcher)
    services.sub_report(sub=sub, actor=streets.community_user)
    services.sub_accept(sub=sub, actor=world.p.street_dispatcher)
    closed = case_in(world, Status.CLOSED)  # handled by the street's own office: within the street
    assert closed.department == world.office

    page = _client(world.p.street_leader).get("/streets/dashboard/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "友谊社区居委会" in body and "格内解决率" in body
    assert page.context["figures"].within == page.context["figures"].closed == 1
    (community,) = page.context["communities"]
    assert (community.total, community.on_time, community.overdue) == (1, 1, 0)
    assert _client(world.p.supervisor).get(f"/streets/dashboard/?street={world.street.pk}").status_code == 200
    assert _client(world.p.department).get("/streets/dashboard/").status_code == 403


def test_an_escalated_case_is_not_solved_within_the_street(world, streets):
    from datetime import timedelta

    from django.utils import timezone

    from streets.dashboard import within_street_rate

    closed = case_in(world, Status.CLOSED)
    today = timezone.localdate()
    period = (today - timedelta(days=1), today)
    assert within_street_rate(period, world.street.pk) == (1, 1)
    Escalation.objects.create(case=closed, street=world.street, reason="x", raised_by=world.p.street_leader)
    assert within_street_rate(period, world.street.pk) == (0, 1)


def test_the_assist_form_on_the_case_page(world):
    case = case_in(world, Status.IN_PROGRESS)
    case.co_departments.add(world.other_dept)
    client = _client(world.p.other_department)
    assert "data-assist-form" in client.get(f"/cases/{case.pk}/").content.decode()
    assert client.post(f"/streets/assist/{case.pk}/", {"note": "已配合"}).status_code == 302
    assert CaseEvent.objects.filter(case=case, action="assist").count() == 1
    assert "data-assist-form" not in _client(world.p.department).get(f"/cases/{case.pk}/").content.decode()


def test_bad_posts_on_the_street_case_page(world, streets):
    case = case_in(world, Status.IN_PROGRESS)
    street = _client(world.p.street_dispatcher)
    assert street.post(f"/streets/cases/{case.pk}/", {"do": "accept", "sub": "abc"}).status_code == 404
    unknown = street.post(f"/streets/cases/{case.pk}/", {"do": "bogus"})
    assert unknown.status_code == 400 and "未知的操作" in unknown.content.decode()
    assert street.put(f"/streets/cases/{case.pk}/").status_code == 405
    leader = _client(world.p.street_leader).post(
        f"/streets/cases/{case.pk}/", {"do": "sub_dispatch", "unit": streets.community.pk, "hours": "1"}
    )
    assert leader.status_code == 403 and not SubDispatch.objects.exists()


def test_a_units_report_is_labelled_as_the_unit_on_the_timeline(world, streets):
    case = case_in(world, Status.IN_PROGRESS)
    sub = services.sub_dispatch(case=case, unit=streets.community, hours=1, actor=world.p.street_dispatcher)
    services.sub_report(sub=sub, actor=streets.community_user, note="处理好了")
    page = _client(world.p.street_leader).get(f"/cases/{case.pk}/").content.decode()
    assert "街道下属单位" in page and "处理好了" in page


def _day_count(page: str, key: str) -> str:
    import re

    found = re.search(rf'data-day="street-{key}">.*?<span class="card-count">(\d+)</span>', page, re.S)
    assert found, key
    return found.group(1)


def test_the_street_staffs_home_page_counts_what_waits_for_them(world, streets):
    """工作台 of a street's 指挥: its open cases, a unit's report to 验收, work still out, its 提级."""
    first, second, third = (case_in(world, Status.IN_PROGRESS) for _ in range(3))
    case_in(world, Status.PENDING_DISPATCH)  # not yet the street's
    street = _client(world.p.street_dispatcher)
    for case in (first, second):
        assert (
            street.post(
                f"/streets/cases/{case.pk}/",
                {"do": "sub_dispatch", "unit": streets.community.pk, "hours": "1"},
            ).status_code
            == 302
        )
    reported = SubDispatch.objects.get(case=first)
    _client(streets.community_user).post(f"/streets/tasks/{reported.pk}/report/", {"note": "好了"})
    street.post(f"/streets/cases/{third.pk}/", {"do": "escalate", "reason": "涉及多个部门，需区级协调"})

    page = street.get("/").content.decode()
    assert _day_count(page, "street_open") == "3"
    assert _day_count(page, "street_accept") == "1"
    assert _day_count(page, "street_out") == "1"
    assert _day_count(page, "street_escalated") == str(Escalation.objects.filter(case=third).count()) == "1"
    # Another street's staff see none of it.
    other = _client(streets.other_dispatcher).get("/").content.decode()
    assert _day_count(other, "street_open") == "0" and _day_count(other, "street_accept") == "0"
