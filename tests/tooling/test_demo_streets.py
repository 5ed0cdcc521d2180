"""create_demo_streets: units under a demo street with their staff, the street's 指挥 and 领导, 二级派遣
in each state and a 提级 waiting for the district; made once."""

import pytest

from streets.models import Escalation, SubDispatch, Unit
from tests.tooling.test_demo_cases import small_district  # noqa: F401 (fixture)
from tooling.demo.cases import create_demo_cases
from tooling.demo.streets import create_demo_streets

pytestmark = pytest.mark.usefixtures("fast_passwords", "media_root")


def test_the_demo_street_has_units_sub_dispatches_and_an_escalation(small_district):  # noqa: F811
    create_demo_cases(60, note=lambda line: None)
    made = create_demo_streets(note=lambda line: None)

    units = Unit.objects.all()
    assert {u.kind for u in units} == {"community", "property", "contractor"}
    assert all(u.staff.exists() for u in units)
    street = units.first().street
    from django.contrib.auth import get_user_model

    dispatcher = get_user_model().objects.get(username="street_dispatcher")
    assert dispatcher.street == street and dispatcher.has_role("street_dispatcher")
    assert made == SubDispatch.objects.count() > 0
    states = set(SubDispatch.objects.values_list("state", flat=True))
    assert "dispatched" in states
    assert all(s.due_at <= s.street_due_at for s in SubDispatch.objects.all())
    assert Escalation.objects.filter(state="pending", street=street).count() == 1
    assert create_demo_streets(note=lambda line: None) == 0
    assert SubDispatch.objects.count() == made
