"""The human report: findings grouped by file with the offending line, message and fix, then
the category scores, the overall grade and the gate's verdict.

With a `width` (the terminal's, or COLUMNS) messages and fixes wrap to it and a code line
longer than the width is cut around the flagged span, so the caret stays under the code
instead of on a line of its own where the terminal would wrap. Without one, nothing wraps."""

from __future__ import annotations

import os
import shlex

import textwrap
from itertools import groupby
from pathlib import Path

import click

from reviewer.model import Severity
from reviewer.parsing import INTERPRETER
from reviewer.reporters.common import history_lines, printable, read_lines, scope_text
from reviewer.runner import ScanResult

SEVERITY_COLOURS = {
    Severity.CRITICAL: "magenta",
    Severity.HIGH: "red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "cyan",
    Severity.INFO: "blue",
}
GRADE_COLOURS = {"A": "green", "B": "green", "C": "yellow", "D": "red", "F": "red"}


FIX_INDENT = 9  # the column of "fix:" and of a wrapped message's following lines
MIN_WIDTH = 40  # narrower terminals (or a bogus COLUMNS) get the report unwrapped


def render(
    result: ScanResult,
    color: bool = False,
    gate: tuple[bool, list[str]] | None = None,
    quiet: bool = False,
    width: int | None = None,
    **_options,
) -> str:
    """The report; `quiet` leaves out the findings and errors but keeps the summary counts."""
    if width is not None and width < MIN_WIDTH:
        width = None

    def style(text: str, **kwargs) -> str:
        return click.style(text, **kwargs) if color else text

    out: list[str] = []
    root = Path(result.root)
    for path, group in groupby(() if quiet else result.findings, key=lambda finding: finding.path):
        findings = list(group)
        lines = read_lines(root / path)
        out.append(style(printable(path), bold=True, underline=True))
        for finding in findings:
            loc = finding.location
            head = f"  {loc.line}:{loc.column}  {finding.severity.value:<8} {finding.rule} "
            styled_head = (
                f"  {loc.line}:{loc.column}  {style(f'{finding.severity.value:<8}', fg=SEVERITY_COLOURS[finding.severity], bold=True)} "
                f"{style(finding.rule, bold=True)} "
            )
            message = _wrap(printable(finding.message), len(head), width)
            tag = f"[{finding.name}, {finding.confidence.value} confidence]"
            if width is None or len(message[-1]) + 2 + len(tag) <= width:
                message[-1] += "  " + style(tag, dim=True)
            else:
                message.append(" " * FIX_INDENT + style(tag, dim=True))
            out.append(styled_head + message[0][len(head):])
            out.extend(message[1:])
            if 0 < loc.line <= len(lines):
                gutter = f"{loc.line:>6} | "
                code, offset, carets = _excerpt(lines[loc.line - 1].rstrip(), loc, None if width is None else width - len(gutter))
                out.append(style(gutter, dim=True) + code)
                out.append(" " * (len(gutter) + offset) + style("^" * carets, fg="red"))
            fix = _wrap(printable(finding.fix), FIX_INDENT + len("fix: "), width, FIX_INDENT + len("fix: "))
            out.append(" " * FIX_INDENT + style("fix:", fg="green") + " " + fix[0].lstrip())
            out.extend(fix[1:])
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
    if result.rules and not any(rule.opt_in for rule in result.rules) and not quiet:
        out.append(style(
            f"{len(result.rules)} rules ran, the default set; `--profile audit` also runs the opt-in ones "
            "(`reviewer rules` shows each rule's measured precision)", dim=True,
        ))
    fixable = fix_hint(result)
    if fixable:
        out.append(fixable)
    if gate is not None:
        passed, reasons = gate
        verdict = style("passed", fg="green", bold=True) if passed else style("failed", fg="red", bold=True)
        out.append(f"Gate {verdict}" + (": " + "; ".join(reasons) if reasons else ""))
    return "\n".join(out) + "\n"


def _wrap(text: str, start: int, width: int | None, indent: int = FIX_INDENT) -> list[str]:
    """`text` as lines of at most `width` columns, the first starting at column `start` (it
    comes back padded with `start` spaces for the caller to replace), the others indented
    by `indent`. Words longer than a line (a path, a URL) are not cut."""
    if width is None:
        return [" " * start + text]
    return textwrap.wrap(
        text, width=width, initial_indent=" " * start, subsequent_indent=" " * indent,
        break_long_words=False, break_on_hyphens=False,
    ) or [" " * start]


def _excerpt(raw: str, loc, room: int | None) -> tuple[str, int, int]:
    """The flagged code line as shown (tabs expanded, control characters escaped, cut to `room`
    columns around the flagged span with `…` where it is cut), and the caret's offset and
    length under it. `loc`'s columns count characters of `raw`; end_column is inclusive, and
    a span that runs onto later lines is underlined to the end of its first line."""

    def shown(text: str) -> str:
        return printable(text).expandtabs()

    code = shown(raw)
    start = len(shown(raw[: loc.column - 1]))
    end = len(shown(raw[: loc.end_column])) if loc.end_line == loc.line else len(code)
    carets = max(1, min(end, len(code)) - start)
    if room is None or len(code) <= room or room < 2:
        return code, start, carets
    # Cut on the left only when the span would not start inside the first `room` columns.
    left = 0 if start <= room - 2 else min(start - room // 4, len(code) - room)
    window = code[left : left + room]
    cut_right = left + room < len(code)
    if left > 0:
        window = "…" + window[1:]
    if cut_right:
        window = window[:-1] + "…"
    offset = start - left
    carets = max(1, min(carets, room - offset - (1 if cut_right else 0)))
    return window, offset, carets


def _score_table(result: ScanResult, style) -> list[str]:
    rows = [f"{'category':<12} {'score':>6}  grade  findings"]
    if result.files == 0:
        # 100 / A over nothing would read as a clean project; the JSON keeps the numbers
        # (its contract) and `summary.files` 0 says the same.
        return [style(rows[0], dim=True), f"{'overall':<12} not measured: no files analysed", ""]
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


def fix_hint(result: ScanResult) -> str:
    """How many findings carry a fix and the command that applies them; empty when none do."""
    fixes = [finding.autofix for finding in result.findings if finding.autofix is not None]
    if not fixes:
        return ""
    safe = sum(1 for fix in fixes if fix.safe)
    scanned = result.scanned or result.root  # fix what was scanned, not the whole repository
    where = os.path.relpath(scanned) if os.path.isabs(scanned) else scanned
    command = "reviewer fix" + ("" if where == "." else f" {shlex.quote(where)}")
    unsafe = len(fixes) - safe
    parts = [f"`{command}` applies the {safe} safe one(s)"] if safe else []
    if unsafe:
        also = "also " if safe else ""
        parts.append(f"`{command} --unsafe-fixes` {also}applies the {unsafe} unsafe one(s), which change behaviour: review them")
    return f"{len(fixes)} finding(s) have a fix: " + "; ".join(parts)
