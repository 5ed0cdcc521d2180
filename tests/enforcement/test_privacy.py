"""A party's contact person and phone reach only 综合执法 staff (docs/domain.md §11; enforcement/permissions.py).

One known name and number are planted on a party whose frontage a case was reported on, with a confirmed
link, an outcome and a 约谈 record; every page, API answer, export and admin page that shows parties,
outcomes, the case or the figures is read by every role (all staff, so the admin is walked too) and by
the enforcement officer. Only the officer's bodies may hold the digits."""

import pytest
from django.test import Client
from django.utils import timezone

from core.roles import Role
from enforcement import services
from tests.enforcement.conftest import dispatched

pytestmark = pytest.mark.django_db

PHONE, NAME = "13612345678", "欧阳店主"


@pytest.fixture
def planted(enf):
    shop = enf.shop
    shop.contact_name, shop.contact_phone = NAME, PHONE
    shop.save()
    case = dispatched(enf)
    services.case_party_confirm(case=case, actor=enf.officer)
    services.outcome_persuade(case=case, actor=enf.officer, note="劝导店主收回外摆")
    services.party_contact_record(party=shop, actor=enf.officer, kind="interview", note="约谈")
    for user in (*vars(enf.world.p).values(), enf.officer):
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    return case


def urls(enf, case) -> list[str]:
    shop, day = enf.shop, timezone.localdate().isoformat()
    return [
        f"/cases/{case.pk}/",
        f"/api/v1/cases/{case.pk}/",
        "/enforcement/parties/",
        f"/enforcement/parties/{shop.pk}/",
        "/enforcement/outcomes/",
        "/enforcement/figures/",
        "/api/v1/enforcement/parties/",
        f"/api/v1/enforcement/parties/{shop.pk}/",
        "/api/v1/enforcement/parties/repeat-offenders/",
        "/api/v1/enforcement/outcomes/",
        "/api/v1/enforcement/figures/?by=street",
        f"/kpi/reports/?cadence=monthly&date={day}",
        *(f"/api/v1/kpi/reports/monthly/?date={day}&format={f}" for f in ("json", "csv", "xlsx")),
        "/admin/enforcement/party/",
        f"/admin/enforcement/party/{shop.pk}/change/",
        "/admin/enforcement/enforcementevent/",
        "/admin/enforcement/partycontact/",
    ]


def bodies(user, enf, case) -> dict[str, tuple[int, str]]:
    client = Client()
    client.force_login(user)
    out = {}
    for url in urls(enf, case):
        response = client.get(url)
        data = b"".join(response.streaming_content) if response.streaming else response.content
        out[url] = (response.status_code, data.decode("utf-8", "replace"))
    return out


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_no_role_but_enforcement_staff_sees_a_partys_contact(enf, planted, role):
    seen = bodies(getattr(enf.world.p, role), enf, planted)
    assert [url for url, (_s, text) in seen.items() if PHONE in text or NAME in text] == []


def test_enforcement_staff_see_it_where_they_work(enf, planted):
    seen = bodies(enf.officer, enf, planted)
    shows = {url for url, (_s, text) in seen.items() if PHONE in text and NAME in text}
    assert {
        f"/cases/{planted.pk}/",
        f"/enforcement/parties/{enf.shop.pk}/",
        "/api/v1/enforcement/parties/",
    } <= shows


def test_supervisors_read_the_party_without_it(enf, planted):
    seen = bodies(enf.world.p.supervisor, enf, planted)
    assert seen[f"/enforcement/parties/{enf.shop.pk}/"][0] == 200
    assert seen[f"/admin/enforcement/party/{enf.shop.pk}/change/"][0] == 200
