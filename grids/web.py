"""Map layers for the pages: the district and street outlines and the grids, as GeoJSON.

The maps work without base tiles (offline): these vector layers are the map. Responses carry an ETag
from the grids' version stamp, so a browser downloads the grids once and then only revalidates.
"""

import hashlib

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Max
from django.http import JsonResponse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import condition

from grids.locator import current_stamp
from grids.models import District, Grid, Place, Road, Street


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


def _basemap_etag(request, *args, **kwargs) -> str:
    stamp = (
        Road.objects.aggregate(n=Count("id"), top=Max("id")),
        Place.objects.filter(kind__in=LABELLED_PLACES).aggregate(n=Count("id"), top=Max("id")),
        request.GET.get("bbox", ""),
    )
    return hashlib.sha1(repr(stamp).encode()).hexdigest()[:16]


# Houses (门牌) are for address search, not labels: a street has hundreds of them.
LABELLED_PLACES = (Place.Kind.ROAD, Place.Kind.POI, Place.Kind.COMMUNITY)


def _bbox(value: str) -> tuple[float, float, float, float] | None:
    try:
        west, south, east, north = (float(v) for v in value.split(","))
    except ValueError:
        return None
    return west, south, east, north


@login_required
@cache_control(private=True, max_age=0, must_revalidate=True)
@condition(etag_func=_basemap_etag)
def basemap_layer(request):
    """The base map served by the app (docs/domain.md §12): road centre-lines and named places.

    `?bbox=west,south,east,north` limits it to what a map shows; without it, the whole district (the
    demo's roads are a few hundred kilobytes). Roads carry `level=road`, places `level=place`.
    """
    roads = Road.objects.only("name", "kind", "geometry")
    places = Place.objects.filter(kind__in=LABELLED_PLACES).only("name", "kind", "lng", "lat")
    if box := _bbox(request.GET.get("bbox", "")):
        west, south, east, north = box
        roads = roads.filter(min_lng__lte=east, max_lng__gte=west, min_lat__lte=north, max_lat__gte=south)
        places = places.filter(lng__range=(west, east), lat__range=(south, north))
    features = [
        {
            "type": "Feature",
            "geometry": road.geometry,
            "properties": {"level": "road", "name": road.name, "kind": road.kind},
        }
        for road in roads.order_by("id").iterator(chunk_size=2000)
    ]
    features += [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [place.lng, place.lat]},
            "properties": {"level": "place", "name": place.name, "kind": place.kind},
        }
        for place in places.exclude(kind=Place.Kind.ROAD).order_by("id")
    ]
    return _collection(features)
