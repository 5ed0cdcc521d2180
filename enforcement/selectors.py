"""Enforcement rows held to the reader's district (docs/domain.md §13).

A party belongs to the district of its street, an outcome to its case's, a 联合执法 to its street's (or,
without a street, to the district of the staff member who recorded it). A user whose `district` is set
reads and acts on their district's rows only; no district, or a city role: every district
(cases.selectors.district_limit)."""

from django.db.models import Q, QuerySet

from cases.models import Case
from cases.selectors import district_limit
from enforcement.models import JointOperation, Outcome, Party


def district_of(user) -> int | None:
    """None also for no user: the system (a receiver, an import run by a command) works everywhere."""
    return None if user is None else district_limit(user)


def _held(qs: QuerySet, user, q) -> QuerySet:
    district = district_of(user)
    return qs if district is None else qs.filter(q(district))


def parties_for(user, qs: QuerySet[Party] | None = None) -> QuerySet[Party]:
    return _held(Party.objects.all() if qs is None else qs, user, lambda d: Q(street__district_id=d))


def outcomes_for(user, qs: QuerySet[Outcome] | None = None) -> QuerySet[Outcome]:
    return _held(Outcome.objects.all() if qs is None else qs, user, lambda d: Q(case__district_id=d))


def operations_for(user, qs: QuerySet[JointOperation] | None = None) -> QuerySet[JointOperation]:
    return _held(
        JointOperation.objects.all() if qs is None else qs,
        user,
        lambda d: Q(street__district_id=d) | Q(street__isnull=True, actor__district_id=d),
    )


def cases_for(user) -> QuerySet[Case]:
    """The cases whose enforcement panel `user` may act on, as far as districts go (roles: services)."""
    return _held(Case.objects.all(), user, lambda d: Q(district_id=d))


def foreign(user, district_id: int | None) -> bool:
    """Whether a row of `district_id` lies outside `user`'s district. A row of no district (a bureau
    serving the whole deployment) is nobody's foreign row."""
    own = district_of(user)
    return own is not None and district_id is not None and district_id != own
