"""A small district to run cases through, and one persona per role (healthchecks' alice/bob idea)."""

import io
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from cases import services
from cases.models import Source
from dispatch.models import Category, Department
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
    event_cat = CategoryFactory(kind=Category.Kind.EVENT, major_code="06", major_name="市容环境类", name="暴露垃圾")
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


def report(world, actor=None, *, where=None, **kw):
    lng, lat = where or world.inside
    kw.setdefault("category", world.event_cat)
    kw.setdefault("description", "路边有暴露垃圾")
    actor = actor or world.p.inspector
    if actor.has_role("hotline") and "hotline_ticket_no" not in kw:
        kw.update(source=Source.HOTLINE_12345, hotline_ticket_no=f"T{lng}{lat}{kw['description']}", reporter_phone="13800000000")
    return services.case_report(actor=actor, lng=lng, lat=lat, **kw)
