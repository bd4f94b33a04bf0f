"""GitHub Actions workflow commands: one annotation per finding on its line, then the gate's
verdict as a notice (passed) or an error (failed)."""

from __future__ import annotations

from reviewer.reporters.common import Verdict, level, printable, scope_text, verdict, verdict_text
from reviewer.runner import ScanResult

COMMAND = {"error": "error", "warning": "warning", "note": "notice"}


def _data(text: str) -> str:
    return printable(text).replace("%", "%25")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def render(result: ScanResult, gate: Verdict | None = None, **_options) -> str:
    out = []
    for finding in result.findings:
        loc = finding.location
        props = [
            f"file={_property(finding.path)}",
            f"line={loc.line}",
            f"endLine={max(loc.end_line, loc.line)}",
            f"title={_property(f'{finding.rule} {finding.name} ({finding.severity.value}, {finding.confidence.value} confidence)')}",
        ]
        if loc.end_line == loc.line:
            props[2:2] = [f"col={loc.column}", f"endColumn={max(loc.end_column, loc.column)}"]
        out.append(f"::{COMMAND[level(finding.severity)]} {','.join(props)}::{_data(f'{finding.message}. Fix: {finding.fix}')}")
    for error in result.errors:
        out.append(f"::warning file={_property(error.path)},title={_property('reviewer could not analyse this file')}::{_data(f'{error.kind}: {error.message}')}")
    passed, _ = verdict(gate)
    summary = f"score {result.score.overall:.1f} ({result.score.grade}), {len(result.findings)} finding(s)"
    scope = scope_text(result)
    text = f"{verdict_text(gate)} [{summary}{'; ' + scope if scope else ''}]"
    out.append(f"::{'notice' if passed else 'error'} title={_property('reviewer gate')}::{_data(text)}")
    return "\n".join(out) + "\n"
