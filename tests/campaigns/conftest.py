"""The cases' small district and personas, plus a campaign office member and a campaign in it."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone

from campaigns.services import campaigns as svc
from tests.cases.conftest import case_in, media_root, photo, report, world  # noqa: F401 (fixtures)
from tests.factories import UserFactory


@pytest.fixture
def office_member(world):  # noqa: F811 (the fixture imported above)
    return UserFactory(username="zxb", first_name="专项办小王")


@pytest.fixture
def campaign(world, office_member):  # noqa: F811 (the fixture imported above)
    today = timezone.localdate()
    return svc.campaign_create(
        actor=world.p.supervisor,
        name="金桥街环境综合整治专项行动",
        period_start=today - timedelta(days=10),
        period_end=today + timedelta(days=60),
        lead_group="街道环境整治领导小组",
        office_staff=[office_member],
        departments=[world.office],
        scope_streets=[world.street],
        scope_categories=[world.event_cat],
        goals=[{"metric": "cases_found", "target": 3, "label": "发现问题"}],
    )


@pytest.fixture
def ctx(world, campaign, office_member):  # noqa: F811 (the fixture imported above)
    return SimpleNamespace(w=world, c=campaign, office=office_member, p=world.p)
