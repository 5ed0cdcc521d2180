import math

import pytest

from grids import locator
from grids.importers import import_grids
from grids.locator import GridLocator, InvalidPosition, PointOutsideGrids, locate, locate_many
from tests.grids.geojson import COMMUNITY, SIZE, corner, square, tiling

pytestmark = pytest.mark.django_db


def test_a_point_inside_a_grid_finds_that_grid(grids_2x2):
    grid = locate(*corner(1.5, 0.5))
    assert grid.code == f"{COMMUNITY}002"
    # The hierarchy comes with it, ready for display.
    assert grid.community.street.district.code == "120103"


def test_a_point_on_a_shared_edge_goes_to_the_lowest_code(grids_2x2):
    assert locate(*corner(1, 0.5)).code == f"{COMMUNITY}001"  # between 001 and 002
    assert locate(*corner(1.5, 1)).code == f"{COMMUNITY}002"  # between 002 and 004


def test_a_point_on_the_vertex_shared_by_four_grids_goes_to_the_lowest_code(grids_2x2):
    assert locate(*corner(1, 1)).code == f"{COMMUNITY}001"


def test_the_answer_does_not_depend_on_load_order():
    rows = [(i, f"{COMMUNITY}{i:03d}", square(117.0 + (i - 1) % 2 * SIZE, 39.0, SIZE)) for i in (1, 2)]
    shared_edge = (117.0 + SIZE, 39.0 + SIZE / 2)
    assert GridLocator(rows).find(*shared_edge).code == f"{COMMUNITY}001"
    assert GridLocator(reversed(rows)).find(*shared_edge).code == f"{COMMUNITY}001"


def test_a_point_on_the_outer_boundary_is_inside(grids_2x2):
    assert locate(*corner(0, 0.5)).code == f"{COMMUNITY}001"


def test_a_point_outside_every_grid_is_refused_with_its_coordinates(grids_2x2):
    lng, lat = corner(3, 0.5)
    with pytest.raises(PointOutsideGrids) as exc:
        locate(lng, lat)
    assert str(exc.value) == f"位置 ({lng:g}, {lat:g}) 不在本区任何单元网格内"
    assert isinstance(exc.value, ValueError)


@pytest.mark.parametrize(
    ("lng", "lat", "says"),
    [
        ("abc", 39.2, "经度 lng 必须是数字"),
        (117.4, None, "缺少纬度 lat"),
        (math.nan, 39.2, "不是有限数值"),
        (117.4, math.inf, "不是有限数值"),
        (181, 39.2, "经度 lng 181 超出范围"),
        (117.4, -91, "纬度 lat -91 超出范围"),
        (True, 39.2, "必须是数字"),
    ],
)
def test_impossible_coordinates_are_refused(grids_2x2, lng, lat, says):
    with pytest.raises(InvalidPosition, match=says):
        locate(lng, lat)


def test_locate_many_answers_in_order(grids_2x2):
    grids = locate_many([corner(1.5, 1.5), corner(0.5, 0.5), corner(0.5, 1.5)])
    assert [g.code[-3:] for g in grids] == ["004", "001", "003"]


def test_locate_many_refuses_if_any_position_is_outside(grids_2x2):
    with pytest.raises(PointOutsideGrids):
        locate_many([corner(0.5, 0.5), corner(-1, -1)])


def test_newly_imported_grids_are_found_without_a_restart(grids_2x2):
    east = corner(2.5, 0.5)
    with pytest.raises(PointOutsideGrids):
        locate(*east)
    # A second community east of the first: the bulk import fires no signals, yet the index follows.
    import_grids(tiling(1, 1, community="120103001002", west=corner(2, 0)[0]))
    assert locate(*east).code == "120103001002001"


def test_the_index_is_shared_until_grids_change(grids_2x2):
    first = locator.get_locator()
    assert locator.get_locator() is first
    grid = grids_2x2[f"{COMMUNITY}001"]
    grid.name = "改名"
    grid.save()  # post_save: the next lookup re-checks the version stamp
    assert locator.get_locator() is not first
    assert len(locator.get_locator()) == 4


def test_a_deleted_grid_is_never_returned(grids_2x2):
    locate(*corner(0.5, 0.5))  # build the index with all four
    grids_2x2[f"{COMMUNITY}001"].delete()
    with pytest.raises(PointOutsideGrids):
        locate(*corner(0.5, 0.5))
