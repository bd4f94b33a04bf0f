"""Markdown for a pull-request comment or a CI job summary: score, grade, the gate's verdict
and why, the category scores and a table of the (new) findings, most severe first. When the
table is cut, it says how many findings (of which severity) it leaves out and where the full
list is: the CI run's page when the environment names it, else the other reports this run
wrote, else the command that prints it. It never links to a page it cannot know exists."""

from __future__ import annotations

from collections import Counter
from typing import Mapping

from reviewer.model import Severity
from reviewer.reporters.common import Verdict, history_lines, md_code, md_inline, most_severe_first, scope_text, verdict
from reviewer.runner import ScanResult

MAX_ROWS = 50
FULL_LIST_COMMAND = "`reviewer scan` prints the full list"


def ci_run_link(env: Mapping[str, str]) -> tuple[str, str] | None:
    """(label, URL) of the CI run's page, which exists while the run does and lists its logs and
    artifacts: GitHub Actions' run, GitLab CI's job. None outside those (or when a variable
    is missing)."""
    server, repository, run = env.get("GITHUB_SERVER_URL"), env.get("GITHUB_REPOSITORY"), env.get("GITHUB_RUN_ID")
    if server and repository and run:
        return "this workflow run", f"{server.rstrip('/')}/{repository}/actions/runs/{run}"
    if env.get("CI_JOB_URL"):
        return "this CI job", env["CI_JOB_URL"]
    return None


def where_the_full_list_is(files: list[str], link: tuple[str, str] | None) -> str:
    """Markdown naming where the findings a cut table leaves out can be read: in CI, the run's
    page (its log holds the scan's full output; files on the runner are gone once it ends);
    elsewhere, the other reports this run wrote; else the command that prints them."""
    if link is not None:
        label, url = link
        return f"the full list is in the log of [{md_inline(label)}](<{url.replace('>', '%3E')}>)"
    if files:
        return "the full list is in " + ", ".join(md_code(name) for name in files)
    return FULL_LIST_COMMAND


def render(
    result: ScanResult, gate: Verdict | None = None, max_rows: int = MAX_ROWS, full_report: str = FULL_LIST_COMMAND, **_options
) -> str:
    """`full_report`: Markdown saying where the full list is (where_the_full_list_is)."""
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
    out += findings_table(result.findings, max_rows, full_report)
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


def findings_table(findings, max_rows: int = MAX_ROWS, full_report: str = FULL_LIST_COMMAND) -> list[str]:
    """The findings, most severe first, at most `max_rows` of them; a cut table ends with what
    it left out, by severity, and `full_report`."""
    if not findings:
        return ["No findings.", ""]
    ranked = most_severe_first(findings)
    rows = ["| severity | rule | where | finding | fix |", "|---|---|---|---|---|"]
    for finding in ranked[:max_rows]:
        rows.append(
            f"| {finding.severity.value} | {finding.rule} {md_code(finding.name)} | {md_code(f'{finding.path}:{finding.line}')} "
            f"| {md_inline(finding.message)} | {md_inline(finding.fix)} |"
        )
    left = ranked[max_rows:]
    if left:
        counts = Counter(finding.severity for finding in left)
        by_severity = ", ".join(f"{counts[severity]} {severity.value}" for severity in reversed(list(Severity)) if counts[severity])
        rows.append(f"\n{len(left)} more finding(s) not shown ({by_severity}); {full_report}.")
    return [*rows, ""]
