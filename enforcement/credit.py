"""The 门前三包 credit score (issue #20.1), computed from a party's confirmed violations.

Rules (enforcement.models.CreditPolicy, editable by the admin; defaults in brackets):
- a party starts at `initial` points (100);
- each confirmed violation (a case whose party staff confirmed) takes `deduction` points (10), never below 0;
- every full `recovery_days` (30) without a violation gives back `recovery_points` (5), never above `initial`;
  recovery counts from the last violation, so a violation restarts it.
- below `interview_below` (80) the party is on the 约谈 list, below `referral_below` (60) on the referral
  (重点监管/移送) list.

Worked by hand: violations on 1 Jan and 11 Jan, 100/10/5/30: 100 → 90 → 80; on 12 Mar (60 days after 11 Jan,
two full periods) 80 + 10 = 90.
"""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from enforcement.models import CaseParty, CreditPolicy, Party


def score(violations: list[datetime], as_of: datetime, policy: CreditPolicy) -> int:
    points = policy.initial
    last = None
    for at in sorted(violations):
        if at > as_of:
            break
        points = _recover(points, last, at, policy)
        points = max(0, points - policy.deduction)
        last = at
    return _recover(points, last, as_of, policy)


def _recover(points: int, last: datetime | None, until: datetime, policy: CreditPolicy) -> int:
    if last is None:
        return points
    periods = (until - last).days // policy.recovery_days
    return min(policy.initial, points + periods * policy.recovery_points)


def violation_times(party: Party) -> list[datetime]:
    return list(
        CaseParty.objects.filter(party=party, state=CaseParty.State.CONFIRMED).values_list(
            "occurred_at", flat=True
        )
    )


def refresh(party: Party, *, as_of: datetime | None = None, policy: CreditPolicy | None = None) -> int:
    """Recompute and store the party's score (called by the services and the daily sweep)."""
    as_of = as_of or timezone.now()
    policy = policy or CreditPolicy.current()
    value = score(violation_times(party), as_of, policy)
    Party.objects.filter(pk=party.pk).update(credit_score=value, credit_updated_at=as_of)
    party.credit_score, party.credit_updated_at = value, as_of
    return value


def refresh_all(*, as_of: datetime | None = None) -> int:
    """The daily sweep: recovery over time for the parties with violations. Returns how many changed."""
    as_of = as_of or timezone.now()
    policy = CreditPolicy.current()
    changed = 0
    ids = (
        CaseParty.objects.filter(state=CaseParty.State.CONFIRMED)
        .values_list("party_id", flat=True)
        .distinct()
    )
    for party in Party.objects.filter(pk__in=ids):
        before = party.credit_score
        with transaction.atomic():
            if refresh(party, as_of=as_of, policy=policy) != before:
                changed += 1
    return changed
