"""Fixtures for the permission matrix: the `world` of tests/cases (a street, two grids, one persona per
role) plus a user with no role, staff flags as the demo sets them, and one signed-in client each.

Every request the matrix makes runs in a savepoint that is rolled back (`attempt`), so one world serves
a whole table of allowed and refused requests: an allowed action never leaves the case moved for the
next principal, and a wrongly allowed one cannot hide behind an earlier change.
"""

import random
from dataclasses import dataclass

import pytest
from django.db import transaction
from django.test import Client

from cases import services
from cases.models import Case, CaseEvent
from tests.cases.conftest import fast_passwords, hotline_report, media_root, photo, world  # noqa: F401
from tests.factories import UserFactory
from tests.security.permission_matrix import (
    ANONYMOUS,
    NO_ROLE,
    OTHER_DEPARTMENT,
    OTHER_INSPECTOR,
    ROLES,
    STAFF,
)

# Requests come from a public address (TEST-NET-3): /metrics must not take the matrix for Prometheus on
# loopback. One address per run, so the anonymous rate limit (counted in the shared cache per address
# and minute) never sees two quick runs as one visitor.
OUTSIDE = f"203.0.113.{random.randint(1, 254)}"


@pytest.fixture
def principals(world):  # noqa: F811 (the fixture imported above)
    """principal name → user (None for the anonymous visitor). The admin is staff but not superuser: the
    matrix checks what the admin *role* grants, not what a superuser bypasses."""
    people = {role: getattr(world.p, role) for role in ROLES}
    people[OTHER_DEPARTMENT] = world.p.other_department
    people[OTHER_INSPECTOR] = world.p.other_inspector
    people[NO_ROLE] = UserFactory(username="nobody")
    for name, user in people.items():
        if name in STAFF:
            user.is_staff = True
            user.save(update_fields=["is_staff"])
    return {ANONYMOUS: None, **people}


@pytest.fixture
def clients(principals):
    """principal name → a Client signed in as them (sessions created before any savepoint)."""
    out = {}
    for name, user in principals.items():
        client = Client(REMOTE_ADDR=OUTSIDE)
        if user is not None:
            client.force_login(user)
        out[name] = client
    return out


@dataclass
class Outcome:
    status: int
    location: str
    body: str
    case_status: str | None
    new_events: list[tuple[str, int | None]]  # (action, actor id) of events written by the request


def attempt(client: Client, method: str, url: str, data: dict | None = None, case=None) -> Outcome:
    """Make the request in a savepoint, note what it did to `case`, and roll everything back."""
    with transaction.atomic():
        last = 0
        if case is not None:
            last = CaseEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
        if method == "get":
            response = client.get(url)
        else:
            response = client.post(url, data or {})
        events = []
        status = None
        if case is not None:
            status = Case.objects.filter(pk=case.pk).values_list("status", flat=True).get()
            events = list(
                CaseEvent.objects.filter(case_id=case.pk, id__gt=last)
                .order_by("id")
                .values_list("action", "actor_id")
            )
        transaction.set_rollback(True)
    body = response.content.decode(errors="replace") if not getattr(response, "streaming", False) else ""
    return Outcome(response.status_code, response.get("Location", ""), body, status, events)


def is_login_redirect(outcome: Outcome, login: str = "/login/") -> bool:
    return outcome.status == 302 and outcome.location.startswith(login)


def closed_hotline_case(world) -> Case:  # noqa: F811
    """A 12345 ticket walked through the whole loop to 已结案 (回访 is for callers)."""
    s, p = services, world.p
    case = s.case_send_verify(case=hotline_report(world), actor=p.operator)
    case = s.case_verify(case=case, actor=p.inspector, confirmed=True, photos=[photo()])
    case = s.case_file(case=case, actor=p.shift_leader)
    case = s.case_dispatch(case=case, actor=p.dispatcher, department=world.office)
    case = s.case_submit_feedback(case=case, actor=p.department, result="已清理", photos=[photo()])
    case = s.case_check(case=case, actor=p.inspector, passed=True, photos=[photo()])
    return s.case_close(case=case, actor=p.shift_leader)
