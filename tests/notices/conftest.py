import pytest

from notices.senders import MemorySmsProvider
from tests.cases.conftest import fast_passwords, world  # noqa: F401


@pytest.fixture(autouse=True)
def sms(settings):
    """The SMS test double, empty and working at the start of every test."""
    settings.NOTICES_SMS_PROVIDER = "notices.senders.MemorySmsProvider"
    MemorySmsProvider.sent = []
    MemorySmsProvider.fail = False
    return MemorySmsProvider
