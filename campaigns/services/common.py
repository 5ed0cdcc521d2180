"""What every service here shares: the event row, photos, the office check, numbers and places."""

import uuid
from datetime import date

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from campaigns import selectors
from campaigns.models import Campaign, Event, Photo
from cases.errors import ActionForbidden, InvalidInput
from cases.photos import prepare_photos
from core.roles import Role
from grids.locator import PointOutsideGrids, locate

# 监督中心 leaders run campaigns and rules; a campaign's office staff run their own campaign.
LEADERS = (Role.SUPERVISOR, Role.SHIFT_LEADER)


def record(subject: str, row, action: str, actor, *, role: str = "", note: str = "", **payload) -> Event:
    return Event.objects.create(
        subject=subject,
        subject_id=row.pk,
        action=action,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_role=role,
        at=timezone.now(),
        note=note,
        payload=payload,
    )


def prepared(photos, field: str, *, required: str = ""):
    """Photos checked before anything is written; `required` is the message when none came."""
    out = prepare_photos(photos, field=field)
    if required and not out:
        raise InvalidInput(required, field=field)
    return out


def save_photos(event: Event, stage: str, photos) -> list[Photo]:
    rows = []
    for photo in photos:
        stem = uuid.uuid4().hex
        row = Photo(subject=event.subject, subject_id=event.subject_id, stage=stage, event=event)
        row.image.save(f"{stem}.{photo.ext}", ContentFile(photo.image), save=False)
        row.thumbnail.save(f"{stem}_t.jpg", ContentFile(photo.thumbnail), save=False)
        row.save()
        rows.append(row)
    return rows


def is_office(user, campaign: Campaign | None) -> bool:
    if user.has_role(*LEADERS):
        return True
    return campaign is not None and campaign.office_staff.filter(pk=user.pk).exists()


def role_of(user, *allowed: str) -> str:
    for role in allowed:
        if user.has_role(role):
            return str(role)
    return next(iter(sorted(user.roles)), "")


def require_office(user, campaign: Campaign | None, what: str) -> str:
    if not is_office(user, campaign):
        raise ActionForbidden(f"只有专项办公室成员或领导/督查、值班长可以{what}")
    return role_of(user, *LEADERS) or "office"


def require_department(user, department, what: str, *, campaign: Campaign | None = None) -> str:
    """The responsible unit's own staff, or the office."""
    if user.has_role(Role.DEPARTMENT) and user.department_id == department.pk:
        return Role.DEPARTMENT.value
    if is_office(user, campaign):
        return role_of(user, *LEADERS) or "office"
    raise ActionForbidden(f"只有责任单位（{department.name}）的人员可以{what}")


def place(lng, lat, actor=None):
    """The grid of the point; for an actor held to a district (docs/domain.md §13), one of its grids."""
    try:
        grid = locate(float(lng), float(lat))
    except PointOutsideGrids as exc:
        raise InvalidInput(str(exc), field="lng") from None
    except (TypeError, ValueError) as exc:
        raise InvalidInput(f"位置无效: {exc}", field="lng") from None
    own_district(actor, grid.community.street.district_id, "lng", f"位置（网格 {grid.code}）")
    return grid


def own_district(actor, district_id: int | None, field: str, what: str) -> None:
    """A row named in a write that lies in another district than the actor's: 400 naming the field.
    A row of no district (a bureau) is every district's."""
    own = selectors.district_of(actor)
    if own is not None and district_id is not None and district_id != own:
        raise InvalidInput(f"{what}不属于您所在的区", field=field)


def own_department(actor, department, field: str = "department") -> None:
    if department is not None:
        district = selectors.department_district(department)
        own_district(actor, district, field, f"责任单位 {department.name} ")


def text(value, field: str, what: str) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidInput(f"请填写{what}", field=field)
    return value


def a_date(value, field: str, what: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except (TypeError, ValueError):
        raise InvalidInput(f"{what}不是有效日期（YYYY-MM-DD）", field=field) from None


def next_number(model, prefix: str) -> str:
    """PREFIX-YYYYMMDD-NNN, counted per day under a lock on the table's newest row of the day."""
    day = timezone.localdate().strftime("%Y%m%d")
    stem = f"{prefix}{day}"
    with transaction.atomic():
        last = (
            model.objects.select_for_update()
            .filter(number__startswith=stem)
            .order_by("-number")
            .values_list("number", flat=True)
            .first()
        )
    seq = int(last[len(stem) :]) + 1 if last else 1
    return f"{stem}{seq:03d}"
