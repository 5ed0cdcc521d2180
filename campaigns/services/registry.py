"""挂号 / 销号 (docs/domain.md §10): a problem is registered with a place, photos, a responsible unit and a
deadline; the unit reports it rectified; it comes off the list (销号) only after a check with a photo."""

from django.db import transaction
from django.utils import timezone

from campaigns.models import Campaign, Photo, RegisterItem, Subject
from campaigns.services.common import (
    LEADERS,
    a_date,
    is_office,
    next_number,
    own_department,
    own_district,
    place,
    prepared,
    record,
    require_department,
    role_of,
    save_photos,
    text,
)
from cases.errors import ActionForbidden, ActionRefused, InvalidInput
from cases.services import case_report
from cases.workflow import Status
from core.roles import Role

REGISTRARS = (Role.INSPECTOR, *LEADERS)


def item_register(
    *,
    actor,
    title: str,
    lng,
    lat,
    department,
    deadline,
    campaign: Campaign | None = None,
    category=None,
    address: str = "",
    case=None,
    photos=None,
    as_case: bool = False,
) -> RegisterItem:
    """挂号. Found by an inspector or the office; `case` links it to a case of the closed loop, and
    `as_case` (an inspector's find with a category) reports one into the loop and links it."""
    if not (actor.has_role(*REGISTRARS) or is_office(actor, campaign)):
        raise ActionForbidden("只有监督员、专项办公室成员或领导可以挂号")
    title = text(title, "title", "问题描述")
    if department is None:
        raise InvalidInput("请选择责任单位", field="department")
    deadline = a_date(deadline, "deadline", "整改期限")
    if deadline < timezone.localdate():
        raise InvalidInput("整改期限不能早于今天", field="deadline")
    if campaign is not None and deadline > campaign.period_end:
        raise InvalidInput(f"整改期限不能晚于专项行动结束日期 {campaign.period_end}", field="deadline")
    own_department(actor, department)
    if campaign is not None:
        own_district(actor, campaign.district_id, "campaign", f"专项行动 {campaign.name} ")
    grid = place(lng, lat, actor)
    uploads = list(photos or [])
    photos = prepared(uploads, "photos", required="挂号须附现场照片")
    if as_case and (case is not None or category is None):
        raise InvalidInput("作为案件上报须选择类别，且不能同时关联已有案件", field="category")
    with transaction.atomic():
        if as_case:
            for upload in uploads:
                upload.seek(0)
            case = case_report(
                actor=actor,
                category=category,
                lng=lng,
                lat=lat,
                address=address,
                description=title,
                photos=uploads,
            )
        item = RegisterItem.objects.create(
            number=next_number(RegisterItem, "GH"),
            campaign=campaign,
            title=title,
            category=category,
            department=department,
            deadline=deadline,
            case=case,
            lng=float(lng),
            lat=float(lat),
            address=address,
            grid=grid,
            street_id=grid.community.street_id,
            registered_by=actor,
        )
        event = record(
            Subject.ITEM, item, "register", actor, role=role_of(actor, *REGISTRARS), deadline=str(deadline)
        )
        save_photos(event, Photo.Stage.FOUND, photos)
    return item


def item_rectify(*, item: RegisterItem, actor, note: str, photos=None) -> RegisterItem:
    """整改完成, reported by the responsible unit; the item waits for the check."""
    note = text(note, "note", "整改情况")
    photos = prepared(photos, "photos")
    with transaction.atomic():
        item = (
            RegisterItem.objects.select_for_update(no_key=True, of=("self",))
            .select_related("campaign")
            .get(pk=item.pk)
        )
        role = require_department(actor, item.department, "报告整改", campaign=item.campaign)
        if item.status != RegisterItem.Status.REGISTERED:
            raise ActionRefused(f"该问题当前为“{item.get_status_display()}”，不能报告整改")
        item.status, item.rectified_at = RegisterItem.Status.RECTIFIED, timezone.now()
        item.save(update_fields=["status", "rectified_at"])
        event = record(Subject.ITEM, item, "rectify", actor, role=role, note=note)
        save_photos(event, Photo.Stage.RECTIFY, photos)
    return item


def item_clear(*, item: RegisterItem, actor, note: str = "", photos=None) -> RegisterItem:
    """销号: only after a check on site, proved by a photo; a linked case must be closed first."""
    if not (actor.has_role(*REGISTRARS) or is_office(actor, item.campaign)):
        raise ActionForbidden("只有监督员、专项办公室成员或领导可以销号")
    photos = prepared(photos, "photos", required="销号须附核查照片")
    with transaction.atomic():
        item = (
            RegisterItem.objects.select_for_update(no_key=True, of=("self",))
            .select_related("case")
            .get(pk=item.pk)
        )
        if item.status == RegisterItem.Status.CLEARED:
            raise ActionRefused("该问题已销号")
        if item.case_id and item.case.status != Status.CLOSED:
            raise ActionRefused(f"关联案件 {item.case.number} 尚未结案，不能销号")
        now = timezone.now()
        item.status, item.cleared_at, item.cleared_by = RegisterItem.Status.CLEARED, now, actor
        item.save(update_fields=["status", "cleared_at", "cleared_by"])
        event = record(
            Subject.ITEM,
            item,
            "clear",
            actor,
            role=role_of(actor, *REGISTRARS),
            note=note,
            on_time=timezone.localdate(now) <= item.deadline,
        )
        save_photos(event, Photo.Stage.CHECK, photos)
    return item
