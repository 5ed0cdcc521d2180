"""上报: a new case, from any channel (inspector, hotline, operator, Open311), located in its grid."""

import re
import uuid

from django.db import IntegrityError, connection
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import channels, events, rules, timing
from cases.errors import ActionForbidden, ActionRefused, AlreadySubmitted, InvalidInput
from cases.intake.duplicates import search_suspects
from cases.models import (
    PROVISIONAL_NUMBER,
    Case,
    CaseEvent,
    CasePhoto,
    RequestNature,
    Source,
    Urgency,
)
from cases.photos import accept_photos
from cases.services._base import (
    _atomic_with_files,
    _category,
    _component,
    _limited,
    _require_photos,
    _require_text,
    _save_photos,
    _user,
)
from cases.signals import send_events_recorded
from cases.workflow import SYSTEM, Action, find
from core.roles import DISTRICT_WIDE_ROLES
from dispatch.models import Category, Component
from grids.locator import PointOutsideGrids, locate
from grids.models import District


def next_case_number(prefix: str, day) -> str:
    """`prefix-YYYYMMDD-NNNNN`, sequence per prefix and day, allocated in one atomic upsert.

    Numbers stay gap-free per day (docs/architecture.md, "Case numbers"), so the counter is taken in
    the writer's own transaction and its row stays locked until that commits: take it last."""
    from cases.models import CaseNumberCounter

    table = connection.ops.quote_name(CaseNumberCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (prefix, day, last) VALUES (%s, %s, 1) "
            f"ON CONFLICT (prefix, day) DO UPDATE SET last = {table}.last + 1 RETURNING last",
            [prefix, day],
        )
        (seq,) = cursor.fetchone()
    return _formatted(prefix, day, seq)


def _formatted(prefix: str, day, seq: int) -> str:
    return f"{prefix}-{day:%Y%m%d}-{seq:05d}"


def _number_case(case: Case, prefix: str, day) -> str:
    """Give the case its number: the report's last statement, so the day's counter row, shared by every
    report in the district, is locked only from here to the commit (issue #18). On PostgreSQL the upsert
    and the case's UPDATE are one statement (one round trip under the lock)."""
    from cases.models import CaseNumberCounter

    if connection.vendor != "postgresql":  # SQLite (the demo) has no INSERT in a WITH
        number = next_case_number(prefix, day)
        Case.objects.filter(pk=case.pk).update(number=number)
        return number
    counter = connection.ops.quote_name(CaseNumberCounter._meta.db_table)
    cases = connection.ops.quote_name(Case._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH seq AS (INSERT INTO {counter} (prefix, day, last) VALUES (%s, %s, 1) "
            f"ON CONFLICT (prefix, day) DO UPDATE SET last = {counter}.last + 1 RETURNING last) "
            f"UPDATE {cases} SET number = %s || CASE WHEN seq.last < 100000 "
            "THEN lpad(seq.last::text, 5, '0') ELSE seq.last::text END "
            f"FROM seq WHERE {cases}.id = %s RETURNING {cases}.number",
            [prefix, day, f"{prefix}-{day:%Y%m%d}-", case.pk],
        )
        (number,) = cursor.fetchone()
    return number


def case_report(
    *,
    actor,
    category: Category | int,
    lng: float,
    lat: float,
    description: str,
    source: str | None = None,
    address: str = "",
    urgency: str = Urgency.NORMAL,
    component: Component | str | None = None,
    reporter_name: str = "",
    reporter_phone: str = "",
    reporter_email: str = "",
    hotline_ticket_no: str = "",
    request_nature: str = "",
    photos=None,
    self_resolved: bool = False,
    after_photos=None,
    note: str = "",
    at=None,
    submission_key: str = "",
) -> Case:
    """上报: a new case, located in its grid. A self-resolved inspector report goes straight to 待结案.

    `submission_key` (optional) names this one report on the client: sent again by the same reporter,
    it raises AlreadySubmitted with the case the first one made, and nothing is written twice.
    """
    role = rules.reporting_role(actor, self_resolved)
    source = rules.source_for(role, source)
    submission_key = clean_submission_key(submission_key) if _user(actor) else ""
    if submission_key:
        _refuse_resubmission(actor, submission_key)
    description = _require_text(description, "description", _("问题描述"), limited=False)
    note = _limited(note, "note")
    if urgency not in Urgency.values:
        raise InvalidInput(
            _("紧急程度 %(value)r 无效，应为 %(choices)s")
            % {"value": urgency, "choices": ", ".join(Urgency.values)},
            field="urgency",
        )
    request_nature = request_nature or ""
    if request_nature not in ("", *RequestNature.values):
        raise InvalidInput(
            _("诉求性质 %(value)r 无效，应为 %(choices)s")
            % {"value": request_nature, "choices": ", ".join(RequestNature.values)},
            field="request_nature",
        )
    category = _category(category)
    component = _component(component)
    try:
        grid = locate(float(lng), float(lat))
    except PointOutsideGrids as exc:
        # Several districts (docs/domain.md §13): the point lies in none of them, which the message says.
        outside = (
            _("位置 (%(lng)g, %(lat)g) 不在任何一个区的单元网格内")
            if District.objects.count() > 1
            else _("位置 (%(lng)g, %(lat)g) 不在本区任何单元网格内")
        )
        raise InvalidInput(outside % {"lng": exc.lng, "lat": exc.lat}, field="lng") from None
    except (TypeError, ValueError) as exc:
        raise InvalidInput(_("位置无效：%(error)s") % {"error": exc}, field="lng") from None
    if self_resolved and (problem := rules.self_resolve_scope_error(actor, role, grid)):
        raise ActionForbidden(problem)
    if role in DISTRICT_WIDE_ROLES and rules.district_error(actor, grid.community.street.district_id):
        # District staff report in their district (docs/domain.md §13): the case would leave their sight.
        raise ActionForbidden(
            _("位置 (%(lng)g, %(lat)g) 在%(district)s，不在您所在的区")
            % {"lng": float(lng), "lat": float(lat), "district": grid.community.street.district.name}
        )
    channel = channels.hotline_number(source)
    hotline_ticket_no = (hotline_ticket_no or "").strip()
    if channel and not hotline_ticket_no:
        raise InvalidInput(_("热线案件必须填写热线工单号"), field="hotline_ticket_no")
    if (source == Source.PUBLIC or channel) and not (reporter_name or reporter_phone) and role != SYSTEM:
        raise InvalidInput(_("请填写反映人姓名或电话"), field="reporter_phone")
    prepared = accept_photos(photos)
    after = _require_photos("self_resolved", after_photos, "after_photos") if self_resolved else []

    outcome = "self_resolved" if self_resolved else ""
    transition = find(Action.REPORT, None, outcome)
    now = at or timezone.now()
    try:
        with _atomic_with_files() as written:
            if channel:
                _refuse_known_ticket(channel, hotline_ticket_no)
            community = grid.community
            case = Case.objects.create(
                number=f"{PROVISIONAL_NUMBER}{uuid.uuid4().hex[:30]}",  # the number is allocated last (below)
                source=source,
                status=transition.target.value,
                category=category,
                category_code=category.code,
                category_name=category.name,
                category_kind=category.kind,
                major_code=category.major_code,
                component=component,
                lng=float(lng),
                lat=float(lat),
                address=address,
                grid=grid,
                community=community,
                street_id=community.street_id,
                district_id=community.street.district_id,
                description=description,
                urgency=urgency,
                self_resolved=self_resolved,
                reporter=_user(actor),
                reporter_name=reporter_name,
                reporter_phone=reporter_phone,
                reporter_email=reporter_email,
                hotline_channel=channel,
                hotline_ticket_no=hotline_ticket_no,
                request_nature=request_nature,
                created_at=now,
                submission_key=submission_key,
            )
            event = CaseEvent.objects.create(
                case=case,
                action=Action.REPORT.value,
                from_status="",
                to_status=case.status,
                actor=_user(actor),
                actor_role=role,
                at=now,
                note=note,
                payload=events.reported(source=source, self_resolved=self_resolved, grid=grid.code),
            )
            step = timing.start_step(case, now)
            photo_rows: list[CasePhoto] = []
            written += _save_photos(case, CasePhoto.Stage.REPORT, prepared, actor, event, kept=photo_rows)
            written += _save_photos(case, CasePhoto.Stage.FEEDBACK, after, actor, event, kept=photo_rows)
            search_suspects(case)  # suspected duplicates, in this transaction (cases/intake/duplicates.py)
            # The receivers join this transaction while the case still has its provisional number (what
            # they need of it after the commit, they read then: live/relay.py). Those that push to the
            # outside world do it on commit.
            send_events_recorded([event])
            # The last statement: the day's counter row stays locked from here to the commit only.
            case.number = _number_case(case, community.street.district.code, timezone.localdate(now))
    except IntegrityError:
        # A concurrent delivery of the same hotline ticket, or of the same submission, lost on the unique
        # constraint (the checks before the insert cannot see uncommitted rows): now that the winner has
        # committed, it is answered like a known one. Outside the transaction, which is rolled back: the
        # insert needs no savepoint of its own (two round trips fewer on every report).
        if channel and hotline_ticket_no:
            _refuse_known_ticket(channel, hotline_ticket_no)
        if submission_key:
            _refuse_resubmission(actor, submission_key)
        raise
    case.street = community.street  # what the answer reads of it, already in hand
    case._report_rows = (event, step, photo_rows)
    return case


def as_reported(case: Case) -> Case:
    """The case that case_report returned, with the rows it wrote where the detail selector's
    prefetch_related would put them (a new case has nothing else): the API answers a report from them,
    without reading the case back (issue #18). Only for the answer: the case's relations are a snapshot
    of the report."""
    event, step, photos = case._report_rows
    if photos:  # the worker may have stripped them since the commit (at once, when run eagerly)
        photos = list(CasePhoto.objects.filter(case=case).order_by("created_at", "id"))
    event.case = case
    case.duplicate_of = None
    case._prefetched_objects_cache = {
        "events": [event],
        "steps": [step] if step is not None else [],
        "photos": photos,
        "requests": [],
        "co_departments": [],
    }
    return case


def _refuse_known_ticket(channel: str, ticket_no: str) -> None:
    existing = Case.objects.filter(hotline_channel=channel, hotline_ticket_no=ticket_no).first()
    if existing is not None:
        raise ActionRefused(
            _("%(channel)s 工单 %(ticket)s 已登记为案件 %(number)s")
            % {"channel": channel, "ticket": ticket_no, "number": existing.number},
            field="hotline_ticket_no",
        )


# What a client may use as a submission key: a UUID, a ULID, a timestamp with a counter.
SUBMISSION_KEY = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


def clean_submission_key(value, field: str = "submission_key") -> str:
    key = (value or "").strip()
    if key and not SUBMISSION_KEY.match(key):
        raise InvalidInput(
            _("%(field)s 无效：应为 1–64 个字母、数字或 . _ : -（如一个 UUID）") % {"field": field},
            field=field,
        )
    return key


def _refuse_resubmission(actor, key: str) -> None:
    existing = Case.objects.filter(reporter=_user(actor), submission_key=key).first()
    if existing is not None:
        raise AlreadySubmitted(existing)
