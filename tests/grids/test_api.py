import pytest

from grids.importers import import_grids
from tests.factories import UserFactory
from tests.grids.geojson import COMMUNITY, corner, tiling

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(api, grids_2x2):
    api.force_authenticate(UserFactory())
    return api


def test_locate_returns_the_grid_and_its_hierarchy(client):
    lng, lat = corner(1.5, 0.5)
    response = client.get("/api/v1/grids/locate/", {"lng": lng, "lat": lat})
    assert response.status_code == 200
    assert response.json() == {
        "code": f"{COMMUNITY}002",
        "name": "网格002",
        "community": {"code": COMMUNITY, "name": f"社区{COMMUNITY}"},
        "street": {"code": "120103001", "name": "街道120103001"},
        "district": {"code": "120103", "name": "河西区"},
    }


def test_locate_on_a_shared_edge_is_deterministic(client):
    lng, lat = corner(1, 1)
    assert client.get("/api/v1/grids/locate/", {"lng": lng, "lat": lat}).json()["code"] == f"{COMMUNITY}001"


@pytest.mark.parametrize(
    ("params", "says"),
    [
        ({"lat": 39.2}, "缺少经度 lng"),
        ({"lng": 117.4}, "缺少纬度 lat"),
        ({"lng": "东经117", "lat": 39.2}, "经度 lng 必须是数字"),
        ({"lng": 117.4, "lat": "nan"}, "纬度 lat 'nan' 不是有限数值"),
        ({"lng": 117.4, "lat": 100}, "纬度 lat 100 超出范围"),
        ({"lng": 116.0, "lat": 39.2}, "位置 (116, 39.2) 不在本区任何单元网格内"),
    ],
)
def test_locate_explains_a_bad_position(client, params, says):
    response = client.get("/api/v1/grids/locate/", params)
    assert response.status_code == 400
    assert says in response.json()["detail"]


def test_locate_needs_a_signed_in_user(api, grids_2x2):
    lng, lat = corner(0.5, 0.5)
    assert api.get("/api/v1/grids/locate/", {"lng": lng, "lat": lat}).status_code in (401, 403)


def test_the_grid_list_is_paginated_with_polygons(client):
    body = client.get("/api/v1/grids/").json()
    assert body["count"] == 4
    assert [g["code"][-3:] for g in body["results"]] == ["001", "002", "003", "004"]
    assert body["results"][0]["geometry"]["type"] == "Polygon"
    assert body["results"][0]["street"] == {"code": "120103001", "name": "街道120103001"}


def test_the_grid_list_can_leave_out_polygons(client):
    result = client.get("/api/v1/grids/", {"geometry": "0"}).json()["results"][0]
    assert "geometry" not in result
    assert result["area_m2"] > 0


def test_the_grid_list_filters_by_street_community_and_code_prefix(client):
    import_grids(tiling(1, 1, community="120103001002", west=corner(2, 0)[0]))
    assert client.get("/api/v1/grids/", {"community": "120103001002"}).json()["count"] == 1
    assert client.get("/api/v1/grids/", {"street": "120103001"}).json()["count"] == 5
    assert client.get("/api/v1/grids/", {"street": "120103002"}).json()["count"] == 0
    assert client.get("/api/v1/grids/", {"code_prefix": COMMUNITY}).json()["count"] == 4


def test_the_grid_list_query_count_does_not_grow_with_the_page(client, django_assert_max_num_queries):
    import_grids(tiling(3, 3, community="120103001002", west=corner(2, 0)[0]))
    with django_assert_max_num_queries(3):  # count, page, inspectors: not one per grid
        assert client.get("/api/v1/grids/").json()["count"] == 13


def test_a_grid_is_fetched_by_code(client):
    response = client.get(f"/api/v1/grids/{COMMUNITY}003/")
    assert response.status_code == 200
    assert response.json()["name"] == "网格003"
    assert client.get("/api/v1/grids/120103001001999/").status_code == 404


def test_streets_communities_and_districts_are_listed(client):
    streets = client.get("/api/v1/streets/").json()["results"]
    assert streets == [
        {
            "code": "120103001",
            "name": "街道120103001",
            "district": {"code": "120103", "name": "河西区"},
            "geometry": streets[0]["geometry"],
        }
    ]
    assert streets[0]["geometry"]["type"] == "Polygon"  # the union of its grids
    communities = client.get("/api/v1/communities/", {"street": "120103001", "geometry": "0"}).json()
    assert [c["code"] for c in communities["results"]] == [COMMUNITY]
    assert client.get("/api/v1/districts/120103/").json()["name"] == "河西区"
