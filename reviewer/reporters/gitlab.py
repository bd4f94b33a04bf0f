"""GitLab Code Quality JSON (an array of issues, shown in merge requests). A failed gate is one
more issue, `reviewer-gate`, on the line of the most severe finding that failed it (Code
Quality issues need a real file), with a fingerprint that does not change with the score, so a
merge request shows it as new only when the gate starts failing. A passed gate adds nothing:
the format has no place for a verdict, and nothing is left to fix."""

from __future__ import annotations

import hashlib
import json

from reviewer.model import Severity
from reviewer.reporters.common import Verdict, gate_anchor, verdict, verdict_with_score
from reviewer.runner import ScanResult

SEVERITY = {
    Severity.INFO: "info",
    Severity.LOW: "minor",
    Severity.MEDIUM: "major",
    Severity.HIGH: "critical",
    Severity.CRITICAL: "blocker",
}
# One constant: the gate issue is the same issue from one run to the next, whatever the score.
GATE_FINGERPRINT = hashlib.blake2b(b"reviewer-gate", digest_size=16).hexdigest()
CATEGORY = {"security": "Security", "sql": "Security", "ops": "Style", "meta": "Style"}


def render(result: ScanResult, gate: Verdict | None = None, failing: frozenset[str] = frozenset(), **_options) -> str:
    issues = []
    for finding in result.findings:
        issues.append(
            {
                "type": "issue",
                "check_name": finding.rule,
                "description": f"{finding.rule} {finding.message}",
                "content": {"body": f"{finding.message}.\n\nFix: {finding.fix}\n\n({finding.name}, {finding.confidence.value} confidence)"},
                "categories": [CATEGORY.get(finding.category.value, "Bug Risk")],
                "severity": SEVERITY[finding.severity],
                "fingerprint": finding.fingerprint,
                "location": {"path": finding.path, "lines": {"begin": finding.line, "end": max(finding.location.end_line, finding.line)}},
            }
        )
    passed, _ = verdict(gate)
    anchor = None if passed else gate_anchor(result, failing)
    if anchor is not None:
        path, line = anchor
        issues.append(
            {
                "type": "issue",
                "check_name": "reviewer-gate",
                "description": verdict_with_score(result, gate),
                "categories": ["Bug Risk"],
                "severity": "blocker",
                "fingerprint": GATE_FINGERPRINT,
                "location": {"path": path, "lines": {"begin": line}},
            }
        )
    return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"
