"""The leaders' daily digest (issue #23 point 2): each morning one message per digest channel with
yesterday's loop and what stands open, sent through the outbox like any notice. Its key (day, channel)
makes a second beat or a re-run harmless."""

import datetime as dt

from django.db.models import Count, Q
from django.utils import timezone

from cases.models import OPEN_STATES, Case, Light, TimedStep
from notices.models import Channel, Delivery, Notice


def summary(day: dt.date) -> str:
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    end = start + dt.timedelta(days=1)
    counts = Case.objects.aggregate(
        reported=Count("id", filter=Q(created_at__gte=start, created_at__lt=end)),
        filed=Count("id", filter=Q(filed_at__gte=start, filed_at__lt=end)),
        dispatched=Count("id", filter=Q(dispatched_at__gte=start, dispatched_at__lt=end)),
        closed=Count("id", filter=Q(closed_at__gte=start, closed_at__lt=end)),
        open=Count("id", filter=Q(status__in=OPEN_STATES)),
    )
    red = TimedStep.objects.filter(finished_at__isnull=True, light=Light.RED).count()
    unread = Notice.objects.filter(
        created_at__gte=start, created_at__lt=end, read_at__isnull=True, level__gte=1
    )
    return (
        f"- 上报 {counts['reported']} 件，立案 {counts['filed']} 件，派遣 {counts['dispatched']} 件，"
        f"结案 {counts['closed']} 件\n"
        f"- 在办 {counts['open']} 件，其中超期（红灯）{red} 件\n"
        f"- 超时未读而升级的通知 {unread.count()} 条"
    )


def send_digest(day: dt.date | None = None) -> int:
    """Queue yesterday's digest (or `day`'s) for every active digest channel; returns how many queued."""
    day = day or timezone.localdate() - dt.timedelta(days=1)
    now = timezone.now()
    body = summary(day)
    title = f"【每日汇总】{day:%Y-%m-%d} 城市管理运行情况"
    queued = 0
    for channel in Channel.objects.filter(is_active=True, digest=True):
        notice, created = Notice.objects.get_or_create(
            key=f"digest:{day.isoformat()}:{channel.pk}",
            defaults={
                "kind": Notice.Kind.DIGEST,
                "user_id": channel.user_id,
                "department_id": channel.department_id,
                "title": title,
                "body": body,
                "created_at": now,
            },
        )
        if created:
            Delivery.objects.create(
                notice=notice, channel=channel, next_attempt_at=channel.quiet_until(now) or now
            )
            queued += 1
    return queued
