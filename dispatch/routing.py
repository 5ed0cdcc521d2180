"""Which department a case should go to (docs/domain.md §5): 部件 to the owner first (先属主), 事项 by the
ordered rule table, otherwise to the street office of the grid (先属地). The dispatcher may override."""

from dataclasses import dataclass

from django.db.models import Q

from dispatch.models import Category, Department, RoutingRule


@dataclass(frozen=True)
class Suggestion:
    department: Department
    reason: str


def suggest_department(*, category: Category, component=None, grid=None) -> Suggestion | None:
    if component is not None:
        for field, label in (("owner", "权属单位"), ("maintainer", "养护单位"), ("regulator", "主管部门")):
            department = getattr(component, field)
            if department is not None and department.is_active:
                return Suggestion(department, f"先属主：部件 {component.code} 的{label}")
    community_id = grid.community_id if grid is not None else None
    street_id = grid.community.street_id if grid is not None else None
    rule = (
        RoutingRule.objects.filter(is_active=True, department__is_active=True)
        .filter(
            Q(category=category)
            | Q(category__isnull=True, kind=category.kind, major_code=category.major_code)
        )
        .filter(Q(street__isnull=True) | Q(street_id=street_id))
        .filter(Q(community__isnull=True) | Q(community_id=community_id))
        .select_related("department")
        .order_by("order", "id")
        .first()
    )
    if rule is not None:
        return Suggestion(rule.department, f"派遣规则 #{rule.order}：{rule}")
    if street_id is not None:
        default = Department.objects.filter(
            street_id=street_id, is_street_default=True, is_active=True
        ).first()
        if default is not None:
            return Suggestion(default, "先属地：网格所在街道的默认处置单位")
    return None
