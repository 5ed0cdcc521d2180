"""A 部件's status follows the cases about it (docs/domain.md §5, §12): 立案 → 破损, 派遣 → 维修中, 结案 → 完好.

Heard from cases.signals.events_recorded, inside the transaction that wrote the events, so the case and
its part change together. Each change is a ComponentStatusChange row naming the case (the part's history).
A part marked 丢失/废弃/移除 by hand keeps that status: only the repair cycle is automatic.
"""

from cases.models import Case, CaseEvent
from cases.workflow import Action
from dispatch.components import component_set_status
from dispatch.models import Component

S = Component.Status
# action → (the statuses it moves from, the status it sets)
FOLLOWS = {
    Action.FILE.value: ((S.INTACT,), S.DAMAGED),
    Action.DISPATCH.value: ((S.INTACT, S.DAMAGED), S.REPAIRING),
    Action.CLOSE.value: ((S.DAMAGED, S.REPAIRING), S.INTACT),
}
NOTES = {S.DAMAGED: "案件立案", S.REPAIRING: "案件已派遣处置", S.INTACT: "案件已结案"}


def follow_cases(sender, events, **kwargs) -> None:
    relevant = [e for e in events if e.action in FOLLOWS]
    # The writers build each event with its case in hand: a case without a part costs no query here.
    relevant = [e for e in relevant if not CaseEvent.case.is_cached(e) or e.case.component_id]
    if not relevant:
        return
    cases = {
        c.pk: c
        for c in Case.objects.filter(
            pk__in={e.case_id for e in relevant}, component__isnull=False
        ).select_related("component")
    }
    for event in relevant:
        case = cases.get(event.case_id)
        if case is None:
            continue
        sources, target = FOLLOWS[event.action]
        if case.component.status not in sources:
            continue
        component_set_status(
            component=case.component,
            status=target,
            actor=event.actor,
            case_number=case.number,
            note=NOTES[target],
            at=event.at,
        )
