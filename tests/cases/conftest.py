"""A small district to run cases through, and one persona per role (healthchecks' alice/bob idea)."""

import io
import itertools
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from cases import services
from cases.models import Case, CaseEvent, Source
from cases.workflow import LEDGER, SYSTEM, Action, Status
from core.roles import Role
from dispatch.models import Category, Department
from tests.cases.suggest_support import model_dir, suggester  # noqa: F401 (fixtures)
from tests.factories import (
    CategoryFactory,
    CommunityFactory,
    DepartmentFactory,
    GridFactory,
    StreetFactory,
    UserFactory,
)


def photo(name: str = "scene.jpg", size=(64, 48), fmt: str = "JPEG") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 80, 40)).save(buffer, format=fmt)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


@pytest.fixture
def world(db):
    """Two grids in one street (one of them the inspector's), a street office, categories, personas."""
    street = StreetFactory()
    community = CommunityFactory(street=street)
    office = DepartmentFactory(
        name="街道公共管理办", kind=Department.Kind.STREET_OFFICE, street=street, is_street_default=True
    )
    other_dept = DepartmentFactory(name="区园林中心")
    inspector = UserFactory(username="insp", roles=["inspector"])
    other_inspector = UserFactory(username="insp2", roles=["inspector"])
    grid = GridFactory(community=community, west=117.20, south=39.05, inspectors=[inspector])
    other_grid = GridFactory(community=community, west=117.21, south=39.05, inspectors=[other_inspector])
    event_cat = CategoryFactory(
        kind=Category.Kind.EVENT, major_code="06", major_name="市容环境类", name="暴露垃圾"
    )
    component_cat = CategoryFactory(name="污水井盖")
    people = SimpleNamespace(
        inspector=inspector,
        other_inspector=other_inspector,
        operator=UserFactory(username="op", roles=["operator"]),
        shift_leader=UserFactory(username="lead", roles=["shift_leader"]),
        shift_leader2=UserFactory(username="lead2", roles=["shift_leader"]),
        dispatcher=UserFactory(username="disp", roles=["dispatcher"]),
        department=UserFactory(username="dept", roles=["department"], department=office),
        other_department=UserFactory(username="dept2", roles=["department"], department=other_dept),
        hotline=UserFactory(username="hot", roles=["hotline"]),
        supervisor=UserFactory(username="boss", roles=["supervisor"]),
        admin=UserFactory(username="adm", roles=["admin"]),
        city_supervisor=UserFactory(username="city", roles=["city_supervisor"]),  # docs/domain.md §13
        # The street's sub-centre (docs/domain.md §13): they see every case in `street`.
        street_dispatcher=UserFactory(username="sdisp", roles=["street_dispatcher"], street=street),
        street_leader=UserFactory(username="slead", roles=["street_leader"], street=street),
    )
    return SimpleNamespace(
        street=street,
        community=community,
        grid=grid,
        other_grid=other_grid,
        office=office,
        other_dept=other_dept,
        event_cat=event_cat,
        component_cat=component_cat,
        inside=(117.2005, 39.0505),
        other_inside=(117.2105, 39.0505),
        p=people,
    )


def photo_worker():
    """Runs what the commit queues (eager Celery): the photo worker strips and thumbnails (cases/photos.py).
    Photos are processed after the commit; a test's transaction never commits, so it runs them here."""
    from django.test import TestCase

    return TestCase.captureOnCommitCallbacks(execute=True)


def report(world, actor=None, *, where=None, **kw):
    lng, lat = where or world.inside
    kw.setdefault("category", world.event_cat)
    kw.setdefault("description", "路边有暴露垃圾")
    actor = actor or world.p.inspector
    if actor.has_role("hotline") and "hotline_ticket_no" not in kw:
        kw.update(
            source=Source.HOTLINE_12345,
            hotline_ticket_no=f"T{lng}{lat}{kw['description']}",
            reporter_phone="13800000000",
        )
    return services.case_report(actor=actor, lng=lng, lat=lat, **kw)


# ---------------------------------------------------------------- walking cases through the loop
# Added for the workflow, ledger, scope, race and API tests. Everything below goes through the real
# services, so a test that starts from `case_in(world, "pending_check")` starts from a case that the
# personas really brought there.

ALL_ROLES = [r.value for r in Role]
ACTORS = [*ALL_ROLES, SYSTEM]
_tickets = itertools.count(1)


@pytest.fixture
def fast_passwords(settings):
    """MD5 hashing for the personas: the default PBKDF2 costs about half a second per user."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def media_root(settings, tmp_path):
    """Photos go to a throw-away folder, not to the project's var/media."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture
def tx_world(transactional_db, world):
    """`world`, committed: for tests where other database connections (threads) must see it."""
    return world


def persona(world, role: str):
    """The world's persona for `role` (the SYSTEM marker for "system")."""
    return SYSTEM if role == SYSTEM else getattr(world.p, role)


def hotline_report(
    world, actor=None, *, ticket: str | None = None, source=Source.HOTLINE_12345, **kw
) -> Case:
    """A hotline ticket logged by the hotline agent (or `actor`), with a fresh ticket number unless given."""
    lng, lat = kw.pop("where", None) or world.inside
    kw.setdefault("category", world.event_cat)
    kw.setdefault("description", "市民来电反映路边有暴露垃圾")
    kw.setdefault("reporter_name", "张先生")
    kw.setdefault("reporter_phone", "13800000000")
    return services.case_report(
        actor=actor or world.p.hotline,
        lng=lng,
        lat=lat,
        source=source,
        hotline_ticket_no=ticket or f"T{next(_tickets):06d}",
        **kw,
    )


def pending_kind(action: str) -> str | None:
    """The ledger kind an approve/deny action decides, or None."""
    for kind, (_request, approve, deny) in LEDGER.items():
        if action in (approve, deny):
            return kind
    return None


# The 12345 loop's actions only exist on a 12345 machine ticket's case; the centre (the system) decides
# 延期, 重办 and 回访 only there (cases/rules.py `loop_ticket`).
LOOP_ONLY = {
    Action.SIGN,
    Action.REQUEST_HOTLINE_RETURN,
    Action.APPROVE_HOTLINE_RETURN,
    Action.DENY_HOTLINE_RETURN,
}
CENTRE_DECIDES = {Action.APPROVE_EXTENSION, Action.DENY_EXTENSION, Action.REOPEN, Action.CALLBACK}


def needs_loop(action: str, role: str) -> bool:
    """Whether `case_in` must make a 12345 ticket's case for `role` to take `action`."""
    return action in LOOP_ONLY or (role == SYSTEM and action in CENTRE_DECIDES)


def loop_case(world, ticket_no: str | None = None) -> Case:
    """A case made from a 12345 machine ticket (the centre's 派单), as intake makes it."""
    from django.utils import timezone

    from cases.intake import hotline

    lng, lat = world.inside
    ticket, _created = hotline.receive(
        data={
            "channel": "12345",
            "ticket_no": ticket_no or f"L{next(_tickets):06d}",
            "received_at": timezone.now(),
            "lng": lng,
            "lat": lat,
            "address": "",
            "category_hint": world.event_cat.code,
            "description": "市民来电反映路边有暴露垃圾",
            "urgency": "normal",
            "caller_name": "张先生",
            "caller_phone": "13800000000",
            "photo_urls": [],
        },
        raw={},
    )
    assert hotline.process_ticket(ticket.pk) == "done"
    return Case.objects.get(hotline_ticket=ticket)


def add_request(world, case, kind: str) -> Case:
    """A pending ledger request of `kind`: the department asks for 回退/延期/挂账, the operator for 作废."""
    p = world.p
    if kind == "return":
        return services.case_request_return(case=case, actor=p.department, reason="不属于我单位职责")
    if kind == "extension":
        return services.case_request_extension(case=case, actor=p.department, reason="需要调配机械", hours=8)
    if kind == "suspension":
        return services.case_request_suspension(case=case, actor=p.department, reason="需立项改造")
    if kind == "hotline_return":
        return services.case_request_hotline_return(
            case=case, actor=p.operator, reason_code="out_of_scope", reason="不属于城管职责"
        )
    return services.case_request_void(case=case, actor=p.operator, reason="误报")


def case_in(world, status: str, *, pending: str | None = None, loop: bool = False) -> Case:
    """A fresh case in `status`, walked there through the real services by the personas whose job it is.

    Inspector reports (trusted) in world.grid take the main path; `verifying` starts from a hotline
    ticket. The department on a dispatched case is world.office (world.p.department's). `pending`
    leaves a pending ledger request of that kind (see `add_request`). `loop`: the case of a 12345
    machine ticket (the 接诉即办 loop), walked the hotline way (核实 before 立案).
    """
    s, p = services, world.p
    if loop:
        case = loop_case(world)
        walk = [
            (Status.VERIFYING, lambda c: s.case_send_verify(case=c, actor=p.operator)),
            (
                Status.PENDING_FILING,
                lambda c: s.case_verify(case=c, actor=p.inspector, confirmed=True, photos=[photo()]),
            ),
        ]
        for reached, step in walk:
            if status == Status.REPORTED:
                break
            case = step(case)
            if reached == status:
                break
        if status not in (Status.REPORTED, Status.VERIFYING, Status.PENDING_FILING):
            case = _walk_main(world, case, status, skip_accept=True)
    elif status == Status.VERIFYING:
        case = s.case_send_verify(case=hotline_report(world), actor=p.operator)
    else:
        case = report(world)
        steps = {
            Status.REJECTED: [lambda c: s.case_reject(case=c, actor=p.operator, reason="invalid")],
            Status.VOIDED: [
                lambda c: s.case_request_void(case=c, actor=p.operator, reason="误报"),
                lambda c: s.case_approve_void(case=c, actor=p.shift_leader),
            ],
        }
        if status in steps:
            for step in steps[status]:
                case = step(case)
        elif status != Status.REPORTED:
            case = _walk_main(world, case, status)
    if pending:
        case = add_request(world, case, pending)
    case = Case.objects.get(pk=case.pk)
    assert case.status == status, f"case_in could not reach {status}: got {case.status}"
    return case


def _walk_main(world, case, status: str, *, skip_accept: bool = False) -> Case:
    s, p = services, world.p
    main = [
        (Status.PENDING_FILING, lambda c: s.case_accept(case=c, actor=p.operator)),
        (Status.PENDING_DISPATCH, lambda c: s.case_file(case=c, actor=p.shift_leader)),
        (
            Status.IN_PROGRESS,
            lambda c: s.case_dispatch(case=c, actor=p.dispatcher, department=world.office),
        ),
        (
            Status.PENDING_CHECK,
            lambda c: s.case_submit_feedback(case=c, actor=p.department, result="已清理", photos=[photo()]),
        ),
        (
            Status.PENDING_CLOSURE,
            lambda c: s.case_check(case=c, actor=p.inspector, passed=True, photos=[photo()]),
        ),
        (Status.CLOSED, lambda c: s.case_close(case=c, actor=p.shift_leader)),
    ]
    if skip_accept:  # a hotline case reaches 待立案 by 核实
        main = main[1:]
    stop = Status.IN_PROGRESS if status == Status.SUSPENDED else status
    for reached, step in main:
        case = step(case)
        if reached == stop:
            break
    if status == Status.SUSPENDED:
        case = s.case_request_suspension(case=case, actor=p.department, reason="需立项改造")
        case = s.case_approve_suspension(case=case, actor=p.dispatcher)
    return case


def action_kwargs(world, action: str, outcome: str = "") -> dict:
    """Valid input for `action` (fresh photo uploads each call); `outcome` picks verify/check results."""
    reason = {"reason": "理由充分"}
    note = {"note": "同意"}
    return {
        Action.ACCEPT: {},
        Action.SEND_VERIFY: {},
        Action.VERIFY: {"confirmed": outcome != "not_confirmed", "photos": [photo()]},
        Action.REJECT: {"reason": "invalid"},
        Action.FILE: {},
        Action.REFUSE_FILING: {"reason": "不属于城市管理范围"},
        Action.DISPATCH: {"department": world.office},
        Action.REQUEST_RETURN: reason,
        Action.APPROVE_RETURN: note,
        Action.DENY_RETURN: note,
        Action.REQUEST_EXTENSION: {**reason, "hours": 8},
        Action.APPROVE_EXTENSION: note,
        Action.DENY_EXTENSION: note,
        Action.REQUEST_SUSPENSION: reason,
        Action.APPROVE_SUSPENSION: note,
        Action.DENY_SUSPENSION: note,
        Action.RESUME: {},
        Action.SUBMIT_FEEDBACK: {"result": "已清理完毕", "photos": [photo()]},
        Action.CHECK: {"passed": outcome != "failed", "note": "现场复核", "photos": [photo()]},
        Action.CLOSE: {},
        Action.REQUEST_VOID: reason,
        Action.APPROVE_VOID: note,
        Action.DENY_VOID: note,
        Action.REOPEN: {"reason": "回访不满意"},
        Action.SUPERVISE: {"note": "请尽快处置"},
        Action.CALLBACK: {"satisfaction": "satisfied"},
        Action.SIGN: {},
        Action.REQUEST_HOTLINE_RETURN: {**reason, "reason_code": "out_of_scope"},
        Action.APPROVE_HOTLINE_RETURN: note,
        Action.DENY_HOTLINE_RETURN: note,
    }[Action(action)]


def snapshot(case) -> dict:
    """What a user would see change on a case: state, assignment, counters, timeline, ledger, photos."""
    case = Case.objects.get(pk=case.pk)
    return {
        "status": case.status,
        "department": case.department_id,
        "co_departments": sorted(case.co_departments.values_list("pk", flat=True)),
        "verify_inspector": case.verify_inspector_id,
        "duplicate_of": case.duplicate_of_id,
        "reject_reason": case.reject_reason,
        "satisfaction": case.satisfaction,
        "counters": (
            case.rework_count,
            case.extension_count,
            case.return_count,
            case.reopen_count,
            case.supervise_count,
        ),
        "events": list(case.events.values_list("action", flat=True)),
        "requests": sorted(case.requests.values_list("kind", "state")),
        "photos": case.photos.count(),
    }


def last_event(case) -> CaseEvent:
    return CaseEvent.objects.filter(case_id=case.pk).order_by("-id").first()
