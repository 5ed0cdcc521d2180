"""What of the live feed and the wall a user sees, by district (docs/domain.md §13).

A wall of a district's centre (its user names the district) shows that district's cases, figures and
events; a wall with no district, the whole deployment (cases.selectors.district_limit)."""

from django.db.models import QuerySet

from cases.models import Case
from cases.selectors import district_limit
from grids.models import Grid


def district_of(user) -> int | None:
    return district_limit(user)


def wall_cases(district: int | None) -> QuerySet[Case]:
    cases = Case.objects.all()
    return cases if district is None else cases.filter(district_id=district)


def district_grids(district: int) -> set[int]:
    """The grids of `district`: a feed event carries its case's grid, so this is how a wall tells its own
    events from the others' without a query per event."""
    return set(Grid.objects.filter(community__street__district_id=district).values_list("pk", flat=True))
