"""The demo's category suggester (`manage.py demo_suggester`, run by `make demo`).

The demo district has a few hundred demo cases, too few to learn 400 categories from, and its nightly
retraining waits for SUGGEST_MIN_CASES filed cases. So `make demo` trains the first version on a year of
the district's generated history (tooling/generator/corpus.py, in memory: the demo's database gets no
extra cases) plus the demo's own filed cases. It is trained on the machine rather than shipped: the
model file is several MB of pickled arrays that would change with every generator or scikit-learn
change, and training needs nothing from outside (rjieba ships its dictionary), so it works offline.

Idempotent: nothing is trained when a version is already active.
"""

from collections.abc import Callable

from django.utils import timezone

from cases.suggest.models import SuggesterVersion
from cases.suggest.services import suggester_train
from cases.suggest.training import samples_from_cases
from tooling.generator.corpus import generated_history

DEMO_HISTORY = 15_000  # generated cases: about a year of a district of this size
DEMO_SEED = 20260623


def train_demo_suggester(
    note: Callable[[str], None] = print, history: int = DEMO_HISTORY
) -> SuggesterVersion | None:
    active = SuggesterVersion.objects.filter(is_active=True).first()
    if active is not None:
        note(f"已有类别推荐模型 {active}，未重新训练")
        return None
    corpus = generated_history(history, seed=DEMO_SEED, end=timezone.now())
    own = samples_from_cases()
    note(f"生成历史案件 {corpus.generated} 件（其中已立案 {len(corpus.samples)} 件），演示案件 {len(own)} 件")
    return suggester_train(origin=SuggesterVersion.Origin.DEMO, samples=corpus.samples + own)
