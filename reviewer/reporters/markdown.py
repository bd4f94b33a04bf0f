"""Markdown for a pull-request comment or a CI job summary: score, grade, the gate's verdict
and why, the category scores and a table of the (new) findings."""

from __future__ import annotations

from reviewer.reporters.common import Verdict, history_lines, md_code, md_inline, scope_text, verdict
from reviewer.runner import ScanResult

MAX_ROWS = 50


def render(result: ScanResult, gate: Verdict | None = None, max_rows: int = MAX_ROWS, **_options) -> str:
    passed, reasons = verdict(gate)
    mark = "✅ passed" if passed else "❌ failed"
    out = [
        f"### reviewer: {result.score.overall:.1f} ({result.score.grade}), gate {mark}",
        "",
        *(f"- {reason}" for reason in reasons),
    ]
    scope = scope_text(result)
    if scope:
        out.append(f"- {scope}")
    counts = ", ".join(f"{count} {name}" for name, count in result.by_severity.items() if count)
    out += [
        "",
        f"{result.files} files, {result.lines:,} lines; **{len(result.findings)} finding(s)**"
        + (f" ({counts})" if counts else "")
        + f"; {result.suppressed} suppressed; {result.baselined} baselined; {len(result.errors)} file(s) not analysed",
        "",
    ]
    out += findings_table(result.findings, max_rows)
    history = history_lines(result)
    if history:
        out += [history[0], "", *(f"- {md_inline(line)}" for line in history[1:]), ""]
    out += [
        "<details><summary>Scores by category</summary>",
        "",
        "| category | score | grade | findings |",
        "|---|---:|:---:|---:|",
        *(
            f"| {c.value} | {s.score:.1f} | {s.grade} | {s.findings} |" if s.checked else f"| {c.value} | not checked | | |"
            for c, s in result.score.categories.items()
        ),
        "",
        "</details>",
    ]
    if result.fixed:
        out += ["", f"{len(result.fixed)} baseline entr{'y is' if len(result.fixed) == 1 else 'ies are'} fixed: run `reviewer baseline update` to drop them."]
    return "\n".join(out) + "\n"


def findings_table(findings, max_rows: int = MAX_ROWS) -> list[str]:
    if not findings:
        return ["No findings.", ""]
    rows = ["| severity | rule | where | finding | fix |", "|---|---|---|---|---|"]
    for finding in findings[:max_rows]:
        rows.append(
            f"| {finding.severity.value} | {finding.rule} {md_code(finding.name)} | {md_code(f'{finding.path}:{finding.line}')} "
            f"| {md_inline(finding.message)} | {md_inline(finding.fix)} |"
        )
    if len(findings) > max_rows:
        rows.append(f"\n…and {len(findings) - max_rows} more (see the full report).")
    return [*rows, ""]
