"""A street with one grid, a road-cleaning contractor under contract, a checklist, and the personas."""

import io
from datetime import date
from decimal import Decimal as D
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from assessment.models import AreaType, Checklist, ChecklistItem, Contract, Contractor, WorkArea, WorkKind
from dispatch.models import Category, Department
from tests.factories import (
    CategoryFactory,
    CommunityFactory,
    DepartmentFactory,
    GridFactory,
    StreetFactory,
    UserFactory,
)


def photo(name="dust.jpg") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (90, 90, 90)).save(buffer, format="JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return tmp_path


@pytest.fixture
def yard(db, media_root):
    street = StreetFactory(name="西于庄街")
    other_street = StreetFactory(name="丁字沽街")
    community = CommunityFactory(street=street)
    DepartmentFactory(kind=Department.Kind.STREET_OFFICE, street=street, is_street_default=True)
    inspector = UserFactory(username="checker", roles=["inspector"])
    GridFactory(community=community, west=117.20, south=39.05, inspectors=[inspector])
    litter = CategoryFactory(
        kind=Category.Kind.EVENT, major_code="06", major_name="市容环境类", name="道路不洁"
    )
    contractor = Contractor.objects.create(name="津城环卫服务有限公司", kind=WorkKind.SANITATION)
    contract = Contract.objects.create(
        contractor=contractor,
        number="HQ-HW-2026-01",
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 12, 31),
        monthly_fee=D("200000.00"),
    )
    road = WorkArea.objects.create(
        contract=contract,
        name="北马路（西于庄段）",
        street=street,
        area_type=AreaType.ROAD,
        road_class="1",
        lng=117.2005,
        lat=39.0505,
    )
    checklist = Checklist.objects.create(name="道路清扫保洁检查标准", area_type=AreaType.ROAD)
    items = SimpleNamespace(
        litter=ChecklistItem.objects.create(
            checklist=checklist,
            order=1,
            text="路面废弃物",
            deduction=D("2"),
            max_deduction=D("10"),
            category=litter,
        ),
        bin=ChecklistItem.objects.create(checklist=checklist, order=2, text="果皮箱满溢", deduction=D("1")),
        truck=ChecklistItem.objects.create(
            checklist=checklist, order=3, text="作业车辆未密闭", deduction=D("5")
        ),
    )
    return SimpleNamespace(
        street=street,
        other_street=other_street,
        contractor=contractor,
        contract=contract,
        road=road,
        checklist=checklist,
        items=items,
        inspector=inspector,
        supervisor=UserFactory(username="boss", roles=["supervisor"]),
        admin=UserFactory(username="adm", roles=["admin"]),
        other_inspector=UserFactory(username="checker2", roles=["inspector"]),
    )
