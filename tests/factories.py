"""factory_boy factories for the master data every test needs.

Codes follow the real hierarchy (docs/domain.md §4): a grid's 15-digit code starts with its community's,
which starts with its street's and district's, so model validation and code parsing work on them.
Each grid is a small square (≈ 100 m) laid out on its own spot of a lattice, so grids never overlap
unless a test places them.

    inspector = UserFactory(roles=["inspector"])
    grid = GridFactory(inspectors=[inspector])
    staff = UserFactory(roles=["department"], department=DepartmentFactory())
    manhole = ComponentFactory(grid=grid, category=CategoryFactory(code="01001", name="供水井盖"))
"""

import factory
from django.contrib.auth.models import Group
from factory.django import DjangoModelFactory

from core.models import User
from core.roles import Role
from dispatch.codes import credit_code_with_check
from dispatch.models import Category, Component, Department
from grids.models import Community, District, Grid, Street

DEFAULT_PASSWORD = "cityops-test-password"

# Grid lattice origin: 天津市河西区, where the demo district is.
GRID_ORIGIN_LNG, GRID_ORIGIN_LAT = 117.20, 39.05
GRID_SIZE_DEG = 0.001
GRID_LATTICE_COLUMNS = 100


def square(west: float, south: float, size: float = GRID_SIZE_DEG) -> dict:
    """A GeoJSON square polygon with its south-west corner at (west, south)."""
    # Rounded so lattice arithmetic (117.2 + 0.001) gives 117.201, not 117.20100000000001.
    west, south = round(west, 7), round(south, 7)
    east, north = round(west + size, 7), round(south + size, 7)
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {"type": "Polygon", "coordinates": [ring]}


class UserFactory(DjangoModelFactory):
    """A user; `roles=["inspector", "operator"]` puts them in those role groups."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Sequence(lambda n: f"用户{n}")
    password = factory.django.Password(DEFAULT_PASSWORD)
    department = None

    @factory.post_generation
    def roles(self, create: bool, extracted: list[str] | None, **kwargs) -> None:
        if not create or not extracted:
            return
        for code in extracted:
            Role(code)  # an unknown role code is a typo in the test: fail loudly
        # Groups are created by the post-migrate sync; get_or_create keeps factories usable without it.
        self.groups.add(*(Group.objects.get_or_create(name=code)[0] for code in extracted))
        self.forget_roles()


class DepartmentFactory(DjangoModelFactory):
    class Meta:
        model = Department

    class Params:
        # DepartmentFactory(with_credit_code=True) gives a valid 统一社会信用代码.
        with_credit_code = factory.Trait(
            credit_code=factory.Sequence(lambda n: credit_code_with_check(f"91120103MA{n:07d}"))
        )

    code = factory.Sequence(lambda n: f"D{n:04d}")
    name = factory.Sequence(lambda n: f"测试部门{n}")
    kind = Department.Kind.BUREAU


class CategoryFactory(DjangoModelFactory):
    """A GB/T 47678.5-2026 部件 type by default; pass kind=Category.Kind.EVENT for a 事项.

    Minor codes 500–999 are unused by the published list, so factories and load_standard_categories()
    can meet in one test without clashing on (standard, kind, code).
    """

    class Meta:
        model = Category

    standard = Category.Standard.GBT_47678_5_2026
    kind = Category.Kind.COMPONENT
    major_code = "01"
    major_name = "市政公用设施"
    code = factory.LazyAttributeSequence(lambda o, n: f"{o.major_code}{500 + n % 500:03d}")
    name = factory.Sequence(lambda n: f"测试类别{n}")


class DistrictFactory(DjangoModelFactory):
    class Meta:
        model = District

    # 12xxyy with yy in 01–99: a district (not a province, xx0000) code, unique for 9,900 districts.
    code = factory.Sequence(lambda n: f"12{n // 99 % 100:02d}{n % 99 + 1:02d}")
    name = factory.Sequence(lambda n: f"测试区{n}")


class StreetFactory(DjangoModelFactory):
    class Meta:
        model = Street

    district = factory.SubFactory(DistrictFactory)
    code = factory.LazyAttributeSequence(lambda o, n: f"{o.district.code}{n % 999 + 1:03d}")
    name = factory.Sequence(lambda n: f"测试街道{n}")


class CommunityFactory(DjangoModelFactory):
    class Meta:
        model = Community

    street = factory.SubFactory(StreetFactory)
    code = factory.LazyAttributeSequence(lambda o, n: f"{o.street.code}{n % 999 + 1:03d}")
    name = factory.Sequence(lambda n: f"测试社区{n}")


class GridFactory(DjangoModelFactory):
    """A unit grid with a valid square polygon; `west`/`south`/`size` place it, `inspectors=[…]` staff it."""

    class Meta:
        model = Grid
        skip_postgeneration_save = True

    class Params:
        west = factory.Sequence(
            lambda n: round(GRID_ORIGIN_LNG + (n % GRID_LATTICE_COLUMNS) * GRID_SIZE_DEG, 7)
        )
        south = factory.Sequence(
            lambda n: round(GRID_ORIGIN_LAT + (n // GRID_LATTICE_COLUMNS) * GRID_SIZE_DEG, 7)
        )
        size = GRID_SIZE_DEG

    community = factory.SubFactory(CommunityFactory)
    code = factory.LazyAttributeSequence(lambda o, n: f"{o.community.code}{n % 999 + 1:03d}")
    name = factory.Sequence(lambda n: f"测试网格{n}")
    geometry = factory.LazyAttribute(lambda o: square(o.west, o.south, o.size))

    @classmethod
    def _build(cls, model_class, *args, **kwargs) -> Grid:
        geometry = kwargs.pop("geometry")
        grid = model_class(*args, **kwargs)
        # set_geometry derives the bbox and area columns, which the table requires.
        grid.set_geometry(geometry)
        return grid

    @classmethod
    def _create(cls, model_class, *args, **kwargs) -> Grid:
        grid = cls._build(model_class, *args, **kwargs)
        grid.save(force_insert=True)
        return grid

    @factory.post_generation
    def inspectors(self, create: bool, extracted: list[User] | None, **kwargs) -> None:
        if create and extracted:
            self.inspectors.add(*extracted)


class ComponentFactory(DjangoModelFactory):
    """A managed component at the centre of its grid, with a 17-digit code matching district and type."""

    class Meta:
        model = Component

    category = factory.SubFactory(CategoryFactory, kind=Category.Kind.COMPONENT)
    grid = factory.SubFactory(GridFactory)
    code = factory.LazyAttributeSequence(lambda o, n: f"{o.grid.code[:6]}{o.category.code}{n + 1:06d}")
    name = factory.LazyAttribute(lambda o: o.category.name)
    lng = factory.LazyAttribute(lambda o: (o.grid.min_lng + o.grid.max_lng) / 2)
    lat = factory.LazyAttribute(lambda o: (o.grid.min_lat + o.grid.max_lat) / 2)
    owner = factory.SubFactory(DepartmentFactory, kind=Department.Kind.ENTERPRISE)
    status = Component.Status.INTACT
