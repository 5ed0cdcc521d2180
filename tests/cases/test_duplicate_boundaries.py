"""Suspected duplicates on their edges: the radius (a centimetre and a decimetre either side of DUPLICATE_RADIUS_M, due
north, due east and on the diagonal where only a bounding box would let a case through) and the
window (closed exactly DUPLICATE_WINDOW_DAYS ago, a second more, a second less).

Positions are computed here from the sphere distance_m uses (mean Earth radius 6,371,008.8 m): due
north, d metres is d / R radians of latitude; due east at latitude φ, 2·asin(sin(d / 2R) / cos φ).
"""

import math
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from cases.intake import duplicates
from cases.models import Case
from cases.workflow import Status
from tests.cases.conftest import case_in, report

pytestmark = pytest.mark.usefixtures("fast_passwords", "media_root")

R = 6_371_008.8
ORIGIN = (117.2001, 39.0501)  # in world.grid's south-west corner: 70 m north or east stay inside


def north(metres: float) -> tuple[float, float]:
    lng, lat = ORIGIN
    return lng, lat + math.degrees(metres / R)


def east(metres: float) -> tuple[float, float]:
    lng, lat = ORIGIN
    return lng + math.degrees(2 * math.asin(math.sin(metres / (2 * R)) / math.cos(math.radians(lat)))), lat


def diagonal(metres: float) -> tuple[float, float]:
    """North-east at 45°, `metres` away (to a centimetre): inside the radius' square, outside its circle
    when `metres` is between the radius and √2 times it."""
    lng, lat = ORIGIN
    step = metres / math.sqrt(2)
    return east(step)[0], north(step)[1]


def linked(world, where) -> bool:
    original = report(world, where=ORIGIN)
    return any(s.original_id == original.pk for s in duplicates.find_suspects(report(world, where=where)))


def test_the_positions_are_as_far_as_they_say():
    for place in (north, east, diagonal):
        for metres in (49.9, 49.99, 50.0, 50.01, 50.1, 60.0, 70.0):
            assert abs(duplicates.distance_m(*ORIGIN, *place(metres)) - metres) < 0.001, (place, metres)


@pytest.mark.parametrize("place", [north, east, diagonal], ids=["north", "east", "diagonal"])
# A distance is a float: "on the radius" is a centimetre either side of it.
@pytest.mark.parametrize(("metres", "expected"), [(49.9, True), (49.99, True), (50.01, False), (50.1, False)])
def test_the_radius_a_centimetre_and_a_decimetre_either_side(world, settings, place, metres, expected):
    settings.DUPLICATE_RADIUS_M = 50
    assert linked(world, place(metres)) is expected


@pytest.mark.parametrize("metres", [55, 60, 70])
def test_a_case_in_the_corner_of_the_search_box_but_beyond_the_radius_is_not_linked(world, metres):
    # The nearest-first SQL pre-selects by a square around the new case; the radius decides.
    assert not linked(world, diagonal(metres))


def test_a_larger_radius_setting_reaches_further(world, settings):
    settings.DUPLICATE_RADIUS_M = 70
    assert linked(world, east(69.9))
    assert not linked(world, east(70.1))


@pytest.mark.parametrize(
    ("closed_ago", "expected"),
    [
        (timedelta(days=7) - timedelta(seconds=1), True),
        (timedelta(days=7), True),  # closed exactly DUPLICATE_WINDOW_DAYS before the new report
        (timedelta(days=7, seconds=1), False),
    ],
)
def test_a_closed_case_counts_for_exactly_the_window(world, settings, closed_ago, expected):
    settings.DUPLICATE_WINDOW_DAYS = 7
    closed = case_in(world, Status.CLOSED)
    now = (timezone.now() + timedelta(minutes=1)).replace(microsecond=0)  # after the closed case
    Case.objects.filter(pk=closed.pk).update(closed_at=now - closed_ago)
    with time_machine.travel(now, tick=False):
        new = report(world)
    assert new.created_at == now
    assert any(s.original_id == closed.pk for s in duplicates.find_suspects(new)) is expected


@pytest.mark.parametrize(("window", "expected"), [(3, False), (5, True)])
def test_the_window_is_a_setting(world, settings, window, expected):
    settings.DUPLICATE_WINDOW_DAYS = window
    closed = case_in(world, Status.CLOSED)
    Case.objects.filter(pk=closed.pk).update(closed_at=timezone.now() - timedelta(days=4))
    assert any(s.original_id == closed.pk for s in duplicates.find_suspects(report(world))) is expected
