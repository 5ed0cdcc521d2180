"""What the suggester learns from, and a training run from samples to a stored, evaluated model.

Samples are filed cases — the description and the category the shift leader confirmed at 立案 — and
the choices people made among suggestions for cases not filed yet (a report's category picked from
the suggestions, or overriding them). Voided cases are left out. One case in five (by a hash of its
id, so the same ones every run) is held out: the accuracy a version records is measured on cases it
never saw.
"""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from cases.models import Case
from cases.suggest import clues
from cases.suggest.model import Evaluation, Sample, Suggester, fit, held_out
from cases.suggest.models import SuggestionFeedback
from cases.suggest.segment import category_words
from cases.workflow import Status
from dispatch.models import Category

TEST_SALT = "test"


@dataclass
class Trained:
    suggester: Suggester
    evaluation: Evaluation
    trained_on: int


def samples_from_cases(*, days: int | None = None, limit: int | None = None) -> list[Sample]:
    """Filed cases of the last `days` (newest first, at most `limit`), then feedback on unfiled cases."""
    days = settings.SUGGEST_HISTORY_DAYS if days is None else days
    limit = settings.SUGGEST_MAX_CASES if limit is None else limit
    since = timezone.now() - dt.timedelta(days=days)
    rows = list(
        Case.objects.filter(filed_at__gte=since, category__is_active=True)
        .exclude(status=Status.VOIDED)
        .exclude(description="")
        .order_by("-filed_at", "-id")
        .values_list("id", "description", "category_id", "lng", "lat")[:limit]
    )
    filed = {pk for pk, *_ in rows}
    picked = (
        SuggestionFeedback.objects.filter(at__gte=since, chosen__is_active=True)
        .exclude(case_id__in=filed)
        .exclude(case__status=Status.VOIDED)
        .order_by("case_id", "-at", "-id")
        .values_list("case_id", "text", "chosen_id", "case__lng", "case__lat")
    )
    seen = set()
    for case_id, text, chosen, lng, lat in picked:
        if case_id not in seen and text:  # the latest choice per case
            seen.add(case_id)
            rows.append((case_id, text, chosen, lng, lat))
    places = clues.places([(lng, lat) for _pk, _t, _c, lng, lat in rows])
    return [
        Sample(str(pk), text, category, place.grid_id, place.near_category_id)
        for (pk, text, category, _lng, _lat), place in zip(rows, places, strict=True)
    ]


def majors() -> dict[int, str]:
    """Category id → its 大类 label ("事项 06 市容环境类"), for accuracy per 大类."""
    kinds = dict(Category.Kind.choices)
    return {
        pk: f"{kinds.get(kind, kind)} {major} {name}"
        for pk, kind, major, name in Category.objects.values_list("id", "kind", "major_code", "major_name")
    }


def dictionary_words() -> list[str]:
    return category_words(Category.objects.filter(is_active=True).values_list("name", flat=True))


def train(samples: list[Sample], *, features: str = "words+chars") -> Trained:
    """Fit on four in five samples, evaluate on the fifth (the held-out split)."""
    test = [s for s in samples if held_out(s.key, TEST_SALT)]
    train_part = [s for s in samples if not held_out(s.key, TEST_SALT)]
    suggester = fit(
        train_part,
        extra_words=dictionary_words(),
        precision=settings.SUGGEST_SURE_PRECISION,
        features=features,
    )
    return Trained(suggester, suggester.evaluate(test, majors()), len(train_part))
