"""Address text → position through the gazetteer (grids.Place), for tickets that arrive without one.

The most precise match wins: a house number on a named road, then a POI, then a community, then the
road itself. Callers write addresses many ways (天津市河西区友谊路３２号, 友谊路32号院, 天塔附近), so the
text is normalised first and names are searched as substrings, longest name first (紫金山路 before 金山路).
"""

import re
import unicodedata
from dataclasses import dataclass

from grids.models import Place

# Prefixes every caller may or may not say; they carry no position.
_NOISE = ("天津市", "天津", "河西区")
_HOUSE = re.compile(r"(?P<road>[\u4e00-\u9fff]{1,20}?(?:大街|路|道|街|里|胡同|巷))(?P<number>\d{1,5})号")
# A lower rank is more precise.
_RANK = {Place.Kind.HOUSE: 0, Place.Kind.POI: 1, Place.Kind.COMMUNITY: 2, Place.Kind.ROAD: 3}


@dataclass(frozen=True)
class Position:
    lng: float
    lat: float
    place: Place
    how: str  # which kind of entry matched, for the case note

    def describe(self) -> str:
        return f"按地名地址「{self.place.name}」（{self.place.get_kind_display()}）定位"


def normalise(text: str) -> str:
    """Full-width digits and letters to ASCII (NFKC), no spaces, no noise prefixes."""
    text = unicodedata.normalize("NFKC", text or "")
    text = re.sub(r"\s+", "", text)
    for noise in _NOISE:
        text = text.replace(noise, "")
    return text


def locate_address(text: str) -> Position | None:
    """The position of the most precise gazetteer entry the address names, or None."""
    text = normalise(text)
    if not text:
        return None
    if hit := _house(text):
        return hit
    best = None
    for place in _named_places(text):
        key = (_RANK[place.kind], -len(place.name))
        if best is None or key < best[0]:
            best = (key, place)
    if best is None:
        return None
    place = best[1]
    return Position(place.lng, place.lat, place, place.kind)


def _house(text: str) -> Position | None:
    for match in _HOUSE.finditer(text):
        road, number = match["road"], match["number"]
        # The regex is greedy from the left: "在友谊路" → try every suffix until a road we know.
        for start in range(len(road)):
            candidate = road[start:]
            houses = Place.objects.filter(kind=Place.Kind.HOUSE, road=candidate)
            exact = houses.filter(house_number=number).first()
            if exact:
                return Position(exact.lng, exact.lat, exact, "house")
            nearest = _nearest_number(houses, int(number))
            if nearest:
                return Position(nearest.lng, nearest.lat, nearest, "house")
    return None


def _nearest_number(houses, number: int) -> Place | None:
    """A number we do not have, on a road we do: the closest listed number on the same side of the road.

    Chinese house numbers alternate sides (odd / even), so the same parity is the better guess.
    """
    best = None
    for place in houses.only("lng", "lat", "house_number", "name", "kind", "road"):
        if not place.house_number.isdigit():
            continue
        n = int(place.house_number)
        key = (n % 2 != number % 2, abs(n - number))
        if best is None or key < best[0]:
            best = (key, place)
    return best[1] if best else None


def _named_places(text: str) -> list[Place]:
    """POIs, communities and roads whose name or an alias occurs in the text.

    The non-house part of a district's gazetteer is a few thousand rows, so matching in Python is cheap;
    a city-wide gazetteer would move this to a trigram index.
    """
    found = []
    for place in Place.objects.exclude(kind=Place.Kind.HOUSE).only(
        "name", "aliases", "kind", "lng", "lat", "road", "house_number"
    ):
        names = [place.name, *place.aliases.split()]
        if place.kind == Place.Kind.COMMUNITY and place.name.endswith("社区"):
            names.append(place.name.removesuffix("社区"))  # people say 谊景园, not 谊景园社区
        # Names go through the same normalising as the text (天津广播电视塔 → 广播电视塔 in both).
        if any(name and normalise(name) in text for name in names):
            found.append(place)
    return found
