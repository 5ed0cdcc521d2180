"""Suspected duplicates (重复案件): found for every new case, confirmed or dismissed by an operator.

Several callers often report one overflowing bin. A new case is compared with older cases of the same
category (or the same 大类, DUPLICATE_MATCH) within DUPLICATE_RADIUS_M that are still open or were
closed within DUPLICATE_WINDOW_DAYS; the nearest few become DuplicateSuspect rows. Nothing is rejected
automatically: confirming is an operator's 不予受理 (reason duplicate), through the normal service.
"""

import logging
import math
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import ExpressionWrapper, F, FloatField, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.errors import ActionForbidden, ActionRefused
from cases.models import Case, DuplicateSuspect, RejectReason
from cases.workflow import OPEN, Status
from core.roles import Role

log = logging.getLogger(__name__)

EARTH_RADIUS_M = 6_371_008.8
# A degree of latitude on the sphere distance_m measures on (≈ 111,195 m). The SQL box only pre-selects
# (distance_m decides), so it must hold the whole circle: with the equator's 111,320 m a case 49.95–50 m
# due north or east fell outside the box and was never linked.
M_PER_DEG_LAT = EARTH_RADIUS_M * math.pi / 180
BOX_MARGIN_M = 1.0  # the box's half-side is the radius plus this, against rounding at the edge
DECIDING_ROLES = frozenset({Role.OPERATOR, Role.SHIFT_LEADER})


def distance_m(lng1: float, lat1: float, lng2: float, lat2: float) -> float:
    """Great-circle distance (haversine): exact enough at 50 m and needs no projection."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def candidates(case: Case):
    """Older cases that could be the same problem: same category (or 大类), near, open or recently closed."""
    radius = settings.DUPLICATE_RADIUS_M
    dlat = (radius + BOX_MARGIN_M) / M_PER_DEG_LAT
    lng_scale = max(math.cos(math.radians(case.lat)), 0.01)
    dlng = dlat / lng_scale
    since = case.created_at - timedelta(days=settings.DUPLICATE_WINDOW_DAYS)
    if settings.DUPLICATE_MATCH == "major":
        same = Q(category_kind=case.category_kind, major_code=case.major_code)
    else:
        same = Q(category_id=case.category_id)
    # Older only, so a pair is linked once, from the newer case to the one reported first.
    older = Q(created_at__lt=case.created_at) | Q(created_at=case.created_at, pk__lt=case.pk)
    live = Q(status__in=[s.value for s in OPEN]) | Q(status=Status.CLOSED, closed_at__gte=since)
    # Nearest first in plain SQL (equirectangular, metres²): no PostGIS needed, and the LIMIT keeps a
    # hot spot with hundreds of open cases from loading them all.
    d2 = ExpressionWrapper(
        ((F("lng") - case.lng) * lng_scale) ** 2 + (F("lat") - case.lat) ** 2, output_field=FloatField()
    )
    return (
        Case.objects.filter(same, older, live)
        .filter(lng__range=(case.lng - dlng, case.lng + dlng), lat__range=(case.lat - dlat, case.lat + dlat))
        .exclude(pk=case.pk)
        .annotate(d2=d2)
        .order_by("d2", "pk")
    )


def find_suspects(case: Case | int) -> list[DuplicateSuspect]:
    """Link the nearest matching older cases as suspects of `case`; running it twice adds nothing."""
    if not isinstance(case, Case):
        case = Case.objects.get(pk=case)
    limit = settings.DUPLICATE_MAX_SUSPECTS
    rows = []
    for other in candidates(case).only("pk", "lng", "lat", "duplicate_of_id")[: limit * 2]:
        metres = distance_m(case.lng, case.lat, other.lng, other.lat)
        if metres <= settings.DUPLICATE_RADIUS_M:
            rows.append(DuplicateSuspect(case=case, original=other, distance_m=round(metres, 1)))
    rows = rows[:limit]
    if not rows:
        return []
    DuplicateSuspect.objects.bulk_create(rows, ignore_conflicts=True)
    # The saved pairs (a second run's rows were ignored as conflicts and carry no id), nearest first.
    saved = DuplicateSuspect.objects.filter(case=case, original__in=[row.original_id for row in rows])
    return list(saved.order_by("distance_m", "pk"))


def search_suspects(case: Case) -> None:
    """Called by case_report inside its transaction, so a report commits once with its suspects (issue
    #18). In a savepoint of its own: a failure here rolls back only the search, never the report."""
    try:
        with transaction.atomic():
            find_suspects(case)
    except Exception:  # the report stands; the operator can still spot the duplicate by eye
        log.exception("疑似重复案件检索失败：案件 %s", case.pk)


def confirm(*, suspect: DuplicateSuspect | int, actor, note: str = "") -> DuplicateSuspect:
    """确认重复: the case is rejected as a duplicate of the original, and the suspect is marked confirmed."""
    from cases.services import case_reject  # services imports this module

    with transaction.atomic():
        suspect = _claim(suspect, actor)
        case_reject(  # settles the suspect (settle_suspects)
            case=suspect.case_id,
            actor=actor,
            reason=RejectReason.DUPLICATE,
            duplicate_of=suspect.original_id,
            note=note or f"确认与案件 {suspect.original.number} 重复",
        )
        suspect.refresh_from_db()
        return suspect


def dismiss(*, suspect: DuplicateSuspect | int, actor) -> DuplicateSuspect:
    """非重复: the pair is looked at and kept apart; the case goes on as normal."""
    with transaction.atomic():
        return _decide(_claim(suspect, actor), actor, DuplicateSuspect.State.DISMISSED)


def _claim(suspect, actor) -> DuplicateSuspect:
    if not (getattr(actor, "is_active", False) and actor.roles & DECIDING_ROLES):
        raise ActionForbidden(_("只有受理员或值班长可以处理疑似重复案件"))
    pk = suspect.pk if isinstance(suspect, DuplicateSuspect) else suspect
    locked = DuplicateSuspect.objects.select_for_update().select_related("original").get(pk=pk)
    if locked.state != DuplicateSuspect.State.SUSPECTED:
        raise ActionRefused(_("该疑似重复已处理（%(state)s）") % {"state": locked.get_state_display()})
    return locked


def settle_suspects(*, case: Case, originals: set, actor, at) -> int:
    """A case rejected as a duplicate of one of `originals` (the one named, and the root it links to)
    settles the pair intake suspected: confirmed, by whoever rejected it. Called by case_reject in its
    transaction; returns how many were settled."""
    return DuplicateSuspect.objects.filter(
        case=case, original_id__in=originals, state=DuplicateSuspect.State.SUSPECTED
    ).update(state=DuplicateSuspect.State.CONFIRMED, decided_by=_user(actor), decided_at=at)


def _user(actor):
    return actor if getattr(actor, "pk", None) else None


def _decide(suspect: DuplicateSuspect, actor, state: str) -> DuplicateSuspect:
    suspect.state = state
    suspect.decided_by = actor
    suspect.decided_at = timezone.now()
    suspect.save(update_fields=["state", "decided_by", "decided_at"])
    return suspect
