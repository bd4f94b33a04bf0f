"""The JSON report: the contract of DESIGN.md, key for key, deterministic for the same input."""

from __future__ import annotations

import json

from reviewer import __version__
from reviewer.reporters.common import verdict_dict
from reviewer.runner import ScanResult


def as_dict(result: ScanResult) -> dict:
    data = {
        "tool": {"name": "reviewer", "version": __version__},
        "score": result.score.to_dict(),
        "summary": {
            "files": result.files,
            "lines": result.lines,
            "findings": len(result.findings),
            "by_severity": result.by_severity,
            "suppressed": result.suppressed,
            "baselined": result.baselined,
        },
        "findings": [finding.to_dict() for finding in result.findings],
        "errors": [error.to_dict() for error in result.errors],
    }
    if result.bandit_skipped:
        # Files bandit's tests applied to but skipped: syntax newer than the interpreter
        # running reviewer (reviewer.parsing); reviewer's own rules did analyse them.
        data["summary"]["bandit_skipped"] = result.bandit_skipped
    if result.migration_history is not None:  # only when the scan has migrations
        data["migration_history"] = result.migration_history.to_dict()
    return data


def render(result: ScanResult, gate: tuple[bool, list[str]] | None = None, **_options) -> str:
    """The contract object plus `gate {passed, set, reasons}`; a baseline adds
    `baseline {baselined, fixed [...]}`, `--diff` adds `diff {base, outside}` and `--shard`
    adds `shard {index, count, rules, suppressions}` (reviewer.cli.shards reads it)."""
    data = as_dict(result)
    data["gate"] = verdict_dict(gate)
    if result.baselined or result.fixed:
        data["baseline"] = {"baselined": result.baselined, "fixed": [entry.to_dict() for entry in result.fixed]}
    if result.diff_base is not None:
        data["diff"] = {"base": result.diff_base, "outside": result.outside_diff}
    if result.shard is not None:
        # What `reviewer merge` needs beyond the contract to rebuild the whole scan's report.
        data["shard"] = {
            "index": result.shard[0],
            "count": result.shard[1],
            "rules": sorted(rule.code for rule in result.rules),
            "suppressions": [{**finding.to_dict(), "reason": reason} for finding, reason in result.suppressions],
        }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
