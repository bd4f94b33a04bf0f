"""What every report says the same way: the gate's verdict and why, rule metadata lookups."""

from __future__ import annotations

from reviewer.model import Severity
from reviewer.rule import Rule
from reviewer.runner import ScanResult

Verdict = tuple[bool, list[str]]
NO_GATE = "no gate is set (--fail-under, --fail-on or `gate:` in config)"


def verdict(gate: Verdict | None) -> tuple[bool, list[str]]:
    """(passed, reasons); a scan without a gate passes, and says so."""
    if gate is None:
        return True, [NO_GATE]
    passed, reasons = gate
    return passed, list(reasons)


def verdict_text(gate: Verdict | None) -> str:
    passed, reasons = verdict(gate)
    return f"Gate {'passed' if passed else 'failed'}: " + "; ".join(reasons)


def verdict_dict(gate: Verdict | None) -> dict:
    passed, reasons = verdict(gate)
    return {"passed": passed, "set": gate is not None, "reasons": reasons}


def scope_text(result: ScanResult) -> str:
    """What the findings list covers, when a baseline or a git base narrowed it."""
    parts = []
    if result.baselined or result.fixed:
        parts.append(f"{result.baselined} baselined finding(s) hidden, {len(result.fixed)} baseline entr{'y' if len(result.fixed) == 1 else 'ies'} fixed")
    if result.diff_base is not None:
        parts.append(f"only lines changed since `{result.diff_base}` ({result.outside_diff} finding(s) outside the change)")
    return "; ".join(parts)


def history_lines(result: ScanResult) -> list[str]:
    """The released migration history's one-liners (reviewer.history): where released history
    ends, then one line per app or chain whose findings are summarised, not listed."""
    return result.migration_history.lines() if result.migration_history is not None else []


def rules_by_code(result: ScanResult) -> dict[str, type[Rule]]:
    return {rule.code: rule for rule in result.rules}


def summary_of(rule: type[Rule]) -> str:
    text = " ".join(rule.doc().split())
    end = text.find(". ")
    return text if end < 0 else text[: end + 1]


def help_uri(rule: type[Rule] | None) -> str | None:
    if rule is None:
        return None
    return next((ref for ref in rule.references if ref.startswith(("http://", "https://"))), None)


ERROR_LEVELS = (Severity.CRITICAL, Severity.HIGH)


def level(severity: Severity) -> str:
    """error / warning / note, the three levels SARIF, GitHub and reviewdog share."""
    if severity in ERROR_LEVELS:
        return "error"
    return "warning" if severity is Severity.MEDIUM else "note"
