"""The demo district's work beyond the single case (docs/domain.md §10), made through the services:

- 金桥街式 专项行动 in 大营门街道: a plan of tasks (some done, some overdue), the street's cases tagged,
  a 挂号 list with items cleared, open and overdue;
- a 回头看 rule over the demo cases closed lately, with 巩固 and 回潮 results (a 回潮 opens a new case);
- a 隐患台账 with open, overdue and verified-closed hazards (one 重大).

Idempotent: nothing is made when the demo campaign exists. Run after `demo_cases` (it uses their history).
"""

import random
from collections.abc import Callable
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from campaigns.models import Campaign, CampaignCase, FollowUp, Hazard, RegisterItem
from campaigns.services import campaigns as campaign_svc
from campaigns.services import followups as followup_svc
from campaigns.services import hazards as hazard_svc
from campaigns.services import registry as registry_svc
from campaigns.sweep import sweep
from cases.models import Case
from cases.workflow import Status
from dispatch.models import Category, Department
from grids.models import Grid, Street
from tooling.demo.cast import photo
from tooling.demo.users import DAYINGMEN

NAME = "大营门街道环境综合整治专项行动（2026）"
# The 金桥 plan's lines (docs/domain.md §10), as 任务内容; (days from the start to the 时间节点, done?).
TASKS = (
    ("道路环境清整：主次干道、背街小巷垃圾杂物清运", 10, True),
    ("社区村庄环境清整：老旧小区楼道堆物清理", 15, True),
    ("门前三包：沿街商户责任书签订全覆盖", 20, True),
    ("违法建设：存量违建摸底并分批拆除", 25, False),
    ("安全隐患：户外广告牌匾、井盖隐患排查", 30, True),
    ("占道经营、店外经营集中整治", 35, False),
    ("非机动车乱停乱放治理", 41, False),  # due tomorrow: its unit hears of it (campaigns/task_notices.py)
    ("绿化带补植和黄土裸露覆盖", 60, False),
    ("公共设施破损修复（护栏、路灯、井盖）", 70, False),
    ("建筑工地围挡和渣土运输管理", 80, False),
    ("河道沿岸环境清整", 85, False),
    ("专项行动总结与长效机制", 90, False),
)
ITEMS = (
    ("人行道乱堆建筑材料", True, False),
    ("沿街商户店外经营", True, False),
    ("绿地内堆放杂物", False, True),
    ("墙面乱张贴小广告", False, False),
    ("废弃自行车占道", True, False),
    ("破损护栏未修复", False, True),
)
HAZARDS = (
    ("signboard", "major", "临街楼顶广告牌锈蚀松动", "closed"),
    ("manhole", "large", "人行道雨水井盖破损下沉", "closed"),
    ("tree", "general", "行道树倾斜靠近电线", "open"),
    ("gas", "large", "餐饮店燃气软管老化", "overdue"),
    ("construction", "general", "工地围挡破损", "pending_verify"),
    ("signboard", "low", "门头牌匾灯箱漏电风险", "closed"),
)


def create_demo_campaigns(seed: int = 2026, note: Callable[[str], None] = print) -> bool:
    if Campaign.objects.filter(name=NAME).exists():
        note("演示专项行动已存在，未重复生成")
        return False
    rng = random.Random(seed)
    users = get_user_model().objects
    supervisor = users.get(username="supervisor")
    inspector = users.get(username="inspector")
    # 大营门街道 in the demo district; in a smaller world, the showcase inspector's street.
    mine = Grid.objects.filter(inspectors=inspector).select_related("community__street").order_by("code")
    street = Street.objects.filter(code=DAYINGMEN).first() or mine.first().community.street
    grids = list(mine.filter(community__street=street))
    office = Department.objects.filter(staff__username="department").first()
    units = list(Department.objects.filter(staff__isnull=False).distinct().order_by("code")[:4]) or [office]
    today = timezone.localdate()
    start = today - timedelta(days=40)
    with transaction.atomic():
        campaign = campaign_svc.campaign_create(
            actor=supervisor,
            name=NAME,
            period_start=start,
            period_end=start + timedelta(days=90),
            lead_group="大营门街道环境整治工作领导小组（组长：街道办事处主任）",
            office=office,
            office_staff=[supervisor],
            departments=units,
            streets=[street],
            scope_streets=[street],
            description="参照金桥街道整治方案：道路、社区、门前三包、违建、安全隐患五大板块，挂图作战、挂号销号。",
            goals=[
                {"metric": "cases_found", "target": 50, "label": "发现并立案问题"},
                {"metric": "close_rate", "target": 90, "label": "结案率（%）"},
                {"metric": "tasks_done", "target": 12, "label": "完成全部任务"},
                {"metric": "items_cleared", "target": 6, "label": "挂号问题全部销号"},
            ],
        )
        _tasks(campaign, supervisor, units, start, today)
        tagged = _tag_existing(campaign)
        _items(campaign, inspector, grids, units, rng)
        followups = _followups(supervisor, rng)
        _hazards(campaign, inspector, grids, units, supervisor, rng)
        sweep()
    note(
        f"专项行动 1 个（{len(TASKS)} 项任务，标记案件 {tagged} 件）、挂号 {len(ITEMS)} 处、回头看 {followups} 次、隐患 {len(HAZARDS)} 处"
    )
    return True


def _tasks(campaign, actor, units, start, today) -> None:
    for n, (content, days, done) in enumerate(TASKS):
        deadline = start + timedelta(days=days)
        unit = units[n % len(units)]
        task = campaign_svc.task_add(
            campaign=campaign,
            actor=actor,
            content=content,
            deadline=deadline,
            department=unit,
            person_name=f"{unit.name}负责人",
        )
        if done:
            campaign_svc.task_report(task=task, actor=actor, progress=60, note="按计划推进")
            campaign_svc.task_report(task=task, actor=actor, progress=100, note="已完成，材料报专项办")
        elif deadline >= today:
            campaign_svc.task_report(task=task, actor=actor, progress=30, note="正在推进")


def _tag_existing(campaign) -> int:
    """The demo cases already reported in scope during the period (made before the campaign existed)."""
    cases = Case.objects.filter(
        street__in=campaign.scope_streets.all(), created_at__date__gte=campaign.period_start
    )
    rows = [CampaignCase(campaign=campaign, case=c, how=CampaignCase.How.AUTO) for c in cases]
    CampaignCase.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def _items(campaign, inspector, grids, units, rng) -> None:
    today = timezone.localdate()
    for n, (title, cleared, overdue) in enumerate(ITEMS):
        grid = grids[n % len(grids)]
        point = grid.geometry["coordinates"][0]
        lng = (point[0][0] + point[2][0]) / 2
        lat = (point[0][1] + point[2][1]) / 2
        item = registry_svc.item_register(
            actor=inspector,
            campaign=campaign,
            title=title,
            lng=lng,
            lat=lat,
            department=units[n % len(units)],
            deadline=today + timedelta(days=7),
            photos=[photo(rng)],
        )
        if cleared:
            registry_svc.item_rectify(
                item=item, actor=campaign.created_by, note="已整改", photos=[photo(rng)]
            )
            registry_svc.item_clear(item=item, actor=inspector, note="现场核查已恢复", photos=[photo(rng)])
        if overdue:
            RegisterItem.objects.filter(pk=item.pk).update(deadline=today - timedelta(days=3))


def _followups(actor, rng) -> int:
    category = Category.objects.filter(kind=Category.Kind.EVENT, major_code="06").order_by("code").first()
    followup_svc.rule_create(
        actor=actor,
        name="市容环境类结案 5 个工作日回头看（抽查 50%）",
        category=category,
        sample_percent=50,
        days_after=5,
    )
    followup_svc.rule_create(
        actor=actor, name="全区结案案件抽查回头看（50%）", sample_percent=50, days_after=3
    )
    closed = Case.objects.filter(status=Status.CLOSED, closed_at__isnull=False).order_by("closed_at")[:120]
    for case in closed:
        followup_svc.schedule_for(case, case.closed_at)
    sweep()
    done = 0
    # Results for the first due 回头看 of either rule: most held (巩固), every fourth back (回潮).
    due = FollowUp.objects.filter(state=FollowUp.State.OPEN).select_related("case", "inspector")
    for n, followup in enumerate(due.order_by("opens_at", "id")[:8]):
        if followup.inspector is None:
            continue
        followup_svc.followup_record(
            followup=followup,
            actor=followup.inspector,
            held=n % 4 != 1,
            note="现场复查" if n % 4 != 1 else "原位置问题再次出现",
            photos=[photo(rng)],
        )
        done += 1
    return done


def _hazards(campaign, inspector, grids, units, supervisor, rng) -> None:
    today = timezone.localdate()
    for n, (kind, level, title, state) in enumerate(HAZARDS):
        grid = grids[(n + 3) % len(grids)]
        point = grid.geometry["coordinates"][0]
        unit = units[n % len(units)]
        hazard = hazard_svc.hazard_register(
            actor=inspector,
            kind=kind,
            level=level,
            title=title,
            lng=(point[0][0] + point[2][0]) / 2,
            lat=(point[0][1] + point[2][1]) / 2,
            department=unit,
            person_name=f"{unit.name}安全员",
            person_phone="13800000000",
            plan="一隐患一方案：设置警示，限期整改，整改后报验收",
            deadline=today + timedelta(days=5),
            campaign=campaign,
            photos=[photo(rng)],
        )
        hazard_svc.hazard_progress(hazard=hazard, actor=supervisor, progress=40, note="已设置警示并制定方案")
        if state in ("closed", "pending_verify"):
            hazard_svc.hazard_submit(hazard=hazard, actor=supervisor, note="整改完成", photos=[photo(rng)])
        if state == "closed":
            hazard_svc.hazard_verify(
                hazard=hazard, actor=inspector, passed=True, note="验收通过", photos=[photo(rng)]
            )
        if state == "overdue":
            hazard_svc.hazard_urge(hazard=hazard, actor=supervisor, note="请加快整改")
            Hazard.objects.filter(pk=hazard.pk).update(deadline=today - timedelta(days=2))
