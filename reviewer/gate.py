"""The quality gate: a score bar, a severity bar (with an optional confidence floor) and, with
`--fail-on-error`, no file left unanalysed; the verdict says why. It judges the findings the result shows, so with a baseline or `--diff` it
gates only on new findings."""

from __future__ import annotations

from typing import TYPE_CHECKING

from reviewer.config import Gate
from reviewer.model import Finding

if TYPE_CHECKING:
    from reviewer.runner import ScanResult


def evaluate(result: ScanResult, gate: Gate) -> tuple[bool, list[str]]:
    """(passed, reasons). With neither bar set the gate passes."""
    reasons: list[str] = []
    passed = True
    scope = _scope(result)
    if gate.fail_under is not None:
        if result.score.overall < gate.fail_under:
            passed = False
            reasons.append(f"score {result.score.overall:.1f} is under {gate.fail_under:g} (fail-under)")
        else:
            reasons.append(f"score {result.score.overall:.1f} is at or above {gate.fail_under:g} (fail-under)")
    if gate.fail_on is not None:
        floor = gate.fail_on_confidence
        over = failing_findings(result, gate)
        bar = gate.fail_on.value + (f" with {floor.value} confidence or more" if floor is not None else "")
        if over:
            passed = False
            reasons.append(f"{len(over)} {scope}finding(s) at or above {bar} (fail-on)")
        else:
            reasons.append(f"no {scope}finding at or above {bar} (fail-on)")
    if gate.fail_on_error:
        files = len({error.path for error in result.errors})
        if files:
            passed = False
            reasons.append(f"{files} file(s) could not be analysed fully, see errors (fail-on-error)")
        else:
            reasons.append("every file was analysed (fail-on-error)")
    return passed, reasons


def failing_findings(result: ScanResult, gate: Gate) -> list[Finding]:
    """The findings that fail the gate by themselves: at or above `fail-on`, at least as sure
    as `fail-on-confidence`. (A score under `fail-under` fails the gate as a whole.)"""
    if gate.fail_on is None:
        return []
    floor = gate.fail_on_confidence
    return [f for f in result.findings if f.severity >= gate.fail_on and (floor is None or f.confidence >= floor)]


def _scope(result: ScanResult) -> str:
    # "new" when a baseline or a git base left findings out; the wording of a plain scan is unchanged.
    return "new " if result.baselined or result.fixed or result.diff_base is not None else ""


def is_set(gate: Gate) -> bool:
    return gate.fail_under is not None or gate.fail_on is not None or gate.fail_on_error
