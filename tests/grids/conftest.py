import pytest

from grids import locator
from grids.importers import import_grids
from grids.models import Grid
from tests.grids.geojson import tiling


@pytest.fixture(autouse=True)
def fresh_locator():
    # Each test rolls its grids back; don't let the process-wide index carry them into the next test.
    locator.invalidate()
    yield
    locator.invalidate()


@pytest.fixture
def grids_2x2(db) -> dict[str, Grid]:
    """Four imported squares, codes 120103001001001–004 (see tests.grids.geojson.tiling)."""
    import_grids(tiling())
    return {grid.code: grid for grid in Grid.objects.all()}
