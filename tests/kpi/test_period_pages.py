"""考核期 in the browser and the API (issue #24.1) on the hand-built March of tests/kpi/scenario.py:
close March as of 4/1 00:00, read the frozen table, correct a figure, appeal a case, export revisions."""

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from cases import services as s
from kpi import queries, rollup
from kpi.models import AssessmentLog, AssessmentPeriod, KpiAppeal, KpiSettings
from kpi.periods import services
from tests.kpi.conftest import on
from tests.kpi.scenario import APR1, MARCH

APR2 = dt.date(2026, 4, 2)
CUTOFF = "2026-04-01T00:00"  # local: G (filed 3/31) was closed on 4/1, after the cut-off


@pytest.fixture
def closed(march, world, client):
    """March closed in the browser by the supervisor on 4/2, as of 4/1 00:00."""
    client.force_login(world.p.supervisor)
    with on(APR2, 9):
        page = client.get("/kpi/periods/")
        assert page.status_code == 200 and "close-form" in page.content.decode()
        response = client.post(
            "/kpi/periods/",
            {"close": "1", "kind": "month", "date": "2026-03-15", "cutoff": CUTOFF, "note": "三月考核"},
        )
    period = AssessmentPeriod.objects.get()
    assert response.status_code == 302 and response.url == f"/kpi/periods/{period.pk}/"
    return period


def _street(revision, world):
    return next(r for r in revision.table["street"] if r["id"] == world.street.pk)


def _table_html(page: str) -> str:
    return page[page.index('id="frozen-table"') : page.index("</table>", page.index('id="frozen-table"'))]


def test_closing_march_in_the_browser_freezes_it_as_of_the_cut_off(closed, march, world, client):
    period = closed
    assert (period.kind, period.start, period.end) == ("month", *MARCH)
    assert (period.closed_by, period.closed_role) == (world.p.supervisor, "supervisor")
    street = _street(period.current, world)
    # As of 4/1 00:00 G was still open: 5 closed of March's 10 filed; live (today) it is 6.
    assert (street["counts"]["filed"], street["counts"]["closed"]) == (10, 5)
    assert queries.summary(*MARCH)["counts"]["closed"] == 6
    # The frozen table: 监督举报率 1/10 → 90; 立案数 10 → 100; 结案率 5/8; 按期结案率 4/8 (G not closed yet):
    # 10×90 + 20×100 + 30×62.5 + 40×50 = 900 + 2000 + 1875 + 2000 = 67.75 → C.
    assert (street["score"], street["grade"]) == (67.75, "C")
    with on(APR2, 10):
        page = client.get(f"/kpi/periods/{period.pk}/").content.decode()
    assert "frozen-table" in page and world.street.name in page and "67.75" in page
    assert AssessmentLog.objects.get(period=period).action == "close"
    # Later events: A is reopened on 4/2 and rolled up. The live figures move; the page does not, and
    # its table is still the replay as of the cut-off.
    with on(APR2, 14):
        s.case_reopen(case=march["A"], actor=world.p.shift_leader, reason="回访不满意")
    with on(APR2, 15):
        rollup.rollup_incremental()
        assert queries.summary(*MARCH)["counts"]["closed"] == 5
        later = client.get(f"/kpi/periods/{period.pk}/").content.decode()
        replayed, _cases = services.compute_table(*MARCH, period.cutoff, formula=period.current.formula)
    assert _table_html(later) == _table_html(page)
    period.refresh_from_db()
    assert replayed == period.current.table and period.revisions.count() == 1
    # The 月报 of March says so and ranks streets by the frozen table.
    with on(APR2, 16):
        report = client.get("/kpi/reports/", {"cadence": "monthly", "date": "2026-03-15"}).content.decode()
    assert "frozen-note" in report and f"/kpi/periods/{period.pk}/" in report
    # Closing it again is refused, and nothing changes.
    with on(APR2, 11):
        client.post("/kpi/periods/", {"close": "1", "kind": "month", "date": "2026-03-02"})
    assert AssessmentPeriod.objects.count() == 1


def test_who_may_close_and_read(march, world, client):
    client.force_login(world.p.inspector)
    assert client.get("/kpi/periods/").status_code == 403
    client.force_login(world.p.shift_leader)  # reads frozen tables, may not close
    with on(APR2, 9):
        assert client.get("/kpi/periods/").status_code == 200
        response = client.post("/kpi/periods/", {"close": "1", "kind": "month", "date": "2026-03-15"})
    assert response.status_code == 403 and not AssessmentPeriod.objects.exists()
    client.force_login(world.p.supervisor)
    with on(dt.date(2026, 3, 31), 9):  # March is not over yet
        client.post("/kpi/periods/", {"close": "1", "kind": "month", "date": "2026-03-15"})
    assert not AssessmentPeriod.objects.exists()


def test_an_adjustment_is_shown_beside_the_frozen_figure(closed, world, client):
    period = closed
    url = f"/kpi/periods/{period.pk}/v1/adjust/"
    data = {"level": "street", "object_id": world.street.pk, "figure": "score", "value": "70"}
    with on(APR2, 10):
        client.post(url, {**data, "reason": ""})  # no reason: refused
        assert not period.current.adjustments.exists()
        client.post(url, {**data, "reason": "G 于 4/1 凌晨已处置完毕，经核实按期"})
        page = client.get(f"/kpi/periods/{period.pk}/").content.decode()
    adjustment = period.current.adjustments.get()
    assert (adjustment.original, adjustment.value, adjustment.created_by) == (67.75, 70.0, world.p.supervisor)
    assert (
        "G 于 4/1 凌晨已处置完毕" in page and "67.75" in page
    )  # the frozen figure stays, the correction beside
    assert _street(period.current, world)["score"] == 67.75
    assert AssessmentLog.objects.filter(period=period, action="adjust").count() == 1


def test_an_appeal_makes_a_new_revision_and_the_old_one_stays(closed, march, world, client):
    period = closed
    case_a = march["A"]  # dispatched to world.office, the department user's own
    config = KpiSettings.load()
    config.w_area_on_time, config.w_area_closure = 50, 20  # a later weight change: open periods only
    config.save()
    client.force_login(world.p.other_department)
    with on(APR2, 10):
        client.post("/kpi/periods/", {"appeal": "1", "appeal-period": period.pk, "appeal-case": case_a.number,
                                      "appeal-reason": "非本部门"})  # fmt: skip
    assert not KpiAppeal.objects.exists()  # another department's case
    client.force_login(world.p.department)
    with on(APR2, 10):
        client.post("/kpi/periods/", {"appeal": "1", "appeal-period": period.pk, "appeal-case": case_a.number,
                                      "appeal-reason": "施工方破坏，不属管理问题"})  # fmt: skip
        assert (
            client.get(f"/kpi/periods/{period.pk}/").status_code == 403
        )  # departments see their appeals only
    appeal = KpiAppeal.objects.get()
    assert (appeal.state, appeal.requested_by) == ("pending", world.p.department)

    client.force_login(world.p.supervisor)
    with on(APR2, 11):
        client.post(f"/kpi/appeals/{appeal.pk}/decide/", {"approve": "1", "note": "经核实属实"})
    appeal.refresh_from_db()
    assert (appeal.state, appeal.decided_by) == ("approved", world.p.supervisor)
    first, second = period.revisions.order_by("number")
    assert (second.number, second.appeal, second.excluded) == (2, appeal, [case_a.pk])
    assert case_a.pk in first.cases and case_a.pk not in second.cases
    assert second.formula == first.formula  # the stored weights, not the changed ones
    # A was filed, closed and closed on time: 9 filed, 4 closed, 3 on time without it.
    # 监督举报率 1/9 = 11.1 % → 75; 立案数 → 100; 结案率 4/7; 按期结案率 3/7.
    # 10×75 + 20×100 + 30×400/7 + 40×300/7 = 750 + 2000 + 1714.29 + 1714.29 = 61.79 → C.
    street = _street(second, world)
    assert (street["counts"]["filed"], street["counts"]["closed"], street["score"]) == (9, 4, 61.79)
    assert _street(first, world)["score"] == 67.75  # revision 1 as it was

    with on(APR2, 12):
        old = client.get(f"/kpi/periods/{period.pk}/?revision=1").content.decode()
        assert "67.75" in old and "已被后续版本取代" in old
        book = load_workbook(io.BytesIO(client.get(f"/kpi/periods/{period.pk}/v1/xlsx/").content))
    assert "街道" in book.sheetnames and "计入案件" in book.sheetnames
    cover = {row[0]: row[1] for row in book["概要"].iter_rows(min_row=3, values_only=True)}
    assert cover["版本"] == 1 and cover["公式版本"] == "DOMAIN-7-ref-2026.12"
    numbers = [r[0] for r in book["计入案件"].iter_rows(min_row=2, values_only=True)]
    assert case_a.number in numbers

    # The appellant cannot approve their own appeal.
    with on(APR2, 13):
        client.post("/kpi/periods/", {"appeal": "1", "appeal-period": period.pk, "appeal-case": march["B"].number,
                                      "appeal-reason": "测试"})  # fmt: skip
        mine = KpiAppeal.objects.get(case=march["B"])
        client.post(f"/kpi/appeals/{mine.pk}/decide/", {"approve": "1", "note": "自批"})
    mine.refresh_from_db()
    assert mine.state == "pending" and period.revisions.count() == 2


def test_the_api(closed, world, api):
    period = closed
    api.force_authenticate(world.p.supervisor)
    with on(APR2, 10):
        listed = api.get("/api/v1/kpi/periods/", {"kind": "month"}).json()
        assert [p["id"] for p in listed] == [period.pk]
        revision = api.get(f"/api/v1/kpi/revisions/{period.current.pk}/", {"level": "street"}).json()
        assert list(revision["table"]) == ["street"] and revision["formula_version"] == "DOMAIN-7-ref-2026.12"
        again = api.post("/api/v1/kpi/periods/", {"kind": "month", "date": "2026-03-01"}, format="json")
        assert again.status_code == 409
        # Any figure as of any past moment: the replay at the cut-off is the frozen table.
        as_of = api.get(
            "/api/v1/kpi/as-of/",
            {
                "level": "street",
                "date_from": "2026-03-01",
                "date_to": "2026-03-31",
                "at": "2026-04-01T00:00:00+08:00",
            },
        ).json()
        assert as_of["rows"] == period.current.table["street"]
        formula = api.get("/api/v1/kpi/formula/").json()
        assert any(c["kind"] == "area" for c in formula["composites"])
        bad = api.post(
            f"/api/v1/kpi/revisions/{period.current.pk}/adjustments/",
            {"level": "street", "object_id": world.street.pk, "figure": "grade", "value": 1, "reason": "x"},
            format="json",
        )
        assert bad.status_code == 400 and bad.json()["field"] == "figure"
    api.force_authenticate(world.p.department)
    with on(APR1, 10):
        assert api.get("/api/v1/kpi/periods/").status_code == 403
        assert (
            api.post(
                "/api/v1/kpi/periods/", {"kind": "week", "date": "2026-03-02"}, format="json"
            ).status_code
            == 403
        )
