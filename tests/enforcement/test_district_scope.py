"""Enforcement in a deployment of several districts (docs/domain.md §13): each district has its own
综合执法 unit, parties and cases. A district's readers see their district's parties, outcomes, 联合执法 and
figures; its staff cannot act on the other district's case or outcome, nor name its street, party,
office or case (a 400 naming the field). A supervisor with no district reads both."""

from types import SimpleNamespace

import pytest
from django.utils import timezone

from cases import services as case_services
from cases.errors import ActionForbidden
from dispatch.models import Department
from enforcement import services
from enforcement.models import CaseParty, JointOperation, Outcome, Party, Unit
from tests.cases.two_districts import MIDDLE, build_city, report
from tests.factories import DepartmentFactory, UserFactory

pytestmark = pytest.mark.usefixtures("fast_passwords", "media_root")


def _enforcement(city, d, letter: str):
    dept = DepartmentFactory(name=f"{d.district.name}综合执法大队", kind=Department.Kind.BUREAU)
    unit = Unit.objects.create(department=dept, name=dept.name, doc_prefix=f"{letter}综执")
    officer = UserFactory(
        username=f"officer_{letter}", roles=["department"], department=dept, district=d.district
    )
    lng, _lat = d.inside
    shop = services.party_save(
        actor=None,
        name=f"{d.district.name}烧烤店",
        street=d.street,
        frontage={"type": "LineString", "coordinates": [[lng - 0.0001, MIDDLE], [lng + 0.0001, MIDDLE]]},
    )
    case = report(city, d)
    case_services.case_accept(case=case, actor=d.operator)
    case_services.case_file(case=case, actor=d.shift_leader)
    case_services.case_dispatch(case=case, actor=d.dispatcher, department=dept)
    case.refresh_from_db()
    services.case_party_confirm(case=case, actor=officer, party=shop)
    outcome = services.outcome_persuade(case=case, actor=officer, note="已劝导")
    return SimpleNamespace(dept=dept, unit=unit, officer=officer, shop=shop, case=case, outcome=outcome)


@pytest.fixture
def city(db):
    city = build_city()
    city.ea, city.eb = _enforcement(city, city.a, "a"), _enforcement(city, city.b, "b")
    return city


def test_the_api_lists_a_districts_rows_and_answers_404_for_the_others(api, city):
    ea, eb = city.ea, city.eb
    api.force_authenticate(city.a.supervisor)
    parties = api.get("/api/v1/enforcement/parties/").json()["results"]
    assert [p["id"] for p in parties] == [ea.shop.pk]
    assert api.get(f"/api/v1/enforcement/parties/{eb.shop.pk}/").status_code == 404
    outcomes = api.get("/api/v1/enforcement/outcomes/").json()["results"]
    assert [o["id"] for o in outcomes] == [ea.outcome.pk]
    assert api.get(f"/api/v1/enforcement/outcomes/{eb.outcome.pk}/").status_code == 404
    (total,) = api.get("/api/v1/enforcement/figures/").json()
    assert total["persuasions"] == 1  # A's, not 2
    api.force_authenticate(city.everywhere)  # no district: the whole deployment
    assert api.get("/api/v1/enforcement/parties/").json()["count"] == 2
    assert api.get("/api/v1/enforcement/outcomes/").json()["count"] == 2
    assert api.get("/api/v1/enforcement/figures/").json()[0]["persuasions"] == 2


def test_a_districts_staff_cannot_act_on_or_name_the_other_districts_rows(api, city):
    ea, eb = city.ea, city.eb
    api.force_authenticate(ea.officer)
    # The other district's case and outcome are not there to act on.
    url = f"/api/v1/enforcement/cases/{eb.case.pk}/party/dismiss/"
    assert api.post(url, {}, format="json").status_code == 404
    assert api.post(f"/api/v1/enforcement/outcomes/{eb.outcome.pk}/pay/").status_code == 404
    assert (
        api.post(f"/api/v1/enforcement/parties/{eb.shop.pk}/contacts/", {}, format="json").status_code == 404
    )
    # Naming the other district's party on their own case: 400, the field named.
    answer = api.post(
        f"/api/v1/enforcement/cases/{ea.case.pk}/party/confirm/", {"party": eb.shop.pk}, format="json"
    )
    assert answer.status_code == 400 and "party" in answer.json(), answer.json()
    assert CaseParty.objects.get(case=ea.case).party == ea.shop
    # Registering a party in the other district's street.
    answer = api.post(
        "/api/v1/enforcement/parties/", {"name": "越界小店", "street": city.b.street.code}, format="json"
    )
    assert answer.status_code == 400 and "street" in answer.json(), answer.json()
    assert not Party.objects.filter(name="越界小店").exists()
    # A 联合执法 in their street with the other district's office, or its case, or in its street.
    base = {
        "date": timezone.localdate().isoformat(),
        "area": "沿街商铺",
        "street": city.a.street.code,
        "departments": [ea.dept.code, city.a.office.code],
        "cases": [ea.case.number],
    }
    for field, change in (
        ("departments", {"departments": [ea.dept.code, city.b.office.code]}),
        ("cases", {"cases": [eb.case.number]}),
        ("street", {"street": city.b.street.code}),
    ):
        answer = api.post("/api/v1/enforcement/joint-operations/", {**base, **change}, format="json")
        assert answer.status_code == 400 and field in answer.json(), (field, answer.json())
        assert "不属于您所在的区" in str(answer.json())
    assert not JointOperation.objects.exists()
    assert api.post("/api/v1/enforcement/joint-operations/", base, format="json").status_code == 201
    # The service refuses the other district's case itself, not only the API hiding it.
    with pytest.raises(ActionForbidden, match="不属于您所在的区"):
        services.case_party_dismiss(case=eb.case, actor=city.a.shift_leader)
    with pytest.raises(ActionForbidden, match="不属于您所在的区"):
        services.outcome_mark_paid(outcome=eb.outcome, actor=ea.officer)
    assert Outcome.objects.filter(case=eb.case).count() == 1
    # The 联合执法 list: A's staff see theirs, B's staff none.
    api.force_authenticate(eb.officer)
    assert api.get("/api/v1/enforcement/joint-operations/").json()["count"] == 0


def test_the_pages_show_a_district_its_own(client, city):
    ea, eb = city.ea, city.eb
    client.force_login(city.a.supervisor)
    page = client.get("/enforcement/parties/").content.decode()
    assert ea.shop.name in page and eb.shop.name not in page
    assert client.get(f"/enforcement/parties/{eb.shop.pk}/").status_code == 404
    assert client.get(f"/enforcement/parties/{ea.shop.pk}/").status_code == 200
    outcomes = client.get("/enforcement/outcomes/").content.decode()
    assert ea.case.number in outcomes and eb.case.number not in outcomes
    figures = client.get("/enforcement/figures/").content.decode()
    assert city.a.street.name in figures and city.b.street.name not in figures
    client.force_login(ea.officer)
    assert client.post(f"/enforcement/cases/{eb.case.pk}/persuade/", {"note": "x"}).status_code == 404
    assert client.post(f"/enforcement/outcomes/{eb.outcome.pk}/pay/").status_code == 404
    form = client.get("/enforcement/joint-operations/").content.decode()
    assert city.a.office.name in form and city.b.office.name not in form
    client.force_login(city.everywhere)
    page = client.get("/enforcement/parties/").content.decode()
    assert ea.shop.name in page and eb.shop.name in page
