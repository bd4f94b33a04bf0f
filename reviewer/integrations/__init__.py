"""Posting findings as one pull-request review (GitHub) or merge-request discussions (GitLab).

`plan_review` turns a scan into plain data (inline comments on changed lines, a summary body
with the findings elsewhere in the changed files); each platform module posts a plan, updating
or skipping its own earlier comments by the fingerprint hidden in each comment."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import quote, quote_plus

from reviewer.fixes import EditOutOfRange, apply_edits
from reviewer.gitdiff import ChangedLines
from reviewer.lines import LINE_BREAK
from reviewer.model import Finding
from reviewer.reporters.common import Verdict, md_code, md_inline, scope_text, verdict
from reviewer.reporters.markdown import findings_table
from reviewer.runner import ScanResult

REVIEW_MARKER = "<!-- reviewer:review -->"
FINGERPRINT_MARKER = "<!-- reviewer:fingerprint={} -->"
FINGERPRINT_PATTERN = re.compile(r"<!-- reviewer:fingerprint=([0-9a-f]+) -->")
MAX_BODY_ROWS = 30


@dataclass(frozen=True)
class Comment:
    path: str  # relative to the repository's top
    line: int  # in the new version of the file
    body: str
    fingerprint: str
    # A suggested change (the finding's fix): lines `start_line`..`line` as the fix leaves them.
    start_line: int | None = None
    suggestion: str | None = None

    def body_for(self, platform: str) -> str:
        """The comment's text on `platform` ("github" or "gitlab"): with the fix as a
        suggestion block (GitLab's names how many lines above the comment it replaces)."""
        if self.suggestion is None:
            return self.body
        fence = "`" * max(3, 1 + max((len(run) for run in re.findall(r"`+", self.suggestion)), default=0))
        above = self.line - (self.start_line or self.line)
        span = f":-{above}+0" if platform == "gitlab" else ""
        head, _, marker = self.body.rpartition("\n\n")
        return f"{head}\n\n{fence}suggestion{span}\n{self.suggestion}{fence}\n\n{marker}"


@dataclass(frozen=True)
class ReviewPlan:
    body: str
    comments: tuple[Comment, ...]
    passed: bool


@dataclass
class Outcome:
    """What a post did, for the one-line report."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    summary: str = "posted"  # posted, updated or unchanged
    url: str = ""

    def describe(self) -> str:
        return (
            f"{self.created} new comment(s), {self.updated} updated, {self.unchanged} unchanged; summary {self.summary}"
            + (f" ({self.url})" if self.url else "")
        )


class ApiError(Exception):
    """The platform refused or could not be reached; the message never contains the token.
    `status` is the HTTP status of a refusal (403: not allowed), None when there was none."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


def neutral_payload(plan: ReviewPlan) -> dict:
    """A dry run's review without a platform: what would be posted, not how."""
    return {
        "platform": None,
        "note": "no CI platform in the environment; --platform github or --platform gitlab shows that platform's requests",
        "review": {
            "body": plan.body,
            "comments": [{"path": c.path, "line": c.line, "body": c.body} for c in plan.comments],
        },
    }


def fingerprint_of(body: str) -> str | None:
    match = FINGERPRINT_PATTERN.search(body or "")
    return match.group(1) if match else None


def comment_body(finding: Finding) -> str:
    return (
        f"**{finding.rule}** {md_code(finding.name)} ({finding.severity.value}, {finding.confidence.value} confidence)\n\n"
        f"{md_inline(finding.message)}\n\n**Fix:** {md_inline(finding.fix)}\n\n{FINGERPRINT_MARKER.format(finding.fingerprint)}"
    )


def plan_review(result: ScanResult, changed: ChangedLines, gate: Verdict | None) -> ReviewPlan:
    """Inline comments for findings on changed lines; findings elsewhere in the changed files
    go in the body. `result` is the whole scan (after any baseline); the gate verdict is the
    one over the changed lines."""
    comments = []
    elsewhere = []
    for finding in result.findings:
        line = changed.changed_line(finding)
        if line is not None:
            comment = Comment(changed.repo_path(finding.path), line, comment_body(finding), finding.fingerprint)
            suggested = suggestion(finding, Path(result.root), changed)
            if suggested is not None:
                first, last, text = suggested
                comment = replace(comment, line=last, start_line=first if first < last else None, suggestion=text)
            comments.append(comment)
        elif finding.path in changed.paths:
            elsewhere.append(finding)
    passed, reasons = verdict(gate)
    lines = [
        f"### reviewer: gate {'✅ passed' if passed else '❌ failed'}",
        "",
        *(f"- {reason}" for reason in reasons),
        f"- {len(comments)} finding(s) on lines this change adds or edits (inline comments)",
    ]
    scope = scope_text(result)
    if scope and (result.baselined or result.fixed):
        lines.append(f"- {scope}")
    if elsewhere:
        lines += ["", f"{len(elsewhere)} finding(s) elsewhere in the changed files:", ""]
        lines += findings_table(elsewhere, MAX_BODY_ROWS)
    lines += ["", f"_Changes compared with the merge base of `{changed.base}` ({changed.merge_base[:12]})._", REVIEW_MARKER]
    return ReviewPlan("\n".join(lines) + "\n", tuple(comments), passed)


MIN_PARTIAL_SECRET = 8


def suggestion(finding: Finding, root: Path, changed: ChangedLines) -> tuple[int, int, str] | None:
    """(first line, last line, their text after the fix) when the finding's fix edits only
    its own file, on lines the change adds or edits (a review can suggest only there)."""
    fix = finding.autofix
    if fix is None or any(edit.path != finding.path for edit in fix.edits):
        return None
    first = min(edit.line for edit in fix.edits)
    # An edit that ends at the start of a line (a whole line removed) does not touch that line.
    last = max(edit.end_line - 1 if edit.end_column == 1 and edit.end_line > edit.line else edit.end_line for edit in fix.edits)
    if finding.path not in changed.new_files and not all(n in changed.lines.get(finding.path, ()) for n in range(first, last + 1)):
        return None
    try:
        text = (root / finding.path).read_bytes().decode("utf-8").lstrip("\ufeff")
        fixed = apply_edits(text, fix.edits)
    except (OSError, UnicodeError, EditOutOfRange):
        return None
    starts = [0] + [match.end() for match in LINE_BREAK.finditer(text)]
    if last > len(starts) or (last == len(starts) and starts[-1] == len(text)):
        return None
    start, end = starts[first - 1], (starts[last] if last < len(starts) else len(text))
    lines = fixed[start : end + len(fixed) - len(text)]
    return first, last, lines if not lines or lines.endswith("\n") else lines + "\n"


def redact(text: str, secret: str | None) -> str:
    """`text` with every form of `secret` it may echo replaced by `***`: the secret whole or
    with any of its characters percent-encoded (`+` for a space), and a piece of its start or
    end of at least MIN_PARTIAL_SECRET characters cut off at the end or start of the text (an
    answer truncated by a proxy or by us)."""
    if not secret:
        return text
    chars = [_char_pattern(char) for char in secret]
    whole = "".join(chars)
    # The longest prefix that ends the text / the longest suffix that starts it.
    head = "".join(chars[:MIN_PARTIAL_SECRET]) + "".join(f"(?:{c}" for c in chars[MIN_PARTIAL_SECRET:]) + ")?" * (len(chars) - MIN_PARTIAL_SECRET)
    tail = _optional_prefixes(chars) + "".join(chars[-MIN_PARTIAL_SECRET:])
    text = re.sub(whole, "***", text, flags=re.IGNORECASE)
    if len(chars) > MIN_PARTIAL_SECRET:
        text = re.sub(f"(?:{head})$", "***", text, flags=re.IGNORECASE)
        text = re.sub(f"^(?:{tail})", "***", text, flags=re.IGNORECASE)
    return text


def _char_pattern(char: str) -> str:
    encoded = "".join(f"%{byte:02x}" for byte in char.encode("utf-8"))
    forms = [re.escape(char), re.escape(encoded)] + ([r"\+"] if char == " " else [])
    return "(?:" + "|".join(forms) + ")"


def _optional_prefixes(chars: list[str]) -> str:
    """A pattern for any suffix of chars[:-MIN_PARTIAL_SECRET] (possibly empty)."""
    pattern = ""
    for char in chars[:-MIN_PARTIAL_SECRET]:
        pattern = f"(?:{pattern}){char}" if pattern else char
        pattern = f"(?:{pattern})?"
    return pattern
