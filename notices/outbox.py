"""The notices' outbox, on the pattern of the hotline's (cases/intake/outbox.py): rows written with the
work, posted after commit by a task (kicked on commit, and by beat as the safety net), claimed with
SKIP LOCKED under a lease so two workers never send one row, retried with doubling backoff, and after
NOTICES_MAX_ATTEMPTS marked failed — still shown on the case and in the admin, where it can be retried.

A channel's due rows go as ONE message (a burst of dispatches becomes one robot post listing them), and
a channel that has sent `per_minute` messages in the last minute waits: the robots allow about 20 a
minute and drop or refuse the rest. Delivery is at least once: a worker that dies after the post but
before marking the rows sends them again when the lease runs out.
"""

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from notices.models import Channel, Delivery
from notices.senders import send

log = logging.getLogger(__name__)
LEASE = timedelta(minutes=2)
MERGED_LINES = 30  # at most this many notices listed in one merged message


@dataclass
class SendResult:
    messages: int = 0
    sent: int = 0
    retry: int = 0
    failed: int = 0
    throttled: int = 0


def backoff(attempts: int) -> timedelta:
    seconds = settings.NOTICES_BACKOFF_SECONDS * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, settings.NOTICES_BACKOFF_MAX_SECONDS))


def send_due(*, now=None, limit: int = 1000) -> SendResult:
    now = now or timezone.now()
    result = SendResult()
    with transaction.atomic():
        rows = list(
            Delivery.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(state=Delivery.State.PENDING, next_attempt_at__lte=now, channel__is_active=True)
            .select_related("notice", "notice__case", "channel")
            .order_by("next_attempt_at", "id")[:limit]
        )
        Delivery.objects.filter(pk__in=[r.pk for r in rows]).update(next_attempt_at=now + LEASE)
    by_channel: dict[int, list[Delivery]] = defaultdict(list)
    for row in rows:
        by_channel[row.channel_id].append(row)
    for group in by_channel.values():
        _send_group(group[0].channel, group, now, result)
    return result


def _sent_last_minute(channel: Channel, now) -> int:
    return (
        Delivery.objects.filter(channel=channel, sent_at__gt=now - timedelta(minutes=1))
        .values("batch")
        .distinct()
        .count()
    )


def _send_group(channel: Channel, group: list[Delivery], now, result: SendResult) -> None:
    ids = [d.pk for d in group]
    if _sent_last_minute(channel, now) >= channel.per_minute:
        # Over the robot's limit: wait for the minute to pass; the next run merges them with newer ones.
        Delivery.objects.filter(pk__in=ids).update(next_attempt_at=now + timedelta(seconds=20))
        result.throttled += len(group)
        return
    title, text = message(group)
    try:
        send(channel, title, text)
    except Exception as exc:  # network, HTTP status, errcode, timeout: all mean "try again later"
        for row in group:
            attempts = row.attempts + 1
            gave_up = attempts >= settings.NOTICES_MAX_ATTEMPTS
            Delivery.objects.filter(pk=row.pk).update(
                attempts=attempts,
                last_error=f"{type(exc).__name__}: {exc}"[:1000],
                state=Delivery.State.FAILED if gave_up else Delivery.State.PENDING,
                next_attempt_at=now + backoff(attempts),
            )
            if gave_up:
                result.failed += 1
            else:
                result.retry += 1
        log.warning("通知发送失败 %s（%s 条）：%s", channel, len(group), exc)
        return
    Delivery.objects.filter(pk__in=ids).update(
        state=Delivery.State.SENT,
        sent_at=timezone.now(),
        batch=min(ids),
        last_error="",
        attempts=group[0].attempts + 1,
    )
    result.messages += 1
    result.sent += len(group)


def _link(notice) -> str:
    if notice.case_id:
        return f"{settings.SITE_URL}/cases/{notice.case_id}/"
    return f"{settings.SITE_URL}{notice.link}" if notice.link else ""


def _line(delivery: Delivery) -> str:
    notice = delivery.notice
    link = _link(notice)
    return f"[{notice.title}]({link})" if link else notice.title


def message(group: list[Delivery]) -> tuple[str, str]:
    """(title, markdown text) of one message for the channel: the notice itself, or a merged list."""
    if len(group) == 1:
        notice = group[0].notice
        text = f"#### {notice.title}\n\n{notice.body}"
        if notice.case_id:
            text += f"\n\n[查看案件]({_link(notice)})"
        elif notice.link:
            text += f"\n\n[查看详情]({_link(notice)})"
        return notice.title, text
    title = f"【CityOps】{len(group)} 条新通知"
    lines = [f"- {_line(d)}" for d in group[:MERGED_LINES]]
    if len(group) > MERGED_LINES:
        lines.append(f"- …… 另有 {len(group) - MERGED_LINES} 条，请登录平台查看")
    return title, f"#### {title}\n\n" + "\n".join(lines)


def retry(deliveries) -> int:
    """Send failed rows again from the start (the admin's action)."""
    return deliveries.filter(state=Delivery.State.FAILED).update(
        state=Delivery.State.PENDING, attempts=0, next_attempt_at=timezone.now()
    )
