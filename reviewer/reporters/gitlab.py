"""GitLab Code Quality JSON (an array of issues, shown in merge requests). The gate's verdict is
one more issue, `reviewer-gate`, at the top of the scanned folder: the format has no other
place for it."""

from __future__ import annotations

import hashlib
import json

from reviewer.model import Severity
from reviewer.reporters.common import Verdict, scope_text, verdict, verdict_text
from reviewer.runner import ScanResult

SEVERITY = {
    Severity.INFO: "info",
    Severity.LOW: "minor",
    Severity.MEDIUM: "major",
    Severity.HIGH: "critical",
    Severity.CRITICAL: "blocker",
}
CATEGORY = {"security": "Security", "sql": "Security", "ops": "Style", "meta": "Style"}


def render(result: ScanResult, gate: Verdict | None = None, **_options) -> str:
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
    text = f"{verdict_text(gate)} (score {result.score.overall:.1f}, grade {result.score.grade}"
    scope = scope_text(result)
    text += f"; {scope})" if scope else ")"
    issues.append(
        {
            "type": "issue",
            "check_name": "reviewer-gate",
            "description": text,
            "categories": ["Bug Risk"],
            "severity": "info" if passed else "blocker",
            "fingerprint": hashlib.blake2b(text.encode(), digest_size=16).hexdigest(),
            "location": {"path": ".", "lines": {"begin": 1}},
        }
    )
    return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"
