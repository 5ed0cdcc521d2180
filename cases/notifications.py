"""In-app notifications (the inbox) and their emails. Who must act on a step is decided here."""

from collections import defaultdict

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from cases.models import Notification, TimedStep
from core.roles import Role
from dispatch.models import Step

# Who acts on each step (docs/domain.md §1, §3): they get the 催办 reminder, and the 超期 notice too.
_ACTING_ROLE = {
    Step.ACCEPT: Role.OPERATOR,
    Step.VERIFY: Role.INSPECTOR,
    Step.FILE: Role.SHIFT_LEADER,
    Step.DISPATCH: Role.DISPATCHER,
    Step.DISPOSE: Role.DEPARTMENT,
    Step.CHECK: Role.INSPECTOR,
    Step.CLOSE: Role.SHIFT_LEADER,
}


class _Staff:
    """Who holds each acting role, for one batch of steps: two queries, whatever the batch's size."""

    def __init__(self, steps: list[TimedStep]):
        users = get_user_model().objects.filter(is_active=True)
        grid_ids = {timed.case.grid_id for timed in steps}
        self.by_role: dict[str, set[int]] = defaultdict(set)
        self.by_department: dict[int, set[int]] = defaultdict(set)
        for pk, role, department_id in users.filter(groups__name__in=list(Role)).values_list(
            "pk", "groups__name", "department_id"
        ):
            self.by_role[role].add(pk)
            if role == Role.DEPARTMENT and department_id:
                self.by_department[department_id].add(pk)
        self.by_grid: dict[int, set[int]] = defaultdict(set)
        for pk, grid_id in users.filter(groups__name=Role.INSPECTOR, grids__in=grid_ids).values_list(
            "pk", "grids"
        ):
            self.by_grid[grid_id].add(pk)

    def acting(self, timed: TimedStep) -> set[int]:
        """Who acts on the step: they get the 催办 reminder, and the 超期 notice too."""
        case = timed.case
        role = _ACTING_ROLE[timed.step]
        if role == Role.DEPARTMENT:
            return set(self.by_department.get(case.department_id, ())) if case.department_id else set()
        if role == Role.INSPECTOR:
            if timed.step == Step.VERIFY and case.verify_inspector_id:
                return {case.verify_inspector_id} & self.by_role[Role.INSPECTOR]  # if still active
            return set(self.by_grid.get(case.grid_id, ()))
        return set(self.by_role[role])

    def told_of_overdue(self, timed: TimedStep) -> set[int]:
        """超期 goes to those who act, every supervisor, and the department the case is with."""
        department = self.by_department.get(timed.case.department_id, set())
        return self.acting(timed) | self.by_role[Role.SUPERVISOR] | department


def step_names() -> dict[str, str]:
    """The steps' display names in the active language, looked up once per batch (the model's
    get_step_display hashes every lazy choice on each call: most of a 1,000-step sweep's time)."""
    return {value: str(label) for value, label in TimedStep._meta.get_field("step").choices}


def notify_steps(*, warned: list[TimedStep], overdue: list[TimedStep]) -> None:
    """The 催办 notices of the steps just turned yellow and the 超期 notices of those just turned red:
    one INSERT for them all, and the email tasks queued once the batch commits."""
    if not (warned or overdue):
        return
    staff = _Staff(warned + overdue)
    names = step_names()
    rows, mail = [], []
    for timed, is_overdue in [(t, False) for t in warned] + [(t, True) for t in overdue]:
        case = timed.case
        kind = Notification.Kind.OVERDUE if is_overdue else Notification.Kind.REMIND
        recipients = staff.told_of_overdue(timed) if is_overdue else staff.acting(timed)
        step_name = names[timed.step]
        if is_overdue:
            title = f"【超期督办】案件 {case.number} {step_name}环节已超期"
        else:
            title = f"【催办】案件 {case.number} {step_name}环节即将到期"
        body = f"{case.category_name} · {case.address or case.grid.code} · 截止 {timezone.localtime(timed.due_at):%Y-%m-%d %H:%M}"
        rows += [
            Notification(user_id=pk, case=case, timed_step=timed, kind=kind, title=title, body=body)
            for pk in recipients
        ]
        if recipients:
            mail.append((timed.pk, kind, sorted(recipients)))
    # The unique (user, step, kind) constraint is the last guard against a double notice.
    Notification.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    if mail:
        transaction.on_commit(lambda: _send_emails(mail))


def _send_emails(mail: list[tuple[int, str, list[int]]]) -> None:
    from cases.tasks import send_notification_emails

    for step_id, kind, user_ids in mail:
        send_notification_emails.delay(step_id, kind, user_ids)


def case_url(case) -> str:
    return f"{settings.SITE_URL}/api/v1/cases/{case.pk}/"
