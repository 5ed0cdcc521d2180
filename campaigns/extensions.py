"""The campaigns' parts on the pages of the layers below: the case page panel (campaign tags and the 回潮
chain), the inspector's 我的任务 (回头看), and the KPI reports' sections (campaigns/kpis.py)."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from cases.web.extensions import CasePanel, Task, TaskSource, register_panel, register_task_source


def followup_tasks(user):
    from campaigns.models import FollowUp

    if not user.is_authenticated or not user.has_role("inspector"):
        return []
    now = timezone.now()
    rows = (
        FollowUp.objects.filter(state=FollowUp.State.OPEN, inspector=user)
        .select_related("case")
        .order_by("due_at")[:200]
    )
    return [
        Task(
            kind=gettext("回头看"),
            title=f"回头看 {f.case.number} {f.case.category_name}",
            url=reverse("followup-detail", args=[f.pk]),
            due_at=f.due_at,
            light="red" if f.due_at < now else "green",
            where=f.case.address,
        )
        for f in rows
    ]


def case_panel(case, user):
    from django.db.models import Q

    from campaigns.models import CampaignCase, FollowUp

    tags = list(CampaignCase.objects.filter(case=case).select_related("campaign"))
    rows = list(FollowUp.objects.filter(Q(case=case) | Q(new_case=case)).select_related("case", "new_case"))
    followups = [f for f in rows if f.case_id == case.pk]
    relapse_of = [f for f in rows if f.new_case_id == case.pk]
    if not (tags or followups or relapse_of):
        return None
    return {"tags": tags, "followups": followups, "relapse_of": relapse_of}


def register() -> None:
    from campaigns import kpis
    from kpi import reports
    from kpi.web.dashboard_sections import DashboardSection, register_dashboard_section

    register_panel(
        CasePanel(key="campaigns", template="campaigns/_case_panel.html", context=case_panel, order=50)
    )
    register_task_source(TaskSource(key="followups", tasks=followup_tasks))
    for section in kpis.SECTIONS:
        if section not in reports.EXTRA_SECTIONS:
            reports.EXTRA_SECTIONS.append(section)
    register_dashboard_section(
        DashboardSection(
            key="campaigns",
            title=lambda: gettext("回头看与隐患整改"),
            cards=kpis.dashboard_cards,
            note=lambda: gettext("回头看按完成日期、隐患按登记日期，计入所选时段；街道和部门筛选适用。"),
        )
    )
