"""The beat's work (campaigns/tasks.py): open the 回头看 whose time has come and light what is past its
deadline. Deadlines are columns; each flip is an UPDATE guarded on the old value, so a repeat or two
sweeps at once change nothing twice (docs/architecture.md).

A campaign task falling due (CAMPAIGN_TASK_DUE_NOTICE_DAYS before its 时间节点) and a task turning
overdue are told to its 责任单位 and 责任人 through the notices (inbox, robots, SMS, email, quiet hours:
campaigns/task_notices.py), in the transaction of the flip: a flip notifies exactly once."""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from campaigns.models import CampaignTask, Event, FollowUp, Hazard, RegisterItem, Subject
from campaigns.task_notices import notify_tasks


@dataclass
class SweepResult:
    opened: int = 0
    overdue: int = 0
    due: int = 0


def _flip(qs, subject: str, action: str, then=None, **changes) -> int:
    """Claim the matching rows (skip those another sweep holds), change them, one event each, and `then`
    (the flipped ids) in the same transaction. The lock re-reads the condition, so a row flipped
    meanwhile is not claimed again."""
    with transaction.atomic():
        ids = list(qs.select_for_update(skip_locked=True).values_list("pk", flat=True)[:1000])
        if not ids:
            return 0
        qs.model.objects.filter(pk__in=ids).update(**changes)
        now = timezone.now()
        Event.objects.bulk_create(
            [Event(subject=subject, subject_id=pk, action=action, actor_role="system", at=now) for pk in ids]
        )
        if then is not None:
            then(ids)
        return len(ids)


def sweep(now=None) -> SweepResult:
    now = now or timezone.now()
    today = timezone.localdate(now)
    result = SweepResult()
    result.opened = _flip(
        FollowUp.objects.filter(state=FollowUp.State.SCHEDULED, opens_at__lte=now),
        Subject.FOLLOWUP,
        "open",
        state=FollowUp.State.OPEN,
    )
    result.overdue += _flip(
        FollowUp.objects.filter(state=FollowUp.State.OPEN, due_at__lt=now, overdue_at__isnull=True),
        Subject.FOLLOWUP,
        "overdue",
        overdue_at=now,
    )
    result.due = _flip(
        CampaignTask.objects.filter(
            status=CampaignTask.Status.OPEN,
            deadline__gte=today,  # one already past it hears of it as overdue instead
            deadline__lte=today + timedelta(days=settings.CAMPAIGN_TASK_DUE_NOTICE_DAYS),
            due_notified_at__isnull=True,
        ),
        Subject.TASK,
        "due",
        then=lambda ids: notify_tasks(ids, overdue=False, today=today),
        due_notified_at=now,
    )
    result.overdue += _flip(
        CampaignTask.objects.filter(
            status=CampaignTask.Status.OPEN, deadline__lt=today, overdue_at__isnull=True
        ),
        Subject.TASK,
        "overdue",
        then=lambda ids: notify_tasks(ids, overdue=True, today=today),
        overdue_at=now,
    )
    result.overdue += _flip(
        RegisterItem.objects.exclude(status=RegisterItem.Status.CLEARED).filter(
            deadline__lt=today, overdue_at__isnull=True
        ),
        Subject.ITEM,
        "overdue",
        overdue_at=now,
    )
    result.overdue += _flip(
        Hazard.objects.exclude(status=Hazard.Status.CLOSED).filter(
            deadline__lt=today, overdue_at__isnull=True
        ),
        Subject.HAZARD,
        "overdue",
        overdue_at=now,
    )
    return result
