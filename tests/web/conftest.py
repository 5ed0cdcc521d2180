"""Page tests: the `world` of tests/cases (a street, two grids, one persona per role) and a signed-in
browser-less client per role."""

import pytest
from django.test import Client

from tests.cases.conftest import fast_passwords, media_root, photo, report, world  # noqa: F401


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def as_role(world):  # noqa: F811 (the fixture imported above)
    """as_role("operator") → a Client signed in as the world's operator."""
    return lambda role: client_for(getattr(world.p, role))
