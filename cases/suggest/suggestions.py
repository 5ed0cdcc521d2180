"""Suggest categories for a description seen at a position: the read the pages, the API and intake share."""

import logging
from dataclasses import dataclass, field

from cases.suggest import clues, store
from cases.suggest.models import SuggesterVersion
from dispatch.models import Category

log = logging.getLogger(__name__)
MAX_TEXT = 2000  # characters read from a description: plenty for a category, bounded work per request


@dataclass(frozen=True)
class Suggested:
    category: Category
    confidence: float


@dataclass
class Suggestion:
    version: SuggesterVersion | None
    items: list[Suggested] = field(default_factory=list)
    sure: bool = False
    unavailable: str = ""  # why there is no suggestion (no model yet, its file unreadable)

    @property
    def threshold(self) -> float | None:
        return self.version.sure_threshold if self.version else None


def suggest(text: str, *, lng: float | None = None, lat: float | None = None) -> Suggestion:
    """The three likeliest active categories for `text` at (lng, lat), and whether the first is sure."""
    text = (text or "").strip()[:MAX_TEXT]
    try:
        version, model = store.active()
    except store.ModelUnavailable as exc:
        return Suggestion(None, unavailable=str(exc))
    if not text:
        return Suggestion(version)
    place = clues.place(lng, lat)
    ranked = model.rank(text, grid_id=place.grid_id, near_category_id=place.near_category_id, top=6)
    active = Category.objects.in_bulk([r.category_id for r in ranked])
    # A category deactivated since training is skipped: never suggest what cannot be chosen.
    items = [Suggested(active[r.category_id], r.confidence) for r in ranked if r.category_id in active]
    items = [i for i in items if i.category.is_active][:3]
    sure = bool(items) and items[0].confidence >= version.sure_threshold
    return Suggestion(version, items, sure)
