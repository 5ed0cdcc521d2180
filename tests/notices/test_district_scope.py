"""A case's notices in a deployment of several districts (docs/domain.md §13): a district's centre reads
the notices of its own district's cases only; a centre role with no district reads every case's."""

import pytest
from rest_framework.test import APIClient

from cases import services
from notices.models import Notice
from tests.cases.conftest import media_root  # noqa: F401 (a fixture)
from tests.cases.two_districts import build_city, report

pytestmark = pytest.mark.usefixtures("fast_passwords", "media_root")


@pytest.fixture
def two(db):
    city = build_city()
    for d in (city.a, city.b):
        case = services.case_file(
            case=services.case_accept(case=report(city, d), actor=d.operator), actor=d.shift_leader
        )
        d.case = services.case_dispatch(case=case, actor=d.dispatcher, department=d.office)
    return city


def test_a_districts_centre_reads_its_own_cases_notices(two):
    a, b = two.a, two.b
    assert Notice.objects.filter(case=b.case).exists()  # the dispatch told B's office
    api = APIClient()
    api.force_authenticate(a.shift_leader)
    assert api.get("/api/v1/notices/", {"case": b.case.pk}).json()["results"] == []
    assert len(api.get("/api/v1/notices/", {"case": a.case.pk}).json()["results"]) >= 1
    api.force_authenticate(two.everywhere)
    assert len(api.get("/api/v1/notices/", {"case": b.case.pk}).json()["results"]) >= 1
    # The office of B reads its own notices, not A's.
    api.force_authenticate(b.department)
    assert {n["case"] for n in api.get("/api/v1/notices/").json()["results"]} == {b.case.pk}
