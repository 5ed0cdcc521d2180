"""Demo departments: the 区城管委 and its units, each street's office and sections, and the utilities.

Codes are stable keys ("120103-CGW", "120103001-GGB"): components, routing rules and users point at
departments by them, so they must not change between loads.
"""

import random
from dataclasses import dataclass

from dispatch.codes import credit_code_with_check
from dispatch.models import Department
from grids.models import Street
from tooling.demo.district import DISTRICT_CODE, STREETS, street_code

BUREAU = f"{DISTRICT_CODE}-CGW"

# key → name. The 区城管委's units regulate the 部件 and 事项 of their trade (docs/domain.md §1: 主管部门).
BUREAU_UNITS: dict[str, str] = {
    "SR": "区城管委市容景观科",
    "YL": "区城管委园林绿化科",
    "HW": "区城管委环境卫生科",
    "SZ": "区城管委市政设施科",
    "ZF": "区城市管理综合执法支队",
    "GR": "区城管委供热管理科",
    "RQ": "区城管委燃气管理科",
    "TC": "区城管委停车管理科",
}

# key → name; the street's name is put in front ("大营门街道公共管理办（市容环卫）").
STREET_UNITS: dict[str, str] = {
    "GGB": "公共管理办（市容环卫）",
    "CJB": "城建办",
    "ZFD": "综合执法大队",
    "WGZX": "网格中心",
}
STREET_DEFAULT_UNIT = "GGB"  # where 事项 go when no rule matches (先属地, docs/domain.md §5)


@dataclass(frozen=True)
class Owner:
    """A 权属/养护单位. `registrar` is the credit code's first two characters (GB 32100-2015):
    91 enterprise, 12 public institution (事业单位), 11 government organ (机关)."""

    key: str
    name: str
    registrar: str = "91"
    region: str = "120000"  # city-wide companies are registered with Tianjin, district ones with 120103
    phone: str = ""


OWNERS: tuple[Owner, ...] = (
    Owner("SW", "天津水务集团有限公司"),
    Owner("PS", "河西区排水管理所", "12", DISTRICT_CODE),
    Owner("DL", "国网天津市电力公司河西供电分公司", region=DISTRICT_CODE, phone="95598"),
    Owner("RQJT", "天津能源投资集团（燃气）"),
    Owner("RLJT", "天津能源投资集团（热力）"),
    Owner("LT", "中国联通天津分公司", phone="10010"),
    Owner("DX", "中国电信天津分公司", phone="10000"),
    Owner("YD", "中国移动天津分公司", phone="10086"),
    Owner("JG", "天津市公安交通管理局河西支队", "11", DISTRICT_CODE),
    Owner("GA", "天津市公安局河西分局", "11", DISTRICT_CODE),
    Owner("GJ", "天津公交集团"),
    Owner("LD", "区路灯管理所", "12", DISTRICT_CODE),
    Owner("YZ", "中国邮政集团天津市分公司", phone="11183"),
)


def bureau_code(key: str) -> str:
    return f"{BUREAU}-{key}"


def owner_code(key: str) -> str:
    return f"{DISTRICT_CODE}-QY-{key}"


def street_office_code(s_code: str, unit: str | None = None) -> str:
    """The street office itself ("120103001-JDB") or one of its sections ("120103001-GGB")."""
    return f"{s_code}-{unit or 'JDB'}"


def save_departments() -> None:
    """Create by code what is missing: about 90 rows, and a rerun neither duplicates nor edits any of them."""
    bureau = _ensure(BUREAU, "河西区城市管理委员会", Department.Kind.BUREAU)
    for key, name in BUREAU_UNITS.items():
        _ensure(bureau_code(key), name, Department.Kind.BUREAU, parent=bureau)
    streets = {s.code: s for s in Street.objects.filter(code__startswith=DISTRICT_CODE)}
    for index, spec in enumerate(STREETS):
        street = streets[street_code(index)]
        office = _ensure(
            street_office_code(street.code),
            f"{spec.name}办事处",
            Department.Kind.STREET_OFFICE,
            street=street,
        )
        for key, name in STREET_UNITS.items():
            _ensure(
                street_office_code(street.code, key),
                f"{spec.name}{name}",
                Department.Kind.STREET_OFFICE,
                parent=office,
                street=street,
                is_street_default=key == STREET_DEFAULT_UNIT,
            )
    for owner in OWNERS:
        code = owner_code(owner.key)
        _ensure(
            code,
            owner.name,
            Department.Kind.ENTERPRISE,
            credit_code=_credit_code(code, owner),
            contact_phone=owner.phone,
        )


def _ensure(code: str, name: str, kind: str, **fields) -> Department:
    department = Department.objects.filter(code=code).first()
    if department is None:
        department = Department(code=code, name=name, kind=kind, **fields)
        department.full_clean()  # the model's own rules: credit-code check, a street default needs a street
        department.save()
    return department


def _credit_code(code: str, owner: Owner) -> str:
    """A well-formed, invented 统一社会信用代码: registrar + region + organisation code + check character.

    The embedded 9-character organisation code carries its own GB 11714 check digit, as real ones do.
    Seeded by the department code, so it is the same on every load.
    """
    rng = random.Random(code)
    body = "".join(rng.choice("0123456789") for _ in range(8))
    return credit_code_with_check(owner.registrar + owner.region + body + _gb11714_check(body))


def _gb11714_check(body: str) -> str:
    total = sum(int(ch, 36) * w for ch, w in zip(body, (3, 7, 9, 10, 5, 8, 4, 2), strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))
