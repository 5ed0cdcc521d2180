"""The querysets behind the lists: who sees what. Department staff see their own unit's work; a street's
staff (街道指挥, 街道领导: docs/domain.md §13) their street's — the tasks of its offices, the 挂号 items,
hazards in it (回头看 stays the inspectors' and the centre's); everyone else on the platform sees the
district's (docs/domain.md §1) — in a deployment of several districts, a user whose `district` is set sees
their district's rows only (§13): a campaign and its tasks by the campaign's district, 挂号 items and
hazards by their street's, 回头看 by their case's."""

from django.db.models import Q, QuerySet

from campaigns.models import Campaign, CampaignTask, FollowUp, FollowUpRule, Hazard, RegisterItem
from cases.selectors import district_limit
from core.roles import DISTRICT_WIDE_ROLES, STREET_ROLES, Role


def district_of(user) -> int | None:
    """The district `user` is held to, or None (every district; also the system: no user)."""
    return None if user is None else district_limit(user)


def in_district(qs: QuerySet, user, path: str) -> QuerySet:
    """`qs` narrowed to the user's district, `path` leading from its rows to a district id."""
    district = district_of(user)
    return qs if district is None else qs.filter(**{path: district})


def department_district(department) -> int | None:
    """A street's office belongs to its street's district; a bureau or an enterprise to none (it may
    serve every district)."""
    return department.street.district_id if department is not None and department.street_id else None


def street_of(user) -> int | None:
    """The street of a street sub-centre's staff (their role and User.street), else None."""
    if user.has_role(*STREET_ROLES) and user.street_id:
        return user.street_id
    return None


def campaigns_for(user) -> QuerySet[Campaign]:
    """The campaigns a page lists: the district's, except for a street's staff — those their street takes
    part in, is in the scope of, or has a task, 挂号 item or hazard in."""
    qs = in_district(Campaign.objects.order_by("-period_start", "id"), user, "district_id")
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


def rules_for(user) -> QuerySet[FollowUpRule]:
    """A rule's district: its street's, its grid's or its campaign's; a rule of none is the deployment's."""
    district = district_of(user)
    rules = FollowUpRule.objects.all()
    if district is None:
        return rules
    return rules.filter(
        Q(street__district_id=district)
        | Q(grid__community__street__district_id=district)
        | Q(campaign__district_id=district)
    )


def _own_unit(qs: QuerySet, user, *, street_field: str = "street_id") -> QuerySet:
    if user.has_role(*DISTRICT_WIDE_ROLES) or user.has_role(Role.INSPECTOR):
        return qs
    scope = Q(pk__in=[])
    if user.has_role(Role.DEPARTMENT):
        scope |= Q(department_id=user.department_id)
    if (street := street_of(user)) is not None:
        scope |= Q(**{street_field: street})
    return qs.filter(scope)


def tasks_for(user) -> QuerySet[CampaignTask]:
    qs = CampaignTask.objects.select_related("department", "campaign").order_by("deadline", "seq", "id")
    qs = in_district(qs, user, "campaign__district_id")
    if user.campaign_offices.exists():
        return qs
    # A street's tasks are those of its offices (街道办事处 and the like: Department.street).
    return _own_unit(qs, user, street_field="department__street_id")


def items_for(user) -> QuerySet[RegisterItem]:
    qs = RegisterItem.objects.select_related("department", "street", "grid", "case").order_by(
        "deadline", "id"
    )
    qs = in_district(qs, user, "street__district_id")
    if user.campaign_offices.exists():
        return qs
    return _own_unit(qs, user)


def hazards_for(user) -> QuerySet[Hazard]:
    qs = Hazard.objects.select_related("department", "street", "grid").order_by("deadline", "id")
    return _own_unit(in_district(qs, user, "street__district_id"), user)


def followups_for(user) -> QuerySet[FollowUp]:
    qs = FollowUp.objects.select_related("case", "new_case").order_by("due_at", "id")
    qs = in_district(qs, user, "case__district_id")
    if user.has_role(*DISTRICT_WIDE_ROLES):
        return qs
    if user.has_role(Role.INSPECTOR):
        return qs.filter(inspector=user)
    if user.has_role(Role.DEPARTMENT):
        return qs.filter(case__department_id=user.department_id)
    return qs.none()
