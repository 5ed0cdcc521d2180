"""The cases' small district (tests/cases/conftest.py) with a 综合执法 unit, parties along the street, and
a case walked to 处置中 at that unit."""

from types import SimpleNamespace

import pytest

from cases import services as case_services
from dispatch.models import Department
from enforcement import services
from enforcement.models import Unit
from tests.cases.conftest import fast_passwords, media_root, report, world  # noqa: F401 (fixtures)
from tests.factories import DepartmentFactory, UserFactory

# The case position of `world` is (117.2005, 39.0505); the frontage runs along y = 39.0506 (≈ 11 m north).
FRONTAGE = {"type": "LineString", "coordinates": [[117.2000, 39.0506], [117.2010, 39.0506]]}


@pytest.fixture(autouse=True)
def _fast(fast_passwords):  # noqa: F811  (before `world` makes its personas)
    pass


@pytest.fixture
def enf(world):  # noqa: F811
    dept = DepartmentFactory(name="区综合执法大队", kind=Department.Kind.BUREAU)
    unit = Unit.objects.create(department=dept, name="河西区综合执法大队", doc_prefix="河西综执")
    officer = UserFactory(username="officer", roles=["department"], department=dept)
    shop = services.party_save(
        actor=None,
        name="老王烧烤店",
        street=world.street,
        address="友谊路 1 号",
        contact_name="王老板",
        contact_phone="13900000001",
        frontage=FRONTAGE,
    )
    far = services.party_save(
        actor=None,
        name="远处超市",
        street=world.street,
        frontage={"type": "LineString", "coordinates": [[117.2100, 39.0600], [117.2110, 39.0600]]},
    )
    return SimpleNamespace(world=world, dept=dept, unit=unit, officer=officer, shop=shop, far=far)


def dispatched(enf, **kw):
    """A case reported at the shop's frontage and dispatched to the enforcement unit (处置中)."""
    w = enf.world
    case = report(w, **kw)
    case_services.case_accept(case=case, actor=w.p.operator)
    case_services.case_file(case=case, actor=w.p.shift_leader)
    case_services.case_dispatch(case=case, actor=w.p.dispatcher, department=enf.dept)
    case.refresh_from_db()
    return case
