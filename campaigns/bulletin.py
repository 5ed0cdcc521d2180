"""通报 (docs/domain.md §10): a campaign's results for a period, from the platform's figures, naming the best and
worst units; as an xlsx workbook and a printable page (campaigns/web/bulletin.py)."""

import io
from dataclasses import dataclass, field
from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from campaigns import kpis
from campaigns.models import Campaign, CampaignTask
from kpi.web.dashboard_sections import percent


@dataclass
class Bulletin:
    campaign: Campaign
    start: date
    end: date
    figures: dict
    goals: list[dict]
    units: list[dict]
    best: list[dict] = field(default_factory=list)
    worst: list[dict] = field(default_factory=list)
    overdue_tasks: list = field(default_factory=list)
    generated_at: object = None

    @property
    def title(self) -> str:
        return _("关于%(name)s进展情况的通报（%(start)s 至 %(end)s）") % {
            "name": self.campaign.name,
            "start": self.start,
            "end": self.end,
        }


def build(
    campaign: Campaign, start: date | None = None, end: date | None = None, *, named: int = 3
) -> Bulletin:
    start = start or campaign.period_start
    end = end or min(campaign.period_end, timezone.localdate())
    figures = kpis.campaign_figures(campaign, start, end)
    units = kpis.unit_rows(campaign)
    ranked = [u for u in units if u["done_rate"] is not None]
    best = [u for u in ranked[:named] if u["done_rate"] > 0]
    worst = [u for u in reversed(ranked[-named:]) if u not in best and (u["overdue"] or u["done_rate"] < 1)]
    overdue = list(
        CampaignTask.objects.filter(
            campaign=campaign, status=CampaignTask.Status.OPEN, deadline__lt=timezone.localdate()
        )
        .select_related("department")
        .order_by("deadline")
    )
    return Bulletin(
        campaign=campaign,
        start=start,
        end=end,
        figures=figures,
        goals=kpis.goal_progress(campaign, figures),
        units=units,
        best=best,
        worst=worst,
        overdue_tasks=overdue,
        generated_at=timezone.localtime().replace(microsecond=0),
    )


def to_xlsx(b: Bulletin) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = _("通报")
    bold = Font(bold=True)
    ws.append([b.title])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([_("生成时间"), b.generated_at.strftime("%Y-%m-%d %H:%M")])
    ws.append([])
    ws.append([_("一、总体情况")])
    f = b.figures
    for label, value in (
        (_("发现问题"), f["cases_found"]),
        (_("已结案"), f["cases_closed"]),
        (_("结案率"), percent(f["close_rate"])),
        (_("任务数"), f["tasks"]),
        (_("已完成任务"), f["tasks_done"]),
        (_("超期任务"), f["tasks_overdue"]),
        (_("挂号"), f["items"]),
        (_("销号"), f["items_cleared"]),
        (_("超期未销号"), f["items_overdue"]),
    ):
        ws.append([label, value])
    if b.goals:
        ws.append([])
        ws.append([_("二、目标完成情况")])
        ws.append([_("目标"), _("目标值"), _("完成值"), _("是否达成")])
        for g in b.goals:
            ws.append([g["label"], g["target"], g["actual"], _("达成") if g["met"] else _("未达成")])
    ws.append([])
    ws.append([_("三、表扬")] + [u["name"] for u in b.best])
    ws.append([_("四、通报批评")] + [u["name"] for u in b.worst])
    units = wb.create_sheet(_("单位排名"))
    header = [
        _("排名"),
        _("责任单位"),
        _("任务数"),
        _("已完成任务"),
        _("超期任务"),
        _("挂号"),
        _("销号"),
        _("超期未销号"),
        _("完成率"),
    ]
    units.append(header)
    for cell in units[1]:
        cell.font = bold
    for n, u in enumerate(b.units, 1):
        units.append(
            [
                n,
                u["name"],
                u["tasks"],
                u["tasks_done"],
                u["tasks_overdue"],
                u["items"],
                u["items_cleared"],
                u["items_overdue"],
                u["done_rate"],
            ]
        )
        units.cell(row=n + 1, column=9).number_format = "0.0%"
    tasks = wb.create_sheet(_("超期任务"))
    tasks.append([_("序号"), _("任务内容"), _("时间节点"), _("责任单位"), _("责任人"), _("进度（%）")])
    for t in b.overdue_tasks:
        tasks.append([t.seq, t.content, t.deadline, t.department.name, t.person_name, t.progress])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
