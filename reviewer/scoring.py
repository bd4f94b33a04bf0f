"""The published score formula (README "Scoring" shows it with a worked example).

Each unsuppressed finding weighs `SEVERITY_WEIGHT[severity] * CONFIDENCE_FACTOR[confidence]`.
A category's penalty P is the sum of its findings' weights; the codebase size factor is
S = sqrt(max(1, lines / 1000)). A category scores 100 * exp(-P / (K * S)) with K = 25.
The overall score is the weight-averaged category score; one unsuppressed critical finding
caps it at 69 (grade D) however large the codebase. Grades: A >= 90, B >= 80, C >= 70,
D >= 60, F below. Meta findings (suppression hygiene) are reported but not scored.
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
K = 25.0
CRITICAL_CAP = 69.0
GRADES = ((90.0, "A"), (80.0, "B"), (70.0, "C"), (60.0, "D"))


@dataclass(frozen=True)
class CategoryScore:
    score: float
    grade: str
    findings: int


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
                category.value: {"score": item.score, "grade": item.grade, "findings": item.findings}
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
    return math.sqrt(max(1.0, lines / 1000.0))


def category_score(penalty: float, lines: int) -> float:
    return 100.0 * math.exp(-penalty / (K * size_factor(lines)))


def score(findings: Iterable[Finding], lines: int, weights: Mapping[Category, float]) -> Score:
    """Scores for unsuppressed findings of a codebase of `lines` lines."""
    penalties = {category: 0.0 for category in Category.scored()}
    counts = {category: 0 for category in Category.scored()}
    critical = False
    for finding in findings:
        if finding.category is Category.META:
            continue
        penalties[finding.category] += weight(finding.severity, finding.confidence)
        counts[finding.category] += 1
        critical = critical or finding.severity is Severity.CRITICAL
    raw = {category: category_score(penalties[category], lines) for category in penalties}
    categories = {
        category: CategoryScore(_round(raw[category]), grade(_round(raw[category])), counts[category])
        for category in penalties
    }
    total_weight = sum(weights.get(category, 0.0) for category in penalties)
    overall = sum(raw[c] * weights.get(c, 0.0) for c in penalties) / total_weight if total_weight else 100.0
    if critical:
        overall = min(overall, CRITICAL_CAP)
    overall = _round(overall)
    return Score(overall, grade(overall), categories)


def _round(value: float) -> float:
    # Floor to one decimal: a score is never shown higher than it is, and rounding stays
    # monotone, so adding a finding can never raise a displayed score.
    return math.floor(value * 10 + 1e-9) / 10
