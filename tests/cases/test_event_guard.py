"""The timeline is append-only, enforced by the database (migration 0002): whoever tries to rewrite or
erase a CaseEvent (ORM, raw SQL, admin) gets an error and the row stays as it was."""

import pytest
from django.db import DatabaseError, connection, transaction

from cases import services as s
from cases.models import CaseEvent
from cases.workflow import Status
from tests.cases.conftest import case_in, report

pytestmark = pytest.mark.usefixtures("fast_passwords", "media_root")


@pytest.fixture
def event(world):
    case = report(world, note="现场发现")
    return case.events.get()


def _unchanged(event):
    row = CaseEvent.objects.get(pk=event.pk)
    assert (row.action, row.note, row.to_status, row.actor_id) == (
        event.action,
        event.note,
        event.to_status,
        event.actor_id,
    )


def _sql(statement: str, event) -> None:
    table = connection.ops.quote_name(CaseEvent._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(statement.format(table=table), [event.pk])


GUARDED = {
    "orm update": lambda e: CaseEvent.objects.filter(pk=e.pk).update(note="x"),
    "orm delete": lambda e: CaseEvent.objects.filter(pk=e.pk).delete(),
    "instance save": lambda e: (setattr(e, "note", "x"), e.save()),
    "instance delete": lambda e: e.delete(),
    "raw update": lambda e: _sql("UPDATE {table} SET note = 'x' WHERE id = %s", e),
    "raw delete": lambda e: _sql("DELETE FROM {table} WHERE id = %s", e),
}


@pytest.mark.parametrize("how", GUARDED)
def test_an_event_cannot_be_changed_or_deleted(event, how):
    original = CaseEvent.objects.get(pk=event.pk)
    with pytest.raises(DatabaseError) as refused:
        with transaction.atomic():
            GUARDED[how](event)
    assert "append-only" in str(refused.value)
    _unchanged(original)


def test_a_bulk_update_of_a_cases_timeline_is_refused_as_a_whole(world):
    case = case_in(world, Status.IN_PROGRESS)
    notes = list(case.events.order_by("id").values_list("note", flat=True))
    with pytest.raises(DatabaseError):
        with transaction.atomic():
            CaseEvent.objects.filter(case=case).update(note="")
    assert list(case.events.order_by("id").values_list("note", flat=True)) == notes


def test_events_can_still_be_appended_after_a_refused_rewrite(world, event):
    with pytest.raises(DatabaseError):
        with transaction.atomic():
            CaseEvent.objects.filter(pk=event.pk).update(note="x")
    case = s.case_accept(case=event.case, actor=world.p.operator)
    assert list(case.events.order_by("id").values_list("action", flat=True)) == ["report", "accept"]
