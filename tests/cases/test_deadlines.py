"""Timed steps through the services, and the SLA sweep (docs/domain.md §6)."""

import threading
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection

from cases import services as s
from cases.models import CaseEvent, Light, Notification, TimedStep
from cases.sla import sweep
from tests.cases.conftest import photo, report

SH = ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.usefixtures("media_root")


def at(*args):
    return datetime(*args, tzinfo=SH)


def open_step(case):
    return TimedStep.objects.get(case=case, finished_at__isnull=True)


def dispatched(world, when):
    p = world.p
    with time_machine.travel(when, tick=False):
        case = report(world)
        case = s.case_accept(case=case, actor=p.operator)
        case = s.case_file(case=case, actor=p.shift_leader)
        return s.case_dispatch(case=case, actor=p.dispatcher)


def test_every_state_has_its_step_and_the_dispose_deadline_uses_working_days(world):
    # Monday 2026-11-16 09:00; the default 处置 limit is 3 working days → Thursday 09:00.
    case = dispatched(world, at(2026, 11, 16, 9, 0))
    steps = list(TimedStep.objects.filter(case=case).order_by("id").values_list("step", "finished_at"))
    assert [name for name, _ in steps] == ["accept", "file", "dispatch", "dispose"]
    assert all(done for _, done in steps[:-1]) and steps[-1][1] is None
    dispose = open_step(case)
    assert dispose.due_at == at(2026, 11, 19, 9, 0)
    assert dispose.light == Light.GREEN and dispose.next_check_at == dispose.warn_at


def test_a_deadline_across_national_day_skips_the_holiday_and_counts_the_make_up_saturday(world):
    # Tuesday 2026-09-29 10:00 + 3 working days: 9-30 (1), holidays 10-01..07, 10-08 (2), 10-09 (3).
    case = dispatched(world, at(2026, 9, 29, 10, 0))
    assert open_step(case).due_at == at(2026, 10, 9, 10, 0)


def test_sweep_turns_yellow_then_red_exactly_once_with_one_automatic_supervision(world):
    case = dispatched(world, at(2026, 11, 16, 9, 0))
    dispose = open_step(case)
    assert sweep(now=at(2026, 11, 16, 10, 0)).yellow == 0

    first = sweep(now=dispose.warn_at)
    assert (first.yellow, first.red) == (1, 0)
    assert sweep(now=dispose.warn_at).yellow == 0  # a re-run finds nothing new
    reminders = Notification.objects.filter(kind="remind")
    assert set(reminders.values_list("user__username", flat=True)) == {"dept"}

    late = sweep(now=at(2026, 11, 19, 9, 1))
    assert late.red == 1 and sweep(now=at(2026, 11, 19, 9, 2)).red == 0
    dispose.refresh_from_db()
    assert dispose.light == Light.RED and dispose.next_check_at is None
    auto = CaseEvent.objects.filter(case=case, action="supervise", actor_role="system")
    assert auto.count() == 1 and auto.get().payload["automatic"] is True
    case.refresh_from_db()
    assert case.supervise_count == 1
    overdue_to = set(Notification.objects.filter(kind="overdue").values_list("user__username", flat=True))
    assert overdue_to == {"dept", "boss"}


def test_suspension_pauses_and_resume_continues_with_the_remaining_time(world):
    p = world.p
    case = dispatched(world, at(2026, 11, 16, 9, 0))  # due Thu 11-19 09:00
    with time_machine.travel(at(2026, 11, 17, 9, 0), tick=False):  # 1 working day used, 2 left
        s.case_request_suspension(case=case, actor=p.department, reason="需立项")
        s.case_approve_suspension(case=case, actor=p.dispatcher)
    step = open_step(case)
    assert step.paused_at and step.next_check_at is None and step.remaining_at_pause == 2
    assert sweep(now=at(2026, 11, 30, 9, 0)).red == 0  # paused: never overdue
    with time_machine.travel(at(2026, 11, 23, 14, 0), tick=False):  # Monday
        s.case_resume(case=case, actor=p.dispatcher)
    step.refresh_from_db()
    assert step.paused_at is None and step.due_at == at(2026, 11, 25, 14, 0)


def test_an_approved_extension_moves_the_deadline_by_its_working_hours(world):
    p = world.p
    case = dispatched(world, at(2026, 11, 16, 9, 0))  # due Thu 11-19 09:00
    with time_machine.travel(at(2026, 11, 17, 9, 0), tick=False):
        s.case_request_extension(case=case, actor=p.department, reason="材料未到", hours=4)
        s.case_approve_extension(case=case, actor=p.dispatcher)
    step = open_step(case)
    assert step.due_at == at(2026, 11, 19, 14, 30)  # 09:00 + 3h to 12:00, lunch, + 1h from 13:30
    assert step.extended_amount > 0


def test_rework_starts_a_new_dispose_clock_and_the_first_is_kept(world):
    p = world.p
    case = dispatched(world, at(2026, 11, 16, 9, 0))
    with time_machine.travel(at(2026, 11, 16, 15, 0), tick=False):
        s.case_submit_feedback(case=case, actor=p.department, result="已处理", photos=[photo()])
        s.case_check(case=case, actor=p.inspector, passed=False, note="未清理干净", photos=[photo()])
    disposes = TimedStep.objects.filter(case=case, step="dispose").order_by("id")
    assert disposes.count() == 2
    assert disposes[0].on_time is True and disposes[1].started_at == at(2026, 11, 16, 15, 0)


def test_a_changed_rule_does_not_rewrite_a_running_deadline(world):
    from dispatch.models import TimeLimitRule

    case = dispatched(world, at(2026, 11, 16, 9, 0))
    before = open_step(case).due_at
    TimeLimitRule.objects.filter(step="dispose", category__isnull=True, major_code="").update(amount=10)
    assert open_step(case).due_at == before


def test_urgent_cases_run_on_natural_time(world):
    with time_machine.travel(at(2026, 11, 21, 22, 0), tick=False):  # Saturday night
        case = report(world, urgency="urgent")
        assert open_step(case).due_at == at(2026, 11, 21, 22, 15)  # 受理 within 15 minutes


def test_list_filters_by_light_and_overdue(world, api):
    case = dispatched(world, at(2026, 11, 16, 9, 0))
    sweep(now=at(2026, 11, 20, 9, 0))
    api.force_authenticate(world.p.supervisor)
    assert [c["id"] for c in api.get("/api/v1/cases/?overdue=true").json()["results"]] == [case.pk]
    assert api.get("/api/v1/cases/?light=green").json()["count"] == 0
    detail = api.get(f"/api/v1/cases/{case.pk}/").json()
    assert detail["steps"][-1]["light"] == "red" and detail["steps"][-1]["remaining"].startswith("-")


def test_inbox_lists_marks_read_and_counts_unread(world, api):
    dispatched(world, at(2026, 11, 16, 9, 0))
    sweep(now=at(2026, 11, 20, 9, 0))
    api.force_authenticate(world.p.department)
    # The 超期 notice, and the department's notice of the dispatch itself (notices/, issue #23).
    assert api.get("/api/v1/me/").json()["unread_notifications"] == 2
    notice = api.get("/api/v1/notifications/").json()["results"][0]
    assert notice["kind"] == "overdue"
    assert api.post(f"/api/v1/notifications/{notice['id']}/read/").status_code == 204
    assert api.get("/api/v1/me/").json()["unread_notifications"] == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_sweeps_write_one_event(tx_world):
    world = tx_world
    case = dispatched(world, at(2026, 11, 16, 9, 0))
    barrier = threading.Barrier(2)
    results = []

    def run():
        try:
            barrier.wait()
            results.append(sweep(now=at(2026, 11, 20, 9, 0)))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(r.red for r in results) == 1
    assert CaseEvent.objects.filter(case=case, action="supervise").count() == 1
    assert Notification.objects.filter(kind="overdue", user__username="dept").count() == 1


def test_an_overdue_notice_is_emailed_to_recipients_with_an_address(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    world.p.department.email = "dept@example.cn"
    world.p.department.save(update_fields=["email"])
    case = dispatched(world, at(2026, 11, 16, 9, 0))
    with django_capture_on_commit_callbacks(execute=True):
        sweep(now=at(2026, 11, 20, 9, 0))
    assert [m.to for m in mailoutbox] == [["dept@example.cn"]]
    assert case.number in mailoutbox[0].subject and f"/cases/{case.pk}/" in mailoutbox[0].body
