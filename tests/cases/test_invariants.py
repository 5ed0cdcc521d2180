"""`manage.py check_invariants` (issue 8, point 2): a world walked through the services passes; each
kind of corruption behind the services' back is found, names the case and fails the command.

CaseEvent is append-only (a trigger), so the corruptions are made on the case, step and photo side.
"""

import io
import os
import threading
import time
from datetime import timedelta

import pytest
from django.core.management import ManagementUtility, call_command
from django.core.management.base import CommandError
from django.db.models import F

from cases import invariants
from cases import services as s
from cases.models import Case, CasePhoto, Light, TimedStep
from cases.workflow import Status
from tests.cases.conftest import case_in, photo, report
from tests.cases.invariant_support import find_problems

pytestmark = pytest.mark.usefixtures("media_root", "fast_passwords")


def run(*args) -> tuple[int, str]:
    """The command's exit code and what it printed."""
    out = io.StringIO()
    try:
        call_command("check_invariants", "--no-progress", *args, stdout=out)
    except CommandError as exc:
        return exc.returncode, out.getvalue()
    return 0, out.getvalue()


def checks_failing(output: str) -> list[str]:
    return [line.split()[1].split("：")[0] for line in output.splitlines() if line.startswith("[FAIL]")]


@pytest.fixture
def loop(world):
    """One case in every state, walked there by the personas, with photos on the way."""
    cases = {status: case_in(world, status) for status in Status}
    # And a self-resolved report (straight to 待结案, with an after-photo), a rework and an extension.
    cases["self_resolved"] = report(
        world, self_resolved=True, after_photos=[photo()], description="已自行清理"
    )
    reworked = case_in(world, Status.PENDING_CHECK)
    s.case_check(case=reworked, actor=world.p.inspector, passed=False, note="未清理干净", photos=[photo()])
    cases["reworked"] = reworked
    extended = case_in(world, Status.IN_PROGRESS, pending="extension")
    s.case_approve_extension(case=extended, actor=world.p.dispatcher)
    cases["extended"] = extended
    return cases


def test_a_world_walked_through_the_services_passes(loop):
    assert find_problems() == []
    code, output = run()
    assert code == 0, output
    assert "全部不变量成立" in output
    assert f"已检查 {Case.objects.count()} 件案件" in output


def test_a_status_set_behind_the_services_back_is_named(loop):
    case = loop[Status.IN_PROGRESS]
    Case.objects.filter(pk=case.pk).update(status=Status.PENDING_CHECK)

    code, output = run()

    assert code == 1
    assert "replay" not in output  # the titles are for people; the case number is what matters
    assert f"{case.number}: 状态为 pending_check，而最后一条事件" in output
    assert checks_failing(output) == [
        "状态与事件回放一致",
        "运行中的环节时限",
    ]  # the 处置 step no longer fits


def test_a_deleted_open_step_is_named(loop):
    case = loop[Status.PENDING_DISPATCH]
    TimedStep.objects.filter(case=case, finished_at__isnull=True).delete()

    code, output = run()

    assert code == 1
    assert checks_failing(output) == ["运行中的环节时限"]
    assert f"{case.number}: 状态 pending_dispatch 没有运行中的环节" in output


def test_a_second_open_step_and_a_running_step_on_a_closed_case_are_named(loop):
    open_case, closed = loop[Status.PENDING_FILING], loop[Status.CLOSED]
    running = TimedStep.objects.get(case=open_case, finished_at__isnull=True)
    TimedStep.objects.filter(case=open_case, step="accept").update(finished_at=None, next_check_at=None)
    TimedStep.objects.filter(case=closed, step="close").update(finished_at=None)

    problems = {p.case: p.what for p in find_problems()}

    assert "共有 2 个运行中的环节" in problems[open_case.number]
    assert f"环节 #{running.pk} file" in problems[open_case.number]
    assert "案件已终结（closed）却仍在运行" in problems[closed.number]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"next_check_at": None}, "green 灯的 next_check_at 为 None"),
        ({"light": Light.RED}, "red 灯的 next_check_at 为"),
        ({"light": "blue"}, "亮灯 'blue' 无效"),
        ({"step": "check"}, "运行中的环节是 check，状态 in_progress 应为 dispose"),
    ],
)
def test_an_open_step_the_sweep_cannot_rely_on_is_named(loop, changes, expected):
    case = loop[Status.IN_PROGRESS]
    TimedStep.objects.filter(case=case, finished_at__isnull=True).update(**changes)

    code, output = run()

    assert code == 1
    assert checks_failing(output) == ["运行中的环节时限"]
    assert case.number in output and expected in output


def test_a_suspended_case_whose_clock_runs_is_named(loop):
    case = loop[Status.SUSPENDED]
    TimedStep.objects.filter(case=case, finished_at__isnull=True).update(paused_at=None)

    [problem] = find_problems()

    assert problem.case == case.number and "挂账状态与环节是否暂停不一致" in problem.what


def test_a_finished_step_left_due_for_the_sweep_is_named(loop):
    case = loop[Status.CLOSED]
    dispose = TimedStep.objects.get(case=case, step="dispose")
    TimedStep.objects.filter(pk=dispose.pk).update(next_check_at=dispose.due_at)

    [problem] = find_problems()

    assert problem.case == case.number
    assert problem.what == f"已完成的环节 #{dispose.pk} dispose 仍有 next_check_at"


@pytest.mark.parametrize(
    "counter", ["rework_count", "supervise_count", "extension_count", "return_count", "reopen_count"]
)
def test_a_counter_off_by_one_is_named(loop, counter):
    case = Case.objects.get(pk=loop["reworked"].pk)
    before = getattr(case, counter)
    Case.objects.filter(pk=case.pk).update(**{counter: F(counter) + 1})

    code, output = run()

    assert code == 1
    assert checks_failing(output) == ["计数与时间戳"]
    assert f"{case.number}: {counter} = {before + 1}，事件计数为 {before}" in output


def test_counters_count_what_the_services_counted(loop):
    reworked, extended = (Case.objects.get(pk=loop[k].pk) for k in ("reworked", "extended"))
    assert reworked.rework_count == 1 and extended.extension_count == 1
    assert invariants.check_counters(reworked.pk, extended.pk) == []


def test_timestamps_that_disagree_with_the_events_are_named(loop):
    closed, dispatched = loop[Status.CLOSED], loop[Status.IN_PROGRESS]
    Case.objects.filter(pk=closed.pk).update(closed_at=F("closed_at") + timedelta(seconds=1))
    Case.objects.filter(pk=dispatched.pk).update(closed_at=F("created_at"), filed_at=None)

    problems = {p.case: p.what for p in find_problems()}

    assert set(problems) == {closed.number, dispatched.number}
    assert problems[closed.number].startswith("closed_at = ")
    assert "filed_at = None，事件记录为" in problems[dispatched.number]
    assert "closed_at = " in problems[dispatched.number] and "事件记录为 None" in problems[dispatched.number]


def test_a_reopened_case_keeps_no_closing_time_and_passes(world):
    case = case_in(world, Status.CLOSED)
    s.case_reopen(case=case, actor=world.p.shift_leader, reason="回访不满意")
    assert find_problems() == []


def test_an_orphan_file_is_named(loop, media_root):
    stray = media_root / "cases" / "2026" / "01" / "stray.jpg"
    stray.parent.mkdir(parents=True, exist_ok=True)
    stray.write_bytes(b"not referenced by any photo")

    code, output = run()

    assert code == 1
    assert checks_failing(output) == ["照片文件"]
    assert "cases/2026/01/stray.jpg: 孤立文件：没有照片记录引用它" in output


def test_a_photo_whose_file_is_gone_is_named(loop, media_root):
    gone = CasePhoto.objects.filter(case=loop[Status.CLOSED]).first()
    os.remove(media_root / gone.thumbnail.name)

    code, output = run()

    assert code == 1
    assert checks_failing(output) == ["照片文件"]
    assert f"{loop[Status.CLOSED].number}: 照片 #{gone.pk} 的文件 '{gone.thumbnail.name}' 不存在" in output
    # A --case run checks the case's own files, one by one.
    code, output = run("--case", loop[Status.CLOSED].number)
    assert code == 1 and f"照片 #{gone.pk} 的缩略图文件" in output


def test_the_file_walk_and_the_photo_names_merge_in_one_order(loop, media_root):
    # Names that sort differently by byte than by a locale (punctuation, case): none may be misread.
    for name in ("cases/A.jpg", "cases/a-b.jpg", "cases/a_b.jpg", "cases/a/b.jpg", "cases/a.b/c.jpg"):
        path = media_root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x")
    photo_row = CasePhoto.objects.first()
    CasePhoto.objects.filter(pk=photo_row.pk).update(image="cases/a_b.jpg")
    os.remove(media_root / photo_row.image.name)  # the file the row pointed at before

    orphans = sorted(p.case for p in invariants.check_files())

    assert orphans == ["cases/A.jpg", "cases/a-b.jpg", "cases/a.b/c.jpg", "cases/a/b.jpg"]


def test_skip_files_limit_and_case_choose_what_is_checked(loop, media_root):
    (media_root / "cases" / "stray.jpg").write_bytes(b"x")
    first, last = Case.objects.order_by("pk").first(), Case.objects.order_by("pk").last()
    Case.objects.filter(pk=last.pk).update(reopen_count=7)

    assert run("--skip-files")[0] == 1
    code, output = run("--skip-files", "--case", first.number)
    assert (code, "已检查 1 件案件" in output) == (0, True)
    code, output = run("--limit", "3", "--chunk", "2")  # the orphan scan needs every case: not here
    assert (code, "已检查 3 件案件" in output) == (0, True)
    code, output = run("--case", last.number)
    assert code == 1 and f"{last.number}: reopen_count = 7" in output
    with pytest.raises(CommandError, match="案件不存在"):
        call_command("check_invariants", "--case", "NO-SUCH-CASE", stdout=io.StringIO())


def test_the_listing_is_capped_with_a_total(world):
    cases = [report(world, description=f"垃圾 {i}") for i in range(4)]
    Case.objects.filter(pk__in=[c.pk for c in cases]).update(supervise_count=3)

    code, output = run("--max-listed", "2", "--chunk", "3")

    assert code == 1
    assert "计数与时间戳：4 处问题" in output and "另有 2 处未列出" in output


def test_case_ranges_cover_every_case_once(world):
    ids = [report(world, description=f"垃圾 {i}").pk for i in range(7)]
    Case.objects.filter(pk=ids[3]).update(number="X")  # irrelevant to the ranges: they go by id

    ranges = list(invariants.case_ranges(chunk=3))

    assert [n for _, _, n in ranges] == [3, 3, 1]
    assert [(lo, hi) for lo, hi, _ in ranges] == [(ids[0], ids[2]), (ids[3], ids[5]), (ids[6], ids[6])]
    assert [n for _, _, n in invariants.case_ranges(chunk=3, limit=4)] == [3, 1]


def test_the_command_exits_non_zero_from_the_command_line(loop, capsys):
    Case.objects.filter(pk=loop[Status.REPORTED].pk).update(status=Status.CLOSED)

    with pytest.raises(SystemExit) as exited:
        ManagementUtility(["manage.py", "check_invariants", "--no-progress"]).execute()

    assert exited.value.code == 1
    captured = capsys.readouterr()
    assert loop[Status.REPORTED].number in captured.out
    assert "不变量被破坏" in captured.err


# ---------------------------------------------------------------- found on the way


def _wait_until_blocked(pid: int, timeout: float = 10.0) -> None:
    """Until backend `pid` waits for a lock (pg_locks), so the interleaving below is forced, not timed."""
    from django.db import connection

    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT 1 FROM pg_locks WHERE pid = %s AND NOT granted", [pid])
            if cursor.fetchone():
                return
            time.sleep(0.02)
    raise AssertionError(f"backend {pid} never blocked")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_sweep_and_a_service_on_the_same_case_do_not_deadlock(tx_world, monkeypatch):
    from django.db import connection

    from cases import sla

    world = tx_world
    case = case_in(world, Status.IN_PROGRESS)
    due = TimedStep.objects.get(case=case, finished_at__isnull=True).due_at
    worker_pid, outcome = [], {}
    started = threading.Event()
    flip = sla._flip

    def flip_once_the_service_waits(timed, now, result):
        # The sweep holds the step (FOR UPDATE); the service takes the case and then waits for the step.
        started.wait(10)
        _wait_until_blocked(worker_pid[0])
        return flip(timed, now, result)

    monkeypatch.setattr(sla, "_flip", flip_once_the_service_waits)

    def sweeper():
        try:
            outcome["sweep"] = sla.sweep(now=due)
        except Exception as exc:
            outcome["sweep"] = exc
        finally:
            connection.close()

    def department():
        try:
            worker_pid.append(connection.cursor().connection.info.backend_pid)
            started.set()
            s.case_submit_feedback(case=case, actor=world.p.department, result="已清理", photos=[photo()])
            outcome["service"] = "ok"
        except Exception as exc:
            outcome["service"] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=sweeper), threading.Thread(target=department)]
    threads[0].start()
    time.sleep(0.2)  # the sweep claims the step first
    threads[1].start()
    for thread in threads:
        thread.join(30)

    assert find_problems() == []  # holds either way: the loser rolled back
    assert outcome["service"] == "ok", outcome["service"]
    assert not isinstance(outcome["sweep"], Exception), outcome["sweep"]
