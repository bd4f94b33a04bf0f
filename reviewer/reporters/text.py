"""The human report: findings grouped by file with the offending line, message and fix, then
the category scores, the overall grade and the gate's verdict."""

from __future__ import annotations

from itertools import groupby
from pathlib import Path

import click

from reviewer.lines import split_lines
from reviewer.model import Severity
from reviewer.parsing import INTERPRETER
from reviewer.reporters.common import history_lines, printable, scope_text
from reviewer.runner import ScanResult

SEVERITY_COLOURS = {
    Severity.CRITICAL: "magenta",
    Severity.HIGH: "red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "cyan",
    Severity.INFO: "blue",
}
GRADE_COLOURS = {"A": "green", "B": "green", "C": "yellow", "D": "red", "F": "red"}


def render(
    result: ScanResult,
    color: bool = False,
    gate: tuple[bool, list[str]] | None = None,
    quiet: bool = False,
    **_options,
) -> str:
    """The report; `quiet` leaves out the findings and errors but keeps the summary counts."""

    def style(text: str, **kwargs) -> str:
        return click.style(text, **kwargs) if color else text

    out: list[str] = []
    root = Path(result.root)
    for path, group in groupby(() if quiet else result.findings, key=lambda finding: finding.path):
        findings = list(group)
        lines = _read_lines(root / path)
        out.append(style(printable(path), bold=True, underline=True))
        for finding in findings:
            loc = finding.location
            severity = style(f"{finding.severity.value:<8}", fg=SEVERITY_COLOURS[finding.severity], bold=True)
            out.append(
                f"  {loc.line}:{loc.column}  {severity} {style(finding.rule, bold=True)} "
                f"{printable(finding.message)}  {style(f'[{finding.name}, {finding.confidence.value} confidence]', dim=True)}"
            )
            if 0 < loc.line <= len(lines):
                code = printable(lines[loc.line - 1].rstrip())
                gutter = f"{loc.line:>6} | "
                out.append(style(gutter, dim=True) + code)
                # end_column is inclusive; a span that runs onto later lines is underlined to
                # the end of its first line.
                end = loc.end_column if loc.end_line == loc.line else len(code)
                width = max(1, min(end, len(code)) - loc.column + 1)
                out.append(" " * len(gutter) + " " * (loc.column - 1) + style("^" * width, fg="red"))
            out.append(f"         {style('fix:', fg='green')} {printable(finding.fix)}")
        out.append("")
    if result.errors and not quiet:
        out.append(style(f"Could not analyse {len(result.errors)} file(s):", bold=True))
        for error in result.errors:
            out.append(printable(f"  {error.path}: {error.kind}: {error.message}"))
        out.append("")
    history = history_lines(result)
    if history:
        out.extend([printable(history[0]), *(f"  {printable(line)}" for line in history[1:]), ""])
    out.extend(_score_table(result, style))
    counts = ", ".join(f"{count} {name}" for name, count in result.by_severity.items() if count)
    out.append(
        f"{result.files} files, {result.lines:,} lines; {len(result.findings)} findings"
        + (f" ({counts})" if counts else "")
        + f"; {result.suppressed} suppressed; {len(result.errors)} errors"
    )
    if result.bandit_skipped:
        out.append(
            f"Bandit's tests skipped {result.bandit_skipped} file(s) written in syntax newer than Python {INTERPRETER}, "
            "which runs reviewer (its `ast` cannot read them); reviewer's own rules analysed them"
        )
    scope = scope_text(result)
    if scope:
        out.append(scope[0].upper() + scope[1:])
    if gate is not None:
        passed, reasons = gate
        verdict = style("passed", fg="green", bold=True) if passed else style("failed", fg="red", bold=True)
        out.append(f"Gate {verdict}" + (": " + "; ".join(reasons) if reasons else ""))
    return "\n".join(out) + "\n"


def _score_table(result: ScanResult, style) -> list[str]:
    rows = [f"{'category':<12} {'score':>6}  grade  findings"]
    for category, item in result.score.categories.items():
        if not item.checked:
            rows.append(style(f"{category.value:<12} {'not checked (no enabled rule; left out of the overall)'}", dim=True))
            continue
        grade = style(item.grade, fg=GRADE_COLOURS[item.grade], bold=True)
        rows.append(f"{category.value:<12} {item.score:>6.1f}  {grade:<5}  {item.findings:>8}")
    overall = result.score
    grade = style(overall.grade, fg=GRADE_COLOURS[overall.grade], bold=True)
    rows.append(f"{'overall':<12} {overall.overall:>6.1f}  {grade}")
    return [style(rows[0], dim=True), *rows[1:], ""]


def _read_lines(path: Path) -> list[str]:
    try:
        return split_lines(path.read_text(encoding="utf-8", errors="replace"))
    except OSError:
        return []
