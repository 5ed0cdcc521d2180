"""The arithmetic of 考核 (issue #24.4), kept apart from the database so a hand computation can check it.

Our rules (DOMAIN is silent on the details; these follow the 红桥/南开 practice of a 100-point sheet):
- An inspection starts at 100. A failed item deducts its points per place found, capped at the item's
  maximum for one inspection when it has one. A 以克论净 sample above its road class's limit deducts
  that class's points. The score never goes below 0.
- A contractor's month: the mean score of its inspections carried out that month (two decimals, half
  up). The 作业质量等级 is the highest band the score reaches; that band's share of the month's fee is
  withheld (考核扣款), and every 代为整改 done that month is withheld at cost.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

HUNDRED = Decimal("100")
CENT = Decimal("0.01")


def q2(value: Decimal) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def finding_deduction(per_place: Decimal, count: int, cap: Decimal | None) -> Decimal:
    points = Decimal(per_place) * count
    return q2(min(points, Decimal(cap)) if cap is not None else points)


def grams_per_m2(weight_g: Decimal, sampled_m2: Decimal) -> Decimal:
    return q2(Decimal(weight_g) / Decimal(sampled_m2))


def inspection_score(deductions: Iterable[Decimal]) -> Decimal:
    return q2(max(Decimal(0), HUNDRED - sum(deductions, Decimal(0))))


@dataclass(frozen=True)
class Band:
    name: str
    min_score: Decimal
    deduction_percent: Decimal


@dataclass(frozen=True)
class Month:
    inspections: int
    score: Decimal | None
    grade: str
    fee: Decimal
    deduction_percent: Decimal
    quality_deduction: Decimal
    rectification_cost: Decimal
    total_deduction: Decimal
    payable: Decimal


def grade_for(score: Decimal, bands: Sequence[Band]) -> Band | None:
    reached = [b for b in bands if score >= b.min_score]
    return max(reached, key=lambda b: b.min_score) if reached else None


def month_result(
    scores: Sequence[Decimal], fee: Decimal, rectifications: Iterable[Decimal], bands: Sequence[Band]
) -> Month:
    """The month from its inspection scores, the fee due and the 代为整改 costs (see the module doc).

    A month without inspections has no score and no grade, and no 考核扣款; 代为整改 is still withheld.
    """
    fee = q2(fee)
    rectification = q2(sum(rectifications, Decimal(0)))
    score = q2(sum(scores, Decimal(0)) / len(scores)) if scores else None
    band = grade_for(score, bands) if score is not None else None
    percent = band.deduction_percent if band else Decimal(0)
    if score is not None and band is None:
        percent = HUNDRED  # below every band: nothing is earned
    quality = q2(fee * percent / HUNDRED)
    total = quality + rectification
    return Month(
        inspections=len(scores),
        score=score,
        grade=band.name if band else ("" if score is None else "—"),
        fee=fee,
        deduction_percent=q2(percent),
        quality_deduction=quality,
        rectification_cost=rectification,
        total_deduction=total,
        payable=max(Decimal(0), fee - total),
    )
