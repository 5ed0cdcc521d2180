"""Who does enforcement work, and who sees a party's contact (docs/domain.md §11: "Parties' personal data is
seen only by the staff who handle enforcement").

综合执法 staff are the 专业部门 users whose department is an issuing unit (enforcement.models.Unit): the
department permission of issue #20. They record outcomes on their department's cases (主办 or 协办), confirm
a case's party, keep 告知/约谈 records, import parties, and are the only ones who see a party's contact
person and phone (the 个人信息保护法's minimum necessary rule, as core/privacy.py for callers). The shift
leader may confirm or dismiss a suggested party when filing. Supervisors, shift leaders and admins read
parties, outcomes and figures without contacts; the admin keeps the agencies, units and credit rules.
"""

from core.roles import Role

CONFIRM_ROLES = frozenset({Role.SHIFT_LEADER})
READ_ROLES = frozenset({Role.SUPERVISOR, Role.SHIFT_LEADER, Role.ADMIN})


def unit_of(user):
    """The issuing unit the user works for, or None."""
    if not getattr(user, "is_authenticated", False) or not user.has_role(Role.DEPARTMENT):
        return None
    if not user.department_id:
        return None
    if not hasattr(user, "_enforcement_unit"):
        from enforcement.models import Unit

        user._enforcement_unit = Unit.objects.filter(department_id=user.department_id).first()
    return user._enforcement_unit


def is_enforcement_staff(user) -> bool:
    return unit_of(user) is not None


def can_see_contact(user) -> bool:
    return is_enforcement_staff(user)


def can_read(user) -> bool:
    return is_enforcement_staff(user) or bool(
        getattr(user, "is_authenticated", False) and user.roles & READ_ROLES
    )


def can_confirm(user) -> bool:
    return is_enforcement_staff(user) or bool(
        getattr(user, "is_authenticated", False) and user.roles & CONFIRM_ROLES
    )


def case_in_scope(user, case) -> bool:
    """综合执法 staff act on their department's cases (主办 or 协办)."""
    unit = unit_of(user)
    if unit is None:
        return False
    if case.department_id == unit.department_id:
        return True
    return case.co_departments.filter(pk=unit.department_id).exists()
