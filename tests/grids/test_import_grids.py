import json

import pytest
from django.core.management import CommandError, call_command

from grids.importers import GridImportError, import_grids
from grids.models import Community, District, Grid, Street
from tests.factories import UserFactory
from tests.grids.geojson import COMMUNITY, SIZE, WEST, collection, corner, feature, square, tiling

pytestmark = pytest.mark.django_db


def nothing_saved() -> bool:
    return not any(model.objects.exists() for model in (District, Street, Community, Grid))


def refused(data) -> str:
    """Import `data`, expect it refused with nothing saved, and return the error text."""
    with pytest.raises(GridImportError) as exc:
        import_grids(data)
    assert nothing_saved()
    return str(exc.value)


def test_a_clean_tiling_is_imported_with_its_hierarchy():
    result = import_grids(tiling())
    assert (result.created, result.updated) == (4, 0)
    grid = Grid.objects.select_related("community__street__district").get(code=f"{COMMUNITY}001")
    assert grid.name == "网格001"
    assert grid.community.name == f"社区{COMMUNITY}"
    assert grid.community.street.code == "120103001"
    assert grid.community.street.district.name == "河西区"
    # 0.001° × 0.001° at 39.2°N is about 86 m × 111 m.
    assert 9_500 < grid.area_m2 < 9_800
    assert (grid.min_lng, grid.max_lat) == (WEST, round(39.20 + SIZE, 9))


def test_the_district_outline_is_the_union_of_its_grids():
    import_grids(tiling())
    outline = District.objects.get(code="120103").geometry
    assert outline["type"] == "Polygon"
    xs = [x for x, _y in outline["coordinates"][0]]
    assert (min(xs), max(xs)) == (WEST, round(WEST + 2 * SIZE, 9))


def test_inspectors_are_assigned_by_username():
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    data = tiling(1, 1)
    data["features"][0]["properties"]["inspectors"] = ["alice", "bob"]
    import_grids(data)
    assert set(Grid.objects.get().inspectors.all()) == {alice, bob}


def test_reimport_updates_by_code_and_deletes_nothing():
    import_grids(tiling())
    before = dict(Grid.objects.values_list("code", "id"))
    renamed = feature(f"{COMMUNITY}001", square(*corner(0, 0)), grid_name="友谊路一号网格")
    result = import_grids(collection(renamed))
    assert (result.created, result.updated) == (0, 1)
    assert dict(Grid.objects.values_list("code", "id")) == before  # same rows, none removed
    assert Grid.objects.get(code=f"{COMMUNITY}001").name == "友谊路一号网格"


@pytest.mark.parametrize(
    ("props", "says"),
    [
        ({"district_code": "12010"}, "区编码 12010 应为 6 位"),
        ({"district_code": "120000"}, "省级编码"),
        ({"street_code": "12010300A"}, "只能包含数字"),
        ({"street_code": "120103000"}, "本级序号不能为全 0"),
        ({"street_code": "120104001"}, "街道编码 120104001 不在上级编码 120103 之下"),
        ({"community_code": "120103002001"}, "社区编码 120103002001 不在上级编码 120103001 之下"),
        ({"community_code": "1201030010010"}, "应为 12 位"),
        ({"grid_code": "120103001001000"}, "本级序号不能为全 0"),
        ({"grid_code": "120103001002002"}, "网格编码 120103001002002 不在上级编码 120103001001 之下"),
        ({"grid_code": "12010300100100"}, "应为 15 位，实为 14 位"),
        ({"street_name": ""}, "缺少街道名称"),
    ],
)
def test_a_bad_code_is_refused_with_its_feature_number(props, says):
    data = tiling()
    data["features"][1]["properties"].update(props)
    message = refused(data)
    assert "第 2 个要素" in message
    assert says in message


def test_a_self_intersecting_polygon_is_refused():
    data = tiling()
    (x0, y0), (x1, y1) = corner(1, 1), corner(2, 2)
    data["features"][3]["geometry"] = {
        "type": "Polygon",
        "coordinates": [[[x0, y0], [x1, y1], [x1, y0], [x0, y1], [x0, y0]]],  # a bow tie
    }
    message = refused(data)
    assert f"第 4 个要素（网格 {COMMUNITY}004）：多边形无效: 边界自相交" in message


def test_a_feature_without_a_polygon_is_refused():
    data = tiling()
    data["features"][0]["geometry"] = {"type": "Point", "coordinates": list(corner(0.5, 0.5))}
    assert "第 1 个要素（网格 120103001001001）：几何类型必须是 Polygon 或 MultiPolygon" in refused(data)


def test_overlapping_grids_are_named_together():
    data = tiling()
    # Grid 002 grows half a square west, into grid 001.
    data["features"][1]["geometry"] = square(*corner(0.5, 0), SIZE * 1.5)
    message = refused(data)
    assert f"第 1 个要素（网格 {COMMUNITY}001）与第 2 个要素（网格 {COMMUNITY}002）重叠" in message


def test_an_overlap_with_a_grid_already_saved_is_refused():
    import_grids(tiling())
    intruder = feature("120103001002001", square(*corner(1.5, 1.5)))
    with pytest.raises(GridImportError) as exc:
        import_grids(collection(intruder))
    assert f"第 1 个要素（网格 120103001002001）与已有网格 {COMMUNITY}004（不在本文件中）重叠" in str(
        exc.value
    )
    assert not Grid.objects.filter(code="120103001002001").exists()


def test_a_hole_between_grids_is_reported_with_its_place_and_area():
    data = tiling(3, 3)
    del data["features"][4]  # the middle square
    message = refused(data)
    x, y = corner(1.5, 1.5)
    assert "区 120103 内网格之间有缝隙" in message
    assert f"约在 ({x:.6f}, {y:.6f})" in message
    area = float(message.split("面积约 ")[1].split(" m²")[0])
    assert 9_500 < area < 9_800


def test_a_duplicate_grid_code_names_both_features():
    data = tiling()
    data["features"][2]["properties"]["grid_code"] = f"{COMMUNITY}001"
    assert f"第 3 个要素（网格 {COMMUNITY}001）：网格编码与第 1 个要素重复" in refused(data)


def test_unknown_inspectors_are_listed():
    UserFactory(username="alice")
    data = tiling()
    data["features"][1]["properties"]["inspectors"] = ["alice", "nobody", "ghost"]
    assert "第 2 个要素（网格 120103001001002）：未知的网格责任监督员用户名 ghost、nobody" in refused(data)


def test_one_code_with_two_names_is_refused():
    data = tiling()
    data["features"][3]["properties"]["street_name"] = "别的名字"
    assert "第 4 个要素" in refused(data)


def test_every_bad_feature_is_reported_not_just_the_first():
    data = tiling(3, 3)
    data["features"][1]["properties"]["grid_code"] = "12010300100100X"
    data["features"][6]["geometry"] = None
    data["features"][8]["properties"]["district_code"] = "12"
    message = refused(data)
    assert "第 2 个要素" in message and "第 7 个要素" in message and "第 9 个要素" in message


def test_an_entry_that_is_not_a_feature_is_refused():
    data = tiling()
    data["features"].append(["not", "a", "feature"])
    assert "第 5 个要素：不是 GeoJSON Feature" in refused(data)


def test_a_file_that_is_not_a_feature_collection_is_refused():
    assert "FeatureCollection" in refused({"type": "Feature"})
    assert "没有任何要素" in refused(collection())


def test_the_command_imports_and_prints_counts(tmp_path, capsys):
    path = tmp_path / "grids.geojson"
    path.write_text(json.dumps(tiling(), ensure_ascii=False), encoding="utf-8")
    call_command("import_grids", str(path))
    assert "新建网格 4 个，更新 0 个" in capsys.readouterr().out
    assert Grid.objects.count() == 4


def test_the_command_lists_every_error_and_fails(tmp_path):
    data = tiling()
    data["features"][0]["properties"]["grid_code"] = "1"
    data["features"][3]["properties"]["community_code"] = "x"
    path = tmp_path / "bad.geojson"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(CommandError) as exc:
        call_command("import_grids", str(path))
    message = str(exc.value)
    assert "未保存任何数据" in message
    assert "第 1 个要素" in message and "第 4 个要素" in message
    assert nothing_saved()


def test_the_command_explains_a_missing_or_broken_file(tmp_path):
    with pytest.raises(CommandError, match="不存在"):
        call_command("import_grids", str(tmp_path / "missing.geojson"))
    broken = tmp_path / "broken.geojson"
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(CommandError, match="不是有效的 UTF-8 GeoJSON"):
        call_command("import_grids", str(broken))
