"""作业考核 rows held to the reader's district (docs/domain.md §13).

A work area belongs to its street's district, and with it its inspections, their findings and the
代为整改 done there; a contractor (and its 月度考核) to every district it works in — a district's staff
see the contractors with a work area in their district. A user with no district, or a city role, sees
every district (cases.selectors.district_limit)."""

from django.db.models import Exists, OuterRef, Q, QuerySet

from assessment.models import Contractor, WorkArea
from cases.selectors import district_limit


def district_of(user) -> int | None:
    return None if user is None else district_limit(user)


def _areas_in(district: int) -> QuerySet[WorkArea]:
    return WorkArea.objects.filter(street__district_id=district)


def serves(district: int, contractor: str = "pk") -> Exists:
    """Whether the contractor (the OuterRef `contractor`) has a work area in `district`."""
    return Exists(_areas_in(district).filter(contract__contractor_id=OuterRef(contractor)))


def in_district(qs: QuerySet, user, area: str = "area__") -> QuerySet:
    """Rows reached through a work area (`area` the path to it, "" for WorkArea itself)."""
    district = district_of(user)
    return qs if district is None else qs.filter(**{f"{area}street__district_id": district})


def contractors_for(user, qs: QuerySet | None = None, contractor: str = "pk") -> QuerySet:
    """Contractors (or rows of a contractor, `contractor` the path to its id) working in the district."""
    qs = Contractor.objects.all() if qs is None else qs
    district = district_of(user)
    return qs if district is None else qs.filter(serves(district, contractor))


def rectifications_for(user, qs: QuerySet) -> QuerySet:
    """代为整改 in the district's areas; one with no area counts where its contractor works."""
    district = district_of(user)
    if district is None:
        return qs
    return qs.filter(
        Q(area__street__district_id=district) | Q(area__isnull=True) & Q(serves(district, "contractor_id"))
    )


def works_elsewhere(user, contractor) -> bool:
    """Whether `contractor` also works outside the user's district: its month is then not theirs to
    assess alone (the 月度考核 covers all its areas)."""
    district = district_of(user)
    if district is None:
        return False
    areas = WorkArea.objects.filter(contract__contractor=contractor)
    return areas.exclude(street__district_id=district).exists() or not areas.exists()
