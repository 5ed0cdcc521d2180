"""Who may read which KPI figures."""

from django.core.exceptions import PermissionDenied

from cases.selectors import district_limit
from core.roles import CITY_ROLES, DISTRICT_WIDE_ROLES, Role
from dispatch.models import Department
from grids.models import District
from kpi.queries.cells import check_filters, code_of


def scope_filters(user, **filters) -> dict:
    """The filters `user` may apply. District-wide roles see all (their district's, when their user names
    one: docs/domain.md §13); city roles every district; a department user only theirs."""
    check_filters(filters)
    roles = getattr(user, "roles", set())
    if roles & CITY_ROLES or getattr(user, "is_superuser", False):
        return filters
    if roles & DISTRICT_WIDE_ROLES:
        own_district = district_limit(user)
        if own_district is None:
            return filters
        own = District.objects.filter(pk=own_district).values_list("code", flat=True).first()
        asked = code_of(District, filters.get("district"))
        if asked and asked != own:
            raise PermissionDenied("区级用户只能查看本区的数据")
        return {**filters, "district": own}
    if Role.DEPARTMENT in roles and user.department_id:
        own = user.department.code
        asked = code_of(Department, filters.get("department"))
        if asked and asked != own:
            raise PermissionDenied("专业部门用户只能查看本部门的数据")
        return {**filters, "department": own}
    raise PermissionDenied("无权查看综合评价数据")
