"""What every service shares: lock the case, check the table, save, log the event (`_transition`),
and the input checks several actions use."""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import events, rules, timing
from cases.errors import InvalidInput
from cases.intake.outbox import record_outbox
from cases.models import ACTION_TEXT_MAX_LENGTH, Case, CaseEvent, CasePhoto, CaseRequest
from cases.photos import accept_photos, save_photos
from cases.signals import send_events_recorded
from cases.workflow import LEDGER, Action, Transition, transitions_for
from dispatch.models import Category, Component, Department

log = logging.getLogger(__name__)

# The decision note of a request that lapsed because the case moved on; the generator writes the same.
LAPSED_NOTE = "案件状态已变化，申请自动失效"


@dataclass
class _Step:
    """What one action does to the locked case, collected by the service and written by `_transition`."""

    case: Case
    transition: Transition
    role: str
    actor: object | None
    from_status: str
    now: datetime  # one moment for the event, the case's timestamps and the clock
    note: str = ""
    payload: dict = field(default_factory=dict)
    fields: set[str] = field(default_factory=set)
    photos: list[tuple[str, list]] = field(default_factory=list)
    event: CaseEvent | None = None

    def set(self, **values) -> None:
        for name, value in values.items():
            setattr(self.case, name, value)
            self.fields.add(name)


@contextmanager
def _atomic_with_files() -> Iterator[list[str]]:
    """A transaction that also owns the photo files written in it (their names go in the yielded list)."""
    written: list[str] = []
    try:
        with transaction.atomic():
            yield written
    except Exception:
        # The rows rolled back; the files written for them must go too, or they would be orphans.
        storage = CasePhoto._meta.get_field("image").storage
        for name in written:
            storage.delete(name)
        raise


@contextmanager
def _transition(case: Case | int, action: Action, actor, *, outcome: str = "", at=None) -> Iterator[_Step]:
    """Lock the case, check the action is allowed, let the caller change it, then save and log it."""
    with _atomic_with_files() as written:
        pk = case.pk if isinstance(case, Case) else case
        try:
            locked = Case.objects.select_for_update(no_key=True).get(pk=pk)
        except Case.DoesNotExist:
            raise InvalidInput(_("案件 %(case)s 不存在") % {"case": pk}, field="case") from None
        transition, role = rules.check(locked, action, actor, outcome)
        now = at or timezone.now()
        step = _Step(
            case=locked, transition=transition, role=role, actor=actor, from_status=locked.status, now=now
        )
        yield step
        step.note = _limited(step.note, "note")  # reasons and results were limited by their service
        if transition.target and transition.target != locked.status:
            step.set(status=transition.target.value)
        if step.fields:
            locked.save(update_fields=[*step.fields, "updated_at"])
        timing.on_change(
            locked,
            action=action,
            from_status=step.from_status,
            now=now,
            extension_hours=events.extension_hours(step.payload),
        )
        step.event = CaseEvent.objects.create(
            case=locked,
            action=action.value,
            from_status=step.from_status,
            to_status=locked.status,
            actor=actor if getattr(actor, "pk", None) else None,
            actor_role=role,
            at=now,
            note=step.note,
            payload=step.payload,
        )
        for stage, prepared in step.photos:
            written += _save_photos(locked, stage, prepared, actor, step.event)
        _lapse_requests(step)
        send_events_recorded([step.event])
        # Hotline cases tell their hotline; any case's 结案 answers the 12345 tickets merged into it
        # (cases/intake/outbox.py).
        if locked.hotline_channel or action == Action.CLOSE:
            record_outbox(step.event)


def _save_photos(case, stage, prepared, actor, event, kept: list | None = None) -> list[str]:
    """The rows go in `kept` when given (the caller answers from them); returns the files written."""
    rows = save_photos(case=case, stage=stage, photos=prepared, actor=_user(actor), event=event)
    if kept is not None:
        kept.extend(rows)
    if rows:
        ids = [row.pk for row in rows]
        # After the commit: the worker must find the rows (and decodes, strips and thumbnails there).
        _after_commit(lambda: _queue_processing(ids))
    return [row.original.name for row in rows]


def _after_commit(callback) -> None:
    """(A seam: the tests' stand-in worker runs the photo task at once, their transaction never commits.)"""
    transaction.on_commit(callback)


def _queue_processing(ids: list[int]) -> None:
    from cases.tasks import process_photos

    try:
        process_photos.delay(ids)
    except Exception as exc:  # the broker is away: the beat's catch-up pass takes them (cases/tasks.py)
        log.warning("照片 %s 入队失败，等待定时任务处理：%s", ids, exc)


def _user(actor):
    return actor if getattr(actor, "pk", None) else None


def _lapse_requests(step: _Step) -> None:
    lapse_requests(step.case, step.from_status, step.now)


def lapse_requests(case: Case, from_status: str, now: datetime) -> None:
    """Pending requests the case's new state no longer allows lapse, so the ledger has no dead rows."""
    if case.status == from_status:
        return
    lapsed = [
        kind for kind, actions in LEDGER.items() if case.status not in transitions_for(actions[1])[0].sources
    ]
    if lapsed:
        CaseRequest.objects.filter(case=case, kind__in=lapsed, state=CaseRequest.State.PENDING).update(
            state=CaseRequest.State.LAPSED, decided_at=now, decision_note=LAPSED_NOTE
        )


def _require_photos(key: str, photos, field_name: str):
    prepared = accept_photos(photos, field=field_name)
    if key in settings.PHOTO_REQUIRED_FOR and not prepared:
        raise InvalidInput(_("请上传现场照片"), field=field_name)
    return prepared


def _require_text(value: str | None, field_name: str, what: str, *, limited: bool = True) -> str:
    """A text the action cannot go without (a reason, a result), stripped and, unless it is a report's
    description (limited by its channel), within ACTION_TEXT_MAX_LENGTH."""
    value = (value or "").strip()
    if not value:
        raise InvalidInput(_("请填写%(what)s") % {"what": what}, field=field_name)
    return _limited(value, field_name) if limited else value


def _limited(value: str | None, field_name: str) -> str:
    """An action's reason, note or result: at most ACTION_TEXT_MAX_LENGTH characters (docs/domain.md §3).
    The API and the forms refuse longer ones first; this holds for every other caller."""
    value = value or ""
    if len(value) > ACTION_TEXT_MAX_LENGTH:
        raise InvalidInput(
            _("%(field)s 不能超过 %(limit)d 个字符（现为 %(length)d 个）")
            % {"field": field_name, "limit": ACTION_TEXT_MAX_LENGTH, "length": len(value)},
            field=field_name,
        )
    return value


# ---------------------------------------------------------------- lookups


def _category(value) -> Category:
    try:
        category = value if isinstance(value, Category) else Category.objects.get(pk=value)
    except (Category.DoesNotExist, ValueError, TypeError):
        raise InvalidInput(_("类别 %(category)r 不存在") % {"category": value}, field="category") from None
    if not category.is_active:
        raise InvalidInput(_("类别 %(category)s 已停用") % {"category": category}, field="category")
    return category


def _component(value) -> Component | None:
    if value in (None, ""):
        return None
    if isinstance(value, Component):
        return value
    try:
        return Component.objects.get(code=value)
    except Component.DoesNotExist:
        raise InvalidInput(_("部件 %(component)s 不存在") % {"component": value}, field="component") from None


def _department(value, field_name: str) -> Department:
    try:
        department = value if isinstance(value, Department) else Department.objects.get(pk=value)
    except (Department.DoesNotExist, ValueError, TypeError):
        raise InvalidInput(
            _("部门 %(department)r 不存在") % {"department": value}, field=field_name
        ) from None
    if not department.is_active:
        raise InvalidInput(_("部门 %(department)s 已停用") % {"department": department}, field=field_name)
    return department
