"""Tiny hand-made tilings for grid tests: squares of 0.001° (≈ 86 m × 111 m at Tianjin's latitude)."""

DISTRICT = "120103"
STREET = "120103001"
COMMUNITY = "120103001001"
# East of the factories' lattice (117.20–117.30), so factory grids never overlap these.
WEST, SOUTH, SIZE = 117.40, 39.20, 0.001


def square(west: float, south: float, size: float = SIZE) -> dict:
    """A GeoJSON square; coordinates rounded so neighbours share their edges bit for bit."""
    east, north = round(west + size, 9), round(south + size, 9)
    west, south = round(west, 9), round(south, 9)
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {"type": "Polygon", "coordinates": [ring]}


def feature(grid_code: str, geometry: dict | None, **overrides) -> dict:
    """A grid feature; names are derived from the codes so that every feature agrees on them."""
    props = {
        "district_code": grid_code[:6],
        "district_name": "河西区" if grid_code[:6] == DISTRICT else f"区{grid_code[:6]}",
        "street_code": grid_code[:9],
        "street_name": f"街道{grid_code[:9]}",
        "community_code": grid_code[:12],
        "community_name": f"社区{grid_code[:12]}",
        "grid_code": grid_code,
        "grid_name": f"网格{grid_code[-3:]}",
    }
    props.update(overrides)
    return {"type": "Feature", "properties": props, "geometry": geometry}


def collection(*features: dict) -> dict:
    return {"type": "FeatureCollection", "features": list(features)}


def tiling(rows: int = 2, cols: int = 2, *, community: str = COMMUNITY, west: float = WEST) -> dict:
    """rows × cols squares numbered 001… row by row from the south-west corner (2 × 2: 001 002 below, 003 004 above)."""
    features = []
    for r in range(rows):
        for c in range(cols):
            code = f"{community}{r * cols + c + 1:03d}"
            features.append(feature(code, square(west + c * SIZE, SOUTH + r * SIZE, SIZE)))
    return collection(*features)


def corner(col: float, row: float) -> tuple[float, float]:
    """The position `col` squares east and `row` squares north of the tiling's south-west corner."""
    return round(WEST + col * SIZE, 9), round(SOUTH + row * SIZE, 9)
