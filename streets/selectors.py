"""Reads of a street's sub-centre: the street's cases, the units' tasks, the 提级 queue (docs/domain.md §13)."""

from django.db.models import Q, QuerySet

from cases.models import Case
from cases.selectors import case_list, with_open_step
from core.roles import DISTRICT_WIDE_ROLES
from streets.models import Escalation, SubDispatch, Unit
from streets.services import street_of, takes_escalations, units_of


def street_cases(user) -> QuerySet[Case]:
    """The cases of the user's street with their running step's deadline, newest first."""
    street = street_of(user)
    if street is None:
        return Case.objects.none()
    return with_open_step(case_list(user).filter(street_id=street)).order_by("-created_at", "-id")


def units_visible_to(user) -> QuerySet[Unit]:
    units = Unit.objects.select_related("street", "community").order_by("street__code", "kind", "name")
    if user.is_superuser or user.roles & DISTRICT_WIDE_ROLES:
        return units
    street = street_of(user)
    if street is not None:
        return units.filter(street_id=street)
    return units.filter(staff=user)


def sub_dispatches_visible_to(user) -> QuerySet[SubDispatch]:
    """District-wide roles: all; street staff: their street's; unit staff: their units' tasks."""
    rows = SubDispatch.objects.select_related("case", "unit", "street", "dispatched_by", "reported_by")
    if user.is_superuser or user.roles & DISTRICT_WIDE_ROLES:
        return rows
    scope = Q(unit__in=units_of(user))
    street = street_of(user)
    if street is not None:
        scope |= Q(street_id=street)
    return rows.filter(scope)


def escalations_visible_to(user) -> QuerySet[Escalation]:
    rows = Escalation.objects.select_related("case", "street", "raised_by", "taken_by")
    if user.is_superuser or user.roles & DISTRICT_WIDE_ROLES or takes_escalations(user):
        return rows
    street = street_of(user)
    if street is not None:
        return rows.filter(street_id=street)
    return rows.none()


def can_use_api(user) -> bool:
    """Who reads the streets' API at all: the district-wide roles, street staff and unit staff."""
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(
        user.is_superuser
        or user.roles & DISTRICT_WIDE_ROLES
        or street_of(user) is not None
        or units_of(user).exists()
    )
