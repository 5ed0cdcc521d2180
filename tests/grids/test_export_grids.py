import json

import pytest
from django.core.management import call_command

from grids.importers import import_grids
from grids.models import Community, District, Grid, Street
from tests.factories import UserFactory
from tests.grids.geojson import COMMUNITY, tiling

pytestmark = pytest.mark.django_db


def test_export_then_import_gives_back_the_same_grids(tmp_path):
    UserFactory(username="alice")
    data = tiling()
    data["features"][2]["properties"]["inspectors"] = ["alice"]
    import_grids(data)
    path = tmp_path / "out.geojson"
    call_command("export_grids", str(path))
    exported = json.loads(path.read_text(encoding="utf-8"))

    Grid.objects.all().delete()
    Community.objects.all().delete()
    Street.objects.all().delete()
    District.objects.all().delete()
    call_command("import_grids", str(path))

    again = tmp_path / "again.geojson"
    call_command("export_grids", str(again))
    assert json.loads(again.read_text(encoding="utf-8")) == exported
    inspectors = Grid.objects.get(code=f"{COMMUNITY}003").inspectors.values_list("username", flat=True)
    assert list(inspectors) == ["alice"]


def test_export_writes_the_import_format_to_stdout(capsys):
    import_grids(tiling(1, 1))
    call_command("export_grids")
    (feature,) = json.loads(capsys.readouterr().out)["features"]
    assert feature["properties"] == {
        "district_code": "120103",
        "district_name": "河西区",
        "street_code": "120103001",
        "street_name": "街道120103001",
        "community_code": COMMUNITY,
        "community_name": f"社区{COMMUNITY}",
        "grid_code": f"{COMMUNITY}001",
        "grid_name": "网格001",
        "inspectors": [],
    }
    assert feature["geometry"]["type"] == "Polygon"


def test_reimporting_an_export_changes_nothing(tmp_path):
    import_grids(tiling())
    before = list(Grid.objects.values_list("id", "code", "name", "geometry", "area_m2"))
    path = tmp_path / "out.geojson"
    call_command("export_grids", str(path))
    call_command("import_grids", str(path))
    assert list(Grid.objects.values_list("id", "code", "name", "geometry", "area_m2")) == before
