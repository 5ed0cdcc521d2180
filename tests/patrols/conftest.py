from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from tests.cases.conftest import media_root, world  # noqa: F401 (fixtures)


@pytest.fixture(autouse=True)
def _cheap_passwords(settings):
    """The personas of `world` hashed with MD5 (PBKDF2 costs seconds per test)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_locator():
    from grids import locator

    locator.invalidate()
    yield
    locator.invalidate()


def points_along(start_lng, lat, *, at: datetime, n=9, step_deg=0.0001, every_s=10) -> list[dict]:
    """A walk due east: n points, step_deg apart (≈ 8.6 m at 39°N), every_s seconds apart."""
    return [
        {"at": (at + timedelta(seconds=i * every_s)).isoformat(), "lng": start_lng + i * step_deg, "lat": lat}
        for i in range(n)
    ]


@pytest.fixture
def morning():
    """09:00 today, local time."""
    return timezone.localtime().replace(hour=9, minute=0, second=0, microsecond=0)
