"""隐患台账 (docs/domain.md §10): a hazard with a risk level, a responsible unit and person, a plan (一隐患一方案)
and a deadline, followed with 跟踪督办 until its 整改销号 is verified on site. A 重大 hazard notifies the
supervisors at once."""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from campaigns.models import Alert, Hazard, Photo, Subject
from campaigns.services.common import (
    LEADERS,
    a_date,
    next_number,
    own_department,
    own_district,
    place,
    prepared,
    record,
    role_of,
    save_photos,
    text,
)
from cases.errors import ActionForbidden, ActionRefused, InvalidInput
from core.roles import Role

FINDERS = (Role.INSPECTOR, Role.OPERATOR, Role.DEPARTMENT, *LEADERS)
VERIFIERS = (Role.INSPECTOR, *LEADERS)


def hazard_register(
    *,
    actor,
    kind: str,
    level: str,
    title: str,
    lng,
    lat,
    department,
    person_name: str,
    plan: str,
    deadline,
    person_phone: str = "",
    address: str = "",
    campaign=None,
    photos=None,
) -> Hazard:
    if not actor.has_role(*FINDERS):
        raise ActionForbidden("您的角色不能登记隐患")
    if kind not in Hazard.Kind.values:
        raise InvalidInput(f"隐患类型 {kind!r} 无效", field="kind")
    if level not in Hazard.Level.values:
        raise InvalidInput(f"风险等级 {level!r} 无效，应为 重大/较大/一般/低", field="level")
    title = text(title, "title", "隐患描述")
    person_name = text(person_name, "person_name", "责任人")
    plan = text(plan, "plan", "整改方案（一隐患一方案）")
    if department is None:
        raise InvalidInput("请选择责任单位", field="department")
    deadline = a_date(deadline, "deadline", "整改期限")
    if deadline < timezone.localdate():
        raise InvalidInput("整改期限不能早于今天", field="deadline")
    own_department(actor, department)
    if campaign is not None:
        own_district(actor, campaign.district_id, "campaign", f"专项行动 {campaign.name} ")
    grid = place(lng, lat, actor)
    photos = prepared(photos, "photos")
    with transaction.atomic():
        hazard = Hazard.objects.create(
            number=next_number(Hazard, "YH"),
            kind=kind,
            level=level,
            title=title,
            campaign=campaign,
            department=department,
            person_name=person_name,
            person_phone=person_phone,
            plan=plan,
            deadline=deadline,
            lng=float(lng),
            lat=float(lat),
            address=address,
            grid=grid,
            street_id=grid.community.street_id,
            found_by=actor,
        )
        event = record(Subject.HAZARD, hazard, "register", actor, role=role_of(actor, *FINDERS), level=level)
        save_photos(event, Photo.Stage.FOUND, photos)
        if level == Hazard.Level.MAJOR:
            _alert_supervisors(hazard)
    return hazard


def _alert_supervisors(hazard: Hazard) -> None:
    url = reverse("hazard-detail", args=[hazard.pk])
    title = f"重大隐患 {hazard.number}：{hazard.title}（{hazard.address or hazard.street.name}）"
    users = get_user_model().objects.filter(groups__name=Role.SUPERVISOR, is_active=True).distinct()
    Alert.objects.bulk_create([Alert(user=u, title=title, url=url) for u in users])


def _locked(hazard: Hazard) -> Hazard:
    return Hazard.objects.select_for_update(no_key=True).get(pk=hazard.pk)


def _unit_role(actor, hazard: Hazard, what: str) -> str:
    if actor.has_role(Role.DEPARTMENT) and actor.department_id == hazard.department_id:
        return Role.DEPARTMENT.value
    if actor.has_role(*LEADERS):
        return role_of(actor, *LEADERS)
    raise ActionForbidden(f"只有责任单位的人员可以{what}")


def hazard_progress(*, hazard: Hazard, actor, progress: int, note: str) -> Hazard:
    """跟踪: the responsible unit reports how far the plan has come."""
    note = text(note, "note", "整改进展")
    if not isinstance(progress, int) or not 0 <= progress <= 100:
        raise InvalidInput("进度应为 0–100 的整数", field="progress")
    with transaction.atomic():
        hazard = _locked(hazard)
        role = _unit_role(actor, hazard, "报告整改进展")
        if hazard.status != Hazard.Status.OPEN:
            raise ActionRefused(f"该隐患当前为“{hazard.get_status_display()}”，不能报告进展")
        hazard.progress = max(hazard.progress, progress)
        hazard.save(update_fields=["progress"])
        record(Subject.HAZARD, hazard, "progress", actor, role=role, note=note, progress=progress)
    return hazard


def hazard_urge(*, hazard: Hazard, actor, note: str = "") -> Hazard:
    """督办."""
    if not actor.has_role(*LEADERS):
        raise ActionForbidden("只有领导/督查或值班长可以督办")
    with transaction.atomic():
        hazard = _locked(hazard)
        if hazard.status == Hazard.Status.CLOSED:
            raise ActionRefused("该隐患已销号，无需督办")
        hazard.urge_count += 1
        hazard.save(update_fields=["urge_count"])
        record(Subject.HAZARD, hazard, "urge", actor, role=role_of(actor, *LEADERS), note=note)
    return hazard


def hazard_submit(*, hazard: Hazard, actor, note: str, photos=None) -> Hazard:
    """整改完成, asking for verification: needs a photo of the result."""
    note = text(note, "note", "整改情况")
    photos = prepared(photos, "photos", required="申请销号须附整改后照片")
    with transaction.atomic():
        hazard = _locked(hazard)
        role = _unit_role(actor, hazard, "申请整改销号")
        if hazard.status != Hazard.Status.OPEN:
            raise ActionRefused(f"该隐患当前为“{hazard.get_status_display()}”，不能申请销号")
        hazard.status, hazard.progress = Hazard.Status.PENDING_VERIFY, 100
        hazard.save(update_fields=["status", "progress"])
        event = record(Subject.HAZARD, hazard, "submit", actor, role=role, note=note)
        save_photos(event, Photo.Stage.RECTIFY, photos)
    return hazard


def hazard_verify(*, hazard: Hazard, actor, passed: bool, note: str = "", photos=None) -> Hazard:
    """验收: passed → 整改销号 (on time if by the deadline); not passed → back to 整改中. A photo either way."""
    if not actor.has_role(*VERIFIERS):
        raise ActionForbidden("只有监督员、领导/督查或值班长可以验收隐患整改")
    photos = prepared(photos, "photos", required="验收须附现场核查照片")
    if not passed:
        note = text(note, "note", "不通过的原因")
    with transaction.atomic():
        hazard = _locked(hazard)
        if hazard.status != Hazard.Status.PENDING_VERIFY:
            raise ActionRefused(f"该隐患当前为“{hazard.get_status_display()}”，责任单位尚未申请销号")
        now = timezone.now()
        if passed:
            hazard.status, hazard.closed_at = Hazard.Status.CLOSED, now
            hazard.on_time = timezone.localdate(now) <= hazard.deadline
            fields = ["status", "closed_at", "on_time"]
        else:
            hazard.status = Hazard.Status.OPEN
            fields = ["status"]
        hazard.save(update_fields=fields)
        event = record(
            Subject.HAZARD,
            hazard,
            "close" if passed else "verify_failed",
            actor,
            role=role_of(actor, *VERIFIERS),
            note=note,
        )
        save_photos(event, Photo.Stage.CHECK, photos)
    return hazard
