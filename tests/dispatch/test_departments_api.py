import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dispatch.categories import load_standard_categories
from dispatch.codes import credit_code_with_check
from dispatch.models import Category, Component, Department
from tests.factories import (
    CategoryFactory,
    ComponentFactory,
    DepartmentFactory,
    GridFactory,
    StreetFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(api):
    api.force_authenticate(UserFactory(roles=["operator"]))
    return api


def results(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_master_data_needs_a_signed_in_user(api):
    for url in ("/api/v1/categories/", "/api/v1/departments/", "/api/v1/components/"):
        assert api.get(url).status_code == 401


def test_category_list_filters(signed_in):
    load_standard_categories()

    assert signed_in.get("/api/v1/categories/").json()["count"] == 403
    events = signed_in.get("/api/v1/categories/", {"kind": "event", "major_code": "09", "page_size": 100})
    assert {c["major_name"] for c in results(events)} == {"街面秩序类"}
    assert [c["code"] for c in results(signed_in.get("/api/v1/categories/", {"q": "牛皮癣"}))] == ["07001"]
    standard = signed_in.get("/api/v1/categories/", {"standard": "CJ/T 214-2007"})
    assert results(standard) == []


def test_category_list_filters_on_active_and_detail(signed_in):
    retired = CategoryFactory(name="已停用类别", is_active=False)
    CategoryFactory(name="在用类别")

    inactive = results(signed_in.get("/api/v1/categories/", {"is_active": "false"}))
    assert [c["name"] for c in inactive] == ["已停用类别"]
    detail = signed_in.get(f"/api/v1/categories/{retired.pk}/").json()
    assert detail["kind_label"] == "部件" and detail["code"] == retired.code


def test_department_list_filters_on_kind_street_and_search(signed_in):
    street = StreetFactory()
    office = DepartmentFactory(name="友谊路街道办事处", kind=Department.Kind.STREET_OFFICE, street=street)
    DepartmentFactory(name="区城管委", kind=Department.Kind.BUREAU)
    DepartmentFactory(name="自来水公司", kind=Department.Kind.ENTERPRISE)

    by_street = results(signed_in.get("/api/v1/departments/", {"street": street.code}))
    assert [d["name"] for d in by_street] == ["友谊路街道办事处"]
    assert by_street[0]["street_code"] == street.code and by_street[0]["kind_label"] == "街道办事处"
    by_kind = results(signed_in.get("/api/v1/departments/", {"kind": "enterprise"}))
    assert [d["name"] for d in by_kind] == ["自来水公司"]
    assert [d["code"] for d in results(signed_in.get("/api/v1/departments/", {"q": "城管"}))] != []
    assert results(signed_in.get("/api/v1/departments/", {"q": office.code}))[0]["id"] == office.pk


def test_component_list_filters(signed_in):
    water = DepartmentFactory(code="SW01", name="自来水公司", kind=Department.Kind.ENTERPRISE)
    supply = CategoryFactory(code="01501", name="测试供水井盖")
    lamp = CategoryFactory(code="01502", name="测试路灯")
    grid = GridFactory()
    cover = ComponentFactory(category=supply, grid=grid, owner=water, name="友谊路1号井盖")
    ComponentFactory(category=lamp, grid=grid, status=Component.Status.DAMAGED)
    ComponentFactory(category=supply)  # another grid

    def codes(**params) -> list[str]:
        return [c["code"] for c in results(signed_in.get("/api/v1/components/", params))]

    assert len(codes()) == 3
    assert len(codes(category="01501")) == 2
    assert len(codes(grid=grid.code)) == 2
    assert codes(grid=grid.code, category="01501") == [cover.code]
    assert len(codes(status="damaged")) == 1
    assert codes(owner="SW01") == [cover.code]
    assert codes(q="友谊路") == [cover.code]
    assert codes(q=cover.code[-8:]) == [cover.code]


def test_component_detail_by_code(signed_in):
    cover = ComponentFactory(name="井盖")

    body = signed_in.get(f"/api/v1/components/{cover.code}/").json()

    assert body["code"] == cover.code
    assert body["category"]["code"] == cover.category.code
    assert body["grid_code"] == cover.grid.code
    assert body["owner"]["code"] == cover.owner.code and body["regulator"] is None
    assert body["status_label"] == "完好"
    assert signed_in.get("/api/v1/components/12010300100000000/").status_code == 404


def test_component_list_queries_do_not_grow_with_the_page(signed_in):
    def count_queries(page_size: int) -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = signed_in.get("/api/v1/components/", {"page_size": page_size})
        assert len(response.json()["results"]) == page_size
        return len(ctx.captured_queries)

    grid = GridFactory()
    ComponentFactory.create_batch(
        20,
        grid=grid,
        regulator=DepartmentFactory(),
        maintainer=DepartmentFactory(),
        category=CategoryFactory(),
    )
    for owner in (DepartmentFactory(), DepartmentFactory()):  # vary the related rows too
        ComponentFactory(owner=owner)

    assert count_queries(2) == count_queries(22)


def test_department_list_queries_do_not_grow_with_the_page(signed_in, django_assert_max_num_queries):
    for _ in range(15):
        DepartmentFactory(street=StreetFactory(), parent=DepartmentFactory())

    with django_assert_max_num_queries(3):  # page count + page
        assert len(results(signed_in.get("/api/v1/departments/", {"page_size": 30}))) == 30


def test_department_credit_code_is_validated():
    department = DepartmentFactory.build(credit_code="91120103MA0000001X")
    with pytest.raises(ValidationError) as excinfo:
        department.full_clean()
    assert "credit_code" in excinfo.value.message_dict

    department.credit_code = credit_code_with_check("91120103MA0000001")
    department.full_clean()
    DepartmentFactory(with_credit_code=True).full_clean()


def test_a_street_default_department_needs_a_street():
    with pytest.raises(ValidationError, match="属地街道"):
        DepartmentFactory.build(is_street_default=True).full_clean()


def test_category_kind_is_respected_by_component_validation():
    grid = GridFactory()
    event = CategoryFactory(kind=Category.Kind.EVENT)
    # The same component under a 部件 category is valid: only the category's kind differs below.
    valid = ComponentFactory.build(
        category=CategoryFactory(kind=Category.Kind.COMPONENT), grid=grid, owner=None
    )
    valid.full_clean()
    component = ComponentFactory.build(category=event, grid=grid, owner=None)
    with pytest.raises(ValidationError) as excinfo:
        component.full_clean()
    # Refused on the category alone (the code, grid and position are those of the valid one), by the
    # model's own rule; the field's limit_choices_to says the same in its words.
    assert set(excinfo.value.message_dict) == {"category"}
    assert "部件类型必须是部件类别" in excinfo.value.message_dict["category"]
