"""Who may read which KPI figures."""

from django.core.exceptions import PermissionDenied

from core.roles import DISTRICT_WIDE_ROLES, Role
from dispatch.models import Department
from kpi.queries.cells import check_filters, code_of


def scope_filters(user, **filters) -> dict:
    """The filters `user` may apply. District-wide roles see all; a department user only theirs."""
    check_filters(filters)
    roles = getattr(user, "roles", set())
    if roles & DISTRICT_WIDE_ROLES or getattr(user, "is_superuser", False):
        return filters
    if Role.DEPARTMENT in roles and user.department_id:
        own = user.department.code
        asked = code_of(Department, filters.get("department"))
        if asked and asked != own:
            raise PermissionDenied("专业部门用户只能查看本部门的数据")
        return {**filters, "department": own}
    raise PermissionDenied("无权查看综合评价数据")
