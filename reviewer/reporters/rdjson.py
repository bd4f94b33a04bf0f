"""Reviewdog Diagnostic Format (rdjson) for `reviewdog -f=rdjson`. A failed gate is one more
diagnostic (`reviewer-gate`) on the line of the most severe finding that failed it: rdjson
validators reject a diagnostic without a file. A passed gate adds nothing (a comment saying
"passed" on some line would be noise)."""

from __future__ import annotations

import json

from pathlib import Path

from reviewer.reporters.common import Verdict, gate_anchor, help_uri, level, read_lines, rules_by_code, verdict, verdict_with_score
from reviewer.runner import ScanResult

SEVERITY = {"error": "ERROR", "warning": "WARNING", "note": "INFO"}


class _ByteColumns:
    """rdjson columns count UTF-8 bytes (reviewdog's Position); reviewer's count characters.
    Each file is read once; a file that cannot be read keeps the character columns."""

    def __init__(self, root: str) -> None:
        self.root = Path(root)
        self.lines: dict[str, list[str]] = {}

    def __call__(self, path: str, line: int, column: int) -> int:
        if path not in self.lines:
            self.lines[path] = read_lines(self.root / path)
        lines = self.lines[path]
        if not 0 < line <= len(lines):
            return column
        return len(lines[line - 1][: column - 1].encode("utf-8", "surrogateescape")) + 1


def render(result: ScanResult, gate: Verdict | None = None, failing: frozenset[str] = frozenset(), **_options) -> str:
    known = rules_by_code(result)
    byte = _ByteColumns(result.root)
    diagnostics = []
    for finding in result.findings:
        loc = finding.location
        code = {"value": finding.rule}
        uri = help_uri(known.get(finding.rule))
        if uri:
            code["url"] = uri
        diagnostic = {
            "message": f"{finding.message} ({finding.name}, {finding.confidence.value} confidence). Fix: {finding.fix}",
            "location": {
                "path": finding.path,
                "range": {
                    "start": {"line": loc.line, "column": byte(finding.path, loc.line, loc.column)},
                    "end": {"line": max(loc.end_line, loc.line), "column": byte(finding.path, max(loc.end_line, loc.line), loc.end_column + 1)},
                },
            },
            "severity": SEVERITY[level(finding.severity)],
            "code": code,
            "originalOutput": f"{finding.path}:{loc.line}:{loc.column}: {finding.rule} {finding.message}",
        }
        suggestions = _suggestions(finding, byte)
        if suggestions:
            diagnostic["suggestions"] = suggestions
        diagnostics.append(diagnostic)
    passed, _ = verdict(gate)
    anchor = None if passed else gate_anchor(result, failing)
    if anchor is not None:
        path, line = anchor
        diagnostics.append(
            {
                "message": verdict_with_score(result, gate),
                "location": {"path": path, "range": {"start": {"line": line}}},
                "severity": "ERROR",
                "code": {"value": "reviewer-gate"},
            }
        )
    data = {"source": {"name": "reviewer"}, "diagnostics": diagnostics}
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _suggestions(finding, byte: _ByteColumns) -> list[dict]:
    """The finding's fix as rdjson suggestions (reviewdog posts them as suggested changes):
    only a fix whose edits all lie in the finding's file, since a suggestion has no path."""
    fix = finding.autofix
    if fix is None or any(edit.path != finding.path for edit in fix.edits):
        return []
    return [
        {
            "range": {
                "start": {"line": e.line, "column": byte(e.path, e.line, e.column)},
                "end": {"line": e.end_line, "column": byte(e.path, e.end_line, e.end_column)},
            },
            "text": e.replacement,
        }
        for e in fix.edits
    ]
