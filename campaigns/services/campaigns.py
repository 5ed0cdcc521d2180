"""专项行动 (docs/domain.md §10): set up a campaign, its goals and tasks; tasks report progress until done; the
office urges (督办) overdue tasks; cases are tagged with the campaign automatically or by hand."""

from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone

from campaigns import selectors
from campaigns.models import Campaign, CampaignCase, CampaignTask, Goal, Subject, TaskReport
from campaigns.services.common import (
    LEADERS,
    a_date,
    is_office,
    own_department,
    own_district,
    record,
    require_department,
    require_office,
    role_of,
    text,
)
from cases.errors import ActionForbidden, ActionRefused, InvalidInput
from core.roles import Role
from dispatch.models import Department


def campaign_create(
    *,
    actor,
    name: str,
    period_start,
    period_end,
    lead_group: str = "",
    office: Department | None = None,
    office_staff=(),
    departments=(),
    streets=(),
    scope_streets=(),
    scope_grids=(),
    scope_categories=(),
    description: str = "",
    goals=(),
) -> Campaign:
    """设立专项行动. `goals`: [{"metric", "target", "label"}]."""
    if not actor.has_role(*LEADERS):
        raise ActionForbidden("只有领导/督查或值班长可以设立专项行动")
    name = text(name, "name", "专项行动名称")
    start = a_date(period_start, "period_start", "开始日期")
    end = a_date(period_end, "period_end", "结束日期")
    if end < start:
        raise InvalidInput("结束日期不能早于开始日期", field="period_end")
    goal_rows = [_goal(g, i) for i, g in enumerate(goals)]
    departments, streets, scope_streets, scope_grids = (
        list(departments),
        list(streets),
        list(scope_streets),
        list(scope_grids),
    )
    _own_places(actor, office, departments, streets, scope_streets, scope_grids)
    with transaction.atomic():
        campaign = Campaign.objects.create(
            district_id=selectors.district_of(actor),
            name=name,
            period_start=start,
            period_end=end,
            lead_group=lead_group,
            office=office,
            description=description,
            created_by=actor,
        )
        campaign.office_staff.set(office_staff)
        campaign.departments.set(departments)
        campaign.streets.set(streets)
        campaign.scope_streets.set(scope_streets)
        campaign.scope_grids.set(scope_grids)
        campaign.scope_categories.set(scope_categories)
        for goal in goal_rows:
            goal.campaign = campaign
        Goal.objects.bulk_create(goal_rows)
        record(
            Subject.CAMPAIGN,
            campaign,
            "create",
            actor,
            role=role_of(actor, *LEADERS),
            period=[str(start), str(end)],
        )
    return campaign


def _own_places(actor, office, departments, streets, scope_streets, scope_grids) -> None:
    """A district's leaders set up their district's campaign: every office, street and grid named is
    theirs (docs/domain.md §13), else a 400 naming the field."""
    own_department(actor, office, "office")
    for department in departments:
        own_department(actor, department, "departments")
    for field, rows in (("streets", streets), ("scope_streets", scope_streets)):
        for street in rows:
            own_district(actor, street.district_id, field, f"街道 {street.name} ")
    for grid in scope_grids:
        own_district(actor, grid.community.street.district_id, "scope_grids", f"网格 {grid.code} ")


def _goal(data: dict, index: int) -> Goal:
    metric = data.get("metric")
    if metric not in Goal.Metric.values:
        raise InvalidInput(f"第 {index + 1} 个目标的指标 {metric!r} 无效", field="goals")
    try:
        target = Decimal(str(data.get("target")))
    except (InvalidOperation, TypeError):
        raise InvalidInput(f"第 {index + 1} 个目标的目标值不是数字", field="goals") from None
    if target < 0:
        raise InvalidInput(f"第 {index + 1} 个目标的目标值不能为负", field="goals")
    return Goal(metric=metric, target=target, label=data.get("label", ""))


def campaign_finish(*, campaign: Campaign, actor) -> Campaign:
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
        role = require_office(actor, campaign, "结束专项行动")
        if campaign.status == Campaign.Status.FINISHED:
            raise ActionRefused("该专项行动已结束")
        campaign.status = Campaign.Status.FINISHED
        campaign.save(update_fields=["status"])
        record(Subject.CAMPAIGN, campaign, "finish", actor, role=role)
    return campaign


def task_add(
    *, campaign: Campaign, actor, content: str, deadline, department: Department, person=None, person_name=""
) -> CampaignTask:
    """A line of the plan. Its 时间节点 must fall within the campaign's period."""
    role = require_office(actor, campaign, "布置专项任务")
    content = text(content, "content", "任务内容")
    deadline = a_date(deadline, "deadline", "时间节点")
    if not campaign.period_start <= deadline <= campaign.period_end:
        raise InvalidInput(
            f"时间节点 {deadline} 不在专项行动期间（{campaign.period_start} 至 {campaign.period_end}）内",
            field="deadline",
        )
    if department is None:
        raise InvalidInput("请选择责任单位", field="department")
    own_department(actor, department)
    if person is not None and not person_name:
        person_name = person.get_full_name() or person.username
    with transaction.atomic():
        seq = campaign.tasks.count() + 1
        task = CampaignTask.objects.create(
            campaign=campaign,
            seq=seq,
            content=content,
            deadline=deadline,
            department=department,
            person=person,
            person_name=person_name,
        )
        if department.pk and not campaign.departments.filter(pk=department.pk).exists():
            campaign.departments.add(department)
        record(Subject.TASK, task, "add", actor, role=role, deadline=str(deadline), department=department.pk)
    return task


def task_report(*, task: CampaignTask, actor, progress: int, note: str, done: bool = False) -> CampaignTask:
    """进度报告 by the responsible unit (or person, or office). 100 % or `done` finishes the task."""
    note = text(note, "note", "进展情况")
    try:
        progress = int(progress)
    except (TypeError, ValueError):
        raise InvalidInput("进度应为 0–100 的整数", field="progress") from None
    if not 0 <= progress <= 100:
        raise InvalidInput("进度应为 0–100 的整数", field="progress")
    with transaction.atomic():
        task = (
            CampaignTask.objects.select_for_update(no_key=True, of=("self",))
            .select_related("campaign")
            .get(pk=task.pk)
        )
        if task.person_id and task.person_id == actor.pk:
            role = role_of(actor, Role.DEPARTMENT)
        else:
            role = require_department(actor, task.department, "报告任务进度", campaign=task.campaign)
        if task.status == CampaignTask.Status.DONE:
            raise ActionRefused("该任务已完成，不能再报告进度")
        if progress < task.progress:
            raise InvalidInput(f"进度不能低于上次报告的 {task.progress}%", field="progress")
        now = timezone.now()
        done = done or progress == 100
        task.progress = 100 if done else progress
        fields = ["progress"]
        if done:
            task.status, task.done_at = CampaignTask.Status.DONE, now
            fields += ["status", "done_at"]
        task.save(update_fields=fields)
        TaskReport.objects.create(task=task, progress=task.progress, note=note, actor=actor, at=now)
        record(
            Subject.TASK,
            task,
            "done" if done else "report",
            actor,
            role=role,
            note=note,
            progress=task.progress,
        )
    return task


def task_urge(*, task: CampaignTask, actor, note: str = "") -> CampaignTask:
    """督办 an open task."""
    with transaction.atomic():
        task = (
            CampaignTask.objects.select_for_update(no_key=True, of=("self",))
            .select_related("campaign")
            .get(pk=task.pk)
        )
        role = require_office(actor, task.campaign, "督办任务")
        if task.status == CampaignTask.Status.DONE:
            raise ActionRefused("该任务已完成，无需督办")
        task.urge_count += 1
        task.save(update_fields=["urge_count"])
        record(Subject.TASK, task, "urge", actor, role=role, note=note)
    return task


def tag_case(*, campaign: Campaign, case, actor=None, how: str = CampaignCase.How.MANUAL) -> CampaignCase:
    """Tag a case with the campaign (by hand: the office; automatically: campaigns/receivers.py)."""
    if how == CampaignCase.How.MANUAL and not is_office(actor, campaign):
        raise ActionForbidden("只有专项办公室成员或领导/督查、值班长可以标记专项案件")
    own_district(actor, case.district_id, "case", f"案件 {case.number} ")
    if campaign.district_id is not None and case.district_id != campaign.district_id:
        raise InvalidInput(f"案件 {case.number} 不在该专项行动所属的区", field="case")
    tag, created = CampaignCase.objects.get_or_create(campaign=campaign, case=case, defaults={"how": how})
    if not created and how == CampaignCase.How.MANUAL:
        raise ActionRefused(f"案件 {case.number} 已在该专项行动中")
    if created:
        # Tagged as it is reported, the case has no number yet (it comes last in the report's
        # transaction, cases/services/report.py): the log names it by id, as it always does.
        number = {"number": case.number} if case.has_number else {}
        record(Subject.CAMPAIGN, campaign, "tag", actor, role=how, case=case.pk, **number)
    return tag


def in_scope(campaign: Campaign, case) -> bool:
    """A case reported in the campaign's scope during its period (empty scope lists do not limit)."""
    day = timezone.localdate(case.created_at)
    if not campaign.period_start <= day <= campaign.period_end:
        return False
    if campaign.district_id is not None and case.district_id != campaign.district_id:
        return False  # a district's campaign: its own district's cases (docs/domain.md §13)
    checks = (
        (campaign.scope_streets, case.street_id),
        (campaign.scope_grids, case.grid_id),
        (campaign.scope_categories, case.category_id),
    )
    for related, value in checks:
        ids = {obj.pk for obj in related.all()}
        if ids and value not in ids:
            return False
    return True
