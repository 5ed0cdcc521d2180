"""Map layers for the pages: the district and street outlines and the grids, as GeoJSON.

The maps work without base tiles (offline): these vector layers are the map. Responses carry an ETag
from the grids' version stamp, so a browser downloads the grids once and then only revalidates.
"""

import hashlib

from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import condition

from grids.locator import current_stamp
from grids.models import District, Grid, Street


def _etag(request, *args, **kwargs) -> str:
    return hashlib.sha1(repr(current_stamp()).encode()).hexdigest()[:16]


def _feature(area, **properties) -> dict:
    return {
        "type": "Feature",
        "geometry": area.geometry,
        "properties": {"code": area.code, "name": area.name, **properties},
    }


def _collection(features) -> JsonResponse:
    return JsonResponse({"type": "FeatureCollection", "features": list(features)})


@login_required
@cache_control(private=True, max_age=0, must_revalidate=True)
@condition(etag_func=_etag)
def outline_layer(request):
    """District outline(s) and street outlines; `level` tells the layers apart."""
    districts = (_feature(d, level="district") for d in District.objects.exclude(geometry=None))
    streets = (_feature(s, level="street") for s in Street.objects.exclude(geometry=None))
    return _collection([*districts, *streets])


@login_required
@cache_control(private=True, max_age=0, must_revalidate=True)
@condition(etag_func=_etag)
def grid_layer(request):
    grids = Grid.objects.only("code", "name", "geometry").order_by("code")
    return _collection(_feature(g, level="grid") for g in grids.iterator(chunk_size=2000))
