"""The cases' district and personas (tests/cases/conftest.py), and a clock to walk cases through days."""

import datetime as dt
from contextlib import contextmanager

import pytest
import time_machine
from django.utils import timezone

from tests.cases.conftest import (  # noqa: F401  (fixtures, re-used as they are)
    fast_passwords,
    media_root,
    photo,
    report,
    world,
)

TZ = timezone.get_fixed_timezone(8 * 60)


@pytest.fixture(autouse=True)
def _quick(fast_passwords, media_root):  # noqa: F811
    """Every KPI test: MD5 passwords and photos in a throw-away folder."""


def at(day: dt.date, hour: int = 10, minute: int = 0) -> dt.datetime:
    """A local (Asia/Shanghai) moment on `day`."""
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=TZ)


@contextmanager
def on(day: dt.date, hour: int = 10, minute: int = 0):
    """Everything inside happens at that local moment (the services read timezone.now())."""
    with time_machine.travel(at(day, hour, minute), tick=False):
        yield


@pytest.fixture
def march(world):  # noqa: F811
    """The scenario of tests/kpi/scenario.py, rolled up day by day; returns the cases by letter."""
    from tests.kpi import scenario

    cases = scenario.build(world)
    scenario.roll_days()
    return cases


def tables() -> dict:
    """Every fact and rollup row (without surrogate ids), for comparing two ways of rolling up."""
    from kpi.models import AreaDay, CaseFact, PersonDay, PersonFact

    def rows(model):
        return sorted(
            (tuple(sorted((k, v) for k, v in row.items() if k != "id")) for row in model.objects.values()),
        )

    return {m.__name__: rows(m) for m in (CaseFact, AreaDay, PersonFact, PersonDay)}
