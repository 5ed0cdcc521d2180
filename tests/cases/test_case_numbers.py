"""Case numbers (`district-YYYYMMDD-NNNNN`): gap-free per day, and the day's counter taken last.

Every report in the district shares the day's counter row, and an upsert holds that row's lock until
its transaction commits. Taken first (as it was), every report queued on it for its whole write; taken
as the report's last statement (after the duplicate search and the events_recorded receivers), only
for its commit (issue #18, docs/architecture.md "Case numbers").
"""

import re
import threading

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases.models import PROVISIONAL_NUMBER, Case, CaseNumberCounter, DuplicateSuspect
from cases.signals import events_recorded
from tests.cases.conftest import report


def test_numbers_run_gap_free_per_day_in_the_order_reports_were_made(world):
    numbers = [report(world, description=f"第 {n} 处暴露垃圾").number for n in range(3)]
    prefix, day = numbers[0].rsplit("-", 2)[:2]
    assert numbers == [f"{prefix}-{day}-{n:05d}" for n in (1, 2, 3)]
    assert [c.number for c in Case.objects.order_by("pk")] == numbers  # what was saved, not a provisional one
    assert CaseNumberCounter.objects.get().last == 3


def test_the_days_counter_is_the_last_statement_of_a_report_so_its_lock_spans_only_the_commit(world):
    report(world)  # an older case nearby: the new one's duplicate search finds it and writes a suspect
    with CaptureQueriesContext(connection) as queries:
        case = report(world)
    statements = [q["sql"] for q in queries if not re.match(r"\s*(RELEASE )?SAVEPOINT", q["sql"])]
    counter = CaseNumberCounter._meta.db_table
    touching = [sql for sql in statements if counter in sql]
    assert touching == statements[-1:], statements[-3:]  # once, and last: the upsert and the number set
    assert f'UPDATE "{Case._meta.db_table}" SET number' in statements[-1]
    assert DuplicateSuspect.objects.filter(case=case).exists()  # found in the same transaction, before
    assert re.fullmatch(r"\d+-\d{8}-00002", case.number)
    assert Case.objects.get(pk=case.pk).number == case.number


def test_the_receivers_meet_the_case_before_its_number_and_the_log_never_keeps_a_provisional_one(world):
    from campaigns.models import Campaign, Event
    from campaigns.services.campaigns import tag_case

    seen = []

    def receiver(sender, events, **kwargs):
        seen.extend((e.case.number, e.case.has_number) for e in events)

    events_recorded.connect(receiver, dispatch_uid="test-number-order")
    try:
        case = report(world)
    finally:
        events_recorded.disconnect(dispatch_uid="test-number-order")
    [(number, has_number)] = seen
    assert number.startswith(PROVISIONAL_NUMBER) and not has_number
    assert case.has_number and not Case.objects.filter(number__startswith=PROVISIONAL_NUMBER).exists()
    # A campaign that tags the case as it is reported logs it by id; tagged later, by number too.
    today = timezone.localdate()
    campaign = Campaign.objects.create(
        name="专项", period_start=today, period_end=today, status=Campaign.Status.ACTIVE
    )
    tagged = report(world, description="专项期间上报")
    [auto] = Event.objects.filter(subject_id=campaign.pk, action="tag")
    assert auto.payload == {"case": tagged.pk}
    tag_case(campaign=campaign, case=case, actor=world.p.shift_leader)
    assert Event.objects.get(subject_id=campaign.pk, action="tag", payload__case=case.pk).payload == {
        "case": case.pk,
        "number": case.number,
    }


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres
@pytest.mark.usefixtures("fast_passwords", "media_root")
def test_reports_made_at_once_get_distinct_gap_free_numbers(tx_world):
    """Eight reports on eight connections, released together: every one gets its own number, and the
    day's numbers run 1…8 with none skipped (a report never holds the counter across its writes)."""
    count = 8
    barrier = threading.Barrier(count)
    numbers, errors = [], []

    def run(n: int):
        try:
            barrier.wait(timeout=10)
            numbers.append(report(tx_world, description=f"同时上报 {n}").number)
        except Exception as exc:  # the assertion below shows it
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    prefix, day = numbers[0].rsplit("-", 2)[:2]
    assert sorted(numbers) == [f"{prefix}-{day}-{n:05d}" for n in range(1, count + 1)]
    assert sorted(Case.objects.values_list("number", flat=True)) == sorted(numbers)
    assert CaseNumberCounter.objects.get().last == count


REPORT_TABLES = ("cases_case", "cases_caseevent", "cases_timedstep", "cases_duplicatesuspect")


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres
@pytest.mark.usefixtures("fast_passwords", "media_root")
def test_a_report_through_the_api_commits_once_and_answers_without_reading_the_case_back(tx_world):
    """The case, its event, its timed step, its suspects, the receivers' rows and the number: one
    transaction, one COMMIT. (The wall's feed row is written after it, on commit: live/relay.py.)"""
    from rest_framework.test import APIClient

    report(tx_world)  # an older case nearby, so the duplicate search writes a suspect
    client = APIClient()
    client.force_authenticate(tx_world.p.inspector)
    lng, lat = tx_world.inside
    body = {"category": tx_world.event_cat.pk, "lng": lng, "lat": lat, "description": "井盖缺失"}
    with CaptureQueriesContext(connection) as queries:
        response = client.post("/api/v1/cases/", body, format="json")
    assert response.status_code == 201, response.content
    transactions, current = [], []
    for query in queries:
        current.append(query["sql"])
        if query["sql"] == "COMMIT":
            transactions.append(current)
            current = []
    writing = [
        t
        for t in transactions
        if any(re.match(rf'\s*(INSERT INTO|UPDATE) "?({"|".join(REPORT_TABLES)})\b', sql) for sql in t)
    ]
    assert len(writing) == 1, [t[:3] for t in transactions]
    [report_tx] = writing
    assert CaseNumberCounter._meta.db_table in report_tx[-2]  # the last statement before the COMMIT
    assert DuplicateSuspect.objects.filter(case_id=response.data["id"]).exists()
    # The answer is the full detail, from the rows the service wrote: its history is not read back.
    after = [q["sql"] for q in queries][[q["sql"] for q in queries].index("COMMIT") + 1 :]
    assert not [sql for sql in after if 'FROM "cases_caseevent"' in sql], after
    saved = Case.objects.get(pk=response.data["id"])
    assert response.data["number"] == saved.number
    assert [e["action"] for e in response.data["events"]] == ["report"]
    assert [s["step"] for s in response.data["steps"]] == [saved.steps.get().step]
    read_back = client.get(f"/api/v1/cases/{saved.pk}/").data
    for answer in (response.data, read_back):
        for step in answer["steps"]:
            step.pop("remaining")  # counts down between the two answers
    assert response.data == read_back  # the same answer a read of the saved case gives
