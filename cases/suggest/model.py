"""The suggester: text → scores per category, plus the place's clues, calibrated into confidences.

- **Text**: TF-IDF over words (rjieba) and character 1–3-grams side by side, and a Complement Naive Bayes
  classifier. Characters carry what segmentation misses (雨箅子 vs 雨水箅子, 马葫芦盖) and what a short
  report spells differently; Complement NB suits many classes with few examples each, trains in
  seconds where a linear SVM over 400 classes takes minutes, and came out ahead on the reports written
  apart from the generator (`make bench`, tooling/bench/suggest.py, compares the variants).
- **Clues**: the grid's own history (how often each category was filed there, against the district)
  and the category of the nearest 部件. Each enters the log-score with a weight tuned on a held-out part;
  a weight that does not raise held-out accuracy stays 0, and the version records the weights.
- **Calibration**: one temperature on the scores (fitted on the same held-out part) makes the softmax a
  confidence; the "sure" threshold is the lowest top-1 confidence at which the held-out suggestions
  were right at least SUGGEST_SURE_PRECISION of the time, and never below that share itself.
"""

import hashlib
import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import minimize_scalar
from scipy.special import logsumexp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.naive_bayes import ComplementNB
from sklearn.pipeline import FeatureUnion

from cases.suggest.segment import Segmenter

FEATURES = ("words", "chars", "words+chars")
TOP = 3
_GRID_SMOOTHING = 20.0  # a grid's counts weigh like this many cases of the district's mix
_GRID_WEIGHTS = (0.0, 0.25, 0.5, 1.0)
_NEAR_WEIGHTS = (0.0, 0.5, 1.0, 2.0)
_CLUES_AMONG = 5  # the clues reorder the text's five likeliest categories, nothing else
_CLUE_CAP = 2.0  # and each moves a category's log-odds by at most this much before its weight
_NEAR_SMOOTHING = 10.0  # a category's nearest-部件 counts weigh like this many cases of the overall mix


@dataclass(frozen=True)
class Sample:
    """One labelled description: a filed case (or a choice someone made) and where it was."""

    key: str  # stable per case: decides the held-out split
    text: str
    category_id: int
    grid_id: int | None = None
    near_category_id: int | None = None


@dataclass(frozen=True)
class Ranked:
    category_id: int
    confidence: float


@dataclass
class Evaluation:
    count: int
    top1: float
    top3: float
    sure_share: float
    sure_precision: float
    by_major: dict = field(default_factory=dict)  # 大类 label → {"count", "top1", "top3"}

    def as_dict(self) -> dict:
        return {
            "count": self.count,
            "top1": self.top1,
            "top3": self.top3,
            "sure_share": self.sure_share,
            "sure_precision": self.sure_precision,
            "by_major": self.by_major,
        }


def held_out(key: str, salt: str, share: int = 5) -> bool:
    """One case in `share`, by a hash of its key: the same case is held out on every run."""
    return int(hashlib.sha256(f"{salt}:{key}".encode()).hexdigest()[:8], 16) % share == 0


class Suggester:
    """A trained model. `rank` answers one description; `rank_many` a list (training, the bench)."""

    def __init__(self, *, vectorizer, classifier, grid_counts, class_totals, near_table, features: str):
        self.vectorizer = vectorizer
        # Complement NB's per-class log weights, kept as one contiguous float32 (features × classes)
        # matrix: scikit-learn multiplies by a transposed view, which scipy copies whole on every
        # prediction (64 MB, 35 ms a text at 400 classes); the classifier itself is not kept.
        self.weights = np.ascontiguousarray(classifier.feature_log_prob_.T, dtype=np.float32)
        self.classes = np.asarray(classifier.classes_)
        self.index = {int(c): i for i, c in enumerate(self.classes)}
        self.features = features
        # Clues, each a log likelihood ratio per class (naive Bayes): the grid's own mix against the
        # district's, and how much likelier each category is with a 部件 of this type nearest (or none).
        self.grid_counts = grid_counts  # grid id → {class index: count}
        totals = np.asarray(class_totals, dtype=float)
        self.prior = (totals + 1.0) / (totals.sum() + len(totals))
        self.near_table = near_table  # nearest component's category id (0: none) → log ratio per class
        self.grid_weight = 0.0
        self.near_weight = 0.0
        self.temperature = 1.0
        self.threshold = 1.01  # never sure until calibrated

    # ------------------------------------------------------------------ scoring

    def _text_scores(self, texts: Sequence[str]) -> np.ndarray:
        """Complement NB's normalised log-probabilities (what its predict_log_proba answers)."""
        # float32 on both sides: a float64 matrix would make scipy upcast (copy) the weights every time.
        x = self.vectorizer.transform(list(texts)).astype(np.float32)
        joint = np.asarray(x @ self.weights, dtype=float)
        return joint - logsumexp(joint, axis=1, keepdims=True)

    def _clue_scores(self, samples) -> tuple[np.ndarray, np.ndarray]:
        n, k = len(samples), len(self.classes)
        grid = np.zeros((n, k))
        near = np.zeros((n, k))
        log_prior = np.log(self.prior)
        for row, s in enumerate(samples):
            counts = self.grid_counts.get(s.grid_id) if s.grid_id is not None else None
            if counts:
                total = sum(counts.values())
                mix = self.prior * _GRID_SMOOTHING
                for idx, count in counts.items():
                    mix[idx] += count
                grid[row] = np.log(mix / (total + _GRID_SMOOTHING)) - log_prior
            ratio = self.near_table.get(s.near_category_id or 0)
            if ratio is not None:
                near[row] = ratio
        return grid, near

    def _logits(self, text_scores, grid, near, grid_weight=None, near_weight=None):
        """The text's scores, with the clues reordering only the text's own five likeliest categories.

        The clues never bring in a category the text does not point at (a tree nearby must not make a
        vague or unfamiliar report a 行道树 case), and the five keep the text's share of the
        probability between them, so a clue cannot make a suggestion look surer than its text is.
        """
        gw = self.grid_weight if grid_weight is None else grid_weight
        nw = self.near_weight if near_weight is None else near_weight
        if not gw and not nw:
            return text_scores
        k = min(_CLUES_AMONG, text_scores.shape[1])
        rows = np.arange(len(text_scores))[:, None]
        top = np.argpartition(-text_scores, k - 1, axis=1)[:, :k]
        clue = gw * np.clip(grid[rows, top], -_CLUE_CAP, _CLUE_CAP) + nw * np.clip(
            near[rows, top], -_CLUE_CAP, _CLUE_CAP
        )
        before = text_scores[rows, top]
        after = before + clue
        after += logsumexp(before, axis=1, keepdims=True) - logsumexp(after, axis=1, keepdims=True)
        logits = text_scores.copy()
        logits[rows, top] = after
        return logits

    def probabilities(self, samples) -> np.ndarray:
        text = self._text_scores([s.text for s in samples])
        grid, near = self._clue_scores(samples)
        return _softmax(self._logits(text, grid, near) / self.temperature)

    def rank_many(self, samples, top: int = TOP) -> list[list[Ranked]]:
        probs = self.probabilities(samples)
        order = np.argsort(-probs, axis=1)[:, :top]
        return [
            [Ranked(int(self.classes[i]), float(probs[row, i])) for i in order[row]]
            for row in range(len(samples))
        ]

    def rank(self, text: str, *, grid_id=None, near_category_id=None, top: int = TOP) -> list[Ranked]:
        return self.rank_many([Sample("", text, 0, grid_id, near_category_id)], top)[0]

    def is_sure(self, ranked: list[Ranked]) -> bool:
        return bool(ranked) and ranked[0].confidence >= self.threshold

    # ------------------------------------------------------------------ tuning on held-out cases

    def tune(self, samples: list[Sample], precision: float) -> None:
        """Clue weights by held-out top-1 accuracy, then the temperature and the sure threshold."""
        known = [s for s in samples if s.category_id in self.index]
        if not known:
            return
        truth = np.array([self.index[s.category_id] for s in known])
        text = self._text_scores([s.text for s in known])
        grid, near = self._clue_scores(known)
        best = (-1.0, 0.0, 0.0)
        for gw in _GRID_WEIGHTS:
            for nw in _NEAR_WEIGHTS:
                right = float(np.mean(np.argmax(self._logits(text, grid, near, gw, nw), axis=1) == truth))
                # Strictly better only: a clue that adds nothing stays off (ties keep the simpler model).
                if right > best[0] + 1e-9:
                    best = (right, gw, nw)
        self.grid_weight, self.near_weight = best[1], best[2]
        logits = self._logits(text, grid, near)
        self.temperature = _fit_temperature(logits, truth)
        probs = _softmax(logits / self.temperature)
        top1 = probs.max(axis=1)
        # Sure: the held-out suggestions at or above it were right `precision` of the time, and the
        # suggestion's own calibrated confidence reaches `precision` too (a set can be 95 % right while
        # its least confident members are mostly wrong).
        self.threshold = max(precision, _sure_threshold(top1, np.argmax(probs, axis=1) == truth, precision))

    def evaluate(self, samples: list[Sample], majors: dict[int, str]) -> Evaluation:
        """Top-1 and top-3 accuracy, overall and per 大类 (`majors`: category id → its 大类 label)."""
        if not samples:
            return Evaluation(0, 0.0, 0.0, 0.0, 0.0)
        ranked = self.rank_many(samples)
        hits1, hits3, sure, sure_right = [], [], 0, 0
        by_major: dict[str, list] = defaultdict(lambda: [0, 0, 0])
        for s, r in zip(samples, ranked, strict=True):
            h1 = r[0].category_id == s.category_id
            h3 = any(x.category_id == s.category_id for x in r)
            hits1.append(h1)
            hits3.append(h3)
            if self.is_sure(r):
                sure += 1
                sure_right += h1
            cell = by_major[majors.get(s.category_id, "?")]
            cell[0] += 1
            cell[1] += h1
            cell[2] += h3
        return Evaluation(
            count=len(samples),
            top1=float(np.mean(hits1)),
            top3=float(np.mean(hits3)),
            sure_share=sure / len(samples),
            sure_precision=sure_right / sure if sure else 0.0,
            by_major={
                label: {"count": n, "top1": h1 / n, "top3": h3 / n}
                for label, (n, h1, h3) in sorted(by_major.items())
            },
        )

    def clues(self) -> dict:
        return {"grid_weight": self.grid_weight, "near_weight": self.near_weight, "features": self.features}


def fit(
    samples: list[Sample],
    *,
    extra_words: Sequence[str],
    precision: float,
    features: str = "words+chars",
) -> Suggester:
    """Train on `samples`: four in five fit the classifier, the fifth tunes clues and calibration."""
    if features not in FEATURES:
        raise ValueError(f"features: one of {', '.join(FEATURES)}")
    tuning = [s for s in samples if held_out(s.key, "tune")]
    fitting = [s for s in samples if not held_out(s.key, "tune")] or samples
    if len({s.category_id for s in fitting}) < 2:
        raise ValueError("至少需要两个类别的已立案案件才能训练")
    vectorizer = _vectorizer(features, Segmenter(extra_words))
    x = vectorizer.fit_transform([s.text for s in fitting])
    for part in vectorizer.transformer_list if isinstance(vectorizer, FeatureUnion) else [("", vectorizer)]:
        part[1].stop_words_ = None  # the terms min_df dropped: only for inspection, and large in the file
    classifier = ComplementNB(alpha=0.1).fit(x, [s.category_id for s in fitting])
    index = {int(c): i for i, c in enumerate(classifier.classes_)}
    grid_counts: dict[int, Counter] = defaultdict(Counter)
    totals = np.zeros(len(index))
    for s in fitting:
        totals[index[s.category_id]] += 1
        if s.grid_id is not None:
            grid_counts[s.grid_id][index[s.category_id]] += 1
    near_counts: dict[int, np.ndarray] = defaultdict(lambda: np.zeros(len(index)))
    for s in fitting:
        near_counts[s.near_category_id or 0][index[s.category_id]] += 1
    near_table = {}
    for near_type, counts in near_counts.items():
        share = counts.sum() / len(fitting)  # P(this type nearest), over all cases
        given = (counts + _NEAR_SMOOTHING * share) / (totals + _NEAR_SMOOTHING)  # P(type nearest | category)
        near_table[near_type] = np.log(given / share)
    suggester = Suggester(
        vectorizer=vectorizer,
        classifier=classifier,
        grid_counts={g: dict(c) for g, c in grid_counts.items()},
        class_totals=totals,
        near_table=near_table,
        features=features,
    )
    suggester.tune(tuning, precision)
    return suggester


def _vectorizer(features: str, segmenter: Segmenter):
    words = TfidfVectorizer(tokenizer=segmenter, token_pattern=None, lowercase=False, sublinear_tf=True)
    chars = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True, min_df=2)
    if features == "words":
        return words
    if features == "chars":
        return chars
    return FeatureUnion([("words", words), ("chars", chars)])


def _softmax(logits: np.ndarray) -> np.ndarray:
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _fit_temperature(logits: np.ndarray, truth: np.ndarray) -> float:
    """The temperature that minimises the held-out negative log-likelihood (temperature scaling)."""
    rows = np.arange(len(truth))

    def nll(log_t: float) -> float:
        p = _softmax(logits / math.exp(log_t))
        return float(-np.mean(np.log(p[rows, truth] + 1e-12)))

    # Not below 0.2: a small, perfectly separated tuning set would otherwise drive every confidence to 1.
    found = minimize_scalar(nll, bounds=(math.log(0.2), math.log(20.0)), method="bounded")
    return float(math.exp(found.x))


def _sure_threshold(confidence: np.ndarray, right: np.ndarray, precision: float) -> float:
    """The lowest confidence t such that the suggestions at or above t were right ≥ `precision` of the time."""
    order = np.argsort(-confidence)
    hits = np.cumsum(right[order])
    shares = hits / np.arange(1, len(order) + 1)
    ok = np.nonzero(shares >= precision)[0]
    if len(ok) == 0:
        return 1.01  # never sure: the operator decides every time
    return float(confidence[order][ok[-1]])
