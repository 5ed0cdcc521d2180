"""A street sub-centre on the `world` of tests/cases: its units, a unit's staff, a second street."""

from types import SimpleNamespace

import pytest

from streets.models import Unit
from tests.cases.conftest import (  # noqa: F401 (fixtures)
    case_in,
    fast_passwords,
    media_root,
    photo,
    world,
)
from tests.factories import CommunityFactory, StreetFactory, UserFactory


@pytest.fixture
def streets(world):  # noqa: F811 (the fixture imported above)
    community_user = UserFactory(username="sq1")
    contractor_user = UserFactory(username="zy1")
    community = Unit.objects.create(
        name="友谊社区居委会", kind=Unit.Kind.COMMUNITY, street=world.street, community=world.community
    )
    community.staff.add(community_user)
    contractor = Unit.objects.create(name="环卫作业公司", kind=Unit.Kind.CONTRACTOR, street=world.street)
    contractor.staff.add(contractor_user)
    other_street = StreetFactory()
    CommunityFactory(street=other_street)
    elsewhere = Unit.objects.create(name="别街社区", kind=Unit.Kind.COMMUNITY, street=other_street)
    other_dispatcher = UserFactory(username="sdisp2", roles=["street_dispatcher"], street=other_street)
    return SimpleNamespace(
        community=community,
        contractor=contractor,
        community_user=community_user,
        contractor_user=contractor_user,
        other_street=other_street,
        elsewhere=elsewhere,
        other_dispatcher=other_dispatcher,
    )
