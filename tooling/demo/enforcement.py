"""The demo district's 门前三包 and a year of enforcement (issue #20.6), made through the services.

Deterministic and idempotent (seeded; skipped when demo enforcement cases exist):
- the 区城市管理综合执法支队 becomes an issuing unit (文书字号 河西综执) with the demo user `enforcer`;
- every street gets PARTIES_PER_STREET street-front shops and units, each with a frontage in one of the
  street's grids, a 统一社会信用代码, a contact, and a 责任书 signed at the start of the year;
- over the past year, CASES violations at those frontages, each reported, filed, dispatched to the unit,
  its party confirmed, and ended in 劝导, 责令改正 (checked on its deadline, a penalty if not rectified),
  处罚, 首违免罚 (when eligible) or 移送 (receipt and reply), then 处置反馈, 核查 and 结案;
- 约谈 for the parties below the interview line, and a few 联合执法 operations.
"""

import datetime as dt
import random
from collections.abc import Callable
from decimal import Decimal
from unittest import mock

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone
from shapely.geometry import shape

from cases import services as s
from cases.models import Case
from core.roles import Role
from dispatch.codes import credit_code_with_check
from dispatch.models import Category, Department
from enforcement import services as e
from enforcement.models import Agency, CreditPolicy, Letter, Outcome, Party, Unit
from grids.locator import locate
from grids.models import Grid, Street
from tooling.demo.cast import photo
from tooling.demo.departments import bureau_code

TAG = "【执法演示】"
SEED = 20
PARTIES_PER_STREET = 6
CASES = 160
UNIT_KEY = "ZF"
SHOP_NAMES = (
    "烧烤店",
    "水果店",
    "便利店",
    "餐馆",
    "五金店",
    "汽修店",
    "理发店",
    "药店",
    "物业服务中心",
    "超市",
)
BASES = (
    "《天津市市容和环境卫生管理条例》第二十条",
    "《城市市容和环境卫生管理条例》第三十六条",
    "《天津市城市管理规定》第四十二条",
)


def _at(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


def _clock():
    now = [timezone.now()]
    return now, mock.patch("django.utils.timezone.now", lambda: now[0])


def _user(username: str, full_name: str, department: Department | None, role: Role):
    User = get_user_model()
    user, created = User.objects.get_or_create(
        username=username, defaults={"first_name": full_name, "department": department}
    )
    if created:
        from django.conf import settings
        from django.contrib.auth.hashers import make_password

        user.password = make_password(settings.DEMO_PASSWORD)
        user.save(update_fields=["password"])
    user.groups.add(Group.objects.get_or_create(name=role.value)[0])
    user.forget_roles()
    return user


def unit_for(department: Department) -> Unit:
    unit, _ = Unit.objects.get_or_create(
        department=department, defaults={"name": department.name, "doc_prefix": "河西综执"}
    )
    return unit


def save_parties(streets, rng: random.Random, year_start: dt.date) -> list[Party]:
    parties = []
    for s_index, street in enumerate(streets):
        grids = list(Grid.objects.filter(community__street=street).order_by("code")[:PARTIES_PER_STREET])
        for n, grid in enumerate(grids):
            c = shape(grid.geometry).representative_point()
            lng, lat = round(c.x, 6), round(c.y, 6)
            code = credit_code_with_check(f"9112010{s_index:02d}MA{n:06d}"[:17])
            name = f"{street.name.replace('街道', '')}{SHOP_NAMES[(s_index + n) % len(SHOP_NAMES)]}"
            party = Party.objects.filter(credit_code=code).first() or e.party_save(
                actor=None,
                name=name,
                kind=Party.Kind.PROPERTY if "物业" in name else Party.Kind.SHOP,
                street=street,
                address=f"{street.name}沿街 {n + 1} 号",
                credit_code=code,
                contact_name=f"店主{s_index:02d}{n}",
                contact_phone=f"139{s_index:04d}{n:04d}",
                frontage={
                    "type": "LineString",
                    "coordinates": [[lng - 0.0002, lat + 0.00005], [lng + 0.0002, lat + 0.00005]],
                },
            )
            if not party.letters.exists():
                Letter.objects.create(
                    party=party,
                    number=f"HXMQSB-{s_index:02d}{n:02d}",
                    signed_on=year_start + dt.timedelta(days=rng.randrange(0, 20)),
                    scope="卫生、秩序、绿化",
                )
            parties.append(party)
    return parties


def _categories() -> list[Category]:
    wanted = ("店外经营", "占道经营", "乱堆物堆料", "暴露垃圾")
    found = [
        c for w in wanted for c in Category.objects.filter(kind=Category.Kind.EVENT, name__contains=w)[:1]
    ]
    return found or list(Category.objects.filter(kind=Category.Kind.EVENT).order_by("code")[:3])


def create_demo_enforcement(
    *,
    streets=None,
    department: Department | None = None,
    cases: int = CASES,
    seed: int = SEED,
    people: dict | None = None,
    note: Callable[[str], None] = print,
) -> int:
    """Returns how many demo enforcement cases were made (0 when they exist)."""
    existing = Case.objects.filter(description__startswith=TAG).count()
    if existing:
        note(f"已有 {existing} 个执法演示案件，未重复生成")
        return 0
    rng = random.Random(seed)
    department = department or Department.objects.filter(code=bureau_code(UNIT_KEY)).first()
    if department is None:
        raise LookupError("没有综合执法支队部门：请先运行 load_demo")
    streets = list(streets if streets is not None else Street.objects.order_by("code"))
    people = people or {
        role: get_user_model().objects.filter(groups__name=role).order_by("pk").first()
        for role in ("operator", "shift_leader", "dispatcher")
    }
    today = timezone.localdate()
    year_start = today - dt.timedelta(days=365)
    agencies = list(Agency.objects.filter(is_active=True).order_by("code"))
    categories = _categories()
    now, patch = _clock()
    with transaction.atomic(), patch:
        unit_for(department)
        officer = people.get("enforcer") or _user("enforcer", "孙执法", department, Role.DEPARTMENT)
        parties = save_parties(streets, rng, year_start)
        # A few shops offend often: the repeat offenders and the 约谈 list.
        weights = [6 if i % 7 == 0 else 1 for i in range(len(parties))]
        for i in range(cases):
            day = year_start + dt.timedelta(days=int(i * 350 / cases) + 1)
            party = rng.choices(parties, weights)[0]
            _one_case(party, day, officer, people, rng, categories, agencies, now)
        now[0] = timezone.make_aware(dt.datetime.combine(today, dt.time(9)))
        policy = CreditPolicy.current()
        for party in Party.objects.filter(pk__in=[p.pk for p in parties]):
            e.credit.refresh(party, as_of=now[0])
            if party.credit_score < policy.interview_below:
                e.party_contact_record(
                    party=party, actor=officer, kind="interview", note="约谈负责人，签订整改承诺书", at=now[0]
                )
        depts = list(Department.objects.filter(kind=Department.Kind.BUREAU).order_by("code")[:4])
        for k, street in enumerate(streets[:4]):
            now[0] = _at(year_start + dt.timedelta(days=60 + 80 * k), 9)
            e.joint_operation_create(
                actor=officer,
                day=now[0].date(),
                area=f"{street.name}沿街商铺",
                street=street,
                departments=[department, *[d for d in depts if d != department][:2]],
                findings="店外经营、乱堆物料，现场责令整改",
            )
    return cases


def _one_case(party, day, officer, people, rng, categories, agencies, now) -> None:
    lng, lat = party.frontage["coordinates"][0]
    lng += 0.0002
    now[0] = _at(day, 9)
    inspector = locate(lng, lat).inspectors.order_by("pk").first()
    case = s.case_report(
        actor=inspector or people["operator"],
        category=rng.choice(categories),
        lng=lng,
        lat=lat,
        description=f"{TAG}{party.name}门前店外经营、堆放杂物",
        address=party.address,
        photos=[photo(rng)],
    )
    if case.status == "reported":
        s.case_accept(case=case, actor=people["operator"])
    now[0] = _at(day, 10)
    s.case_file(case=case, actor=people["shift_leader"])
    s.case_dispatch(case=case, actor=people["dispatcher"], department=officer.department)
    now[0] = _at(day, 11)
    e.case_party_confirm(case=case, actor=officer, party=party)
    roll = rng.random()
    if roll < 0.3:
        e.outcome_persuade(case=case, actor=officer, note="现场劝导，当场整改", at=now[0])
    elif roll < 0.65:
        order = e.outcome_rectify(case=case, actor=officer, deadline=day + dt.timedelta(days=3), at=now[0])
        now[0] = _at(day + dt.timedelta(days=3), 15)
        rectified = rng.random() < 0.8
        e.outcome_check(outcome=order, actor=inspector or officer, rectified=rectified, at=now[0])
        if not rectified:
            _penalty(case, officer, rng, now)
    elif roll < 0.85:
        ok, _why = e.waiver_eligibility(case)
        if ok and rng.random() < 0.5:
            e.outcome_waive(case=case, actor=officer, note="首次轻微违法，及时改正，依法不予处罚", at=now[0])
        else:
            _penalty(case, officer, rng, now)
    else:
        transfer = e.outcome_transfer(
            case=case, actor=officer, agency=rng.choice(agencies), note="涉及其他部门职责", at=now[0]
        )
        now[0] = _at(day + dt.timedelta(days=1), 10)
        e.transfer_receipt(
            outcome=transfer, actor=officer, receipt_no=f"HZ{day:%Y%m%d}{case.pk % 1000:03d}", at=now[0]
        )
        now[0] = _at(day + dt.timedelta(days=7), 10)
        e.transfer_feedback(outcome=transfer, actor=officer, feedback="已受理并依法处理", at=now[0])
    now[0] = now[0] + dt.timedelta(hours=1)
    s.case_submit_feedback(case=case, actor=officer, result="已依法处理，现场恢复", photos=[photo(rng)])
    now[0] = now[0] + dt.timedelta(hours=2)
    checker = Case.objects.get(pk=case.pk).grid.inspectors.order_by("pk").first()
    s.case_check(case=case, actor=checker, passed=True, photos=[photo(rng)])
    now[0] = now[0] + dt.timedelta(hours=1)
    s.case_close(case=case, actor=people["shift_leader"])


def _penalty(case, officer, rng, now) -> Outcome:
    fine = Decimal(rng.choice((200, 500, 1000, 2000, 3000, 5000)))
    decision = e.outcome_penalize(
        case=case, actor=officer, legal_basis=rng.choice(BASES), fine=fine, paid=False, at=now[0]
    )
    if rng.random() < 0.8:
        now[0] = now[0] + dt.timedelta(days=5)
        e.outcome_mark_paid(outcome=decision, actor=officer, at=now[0])
    return decision
