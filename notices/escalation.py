"""The escalation ladder (issue #23 point 2): a notice still unread NOTICES_ESCALATE_MINUTES after it
was sent goes up one rung, then waits as long again:

1. SMS: the recipient's escalation-only channels (a phone kept for this) get it;
2. 督办: a formal 督办 on the case, filed by the system (cases.services.case_supervise), which the case's
   department hears of in turn. A 督办 notice itself stops at rung 1, or the ladder would feed itself.

A beat task runs it every minute; rows are claimed with SKIP LOCKED and moved with an UPDATE guarded
on the rung they were on, so two beats never climb one rung twice (the SLA sweep's pattern).
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from cases import services
from cases.errors import ActionError
from cases.models import OPEN_STATES, Notification
from notices.models import Notice
from notices.services import channels_for, deliver

log = logging.getLogger(__name__)


def unread(queryset):
    read = Notification.objects.filter(pk__in=OuterRef("inbox"), read_at__isnull=False)
    return queryset.filter(read_at__isnull=True).exclude(Exists(read))


def escalate_due(*, now=None, limit: int = 200) -> dict:
    now = now or timezone.now()
    counts = {"sms": 0, "supervised": 0, "read": 0}
    with transaction.atomic():
        due = list(
            Notice.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(escalate_at__lte=now)
            .select_related("case")
            .order_by("escalate_at")[:limit]
        )
        still_unread = set(
            unread(Notice.objects.filter(pk__in=[n.pk for n in due])).values_list("pk", flat=True)
        )
        for notice in due:
            if notice.pk not in still_unread:
                Notice.objects.filter(pk=notice.pk).update(escalate_at=None)
                counts["read"] += 1
            else:
                _climb(notice, now, counts)
    return counts


def _climb(notice: Notice, now, counts: dict) -> None:
    wait = timedelta(minutes=settings.NOTICES_ESCALATE_MINUTES)
    if notice.level == 0:
        channels = channels_for(user_id=notice.user_id, department_id=notice.department_id, escalation=True)
        made = deliver(notice, channels, now)
        last = notice.kind == Notice.Kind.SUPERVISED
        Notice.objects.filter(pk=notice.pk, level=0).update(level=1, escalate_at=None if last else now + wait)
        counts["sms"] += len(made)
        return
    Notice.objects.filter(pk=notice.pk, level=notice.level).update(level=2, escalate_at=None)
    case = notice.case
    if case is None or case.status not in OPEN_STATES:
        return
    try:
        services.case_supervise(
            case=case,
            actor=None,
            note=f"通知「{notice.title}」超过 {2 * settings.NOTICES_ESCALATE_MINUTES} 分钟未读，系统自动督办",
            automatic=True,
        )
    except ActionError as exc:  # the case moved on meanwhile: nothing to press
        log.info("自动督办未执行 %s：%s", case.number, exc)
        return
    counts["supervised"] += 1
