from tests.cases.conftest import fast_passwords, world  # noqa: F401
