"""The wall in a deployment of several districts (docs/domain.md §13): a district's centre sees its own
district's cases, figures and feed events on its wall; a wall with no district sees both."""

import pytest
from django.urls import reverse

from cases import services
from tests.cases.two_districts import build_city, report

pytestmark = pytest.mark.usefixtures("fast_passwords")


@pytest.fixture
def two(db, django_capture_on_commit_callbacks):
    city = build_city()
    with django_capture_on_commit_callbacks(execute=True):
        city.case_a = services.case_accept(case=report(city, city.a), actor=city.a.operator)
        city.case_b = services.case_accept(case=report(city, city.b), actor=city.b.operator)
    return city


def test_a_districts_wall_shows_its_district(client, two):
    client.force_login(two.a.shift_leader)
    snap = client.get(reverse("wall-snapshot")).json()
    assert snap["counts"]["reported"] == 1 and snap["counts"]["open"] == 1
    assert [row["number"] for row in snap["latest"]] == [two.case_a.number]
    assert [row[0] for row in snap["map"]] == [two.case_a.pk]
    assert sum(snap["trend"]["reported"]) == 1
    events = client.get(reverse("live-events"), {"scope": "wall"}).json()["events"]
    assert events and {e["case"] for e in events} == {two.case_a.pk}
    client.force_login(two.b.supervisor)
    assert [row[0] for row in client.get(reverse("wall-snapshot")).json()["map"]] == [two.case_b.pk]


def test_a_wall_with_no_district_shows_both(client, two):
    client.force_login(two.everywhere)
    snap = client.get(reverse("wall-snapshot")).json()
    assert snap["counts"]["reported"] == 2
    assert {row[0] for row in snap["map"]} == {two.case_a.pk, two.case_b.pk}
    events = client.get(reverse("live-events"), {"scope": "wall"}).json()["events"]
    assert {e["case"] for e in events} == {two.case_a.pk, two.case_b.pk}
