"""A campaign task falling due or overdue, told to its 责任单位 (the department as a whole: its staff's
inbox and the department's channels) and to its 责任人 when that is a platform user (docs/domain.md §10).

Campaigns sit above notices, so they call into it (`notices.services.notify`); the notice names the
campaign's page, not a case. Keys (task, stage, recipient) make a repeated sweep notify nobody twice.
"""

from datetime import date

from django.urls import reverse

from campaigns.models import CampaignTask
from notices.models import Notice
from notices.services import notify


def notify_tasks(ids: list[int], *, overdue: bool, today: date) -> int:
    """Notices for the tasks `ids` (just flipped due or overdue); returns how many were made."""
    made = 0
    stage = "overdue" if overdue else "due"
    for task in CampaignTask.objects.filter(pk__in=ids).select_related("campaign"):
        if overdue:
            title = f"【专项任务超期】{task.campaign.name}：{task.content[:40]}"
        elif task.deadline == today:
            title = f"【专项任务今天到期】{task.campaign.name}：{task.content[:40]}"
        else:
            title = f"【专项任务 {task.deadline:%m-%d} 到期】{task.campaign.name}：{task.content[:40]}"
        body = f"时间节点 {task.deadline:%Y-%m-%d} · 进度 {task.progress}%"
        if task.person_name:
            body += f" · 责任人 {task.person_name}"
        link = reverse("campaign-detail", args=[task.campaign_id])
        recipients = [{"department_id": task.department_id}]
        if task.person_id:
            recipients.append({"user_id": task.person_id})
        for recipient in recipients:
            who = f"u{recipient['user_id']}" if "user_id" in recipient else f"d{recipient['department_id']}"
            notice = notify(
                kind=Notice.Kind.TASK_DUE,
                key=f"task_{stage}:{task.pk}:{who}",
                title=title[:200],
                body=body,
                link=link,
                **recipient,
            )
            made += notice is not None
    return made
