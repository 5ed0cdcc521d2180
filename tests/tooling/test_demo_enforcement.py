"""The demo's year of enforcement (tooling/demo/enforcement.py) on the small test district: every outcome
kind happens, and the figures in the yearly view and the monthly reports equal a hand count of the rows."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from cases.models import Case
from enforcement import figures
from enforcement.models import CaseParty, Outcome, Party
from kpi import reports
from tests.cases.conftest import fast_passwords, media_root  # noqa: F401 (fixtures)
from tests.enforcement.conftest import enf, world  # noqa: F401 (fixtures)
from tooling.demo.enforcement import TAG, create_demo_enforcement

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords", "media_root")]


@pytest.fixture
def year(enf):  # noqa: F811
    p = enf.world.p
    people = {
        "operator": p.operator,
        "shift_leader": p.shift_leader,
        "dispatcher": p.dispatcher,
        "enforcer": enf.officer,
    }
    made = create_demo_enforcement(
        streets=[enf.world.street], department=enf.dept, cases=40, people=people, note=lambda _: None
    )
    assert made == 40
    return enf


def test_the_demo_year_has_every_outcome_and_closed_cases(year):
    demo = Case.objects.filter(description__startswith=TAG)
    assert demo.count() == 40 and set(demo.values_list("status", flat=True)) == {"closed"}
    kinds = set(Outcome.objects.values_list("kind", flat=True))
    assert kinds >= {"persuasion", "rectification", "penalty", "transfer"}
    assert Party.objects.filter(letters__isnull=False).exists()
    assert (
        create_demo_enforcement(streets=[year.world.street], department=year.dept, note=lambda _: None) == 0
    )


def test_the_years_figures_equal_the_hand_count(year):
    today = timezone.localdate()
    start = today - dt.timedelta(days=365)
    (total,) = figures.figures(start, today)
    rows = Outcome.objects.all()
    assert total["orders"] == rows.filter(kind="rectification").count()
    assert total["penalties"] == rows.filter(kind="penalty").count()
    assert total["waivers"] == rows.filter(kind="waiver").count()
    assert total["transfers"] == rows.filter(kind="transfer").count()
    assert total["persuasions"] == rows.filter(kind="persuasion").count()
    assert total["checks"] == rows.filter(checked_at__isnull=False).count()
    assert total["fines"] == sum((o.fine for o in rows.filter(kind="penalty")), Decimal(0))
    rectified = rows.filter(kind="rectification", check_result="rectified").count()
    assert total["on_time_rate"] == round(rectified / rows.filter(kind="rectification").count(), 4)
    per_party = {}
    for link in CaseParty.objects.filter(state="confirmed"):
        per_party[link.party_id] = per_party.get(link.party_id, 0) + 1
    repeat = sum(1 for n in per_party.values() if n >= 2) / len(per_party)
    assert total["repeat_rate"] == round(repeat, 4)

    # The monthly reports over the year add up to the same penalties and fines.
    penalties, fines, month = 0, 0.0, start.replace(day=1)
    while month <= today:
        report = reports.build_report("monthly", month, user=year.world.p.supervisor)
        streets = [s for s in report.sections if s.key == "enforcement_streets"]
        if streets:
            total_row = streets[0].rows[-1]
            penalties += total_row["penalties"]
            fines += total_row["fines"]
        month = (month + dt.timedelta(days=32)).replace(day=1)
    assert penalties == total["penalties"]  # the demo starts the day after `start`: nothing earlier
    assert fines == pytest.approx(float(total["fines"]))
