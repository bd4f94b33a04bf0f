"""Reviewdog Diagnostic Format (rdjson) for `reviewdog -f=rdjson`. The gate's verdict is one
more diagnostic (`reviewer-gate`, no file), since reviewdog rejects unknown keys."""

from __future__ import annotations

import json

from reviewer.reporters.common import Verdict, help_uri, level, rules_by_code, scope_text, verdict, verdict_text
from reviewer.runner import ScanResult

SEVERITY = {"error": "ERROR", "warning": "WARNING", "note": "INFO"}


def render(result: ScanResult, gate: Verdict | None = None, **_options) -> str:
    known = rules_by_code(result)
    diagnostics = []
    for finding in result.findings:
        loc = finding.location
        code = {"value": finding.rule}
        uri = help_uri(known.get(finding.rule))
        if uri:
            code["url"] = uri
        diagnostics.append(
            {
                "message": f"{finding.message} ({finding.name}, {finding.confidence.value} confidence). Fix: {finding.fix}",
                "location": {
                    "path": finding.path,
                    "range": {
                        "start": {"line": loc.line, "column": loc.column},
                        "end": {"line": max(loc.end_line, loc.line), "column": loc.end_column + 1},
                    },
                },
                "severity": SEVERITY[level(finding.severity)],
                "code": code,
                "originalOutput": f"{finding.path}:{loc.line}:{loc.column}: {finding.rule} {finding.message}",
            }
        )
    passed, _ = verdict(gate)
    scope = scope_text(result)
    diagnostics.append(
        {
            "message": f"{verdict_text(gate)} (score {result.score.overall:.1f}, grade {result.score.grade}" + (f"; {scope})" if scope else ")"),
            "location": {"path": ""},
            "severity": "INFO" if passed else "ERROR",
            "code": {"value": "reviewer-gate"},
        }
    )
    data = {"source": {"name": "reviewer"}, "diagnostics": diagnostics}
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
