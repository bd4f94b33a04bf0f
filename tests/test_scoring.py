"""The published score formula: its invariants as properties, and worked examples that pin it."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest
from hypothesis import assume, event, given, settings
from hypothesis import strategies as st

from reviewer.config import DEFAULT_WEIGHTS
from reviewer.model import Category, Confidence, Finding, Location, Severity
from reviewer.scoring import grade, score, weight

SCORED = Category.scored()
GRADE_ORDER = "ABCDF"  # best first
MAX_LINES = 10**8
PROPERTY = settings(max_examples=200, deadline=None)


def make_finding(
    category: Category,
    severity: Severity,
    confidence: Confidence,
    line: int = 1,
    path: str = "app/views.py",
) -> Finding:
    return Finding(
        rule=f"{category.prefix}999",
        name="test-finding",
        category=category,
        severity=severity,
        confidence=confidence,
        path=path,
        location=Location(line, 1, line, 10),
        message="test finding",
        fix="fix it",
    )


def findings_strategy(
    categories=st.sampled_from(SCORED),
    severities=st.sampled_from(list(Severity)),
    confidences=st.sampled_from(list(Confidence)),
):
    return st.builds(
        make_finding,
        category=categories,
        severity=severities,
        confidence=confidences,
        line=st.integers(1, 5000),
        path=st.sampled_from(["app/views.py", "app/models.py", "migrations/0001_initial.sql"]),
    )


a_finding = findings_strategy()
a_non_critical_finding = findings_strategy(severities=st.sampled_from([s for s in Severity if s is not Severity.CRITICAL]))
some_findings = st.lists(a_finding, max_size=30)
some_non_critical_findings = st.lists(a_non_critical_finding, max_size=30)
some_lines = st.integers(0, MAX_LINES)
a_weight = st.one_of(st.just(0.0), st.floats(0.01, 100.0))
some_weights = st.fixed_dictionaries({category: a_weight for category in SCORED})


def worse_or_equal_grade(after: str, before: str) -> bool:
    return GRADE_ORDER.index(after) >= GRADE_ORDER.index(before)


def assert_no_score_rose(before, after) -> None:
    assert after.overall <= before.overall
    assert worse_or_equal_grade(after.grade, before.grade)
    for category in SCORED:
        assert after.categories[category].score <= before.categories[category].score, category
        assert worse_or_equal_grade(after.categories[category].grade, before.categories[category].grade)


# ---- a. adding an unsuppressed finding never raises any score ------------------------------


@PROPERTY
@given(findings=some_findings, extra=a_finding, position=st.integers(0, 30), lines=some_lines, weights=some_weights)
def test_adding_a_finding_never_raises_any_score(findings, extra, position, lines, weights) -> None:
    more = [*findings[:position], extra, *findings[position:]]
    assert_no_score_rose(score(findings, lines, weights), score(more, lines, weights))


# ---- b. the same findings in a larger codebase never score lower ---------------------------


@PROPERTY
@given(findings=some_findings, lines=some_lines, extra_lines=some_lines, weights=some_weights)
def test_more_lines_never_score_lower(findings, lines, extra_lines, weights) -> None:
    # assert_no_score_rose(before, after) read backwards: the larger codebase is "before".
    assert_no_score_rose(score(findings, lines + extra_lines, weights), score(findings, lines, weights))


# ---- c. a low-confidence finding weighs less than the same finding at high confidence -------


@pytest.mark.parametrize("severity", list(Severity), ids=str)
def test_low_confidence_weighs_strictly_less(severity: Severity) -> None:
    assert weight(severity, Confidence.LOW) < weight(severity, Confidence.MEDIUM) < weight(severity, Confidence.HIGH)


@PROPERTY
@given(findings=some_findings, finding=a_finding, lines=some_lines, weights=some_weights)
def test_low_confidence_never_scores_below_high_confidence(findings, finding, lines, weights) -> None:
    low = score([*findings, replace(finding, confidence=Confidence.LOW)], lines, weights)
    high = score([*findings, replace(finding, confidence=Confidence.HIGH)], lines, weights)
    assert_no_score_rose(low, high)


# ---- d. one unsuppressed critical finding caps the overall grade at D or worse --------------


@PROPERTY
@given(
    findings=some_findings,
    critical=findings_strategy(severities=st.just(Severity.CRITICAL)),
    position=st.integers(0, 30),
    lines=some_lines,
    weights=some_weights,
)
def test_one_critical_finding_caps_the_grade_at_d(findings, critical, position, lines, weights) -> None:
    result = score([*findings[:position], critical, *findings[position:]], lines, weights)
    assert result.overall < 70.0
    assert result.grade in ("D", "F")


@pytest.mark.parametrize("lines", [0, 1_000, 250_000, MAX_LINES])
@pytest.mark.parametrize("confidence", list(Confidence), ids=str)
def test_critical_cap_holds_in_the_largest_codebase(lines: int, confidence: Confidence) -> None:
    result = score([make_finding(Category.OPS, Severity.CRITICAL, confidence)], lines, DEFAULT_WEIGHTS)
    assert result.grade == "D"
    assert result.overall == 69.0


# ---- e. weights are configurable -----------------------------------------------------------


def _predicted_overall(result, weights) -> float:
    """Weighted mean of the displayed category scores (each at most 0.1 under its exact value)."""
    total = sum(weights[c] for c in SCORED)
    return sum(result.categories[c].score * weights[c] for c in SCORED) / total


@PROPERTY
@given(
    findings=some_non_critical_findings,
    lines=some_lines,
    weights=some_weights,
    target=st.sampled_from(SCORED),
    raise_by=st.floats(0.05, 100.0),
)
def test_raising_a_weight_moves_the_overall_towards_that_category(findings, lines, weights, target, raise_by) -> None:
    others = sum(weights[c] for c in SCORED if c is not target)
    assume(others > 0)
    heavier = {**weights, target: weights[target] + raise_by}
    before, after = score(findings, lines, weights), score(findings, lines, heavier)

    # The overall is the weight-averaged category score (displayed values floor to 0.1).
    for result, used in ((before, weights), (after, heavier)):
        assert abs(result.overall - _predicted_overall(result, used)) < 0.1 + 1e-6

    mean_of_others = sum(before.categories[c].score * weights[c] for c in SCORED if c is not target) / others
    gap = before.categories[target].score - mean_of_others
    predicted_move = _predicted_overall(after, heavier) - _predicted_overall(before, weights)
    if gap <= -0.11:  # the category is worse than the rest: weighing it more lowers the overall
        assert after.overall <= before.overall
        if predicted_move <= -0.25:
            event("strictly lower")
            assert after.overall < before.overall
    elif gap >= 0.11:  # better than the rest: weighing it more raises the overall
        assert after.overall >= before.overall
        if predicted_move >= 0.25:
            event("strictly higher")
            assert after.overall > before.overall


@PROPERTY
@given(
    findings=some_findings,
    target=st.sampled_from(SCORED),
    target_findings=st.lists(a_non_critical_finding, min_size=1, max_size=10),
    lines=some_lines,
    weights=some_weights,
)
def test_a_zero_weight_removes_the_category_from_the_overall(findings, target, target_findings, lines, weights) -> None:
    # Non-critical only: a critical finding caps the overall whatever the weights (property d).
    weights = {**weights, target: 0.0}
    elsewhere = [f for f in findings if f.category is not target]
    with_target = [*elsewhere, *(replace(f, category=target) for f in target_findings)]
    assert score(with_target, lines, weights).overall == score(elsewhere, lines, weights).overall


@PROPERTY
@given(findings=some_findings, lines=some_lines, one=some_weights, other=some_weights)
def test_category_scores_do_not_depend_on_weights(findings, lines, one, other) -> None:
    assert score(findings, lines, one).categories == score(findings, lines, other).categories


def test_raising_the_weight_of_the_worst_category_lowers_the_overall() -> None:
    findings = [make_finding(Category.API, Severity.HIGH, Confidence.HIGH, line=n) for n in range(1, 5)]
    even = {category: 1.0 for category in SCORED}
    heavy_api = {**even, Category.API: 4.0}
    without_api = {**even, Category.API: 0.0}
    api = score(findings, 1000, even).categories[Category.API].score
    assert api < 60.0  # one rule, 4 x weight 8 at S = 1: 8 x ln(1 + 4) = 12.88; 100 * e^(-12.88 / 20) = 52.5
    assert score(findings, 1000, heavy_api).overall < score(findings, 1000, even).overall
    assert score(findings, 1000, without_api).overall == 100.0


# ---- examples that pin the formula ---------------------------------------------------------


def test_published_weight_table() -> None:
    severity = {Severity.INFO: 0.25, Severity.LOW: 1.0, Severity.MEDIUM: 3.0, Severity.HIGH: 8.0, Severity.CRITICAL: 20.0}
    confidence = {Confidence.LOW: 0.4, Confidence.MEDIUM: 0.7, Confidence.HIGH: 1.0}
    for sev, sev_weight in severity.items():
        for conf, factor in confidence.items():
            assert weight(sev, conf) == pytest.approx(sev_weight * factor)


@pytest.mark.parametrize("lines", [0, 1, 999, 12_000, MAX_LINES])
def test_empty_codebase_scores_100_everywhere(lines: int) -> None:
    result = score([], lines, DEFAULT_WEIGHTS)
    assert (result.overall, result.grade) == (100.0, "A")
    assert set(result.categories) == set(SCORED)
    for item in result.categories.values():
        assert (item.score, item.grade, item.findings, item.checked) == (100.0, "A", 0, True)


def test_default_weights_are_the_published_ones() -> None:
    assert DEFAULT_WEIGHTS == {
        Category.SQL: 1.5,
        Category.SECURITY: 1.5,
        Category.MIGRATIONS: 1.25,
        Category.ORM: 1.0,
        Category.API: 1.0,
        Category.OPS: 0.75,
    }


def worked_example_findings() -> list[Finding]:
    """docs/scoring.md: 3,000 lines; 40 bandit B101 (low/high) and one SEC004 (high/high) in
    security; one SQL001 (high/medium) in sql; two API004 (medium/medium) in api."""
    def at(category, severity, confidence, rule, line):
        return replace(make_finding(category, severity, confidence, line=line), rule=rule)

    return [
        *(at(Category.SECURITY, Severity.LOW, Confidence.HIGH, "B101", line) for line in range(1, 41)),
        at(Category.SECURITY, Severity.HIGH, Confidence.HIGH, "SEC004", 100),
        at(Category.SQL, Severity.HIGH, Confidence.MEDIUM, "SQL001", 200),
        at(Category.API, Severity.MEDIUM, Confidence.MEDIUM, "API004", 300),
        at(Category.API, Severity.MEDIUM, Confidence.MEDIUM, "API004", 301),
    ]


WORKED_EXAMPLE_CHECKED = [category for category in SCORED if category is not Category.OPS]


def test_worked_example() -> None:
    # S = max(1, 3000 / 1000) = 3. The i-th finding of a rule (heaviest first, i from 0)
    # counts ln(1 + 1/(S + i)) of its weight; n equal findings: w x ln(1 + n/S).
    #   security  B101:   40 x weight 1.0: 1.0 x ln(1 + 40/3) = 2.66259
    #             SEC004: weight 8.0:      8.0 x ln(1 + 1/3)  = 2.30146
    #             P = 4.96404, 100 x e^(-4.96404 / 20) = 78.020 -> 78.0 (C)
    #   sql       SQL001: weight 8 x 0.7 = 5.6: 5.6 x ln(4/3) = 1.61102 -> 92.260 -> 92.2 (A)
    #   api       API004: 2 x weight 3 x 0.7 = 2.1: 2.1 x (ln(4/3) + ln(5/4)) = 1.07273 -> 94.777 -> 94.7 (A)
    #   ops       no enabled rule: not checked, left out of the overall
    #   overall   (1.5 x 92.260 + 1.5 x 78.020 + 1.25 x 100 + 1.0 x 100 + 1.0 x 94.777) / 6.25
    #             = 92.031 -> 92.0 (A)
    # Under the previous formula (P = sum of weights, / 25 x sqrt(S)) the 40 asserts made
    # security 33.0 (F).
    result = score(worked_example_findings(), 3_000, DEFAULT_WEIGHTS, WORKED_EXAMPLE_CHECKED)
    expected = {
        Category.SQL: (92.2, "A", 1, True),
        Category.ORM: (100.0, "A", 0, True),
        Category.MIGRATIONS: (100.0, "A", 0, True),
        Category.API: (94.7, "A", 2, True),
        Category.SECURITY: (78.0, "C", 41, True),
        Category.OPS: (100.0, "A", 0, False),
    }
    assert {c: (i.score, i.grade, i.findings, i.checked) for c, i in result.categories.items()} == expected
    assert (result.overall, result.grade) == (92.0, "A")


def test_worked_example_with_a_critical_finding() -> None:
    # The same plus one SQL001 critical/high: sql and the overall are capped at 69.0 (D).
    findings = [*worked_example_findings(), replace(make_finding(Category.SQL, Severity.CRITICAL, Confidence.HIGH, line=400), rule="SQL001")]
    result = score(findings, 3_000, DEFAULT_WEIGHTS, WORKED_EXAMPLE_CHECKED)
    assert (result.categories[Category.SQL].score, result.categories[Category.SQL].grade) == (69.0, "D")
    assert result.categories[Category.SECURITY].score == 78.0
    assert (result.overall, result.grade) == (69.0, "D")


def test_a_category_that_is_not_checked_is_left_out_of_the_overall() -> None:
    findings = [make_finding(Category.API, Severity.HIGH, Confidence.HIGH)]
    checked = score(findings, 1000, DEFAULT_WEIGHTS)
    only_api = score(findings, 1000, DEFAULT_WEIGHTS, [Category.API])
    assert only_api.overall == only_api.categories[Category.API].score < checked.overall
    assert [c for c, item in only_api.categories.items() if not item.checked] == [c for c in SCORED if c is not Category.API]
    assert score([], 1000, DEFAULT_WEIGHTS, []).overall == 100.0


def test_one_noisy_rule_is_dampened_and_severity_dominates() -> None:
    lows = [make_finding(Category.SECURITY, Severity.LOW, Confidence.HIGH, line=n) for n in range(1, 1001)]
    critical = make_finding(Category.SECURITY, Severity.CRITICAL, Confidence.HIGH)
    for lines in (500, 50_000, 5_000_000):
        noisy = score(lows, lines, DEFAULT_WEIGHTS).categories[Category.SECURITY].score
        one_critical = score([critical], lines, DEFAULT_WEIGHTS).categories[Category.SECURITY].score
        assert one_critical <= 69.0 < noisy, lines
    # Density: the same 1,000 findings weigh less in a larger codebase.
    assert score(lows, 500, DEFAULT_WEIGHTS).categories[Category.SECURITY].score == 70.7  # 100 e^(-ln(1001) / 20) = 70.79
    assert score(lows, 100_000, DEFAULT_WEIGHTS).categories[Category.SECURITY].score == 88.7  # ln(1 + 1000/100) = 2.398


def test_meta_findings_are_not_scored() -> None:
    meta = make_finding(Category.META, Severity.HIGH, Confidence.HIGH)
    assert score([meta] * 5, 100, DEFAULT_WEIGHTS) == score([], 100, DEFAULT_WEIGHTS)


def test_category_score_matches_the_docstring_formula() -> None:
    # One low/low finding in 500 lines: weight 1.0 x 0.4 = 0.4, S = max(1, 0.5) = 1,
    # P = 0.4 x ln(1 + 1/1) = 0.27726; 100 x exp(-0.27726 / 20) = 98.623 -> 98.6.
    result = score([make_finding(Category.ORM, Severity.LOW, Confidence.LOW)], 500, DEFAULT_WEIGHTS)
    assert result.categories[Category.ORM].score == 98.6
    assert math.isclose(100 * math.exp(-0.4 * math.log(2) / 20), 98.6232, abs_tol=1e-4)


@pytest.mark.parametrize(
    ("value", "letter"),
    [
        (100.0, "A"),
        (90.0, "A"),
        (89.9, "B"),
        (80.0, "B"),
        (79.9, "C"),
        (70.0, "C"),
        (69.9, "D"),
        (69.0, "D"),
        (60.0, "D"),
        (59.9, "F"),
        (0.0, "F"),
    ],
)
def test_grade_boundaries(value: float, letter: str) -> None:
    assert grade(value) == letter


def test_reports_say_which_categories_were_not_checked(tmp_path) -> None:
    import json

    from tests.conftest import run_cli

    (tmp_path / "app.py").write_text("def f(cur, a):\n    cur.execute(f\"SELECT * FROM t WHERE a = '{a}'\")\n", encoding="utf-8")
    args = ("scan", tmp_path, "--no-cache", "--select", "SQL001")
    categories = json.loads(run_cli(*args, "--format", "json").stdout)["score"]["categories"]
    assert {name: item["checked"] for name, item in categories.items()} == {c.value: c is Category.SQL for c in SCORED}
    markdown = run_cli(*args, "--format", "markdown").stdout
    assert "| orm | not checked | | |" in markdown and "| sql | " in markdown
    text = run_cli(*args).stdout
    assert "security     not checked (no enabled rule; left out of the overall)" in text
    sarif = json.loads(run_cli(*args, "--format", "sarif").stdout)
    assert sarif["runs"][0]["properties"]["score"]["categories"]["api"]["checked"] is False


def test_docs_show_the_worked_example_the_code_computes() -> None:
    from tests.conftest import REPO

    readme = (REPO / "docs" / "scoring.md").read_text(encoding="utf-8")
    result = score(worked_example_findings(), 3_000, DEFAULT_WEIGHTS, WORKED_EXAMPLE_CHECKED)
    for category in (Category.SECURITY, Category.SQL, Category.API):
        item = result.categories[category]
        assert f"**{item.score:.1f} ({item.grade})**" in readme, category
    assert f"→ **{result.overall:.1f} ({result.grade})**" in readme
