"""Patrols in a deployment of several districts (docs/domain.md §13): a district's supervisors read their
own district's tracks, coverage and missed grids — by API and on the map — and a supervisor with no
district reads both. The city supervisor reads no tracks at all: a track is a person's whereabouts, and
patrols are the district centre's business (core/roles.py PATROL_SUPERVISOR_ROLES)."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from rest_framework.test import APIClient

from patrols import services
from tests.cases.two_districts import EDGE, MIDDLE, SIZE, WEST, build_city
from tests.patrols.conftest import points_along

pytestmark = pytest.mark.django_db


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def walked(morning):
    """Each district's inspector walks across the middle of their own grid this morning; coverage worked out."""
    city = build_city()
    city.patrols = {}
    for d, west in ((city.a, WEST), (city.b, EDGE)):
        with time_machine.travel(morning, tick=False):
            patrol = services.patrol_start(actor=d.inspector)
        with time_machine.travel(morning + timedelta(minutes=5), tick=False):
            services.patrol_upload(
                patrol=patrol,
                actor=d.inspector,
                batch_key="b",
                points=points_along(west + SIZE / 10, MIDDLE, at=morning + timedelta(minutes=1), n=9),
            )
        city.patrols[d.district.code] = patrol
    services.compute_coverage(morning.date())
    city.day = morning.date().isoformat()
    return city


def test_the_api_holds_a_districts_supervisor_to_their_district(walked):
    a, b = walked.a, walked.b
    boss_a = api(a.supervisor)
    listed = boss_a.get("/api/v1/patrols/").json()["results"]
    assert [p["id"] for p in listed] == [walked.patrols["129901"].pk]
    other = walked.patrols["129902"].pk
    assert boss_a.get(f"/api/v1/patrols/{other}/").status_code == 404
    assert boss_a.get(f"/api/v1/patrols/{other}/track/").status_code == 404
    coverage = boss_a.get("/api/v1/patrol-coverage/", {"day": walked.day}).json()["results"]
    assert [r["grid"] for r in coverage] == [a.grid.code]
    # Asking for the other district's street by name finds nothing rather than its rows.
    assert boss_a.get("/api/v1/patrol-coverage/", {"street": b.street.code}).json()["count"] == 0
    # Both grids were walked; the day after, both are missed — but A's supervisor hears of A's only.
    tomorrow = (walked.patrols["129901"].day + timedelta(days=1)).isoformat()
    missed = boss_a.get("/api/v1/patrols/missed/", {"day": tomorrow}).json()
    assert [m["grid"] for m in missed] == [a.grid.code]
    assert boss_a.get("/api/v1/patrols/missed/", {"day": tomorrow, "street": b.street.code}).json() == []


def test_a_supervisor_with_no_district_reads_both_and_the_city_supervisor_reads_no_tracks(walked):
    boss = api(walked.everywhere)
    assert boss.get("/api/v1/patrols/").json()["count"] == 2
    assert boss.get("/api/v1/patrol-coverage/", {"day": walked.day}).json()["count"] == 2
    assert boss.get(f"/api/v1/patrols/{walked.patrols['129902'].pk}/").status_code == 200
    city = api(walked.city)
    assert city.get("/api/v1/patrols/").status_code == 403
    assert city.get("/api/v1/patrol-coverage/").status_code == 403


def test_the_map_shows_a_districts_supervisor_their_district(client, walked):
    a, b = walked.a, walked.b
    client.force_login(a.supervisor)
    page = client.get(reverse("patrol-map"), {"day": walked.day}).content.decode()
    assert a.grid.code in page and b.grid.code not in page
    assert "insp_a" in page and "insp_b" not in page
    data = client.get(reverse("patrol-map-data"), {"day": walked.day}).json()
    assert set(data["coverage"]) == {a.grid.code}
    assert [f["properties"]["inspector"] for f in data["features"]] == ["insp_a"]
    # Naming B's inspector does not reach their track.
    data = client.get(reverse("patrol-map-data"), {"day": walked.day, "inspector": "insp_b"}).json()
    assert data["features"] == []
    client.force_login(walked.everywhere)
    page = client.get(reverse("patrol-map"), {"day": walked.day}).content.decode()
    assert a.grid.code in page and b.grid.code in page
    data = client.get(reverse("patrol-map-data"), {"day": walked.day}).json()
    assert set(data["coverage"]) == {a.grid.code, b.grid.code}
