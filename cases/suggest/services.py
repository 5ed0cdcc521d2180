"""The suggester's actions: train a new version and switch to it, switch back, record a choice.

Each writes its own row: a training run a `SuggesterVersion` (kept after newer ones arrive), a choice a
`SuggestionFeedback`. Switching the active version is one transaction over the one-active constraint,
so every process sees either the old model or the new one.
"""

import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from cases.errors import ActionRefused, InvalidInput
from cases.suggest import store
from cases.suggest.model import Sample
from cases.suggest.models import SuggesterVersion, SuggestionFeedback
from cases.suggest.training import samples_from_cases, train
from dispatch.models import Category

log = logging.getLogger(__name__)
Origin = SuggesterVersion.Origin


class NotEnoughHistory(Exception):
    """Too few filed cases to learn from: the current model stays."""


def suggester_train(*, origin: str = Origin.MANUAL, samples: list[Sample] | None = None) -> SuggesterVersion:
    """Train on the filed cases (or the `samples` given), store the model, make it the active version."""
    if samples is None:
        samples = samples_from_cases()
        if len(samples) < settings.SUGGEST_MIN_CASES:
            raise NotEnoughHistory(
                f"已立案案件 {len(samples)} 件，少于训练所需的 {settings.SUGGEST_MIN_CASES} 件（SUGGEST_MIN_CASES）"
            )
    trained = train(samples)
    evaluation = trained.evaluation
    stamp = timezone.now()
    name, digest = store.write(trained.suggester, f"suggester-{stamp:%Y%m%d-%H%M%S-%f}.pickle")
    with transaction.atomic():
        version = SuggesterVersion.objects.create(
            created_at=stamp,
            origin=origin,
            artefact=name,
            sha256=digest,
            trained_on=trained.trained_on,
            held_out=evaluation.count,
            categories=len(trained.suggester.classes),
            top1=evaluation.top1,
            top3=evaluation.top3,
            sure_threshold=trained.suggester.threshold,
            sure_share=evaluation.sure_share,
            sure_precision=evaluation.sure_precision,
            by_major=evaluation.by_major,
            clues=trained.suggester.clues(),
        )
        _switch(version)
    log.info(
        "类别推荐模型 v%s：训练 %s 件，留出 %s 件，首选 %.1f%%，前三 %.1f%%",
        version.pk, version.trained_on, version.held_out, version.top1 * 100, version.top3 * 100,
    )  # fmt: skip
    transaction.on_commit(lambda: store.prune(settings.SUGGEST_VERSIONS_KEPT))
    return version


def suggester_activate(*, version: SuggesterVersion) -> SuggesterVersion:
    """Switch to an earlier (or later) version, e.g. back to the previous one after a bad night."""
    try:
        store.read(version)
    except store.ModelUnavailable as exc:
        raise ActionRefused(f"无法启用 v{version.pk}：{exc}") from None
    with transaction.atomic():
        version = SuggesterVersion.objects.select_for_update().get(pk=version.pk)
        if not version.is_active:
            _switch(version)
    return version


def _switch(version: SuggesterVersion) -> None:
    # Row locks on the active row first, so two switches at once queue instead of both deactivating.
    list(SuggesterVersion.objects.select_for_update().filter(is_active=True))
    SuggesterVersion.objects.filter(is_active=True).exclude(pk=version.pk).update(is_active=False)
    version.is_active, version.activated_at = True, timezone.now()
    version.save(update_fields=["is_active", "activated_at"])


# ---------------------------------------------------------------- what people chose


@dataclass(frozen=True)
class Shown:
    """What a page showed: the version and the suggested (category id, confidence), best first."""

    version: SuggesterVersion
    items: tuple[tuple[int, float], ...]


def parse_shown(version: str | None, suggested: str | None) -> Shown | None:
    """The page's hidden fields ("7", "12:0.91,45:0.05"), or None when absent or malformed.

    A broken hint never refuses a report: the log simply has no row for it.
    """
    if not version or not suggested or not str(version).isdigit():
        return None
    items = []
    for part in str(suggested).split(",")[:3]:
        pk, _sep, confidence = part.partition(":")
        try:
            items.append((int(pk), min(max(float(confidence), 0.0), 1.0)))
        except ValueError:
            return None
    found = SuggesterVersion.objects.filter(pk=int(version)).first()
    if found is None or not items:
        return None
    known = set(Category.objects.filter(pk__in=[pk for pk, _c in items]).values_list("pk", flat=True))
    if any(pk not in known for pk, _c in items):
        return None
    return Shown(found, tuple(items))


def suggestion_feedback_record(
    *, case, actor, where: str, chosen: Category, shown: Shown | None
) -> SuggestionFeedback | None:
    """Log the category chosen where suggestions were shown: accepted (its rank) or overridden."""
    if shown is None:
        return None
    if where not in SuggestionFeedback.Where.values:
        raise InvalidInput(f"环节 {where!r} 无效", field="where")
    ids = [pk for pk, _c in shown.items]
    return SuggestionFeedback.objects.create(
        where=where,
        actor=actor,
        case=case,
        version=shown.version,
        text=case.description,
        suggested=[{"category": pk, "confidence": round(c, 4)} for pk, c in shown.items],
        sure=shown.items[0][1] >= shown.version.sure_threshold,
        chosen=chosen,
        rank=ids.index(chosen.pk) + 1 if chosen.pk in ids else None,
    )
