"""回头看 (docs/domain.md §10): rules choose closed cases to re-inspect M working days after 结案; the grid's
inspector finds the task in 我的任务 with the old photos and records 巩固 (held) or 回潮 (back); a 回潮
opens a new case linked to the original."""

import hashlib

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from campaigns.models import CampaignCase, FollowUp, FollowUpRule, Photo, Subject
from campaigns.services.common import (
    LEADERS,
    is_office,
    own_district,
    prepared,
    record,
    role_of,
    save_photos,
    text,
)
from cases import services as case_services
from cases.errors import ActionForbidden, ActionRefused, InvalidInput
from cases.models import Case
from core.roles import Role
from dispatch import calendar
from dispatch.calendar import Unit


def rule_create(
    *,
    actor,
    name: str,
    category=None,
    street=None,
    grid=None,
    campaign=None,
    sample_percent: int = 100,
    days_after: int = 5,
    days_to_do: int = 3,
) -> FollowUpRule:
    if not (actor.has_role(*LEADERS) or (campaign is not None and is_office(actor, campaign))):
        raise ActionForbidden("只有领导/督查、值班长或专项办公室成员可以设置回头看规则")
    name = text(name, "name", "规则名称")
    for field, value, low, high in (
        ("sample_percent", sample_percent, 1, 100),
        ("days_after", days_after, 1, 365),
        ("days_to_do", days_to_do, 1, 60),
    ):
        if not isinstance(value, int) or not low <= value <= high:
            raise InvalidInput(f"{field} 应为 {low}–{high} 的整数", field=field)
    if street is not None:
        own_district(actor, street.district_id, "street", f"街道 {street.name} ")
    if grid is not None:
        own_district(actor, grid.community.street.district_id, "grid", f"网格 {grid.code} ")
    if campaign is not None:
        own_district(actor, campaign.district_id, "campaign", f"专项行动 {campaign.name} ")
    with transaction.atomic():
        rule = FollowUpRule.objects.create(
            name=name,
            category=category,
            street=street,
            grid=grid,
            campaign=campaign,
            sample_percent=sample_percent,
            days_after=days_after,
            days_to_do=days_to_do,
            created_by=actor,
        )
        record(Subject.FOLLOWUP, rule, "rule", actor, role=role_of(actor, *LEADERS), name=name)
    return rule


def sampled(rule: FollowUpRule, case_id: int) -> bool:
    """A stable N % sample: the same case and rule always give the same answer."""
    if rule.sample_percent >= 100:
        return True
    digest = hashlib.sha256(f"{rule.pk}:{case_id}".encode()).digest()
    return int.from_bytes(digest[:4], "big") % 100 < rule.sample_percent


def rules_for(case: Case) -> list[FollowUpRule]:
    rules = FollowUpRule.objects.filter(active=True).filter(
        Q(category__isnull=True) | Q(category_id=case.category_id),
        Q(street__isnull=True) | Q(street_id=case.street_id),
        Q(grid__isnull=True) | Q(grid_id=case.grid_id),
    )
    tagged = set(CampaignCase.objects.filter(case=case).values_list("campaign_id", flat=True))
    return [r for r in rules if (r.campaign_id is None or r.campaign_id in tagged) and sampled(r, case.pk)]


def schedule_for(case: Case, closed_at=None) -> list[FollowUp]:
    """The 回头看 of a case just closed (called from the case's close event, in its transaction)."""
    closed_at = closed_at or case.closed_at or timezone.now()
    inspector = case.grid.inspectors.order_by("pk").first()
    made = []
    for rule in rules_for(case):
        opens_at = calendar.add(closed_at, rule.days_after, Unit.WORKING_DAYS)
        due_at = calendar.add(opens_at, rule.days_to_do, Unit.WORKING_DAYS)
        followup, created = FollowUp.objects.get_or_create(
            rule=rule, case=case, defaults={"opens_at": opens_at, "due_at": due_at, "inspector": inspector}
        )
        if created:
            record(Subject.FOLLOWUP, followup, "schedule", None, role="system", rule=rule.pk, case=case.pk)
            made.append(followup)
    return made


def followup_record(
    *, followup: FollowUp, actor, held: bool, note: str = "", photos=None, description: str = ""
) -> FollowUp:
    """巩固 (held) or 回潮 (back) with a photo from the site; 回潮 opens a new case linked to the original."""
    if not actor.has_role(Role.INSPECTOR):
        raise ActionForbidden("回头看须由监督员到现场完成")
    photos_in = photos or []
    checked = prepared(photos_in, "photos", required="回头看须附现场照片")
    with transaction.atomic():
        followup = (
            FollowUp.objects.select_for_update(no_key=True, of=("self",))
            .select_related("case", "case__grid")
            .get(pk=followup.pk)
        )
        if followup.state != FollowUp.State.OPEN:
            raise ActionRefused(f"该回头看当前为“{followup.get_state_display()}”，不能登记结果")
        if (
            followup.inspector_id != actor.pk
            and not followup.case.grid.inspectors.filter(pk=actor.pk).exists()
        ):
            raise ActionForbidden("只有该网格的监督员可以登记回头看结果")
        now = timezone.now()
        followup.state = FollowUp.State.HELD if held else FollowUp.State.BACK
        followup.done_at, followup.done_by, followup.note = now, actor, note
        fields = ["state", "done_at", "done_by", "note"]
        if not held:
            original = followup.case
            for upload in photos_in:
                upload.seek(0)
            followup.new_case = case_services.case_report(
                actor=actor,
                category=original.category_id,
                lng=original.lng,
                lat=original.lat,
                address=original.address,
                description=description
                or f"回头看发现回潮（原案件 {original.number}）：{note or original.description}",
                photos=photos_in,
                note=f"回潮，原案件 {original.number}",
            )
            fields.append("new_case")
        followup.save(update_fields=fields)
        event = record(
            Subject.FOLLOWUP,
            followup,
            "held" if held else "back",
            actor,
            role=Role.INSPECTOR.value,
            note=note,
            case=followup.case_id,
            new_case=followup.new_case_id,
        )
        save_photos(event, Photo.Stage.CHECK, checked)
    return followup
