"""manage.py import_gazetteer: the address register from CSV or GeoJSON, all or nothing, problems by line."""

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from cases.intake import gazetteer
from grids.models import Place

FILES = Path(__file__).resolve().parents[1] / "fixtures" / "gazetteer"


def test_good_rows_are_imported_and_found_by_the_hotline_intake(grids_2x2):
    call_command("import_gazetteer", str(FILES / "good.csv"))
    assert set(Place.objects.values_list("kind", "name")) == {
        ("house", "友谊路32号"),
        ("road", "友谊路"),
        ("poi", "天塔"),
    }
    house = Place.objects.get(kind="house")
    assert (house.road, house.house_number, house.community.code) == ("友谊路", "32", "120103001001")
    # What the file was for: a caller's address text finds its position.
    found = gazetteer.locate_address("河西区友谊路32号门口")
    assert (found.lng, found.lat) == (117.4005, 39.2005)
    assert gazetteer.locate_address("天津塔下面").place.name == "天塔"


def test_importing_the_file_again_updates_rather_than_doubles(grids_2x2, tmp_path):
    call_command("import_gazetteer", str(FILES / "good.csv"))
    moved = tmp_path / "moved.csv"
    moved.write_text(
        (FILES / "good.csv").read_text(encoding="utf-8").replace("117.4015,39.2015", "117.4016,39.2016"),
        encoding="utf-8",
    )
    call_command("import_gazetteer", str(moved))
    assert Place.objects.count() == 3
    assert Place.objects.get(name="天塔").lng == 117.4016


def test_bad_rows_are_reported_by_line_and_nothing_is_imported(grids_2x2):
    with pytest.raises(CommandError) as refused:
        call_command("import_gazetteer", str(FILES / "bad.csv"))
    message = str(refused.value)
    assert "未保存任何数据" in message
    assert "第 3 行：缺少名称" in message
    assert "第 4 行：类型（kind）「castle」无效" in message
    assert "第 5 行：位置 (100, 30) 不在本区任何单元网格内" in message
    assert "第 6 行：门牌须填写所在道路" in message
    assert "第 2 行" not in message  # the good first row is not a problem …
    assert Place.objects.count() == 0  # … and is not imported either: all or nothing


def test_geojson_points_are_imported_and_other_geometries_named(grids_2x2, tmp_path):
    with pytest.raises(CommandError, match="要素 2：经纬度无效"):
        call_command("import_gazetteer", str(FILES / "places.geojson"))
    assert Place.objects.count() == 0
    only_points = tmp_path / "points.geojson"
    text = (FILES / "places.geojson").read_text(encoding="utf-8")
    only_points.write_text(
        text.replace(
            '"LineString", "coordinates": [[117.40, 39.20], [117.401, 39.201]]',
            '"Point", "coordinates": [117.4011, 39.2011]',
        ),
        encoding="utf-8",
    )
    call_command("import_gazetteer", str(only_points))
    assert set(Place.objects.values_list("kind", flat=True)) == {"community", "road"}


def test_a_file_without_the_needed_columns_is_refused(grids_2x2, tmp_path):
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("名称,经度\n天塔,117.4\n", encoding="utf-8")
    with pytest.raises(CommandError, match="CSV 缺少列"):
        call_command("import_gazetteer", str(wrong))
