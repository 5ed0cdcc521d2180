"""In-app notifications (the inbox) and their emails. Who must act on a step is decided here."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
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


def who_acts(timed: TimedStep):
    users = get_user_model().objects.filter(is_active=True)
    case = timed.case
    role = _ACTING_ROLE[timed.step]
    if role == Role.DEPARTMENT:
        return (
            users.filter(groups__name=role, department_id=case.department_id)
            if case.department_id
            else users.none()
        )
    if role == Role.INSPECTOR:
        if timed.step == Step.VERIFY and case.verify_inspector_id:
            return users.filter(pk=case.verify_inspector_id)
        return users.filter(groups__name=role, grids=case.grid_id)
    return users.filter(groups__name=role)


def notify_step(timed: TimedStep, *, overdue: bool) -> None:
    case = timed.case
    recipients = who_acts(timed)
    if overdue:
        users = get_user_model().objects.filter(is_active=True)
        recipients = users.filter(
            Q(pk__in=recipients.values("pk"))
            | Q(groups__name=Role.SUPERVISOR)
            | (
                Q(groups__name=Role.DEPARTMENT, department_id=case.department_id)
                if case.department_id
                else Q(pk__in=[])
            )
        )
    kind = Notification.Kind.OVERDUE if overdue else Notification.Kind.REMIND
    step_name = timed.get_step_display()
    if overdue:
        title = f"【超期督办】案件 {case.number} {step_name}环节已超期"
    else:
        title = f"【催办】案件 {case.number} {step_name}环节即将到期"
    body = f"{case.category_name} · {case.address or case.grid.code} · 截止 {timezone.localtime(timed.due_at):%Y-%m-%d %H:%M}"
    rows = [
        Notification(user_id=pk, case=case, timed_step=timed, kind=kind, title=title, body=body)
        for pk in set(recipients.values_list("pk", flat=True))
    ]
    # The unique (user, step, kind) constraint is the last guard against a double notice.
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    user_ids = sorted({row.user_id for row in rows})
    if user_ids:
        transaction.on_commit(lambda: _send_emails(timed.pk, kind, user_ids))


def _send_emails(step_id: int, kind: str, user_ids: list[int]) -> None:
    from cases.tasks import send_notification_emails

    send_notification_emails.delay(step_id, kind, user_ids)


def case_url(case) -> str:
    return f"{settings.SITE_URL}/api/v1/cases/{case.pk}/"
