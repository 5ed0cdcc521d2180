"""The hotline push's backoff on its edges: doubling from the base up to exactly the cap, and held there."""

from datetime import timedelta

import pytest

from cases.intake import outbox


@pytest.mark.parametrize(
    ("attempts", "seconds"),
    [(0, 30), (1, 30), (2, 60), (3, 120), (4, 240), (5, 240), (30, 240)],
)
def test_backoff_doubles_up_to_the_cap(settings, attempts, seconds):
    settings.HOTLINE_PUSH_BACKOFF_SECONDS = 30
    settings.HOTLINE_PUSH_BACKOFF_MAX_SECONDS = 240  # reached exactly at the 4th failure
    assert outbox.backoff(attempts) == timedelta(seconds=seconds)


def test_backoff_one_second_under_the_cap(settings):
    settings.HOTLINE_PUSH_BACKOFF_SECONDS = 30
    settings.HOTLINE_PUSH_BACKOFF_MAX_SECONDS = 239
    assert outbox.backoff(3) == timedelta(seconds=120)
    assert outbox.backoff(4) == timedelta(seconds=239)
