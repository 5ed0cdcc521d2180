"""The cases' district and personas (tests/cases/conftest.py), re-used for the operations tests."""

from tests.cases.conftest import (  # noqa: F401  (fixtures, re-used as they are)
    fast_passwords,
    media_root,
    world,
)
