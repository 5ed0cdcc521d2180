"""Side events (cases/workflow.py SideEvent): timeline entries written by the apps above `cases` for work
beside the loop — a street's 二级派遣, 提级 and 协办 records (docs/domain.md §13). They change no state,
except the moves of SIDE_MOVES (the district taking over an escalated case), made here with the clock.

The caller holds the case row locked in its own transaction (`lock_case`), changes its own rows, and
records the event here in that transaction, so the two are written together or not at all.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import timing
from cases.errors import InvalidInput
from cases.models import Case, CaseEvent, CasePhoto
from cases.services._base import _atomic_with_files, _limited, _save_photos, lapse_requests
from cases.signals import send_events_recorded
from cases.workflow import SIDE_MOVES, SideEvent


def lock_case(case: Case | int) -> Case:
    """The case row, locked for the caller's transaction (as the services lock it)."""
    pk = case.pk if isinstance(case, Case) else case
    try:
        return Case.objects.select_for_update(no_key=True).get(pk=pk)
    except (Case.DoesNotExist, ValueError, TypeError):
        raise InvalidInput(_("案件 %(case)s 不存在") % {"case": pk}, field="case") from None


def record_side_event(
    *,
    case: Case,
    kind: SideEvent,
    actor,
    role: str,
    note: str = "",
    payload: dict,
    photos=(),
    at=None,
) -> CaseEvent:
    """Append one side event to the case's timeline, with its photos (already prepared by the caller)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("record_side_event runs inside the caller's transaction")
    now = at or timezone.now()
    from_status = case.status
    with _atomic_with_files() as written:
        _move(case, SideEvent(kind), now)
        event = CaseEvent.objects.create(
            case=case,
            action=SideEvent(kind).value,
            from_status=from_status,
            to_status=case.status,
            actor=actor if getattr(actor, "pk", None) else None,
            actor_role=role,
            at=now,
            note=_limited(note, "note"),
            payload=payload,
        )
        if photos:
            written += _save_photos(case, CasePhoto.Stage.FEEDBACK, photos, actor, event)
    send_events_recorded([event])
    return event


def _move(case: Case, kind: SideEvent, now) -> None:
    """The state change of a side event of SIDE_MOVES, if the case is in one of its sources: back to the
    district's centre (待派遣) as a 回退 does — no 主办 or 协办 department, the running 处置 step finished,
    a new 派遣 step started, the requests the new state no longer allows lapsed."""
    sources, target = SIDE_MOVES.get(kind, ((), None))
    if case.status not in sources:
        return
    from_status = case.status
    case.status, case.department = target.value, None
    case.save(update_fields=["status", "department", "updated_at"])
    case.co_departments.clear()
    timing.on_change(case, action=kind.value, from_status=from_status, now=now)
    lapse_requests(case, from_status, now)
