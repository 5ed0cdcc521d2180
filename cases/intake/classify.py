"""A hotline's category hint → our category (docs/domain.md §5).

The hint is whatever the hotline sent: one of our codes, its own classification (e.g. 12345's
"城市管理-市容环境-暴露垃圾") or free text. In order: the admin's CategoryMapping for this channel, then
for all channels; our exact code; a mapping keyword occurring in the hint or description; a name search;
the category suggester's first choice when it is sure (cases/suggest) — an unsure one falls through to
the fallback category, or leaves the ticket to an operator.
"""

import logging

from django.conf import settings
from django.db.models import Case, Value, When

from dispatch.categories import search_categories
from dispatch.models import Category, CategoryMapping

log = logging.getLogger(__name__)

_CURRENT_STANDARD_FIRST = Case(
    When(standard=Category.Standard.GBT_47678_5_2026, then=Value(0)), default=Value(1)
).asc()


def classify(hint: str, *, channel: str = "", description: str = "") -> Category | None:
    hint = (hint or "").strip()
    active = Category.objects.filter(is_active=True)
    if hint:
        # This channel's mapping before the all-channel one, with its category: one query per ticket.
        mapping = (
            CategoryMapping.objects.filter(channel__in=(channel, ""), hint=hint, category__is_active=True)
            .select_related("category")
            .order_by(Case(When(channel=channel, then=Value(0)), default=Value(1)))
            .first()
        )
        if mapping:
            return mapping.category
        # One code can be both a 部件 and a 事项 (05002); a complaint describes a problem, so 事项 first.
        by_code = active.filter(code=hint).order_by("-kind", _CURRENT_STANDARD_FIRST).first()
        if by_code:
            return by_code
    if found := _keyword_mapping(f"{hint} {description}", channel):
        return found
    for text in (hint, *_segments(hint)):
        match = search_categories(text, active).first() if text else None
        if match:
            return match
    if found := _suggested(hint, description):
        return found
    return fallback()


def _suggested(hint: str, description: str) -> Category | None:
    from cases.suggest.suggestions import suggest

    found = suggest(" ".join(part for part in (hint, description) if part))
    if not found.sure:
        return None
    first = found.items[0]
    log.info(
        "热线分类「%s」由类别推荐模型 v%s 确定为 %s（置信度 %.2f）",
        hint,
        found.version.pk,
        first.category,
        first.confidence,
    )
    return first.category


def _keyword_mapping(text: str, channel: str) -> Category | None:
    """A mapping whose hint occurs in the text, longest first: mappings double as keyword rules."""
    mappings = CategoryMapping.objects.filter(channel__in=(channel, ""), category__is_active=True)
    for mapping in sorted(mappings.select_related("category"), key=lambda m: -len(m.hint)):
        if mapping.hint and mapping.hint in text:
            return mapping.category
    return None


def _segments(hint: str) -> list[str]:
    """The parts of a hierarchical hotline classification, most specific first (城市管理-市容-暴露垃圾)."""
    for sep in ("-", "/", ">", "＞", "—", "|"):
        hint = hint.replace(sep, " ")
    return list(reversed(hint.split()))


def fallback() -> Category | None:
    code = settings.HOTLINE_FALLBACK_CATEGORY
    if not code:
        return None
    return (
        Category.objects.filter(code=code, is_active=True).order_by("-kind", _CURRENT_STANDARD_FIRST).first()
    )
