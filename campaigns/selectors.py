"""The querysets behind the lists: who sees what. Department staff see their own unit's work; a street's
staff (街道指挥, 街道领导: docs/domain.md §13) their street's — the tasks of its offices, the 挂号 items,
hazards in it (回头看 stays the inspectors' and the centre's); everyone else on the platform sees the district's (docs/domain.md §1)."""

from django.db.models import Q, QuerySet

from campaigns.models import Campaign, CampaignTask, FollowUp, Hazard, RegisterItem
from core.roles import DISTRICT_WIDE_ROLES, Role

STREET_ROLES = (Role.STREET_DISPATCHER, Role.STREET_LEADER)


def street_of(user) -> int | None:
    """The street of a street sub-centre's staff (their role and User.street), else None."""
    if user.has_role(*STREET_ROLES) and user.street_id:
        return user.street_id
    return None


def _own_unit(qs: QuerySet, user, *, street_field: str = "street_id") -> QuerySet:
    if user.has_role(*DISTRICT_WIDE_ROLES) or user.has_role(Role.INSPECTOR):
        return qs
    scope = Q(pk__in=[])
    if user.has_role(Role.DEPARTMENT):
        scope |= Q(department_id=user.department_id)
    if (street := street_of(user)) is not None:
        scope |= Q(**{street_field: street})
    return qs.filter(scope)


def campaigns_for(user) -> QuerySet[Campaign]:
    """The campaigns a page lists: all, except for a street's staff — those their street takes part in,
    is in the scope of, or has a task, 挂号 item or hazard in."""
    qs = Campaign.objects.order_by("-period_start", "id")
    street = street_of(user)
    if street is None or user.has_role(*DISTRICT_WIDE_ROLES) or user.campaign_offices.exists():
        return qs
    involved = (
        Q(streets=street)
        | Q(scope_streets=street)
        | Q(tasks__department__street_id=street)
        | Q(items__street_id=street)
    )
    return qs.filter(pk__in=Campaign.objects.filter(involved).values("pk"))


def tasks_for(user) -> QuerySet[CampaignTask]:
    qs = CampaignTask.objects.select_related("department", "campaign").order_by("deadline", "seq", "id")
    if user.campaign_offices.exists():
        return qs
    # A street's tasks are those of its offices (街道办事处 and the like: Department.street).
    return _own_unit(qs, user, street_field="department__street_id")


def items_for(user) -> QuerySet[RegisterItem]:
    qs = RegisterItem.objects.select_related("department", "street", "grid", "case").order_by(
        "deadline", "id"
    )
    if user.campaign_offices.exists():
        return qs
    return _own_unit(qs, user)


def hazards_for(user) -> QuerySet[Hazard]:
    qs = Hazard.objects.select_related("department", "street", "grid").order_by("deadline", "id")
    return _own_unit(qs, user)


def followups_for(user) -> QuerySet[FollowUp]:
    qs = FollowUp.objects.select_related("case", "new_case").order_by("due_at", "id")
    if user.has_role(*DISTRICT_WIDE_ROLES):
        return qs
    if user.has_role(Role.INSPECTOR):
        return qs.filter(inspector=user)
    if user.has_role(Role.DEPARTMENT):
        return qs.filter(case__department_id=user.department_id)
    return qs.none()
