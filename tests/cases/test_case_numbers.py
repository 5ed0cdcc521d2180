"""Case numbers (`district-YYYYMMDD-NNNNN`): gap-free per day, and the day's counter taken last.

Every report in the district shares the day's counter row, and an upsert holds that row's lock until
its transaction commits. Taken first (as it was), every report queued on it for its whole write; taken
last, only for its commit (issue #18).
"""

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.models import Case, CaseNumberCounter, DuplicateSuspect
from tests.cases.conftest import report


def test_numbers_run_gap_free_per_day_in_the_order_reports_were_made(world):
    numbers = [report(world, description=f"第 {n} 处暴露垃圾").number for n in range(3)]
    prefix, day = numbers[0].rsplit("-", 2)[:2]
    assert numbers == [f"{prefix}-{day}-{n:05d}" for n in (1, 2, 3)]
    assert [c.number for c in Case.objects.order_by("pk")] == numbers  # what was saved, not a provisional one
    assert CaseNumberCounter.objects.get().last == 3


def test_the_days_counter_is_the_last_write_of_a_report_so_its_lock_spans_only_the_commit(world):
    report(world)  # an older case nearby: the new one's duplicate search finds it and writes a suspect
    with CaptureQueriesContext(connection) as queries:
        case = report(world)
    writes = [q["sql"] for q in queries if re.match(r"\s*(INSERT|UPDATE|DELETE)", q["sql"])]
    counter = CaseNumberCounter._meta.db_table
    assert counter in writes[-2], writes[-3:]  # the upsert …
    assert writes[-1].startswith(f'UPDATE "{Case._meta.db_table}" SET "number"')  # … then the number set
    assert DuplicateSuspect.objects.filter(case=case).exists()  # found in the same transaction, before
    assert re.fullmatch(r"\d+-\d{8}-00002", case.number)
