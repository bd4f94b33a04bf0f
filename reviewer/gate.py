"""The quality gate: a score bar and a severity bar; the verdict says why."""

from __future__ import annotations

from reviewer.config import Gate
from reviewer.runner import ScanResult


def evaluate(result: ScanResult, gate: Gate) -> tuple[bool, list[str]]:
    """(passed, reasons). With neither bar set the gate passes."""
    reasons: list[str] = []
    passed = True
    if gate.fail_under is not None:
        if result.score.overall < gate.fail_under:
            passed = False
            reasons.append(f"score {result.score.overall:.1f} is under {gate.fail_under:g} (fail-under)")
        else:
            reasons.append(f"score {result.score.overall:.1f} is at or above {gate.fail_under:g} (fail-under)")
    if gate.fail_on is not None:
        over = [f for f in result.findings if f.severity >= gate.fail_on]
        if over:
            passed = False
            reasons.append(f"{len(over)} finding(s) at or above {gate.fail_on.value} (fail-on)")
        else:
            reasons.append(f"no finding at or above {gate.fail_on.value} (fail-on)")
    return passed, reasons
