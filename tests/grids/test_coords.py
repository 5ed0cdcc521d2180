"""WGS-84 ↔ GCJ-02 against published reference points (docs/domain.md §12).

The three pairs are eviltransform's test data (github.com/googollee/eviltransform, python/test.py), the
reference most Chinese map code is checked against: (wgs lat, wgs lng, gcj lat, gcj lng).
"""

import pytest
from pyproj import Geod

from grids.coords import gcj02_to_wgs84, out_of_china, wgs84_to_gcj02

REFERENCE = [
    pytest.param(31.1774276, 121.5272106, 31.17530398364597, 121.531541859215, id="shanghai"),
    pytest.param(22.543847, 113.912316, 22.540796131694766, 113.9171764808363, id="shenzhen"),
    pytest.param(39.911954, 116.377817, 39.91334545536069, 116.38404722455657, id="beijing"),
]
GEOD = Geod(ellps="WGS84")


def metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    return GEOD.inv(a[0], a[1], b[0], b[1])[2]


@pytest.mark.parametrize(("wgs_lat", "wgs_lng", "gcj_lat", "gcj_lng"), REFERENCE)
def test_wgs84_to_gcj02_matches_the_reference(wgs_lat, wgs_lng, gcj_lat, gcj_lng):
    assert metres(wgs84_to_gcj02(wgs_lng, wgs_lat), (gcj_lng, gcj_lat)) < 0.01


@pytest.mark.parametrize(("wgs_lat", "wgs_lng", "gcj_lat", "gcj_lng"), REFERENCE)
def test_gcj02_to_wgs84_finds_the_phone_position_again(wgs_lat, wgs_lng, gcj_lat, gcj_lng):
    assert metres(gcj02_to_wgs84(gcj_lng, gcj_lat), (wgs_lng, wgs_lat)) < 0.01


def test_the_offset_in_the_demo_district_is_hundreds_of_metres():
    # 河西区, Tianjin: what an inspector would see if GCJ-02 tiles were drawn unshifted.
    here = (117.22, 39.09)
    assert 300 < metres(here, wgs84_to_gcj02(*here)) < 800


def test_outside_china_nothing_moves():
    assert out_of_china(2.35, 48.85)
    assert wgs84_to_gcj02(2.35, 48.85) == (2.35, 48.85)
    assert gcj02_to_wgs84(2.35, 48.85) == (2.35, 48.85)
