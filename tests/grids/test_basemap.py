"""The base map: roads and places imported from GeoJSON and served to the maps (docs/domain.md §12)."""

import json

import pytest
from django.core.management import CommandError, call_command

from grids.basemap import BasemapImportError, import_basemap
from grids.models import Place, Road


def osm_extract():
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"@id": "way/1", "name": "友谊路", "highway": "primary"},
                "geometry": {"type": "LineString", "coordinates": [[117.2055, 39.1120], [117.2075, 39.0800]]},
            },
            {
                "type": "Feature",
                "properties": {"@id": "way/2", "name": "围堤道", "highway": "residential"},
                "geometry": {"type": "LineString", "coordinates": [[117.2050, 39.1000], [117.2350, 39.0980]]},
            },
            {  # unnamed: skipped
                "type": "Feature",
                "properties": {"@id": "way/3", "highway": "service"},
                "geometry": {"type": "LineString", "coordinates": [[117.21, 39.10], [117.22, 39.10]]},
            },
            {
                "type": "Feature",
                "properties": {"name": "天塔"},
                "geometry": {"type": "Point", "coordinates": [117.2030, 39.0780]},
            },
        ],
    }


@pytest.mark.django_db
def test_import_creates_named_roads_with_class_and_length_and_places():
    result = import_basemap(osm_extract())
    assert (result.roads_created, result.places_created, result.skipped) == (2, 1, 1)
    road = Road.objects.get(name="友谊路")
    assert road.kind == Road.Kind.MAJOR
    assert Road.objects.get(name="围堤道").kind == Road.Kind.MINOR
    # 0.032° of latitude ≈ 3.56 km
    assert 3500 < road.length_m < 3600
    assert (road.min_lat, road.max_lat) == (39.08, 39.112)
    assert Place.objects.get(name="天塔").kind == Place.Kind.POI


@pytest.mark.django_db
def test_reimport_updates_roads_by_source_id():
    import_basemap(osm_extract())
    data = osm_extract()
    data["features"][0]["properties"]["name"] = "友谊路（改）"
    result = import_basemap(data)
    assert (result.roads_created, result.roads_updated, result.places_created) == (0, 2, 0)
    assert Road.objects.count() == 2
    assert Road.objects.filter(name="友谊路（改）").exists()


@pytest.mark.django_db
def test_a_broken_feature_stops_the_whole_import():
    data = osm_extract()
    data["features"][1]["geometry"] = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}
    data["features"].append(
        {
            "type": "Feature",
            "properties": {"name": "坏点"},
            "geometry": {"type": "Point", "coordinates": [500, 1]},
        }
    )
    data["features"][0]["geometry"]["coordinates"] = [[117.2, 39.1]]
    with pytest.raises(BasemapImportError) as caught:
        import_basemap(data)
    assert (
        len(caught.value.errors) == 2
    )  # the one-point line and the point out of range; the polygon is skipped
    assert "第 1 个要素（友谊路）" in caught.value.errors[0]
    assert not Road.objects.exists()


@pytest.mark.django_db
def test_command(tmp_path, capsys):
    path = tmp_path / "roads.geojson"
    path.write_text(json.dumps(osm_extract(), ensure_ascii=False), encoding="utf-8")
    call_command("import_basemap", str(path))
    assert "新建道路 2 条" in capsys.readouterr().out
    with pytest.raises(CommandError, match="不存在"):
        call_command("import_basemap", str(tmp_path / "missing.geojson"))


@pytest.mark.django_db
def test_layer_serves_roads_and_labelled_places_within_the_bbox(client, django_user_model):
    import_basemap(osm_extract())
    Place.objects.create(name="友谊路1号", kind=Place.Kind.HOUSE, lng=117.2055, lat=39.1120)
    client.force_login(django_user_model.objects.create_user("viewer"))
    body = client.get("/map/basemap.geojson").json()
    names = {(f["properties"]["level"], f["properties"]["name"]) for f in body["features"]}
    assert names == {("road", "友谊路"), ("road", "围堤道"), ("place", "天塔")}  # no house numbers
    # Only 友谊路 reaches north of 39.105.
    body = client.get("/map/basemap.geojson", {"bbox": "117.19,39.105,117.25,39.12"}).json()
    assert [f["properties"]["name"] for f in body["features"]] == ["友谊路"]


@pytest.mark.django_db
def test_layer_needs_sign_in(client):
    assert client.get("/map/basemap.geojson").status_code == 302
