"""The pages (issue #20): the case page's 执法 panel from report to 责令改正 → 复查 → 处罚 → 结案, the inspector's
复查 task on the deadline, a party's page, the import page, the figures in the KPI report."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from cases import services as case_services
from cases.models import Case
from enforcement import services
from enforcement.models import CaseParty, Outcome
from kpi import reports
from tests.enforcement.conftest import dispatched

pytestmark = pytest.mark.django_db


def test_a_case_goes_from_report_through_rectification_and_penalty_to_closure(enf, client, media_root):
    from tests.cases.conftest import photo

    w = enf.world
    case = dispatched(enf)
    url = f"/cases/{case.pk}/"
    client.force_login(enf.officer)
    page = client.get(url).content.decode()
    assert "老王烧烤店" in page and "确认责任主体" in page and "13900000001" in page

    client.post(f"/enforcement/cases/{case.pk}/confirm/")
    assert CaseParty.objects.get(case=case).state == "confirmed"
    deadline = timezone.localdate() + timedelta(days=3)
    answer = client.post(f"/enforcement/cases/{case.pk}/rectify/", {"deadline": deadline.isoformat()})
    assert answer.status_code == 302 and answer.url.endswith("#enforcement")
    order = Outcome.objects.get(case=case, kind="rectification")

    # On the deadline the grid's inspector finds the 复查 in 我的任务 and records it from the case page.
    client.force_login(w.p.inspector)
    with time_machine.travel(timezone.now() + timedelta(days=3), tick=False):
        tasks = client.get("/inspector/tasks/").content.decode()
        assert "执法复查" in tasks and order.number in tasks
    client.post(f"/enforcement/outcomes/{order.pk}/check/", {"rectified": "no"})
    order.refresh_from_db()
    assert order.check_result == "not_rectified"

    client.force_login(enf.officer)
    page = client.get(url).content.decode()
    assert "首违免罚" in page  # a first violation: offered
    bad = client.post(
        f"/enforcement/cases/{case.pk}/penalize/", {"legal_basis": "条例", "fine": "-10"}, follow=True
    )
    assert "罚款金额不能为负数" in bad.content.decode()
    client.post(
        f"/enforcement/cases/{case.pk}/penalize/", {"legal_basis": "《市容条例》第三十条", "fine": "500"}
    )
    assert Outcome.objects.get(case=case, kind="penalty").fine == 500

    case_services.case_submit_feedback(case=case, actor=enf.officer, result="已处罚并整改", photos=[photo()])
    case_services.case_check(case=case, actor=w.p.inspector, passed=True, photos=[photo()])
    case_services.case_close(case=case, actor=w.p.shift_leader)
    assert Case.objects.get(pk=case.pk).status == "closed"

    client.force_login(w.p.supervisor)
    party_page = client.get(f"/enforcement/parties/{enf.shop.pk}/").content.decode()
    assert case.number in party_page and "行政处罚决定书" in party_page
    assert "13900000001" not in party_page  # the supervisor does not see the contact


def test_the_waiver_is_not_offered_to_a_repeat_offender(enf, client):
    for _ in range(2):
        case = dispatched(enf)
        services.case_party_confirm(case=case, actor=enf.officer)
    client.force_login(enf.officer)
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert 'data-testid="waive"' not in page
    assert "不适用首违免罚" in page


def test_the_import_page_names_every_bad_row(enf, client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(enf.officer)
    bad = SimpleUploadedFile("p.csv", "名称,街道编码\n店甲,000\n店乙,111\n".encode())
    page = client.post("/enforcement/parties/import/", {"file": bad}).content.decode()
    assert "第 2 行（店甲）" in page and "第 3 行（店乙）" in page
    client.force_login(enf.world.p.department)
    assert client.get("/enforcement/parties/import/").status_code == 403


def test_parties_page_lists_interview_and_repeat_offenders(enf, client):
    for _ in range(3):
        services.case_party_confirm(case=dispatched(enf), actor=enf.officer)
    client.force_login(enf.world.p.shift_leader)
    page = client.get("/enforcement/parties/").content.decode()
    assert "约谈名单" in page and "屡犯名单" in page
    assert page.count("老王烧烤店") >= 3  # in the list, the 约谈 list (70 points) and the repeat offenders


def test_the_kpi_report_carries_the_enforcement_figures_with_a_drill_down(enf):
    case = dispatched(enf)
    services.case_party_confirm(case=case, actor=enf.officer)
    services.outcome_penalize(case=case, actor=enf.officer, legal_basis="条例", fine="191000")
    report = reports.build_report("monthly", timezone.localdate(), user=enf.world.p.supervisor)

    section = report.section("enforcement_streets")
    street_row, total = section.rows
    assert (street_row["code"], street_row["penalties"], street_row["fines"]) == (
        enf.world.street.code,
        1,
        191000.0,
    )
    assert total["name"] == "合计" and total["penalties"] == 1
    assert (
        street_row["url"].startswith("/enforcement/outcomes/?")
        and f"street={enf.world.street.code}" in street_row["url"]
    )
    assert report.section("enforcement_departments").rows[0]["code"] == enf.dept.code


def test_the_dashboard_shows_the_enforcement_cards_to_those_who_read_enforcement(enf, client):
    case = dispatched(enf)
    services.case_party_confirm(case=case, actor=enf.officer)
    services.outcome_penalize(case=case, actor=enf.officer, legal_basis="条例", fine="800")
    client.force_login(enf.world.p.supervisor)
    page = client.get("/kpi/").content.decode()
    assert 'id="card-enforcement-penalties"' in page and "800.00" in page
    assert "/enforcement/outcomes/?issued_after=" in page
    client.force_login(enf.world.p.department)  # a department outside enforcement: its own KPIs only
    assert 'id="card-enforcement-penalties"' not in client.get("/kpi/").content.decode()


def test_a_joint_operation_is_recorded_with_its_departments_and_cases(enf, client):
    case = dispatched(enf)
    client.force_login(enf.officer)
    data = {
        "date": timezone.localdate().isoformat(),
        "area": "友谊路沿街商铺",
        "street": enf.world.street.pk,
        "departments": [enf.dept.pk, enf.world.office.pk],
        "findings": "店外经营 3 处",
        "cases": f"{case.number}, NOPE-1",
    }
    refused = client.post("/enforcement/joint-operations/", data, follow=True).content.decode()
    assert "案件编号不存在：NOPE-1" in refused
    data["cases"] = case.number
    page = client.post("/enforcement/joint-operations/", data, follow=True).content.decode()
    assert "友谊路沿街商铺" in page and case.number in page and enf.world.office.name in page
    client.force_login(enf.world.p.supervisor)
    assert client.post("/enforcement/joint-operations/", data).status_code == 403
    assert "友谊路沿街商铺" in client.get("/enforcement/joint-operations/").content.decode()


def test_the_outcome_filters_read_like_the_other_filter_forms_and_keep_the_api_parameters(enf, client):
    """Issue #25: no django-filter defaults (no "街道编码:" text box, no raw "责任主体 id"): selects with 全部
    for street and department, date pickers; the figures' drill-down links (?street=<code>…) still filter."""
    case = dispatched(enf)
    services.case_party_confirm(case=case, actor=enf.officer)
    services.outcome_penalize(case=case, actor=enf.officer, legal_basis="条例", fine="800")
    other = dispatched(enf)
    client.force_login(enf.world.p.supervisor)

    page = client.get("/enforcement/outcomes/").content.decode()
    assert "街道编码" not in page and "责任主体 id" not in page and "：</label>" not in page
    assert ":</label>" not in page
    assert '<select name="street"' in page and '<select name="department"' in page
    assert f'<option value="{enf.world.street.code}">' in page and f'<option value="{enf.dept.code}">' in page
    assert page.count('<option value="" selected>全部</option>') >= 3  # kind, street, department
    assert 'type="date" name="issued_after"' in page and 'type="date" name="issued_before"' in page
    assert 'name="party"' not in page  # hidden, and left out when not set

    today = timezone.localdate().isoformat()
    query = f"?street={enf.world.street.code}&department={enf.dept.code}&issued_after={today}"
    page = client.get("/enforcement/outcomes/" + query).content.decode()
    assert case.number in page and other.number not in page  # the figures' links keep working
    assert f'<option value="{enf.world.street.code}" selected>' in page

    page = client.get(f"/enforcement/outcomes/?party={enf.shop.pk}").content.decode()
    assert f'type="hidden" name="party" value="{enf.shop.pk}"' in page
    assert "data-party-filter" in page and "老王烧烤店" in page and "不限责任主体" in page

    page = client.get("/enforcement/parties/").content.decode()
    assert "街道编码" not in page and ":</label>" not in page and '<select name="street"' in page
    assert f"?street={enf.world.street.code}" not in page
    assert (
        "老王烧烤店" in client.get(f"/enforcement/parties/?street={enf.world.street.code}").content.decode()
    )
