"""The campaigns' figures (docs/domain.md §10): 回潮率 per area, department and category; 隐患整改率 and 按期整改率;
the campaigns' tasks and lists. The report sections here join kpi.reports.EXTRA_SECTIONS (extensions.py)."""

from collections import defaultdict
from datetime import date

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from campaigns.models import Campaign, CampaignCase, CampaignTask, FollowUp, Hazard, RegisterItem
from cases.workflow import Status
from core.dates import local_days
from kpi.reports import Column, Section
from kpi.web.dashboard_sections import Card, percent


def rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _code(value):
    return getattr(value, "code", value)


# ---------------------------------------------------------------- 回潮率

RELAPSE_DIMENSIONS = {
    "street": ("case__street__name", gettext_lazy("街道")),
    "department": ("case__department__name", gettext_lazy("部门")),
    "category": ("case__category_name", gettext_lazy("类别")),
}


def relapse_rows(start: date, end: date, by: str = "street", **filters) -> list[dict]:
    """回潮率 = 回潮 / 完成的回头看, for the 回头看 done in [start, end], grouped by the original case's
    street, department or category."""
    field = RELAPSE_DIMENSIONS[by][0]
    lo, hi = local_days(start, end)
    qs = FollowUp.objects.filter(done_at__gte=lo, done_at__lt=hi)
    if filters.get("street"):
        qs = qs.filter(case__street__code=_code(filters["street"]))
    if filters.get("department"):
        qs = qs.filter(case__department__code=_code(filters["department"]))
    if filters.get("category"):
        qs = qs.filter(case__category_code=_code(filters["category"]))
    rows = qs.values(field).annotate(done=Count("id"), back=Count("id", filter=Q(state=FollowUp.State.BACK)))
    relapsed = f"{reverse('followup-list')}?state={FollowUp.State.BACK}"  # the 回潮 behind the rate
    out = [
        {
            "name": r[field] or "—",
            "url": relapsed,
            "done": r["done"],
            "back": r["back"],
            "relapse_rate": rate(r["back"], r["done"]),
        }
        for r in rows
    ]
    return sorted(out, key=lambda r: (-(r["relapse_rate"] or 0), r["name"]))


def relapse_section(start: date, end: date, filters: dict, user) -> Section | None:
    rows = []
    for by, (_field, label) in RELAPSE_DIMENSIONS.items():
        rows += [{"dimension": str(label), **row} for row in relapse_rows(start, end, by, **filters)]
    if not rows:
        return None
    columns = [
        Column("dimension", _("维度")),
        Column("name", _("名称")),
        Column("done", _("回头看数"), "int"),
        Column("back", _("回潮数"), "int"),
        Column("relapse_rate", _("回潮率"), "percent"),
    ]
    return Section("relapse", _("回头看 回潮率"), columns, rows, note=_("回潮率 = 回潮数 / 已完成回头看数"))


# ---------------------------------------------------------------- 隐患整改率, 按期整改率


def hazard_rows(start: date, end: date, **filters) -> list[dict]:
    """Per responsible unit, the hazards registered in [start, end]: 隐患整改率 = 已销号 / 登记;
    按期整改率 = 按期销号 / 已销号."""
    lo, hi = local_days(start, end)
    qs = Hazard.objects.filter(found_at__gte=lo, found_at__lt=hi)
    if filters.get("street"):
        qs = qs.filter(street__code=_code(filters["street"]))
    if filters.get("department"):
        qs = qs.filter(department__code=_code(filters["department"]))
    today = timezone.localdate()
    rows = qs.values("department__name", "department_id").annotate(
        found=Count("id"),
        major=Count("id", filter=Q(level=Hazard.Level.MAJOR)),
        closed=Count("id", filter=Q(status=Hazard.Status.CLOSED)),
        on_time=Count("id", filter=Q(status=Hazard.Status.CLOSED, on_time=True)),
        overdue=Count("id", filter=~Q(status=Hazard.Status.CLOSED) & Q(deadline__lt=today)),
    )
    out = [
        {
            "name": r["department__name"],
            "url": f"{reverse('hazard-list')}?department={r['department_id']}",  # the unit's hazards
            "found": r["found"],
            "major": r["major"],
            "closed": r["closed"],
            "fix_rate": rate(r["closed"], r["found"]),
            "on_time": r["on_time"],
            "on_time_rate": rate(r["on_time"], r["closed"]),
            "overdue": r["overdue"],
        }
        for r in rows
    ]
    return sorted(out, key=lambda r: (-(r["fix_rate"] or 0), r["name"]))


def hazard_totals(rows: list[dict]) -> dict:
    found = sum(r["found"] for r in rows)
    closed = sum(r["closed"] for r in rows)
    on_time = sum(r["on_time"] for r in rows)
    return {
        "found": found,
        "closed": closed,
        "fix_rate": rate(closed, found),
        "on_time": on_time,
        "on_time_rate": rate(on_time, closed),
        "overdue": sum(r["overdue"] for r in rows),
    }


def hazard_section(start: date, end: date, filters: dict, user) -> Section | None:
    rows = hazard_rows(start, end, **filters)
    if not rows:
        return None
    columns = [
        Column("name", _("责任单位")),
        Column("found", _("登记隐患"), "int"),
        Column("major", _("其中重大"), "int"),
        Column("closed", _("已整改销号"), "int"),
        Column("fix_rate", _("隐患整改率"), "percent"),
        Column("on_time", _("按期销号"), "int"),
        Column("on_time_rate", _("按期整改率"), "percent"),
        Column("overdue", _("超期未整改"), "int"),
    ]
    return Section(
        "hazards",
        _("隐患排查整改"),
        columns,
        rows,
        note=_("隐患整改率 = 已销号 / 登记；按期整改率 = 按期销号 / 已销号"),
    )


# ---------------------------------------------------------------- the campaigns


def campaign_figures(campaign: Campaign, start: date | None = None, end: date | None = None) -> dict:
    """The figures of one campaign (over its period, or [start, end] within it)."""
    start = max(start or campaign.period_start, campaign.period_start)
    end = min(end or campaign.period_end, campaign.period_end)
    lo, hi = local_days(start, end)
    cases = CampaignCase.objects.filter(campaign=campaign, case__created_at__gte=lo, case__created_at__lt=hi)
    found = cases.count()
    closed = cases.filter(case__status=Status.CLOSED).count()
    tasks = CampaignTask.objects.filter(campaign=campaign)
    today = timezone.localdate()
    items = RegisterItem.objects.filter(campaign=campaign)
    return {
        "cases_found": found,
        "cases_closed": closed,
        "close_rate": rate(closed, found),
        "tasks": tasks.count(),
        "tasks_done": tasks.filter(status=CampaignTask.Status.DONE).count(),
        "tasks_overdue": tasks.filter(status=CampaignTask.Status.OPEN, deadline__lt=today).count(),
        "items": items.count(),
        "items_cleared": items.filter(status=RegisterItem.Status.CLEARED).count(),
        "items_overdue": items.exclude(status=RegisterItem.Status.CLEARED).filter(deadline__lt=today).count(),
    }


def goal_progress(campaign: Campaign, figures: dict | None = None) -> list[dict]:
    figures = figures or campaign_figures(campaign)
    out = []
    for goal in campaign.goals.all():
        actual = figures.get(goal.metric)
        if goal.metric == "close_rate" and actual is not None:
            actual = round(actual * 100, 1)
        target = float(goal.target)
        out.append(
            {
                "goal": goal,
                "label": goal.label or goal.get_metric_display(),
                "target": target,
                "actual": actual or 0,
                "share": rate(actual or 0, target) if target else None,
                "met": (actual or 0) >= target,
            }
        )
    return out


def unit_rows(campaign: Campaign) -> list[dict]:
    """Per responsible unit: tasks done / overdue and 挂号 items cleared / overdue, best first (the 通报)."""
    today = timezone.localdate()
    units: dict[str, dict] = defaultdict(
        lambda: {
            "tasks": 0,
            "tasks_done": 0,
            "tasks_overdue": 0,
            "items": 0,
            "items_cleared": 0,
            "items_overdue": 0,
        }
    )
    for t in CampaignTask.objects.filter(campaign=campaign).select_related("department"):
        row = units[t.department.name]
        row["tasks"] += 1
        row["tasks_done"] += t.status == CampaignTask.Status.DONE
        row["tasks_overdue"] += t.is_overdue
    for i in RegisterItem.objects.filter(campaign=campaign).select_related("department"):
        row = units[i.department.name]
        row["items"] += 1
        row["items_cleared"] += i.status == RegisterItem.Status.CLEARED
        row["items_overdue"] += i.is_overdue and today > i.deadline
    out = []
    for name, row in units.items():
        work = row["tasks"] + row["items"]
        done = row["tasks_done"] + row["items_cleared"]
        out.append(
            {
                "name": name,
                **row,
                "done_rate": rate(done, work),
                "overdue": row["tasks_overdue"] + row["items_overdue"],
            }
        )
    return sorted(out, key=lambda r: (-(r["done_rate"] or 0), r["overdue"], r["name"]))


def campaigns_section(start: date, end: date, filters: dict, user) -> Section | None:
    campaigns = Campaign.objects.filter(period_start__lte=end, period_end__gte=start)
    rows = []
    for campaign in campaigns:
        f = campaign_figures(campaign, start, end)
        # The row's name opens the campaign page: its tasks, cases and 挂号 list (the drill-down).
        rows.append({"name": campaign.name, "url": reverse("campaign-detail", args=[campaign.pk]), **f})
    if not rows:
        return None
    columns = [
        Column("name", _("专项行动")),
        Column("cases_found", _("发现问题"), "int"),
        Column("cases_closed", _("已结案"), "int"),
        Column("close_rate", _("结案率"), "percent"),
        Column("tasks", _("任务数"), "int"),
        Column("tasks_done", _("已完成任务"), "int"),
        Column("tasks_overdue", _("超期任务"), "int"),
        Column("items", _("挂号"), "int"),
        Column("items_cleared", _("销号"), "int"),
        Column("items_overdue", _("超期未销号"), "int"),
    ]
    return Section("campaigns", _("专项行动"), columns, rows)


SECTIONS = [campaigns_section, relapse_section, hazard_section]


def home_cards(user) -> list[dict]:
    """The campaigns' figures on a leader's 工作台 (cityops/views.py): overdue work, this year's
    隐患整改率 and 回潮率, unread major-hazard alerts."""
    from django.urls import reverse

    from campaigns.models import Alert

    if not user.has_role("supervisor", "shift_leader"):
        return []
    today = timezone.localdate()
    year = today.replace(month=1, day=1)
    hazards = hazard_totals(hazard_rows(year, today))
    lo, hi = local_days(year, today)
    done = FollowUp.objects.filter(done_at__gte=lo, done_at__lt=hi)
    relapse = rate(done.filter(state=FollowUp.State.BACK).count(), done.count())
    overdue = CampaignTask.objects.filter(status=CampaignTask.Status.OPEN, deadline__lt=today).count()
    alerts = Alert.objects.filter(user=user, read_at__isnull=True).count()

    return [
        {
            "key": "tasks_overdue",
            "label": _("专项超期任务"),
            "value": overdue,
            "url": reverse("campaign-overdue"),
        },
        {"key": "hazard_alerts", "label": _("重大隐患提醒"), "value": alerts, "url": reverse("hazard-list")},
        {
            "key": "fix_rate",
            "label": _("隐患整改率（本年）"),
            "value": percent(hazards["fix_rate"]),
            "url": reverse("hazard-list"),
        },
        {
            "key": "on_time_rate",
            "label": _("按期整改率（本年）"),
            "value": percent(hazards["on_time_rate"]),
            "url": reverse("hazard-list"),
        },
        {
            "key": "relapse_rate",
            "label": _("回潮率（本年）"),
            "value": percent(relapse),
            "url": reverse("followup-list"),
        },
    ]


# ---------------------------------------------------------------- the KPI dashboard's cards


def dashboard_cards(user, period: tuple[date, date], filters: dict) -> list | None:
    """回潮率, 隐患整改率 and 按期整改率 of the dashboard's period (street and department filters apply),
    each linking to the list behind it; none when the period has neither 回头看 nor hazards."""

    start, end = period
    relapses = relapse_rows(start, end, "street", **filters)
    done, back = sum(r["done"] for r in relapses), sum(r["back"] for r in relapses)
    hazards = hazard_totals(hazard_rows(start, end, **filters))
    if not (done or hazards["found"]):
        return None
    followups, hazard_list = reverse("followup-list"), reverse("hazard-list")
    return [
        Card("followups_done", str(_("完成回头看")), str(done), followups),
        Card("relapse_rate", str(_("回潮率")), percent(rate(back, done)), followups),
        Card("hazards_found", str(_("登记隐患")), str(hazards["found"]), hazard_list),
        Card("hazard_fix_rate", str(_("隐患整改率")), percent(hazards["fix_rate"]), hazard_list),
        Card("hazard_on_time_rate", str(_("按期整改率")), percent(hazards["on_time_rate"]), hazard_list),
        Card("hazards_overdue", str(_("逾期未整改隐患")), str(hazards["overdue"]), hazard_list),
    ]
