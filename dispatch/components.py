"""A managed component's status and its history (docs/domain.md §5): one service, one history row per change.

The status follows the cases about the component (patrols/parts.py hears the case events): a case filed
about it marks it 破损, dispatched 维修中, closed 完好. Staff may also set it by hand in the admin.
"""

from django.db import transaction
from django.utils import timezone

from dispatch.models import Component, ComponentStatusChange


def component_set_status(
    *, component: Component, status: str, actor=None, case_number: str = "", note: str = "", at=None
) -> ComponentStatusChange | None:
    """Set the status and append its history row; the same status again changes nothing (None)."""
    if status not in Component.Status.values:
        raise ValueError(f"部件状态 {status!r} 无效")
    with transaction.atomic():
        locked = Component.objects.select_for_update(no_key=True).get(pk=component.pk)
        if locked.status == status:
            return None
        change = ComponentStatusChange.objects.create(
            component=locked,
            from_status=locked.status,
            to_status=status,
            at=at or timezone.now(),
            case_number=case_number,
            note=note[:200],
            actor=actor,
        )
        locked.status = status
        locked.save(update_fields=["status"])
        component.status = status
        return change
