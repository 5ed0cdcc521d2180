"""The querysets behind the lists: who sees what. Department staff see their own unit's work; everyone
else on the platform sees the district's (docs/domain.md §1)."""

from django.db.models import QuerySet

from campaigns.models import CampaignTask, FollowUp, Hazard, RegisterItem
from core.roles import DISTRICT_WIDE_ROLES, Role


def _own_unit(qs: QuerySet, user) -> QuerySet:
    if user.has_role(*DISTRICT_WIDE_ROLES) or user.has_role(Role.INSPECTOR):
        return qs
    if user.has_role(Role.DEPARTMENT):
        return qs.filter(department_id=user.department_id)
    return qs.none()


def tasks_for(user) -> QuerySet[CampaignTask]:
    qs = CampaignTask.objects.select_related("department", "campaign").order_by("deadline", "seq", "id")
    if user.campaign_offices.exists():
        return qs
    return _own_unit(qs, user)


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
