import pytest
from rest_framework.test import APIClient


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture(autouse=True)
def _fresh_channel_table():
    """The channel table (cases/channels.py) is cached per process: each test reads its own rows, so a
    rolled-back test's channel never leaks into the next, and query counts do not depend on test order."""
    from cases import channels

    channels.clear_cache()
    yield
    channels.clear_cache()
