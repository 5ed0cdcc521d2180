import pytest

from tests.factories import UserFactory
from tests.grids.geojson import COMMUNITY

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize("model", ["district", "street", "community", "grid"])
def test_each_level_has_a_searchable_list(admin_client, grids_2x2, model):
    response = admin_client.get(f"/admin/grids/{model}/", {"q": "120103"})
    assert response.status_code == 200
    assert "120103" in response.text


def test_a_grid_page_shows_code_area_and_polygon_read_only(admin_client, grids_2x2):
    grid = grids_2x2[f"{COMMUNITY}001"]
    page = admin_client.get(f"/admin/grids/grid/{grid.pk}/change/").text
    assert grid.code in page and "&quot;Polygon&quot;" in page
    assert 'name="code"' not in page  # codes are never renumbered
    assert 'name="inspectors"' in page


def test_grids_are_not_added_by_hand(admin_client, grids_2x2):
    assert admin_client.get("/admin/grids/grid/add/").status_code == 403
