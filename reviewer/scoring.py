"""The published score formula (docs/scoring.md shows it with a worked example).

Each unsuppressed finding weighs `SEVERITY_WEIGHT[severity] * CONFIDENCE_FACTOR[confidence]`.
Scores reflect density and severity, not the raw volume of one noisy rule:
- size: S = max(1, lines / 1000), the analysed code in thousands of lines;
- per rule, diminishing returns: a rule's findings, heaviest first, count ln(1 + 1/(S + i))
  of their weight for i = 0, 1, 2, ... (so n findings of equal weight w cost w * ln(1 + n/S):
  about w * n/S while they are sparse, logarithmic in their number when one rule fires a lot);
- a category's penalty P is the sum of its rules' penalties; it scores 100 * exp(-P / K) with
  K = 20.
Severity dominates: one unsuppressed critical finding caps its category and the overall at
69 (grade D) however large the codebase, while the low findings of one rule bring a category
that low only past ln(1 + n/S) >= 20 * ln(100/69) = 7.42, i.e. about 1,670 per 1,000 lines.
A category with no enabled rule is "not checked": reported as such and left out of the overall
score, which is the weight-averaged score of the checked categories. Grades: A >= 90, B >= 80,
C >= 70, D >= 60, F below. Meta findings (suppression hygiene) are reported but not scored.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable, Mapping

from reviewer.model import Category, Confidence, Finding, Severity

SEVERITY_WEIGHT = {
    Severity.INFO: 0.25,
    Severity.LOW: 1.0,
    Severity.MEDIUM: 3.0,
    Severity.HIGH: 8.0,
    Severity.CRITICAL: 20.0,
}
CONFIDENCE_FACTOR = {Confidence.LOW: 0.4, Confidence.MEDIUM: 0.7, Confidence.HIGH: 1.0}
K = 20.0
CRITICAL_CAP = 69.0
GRADES = ((90.0, "A"), (80.0, "B"), (70.0, "C"), (60.0, "D"))


@dataclass(frozen=True)
class CategoryScore:
    score: float
    grade: str
    findings: int
    # False when no enabled rule belongs to the category: it was not checked, its score (100)
    # means nothing and it does not weigh on the overall.
    checked: bool = True


@dataclass(frozen=True)
class Score:
    overall: float
    grade: str
    categories: dict[Category, CategoryScore]

    def to_dict(self) -> dict:
        return {
            "overall": self.overall,
            "grade": self.grade,
            "categories": {
                category.value: {"score": item.score, "grade": item.grade, "findings": item.findings, "checked": item.checked}
                for category, item in self.categories.items()
            },
        }


def weight(severity: Severity, confidence: Confidence) -> float:
    return SEVERITY_WEIGHT[severity] * CONFIDENCE_FACTOR[confidence]


def grade(score: float) -> str:
    for bar, letter in GRADES:
        if score >= bar:
            return letter
    return "F"


def size_factor(lines: int) -> float:
    """S: thousands of lines analysed, at least 1."""
    return max(1.0, lines / 1000.0)


def rule_penalty(weights: Iterable[float], lines: int) -> float:
    """One rule's penalty in a category: its findings' weights, heaviest first, the i-th
    (from 0) counting ln(1 + 1/(S + i)) of its weight."""
    size = size_factor(lines)
    return sum(w * math.log1p(1.0 / (size + i)) for i, w in enumerate(sorted(weights, reverse=True)))


def category_score(penalty: float) -> float:
    return 100.0 * math.exp(-penalty / K)


def checked_categories(rules: Iterable[type]) -> frozenset[Category]:
    """The scored categories that have at least one enabled rule."""
    return frozenset(rule.category for rule in rules if rule.category is not Category.META)


def score(
    findings: Iterable[Finding],
    lines: int,
    weights: Mapping[Category, float],
    checked: Iterable[Category] | None = None,
) -> Score:
    """Scores for unsuppressed findings of a codebase of `lines` lines. `checked` are the
    categories with an enabled rule (all of them when None)."""
    scored = Category.scored()
    checked_set = set(scored) if checked is None else set(checked)
    by_rule: dict[Category, dict[str, list[float]]] = {category: {} for category in scored}
    critical: set[Category] = set()
    for finding in findings:
        if finding.category is Category.META:
            continue
        by_rule[finding.category].setdefault(finding.rule, []).append(weight(finding.severity, finding.confidence))
        if finding.severity is Severity.CRITICAL:
            critical.add(finding.category)
    raw = {
        category: category_score(sum(rule_penalty(found, lines) for found in rules.values()))
        for category, rules in by_rule.items()
    }
    for category in critical:
        raw[category] = min(raw[category], CRITICAL_CAP)
    categories = {
        category: CategoryScore(
            _round(raw[category]),
            grade(_round(raw[category])),
            sum(len(found) for found in by_rule[category].values()),
            category in checked_set,
        )
        for category in scored
    }
    counted = [category for category in scored if category in checked_set]
    total_weight = sum(weights.get(category, 0.0) for category in counted)
    overall = sum(raw[c] * weights.get(c, 0.0) for c in counted) / total_weight if total_weight else 100.0
    if critical:
        overall = min(overall, CRITICAL_CAP)
    overall = _round(overall)
    return Score(overall, grade(overall), categories)


def _round(value: float) -> float:
    # Floor to one decimal: a score is never shown higher than it is, and rounding stays
    # monotone, so adding a finding can never raise a displayed score.
    return math.floor(value * 10 + 1e-9) / 10
