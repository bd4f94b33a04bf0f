"""What every report says the same way: the gate's verdict and why, rule metadata lookups."""

from __future__ import annotations

import html
import re
from pathlib import Path

from reviewer.lines import split_lines
from reviewer.model import Severity
from reviewer.rule import Rule
from reviewer.runner import ScanResult

Verdict = tuple[bool, list[str]]
NO_GATE = "no gate is set (--fail-under, --fail-on or `gate:` in config)"


def verdict(gate: Verdict | None) -> tuple[bool, list[str]]:
    """(passed, reasons); a scan without a gate passes, and says so."""
    if gate is None:
        return True, [NO_GATE]
    passed, reasons = gate
    return passed, list(reasons)


def verdict_text(gate: Verdict | None) -> str:
    passed, reasons = verdict(gate)
    return f"Gate {'passed' if passed else 'failed'}: " + "; ".join(reasons)


def verdict_with_score(result: ScanResult, gate: Verdict | None) -> str:
    """The verdict, the score and what the findings cover, in one line."""
    scope = scope_text(result)
    return f"{verdict_text(gate)} (score {result.score.overall:.1f}, grade {result.score.grade}" + (f"; {scope})" if scope else ")")


def verdict_dict(gate: Verdict | None) -> dict:
    passed, reasons = verdict(gate)
    return {"passed": passed, "set": gate is not None, "reasons": reasons}


def most_severe_first(findings) -> list:
    """Findings by severity (critical first), then path, line, column and rule."""
    return sorted(findings, key=lambda finding: (-finding.severity.rank, finding.sort_key()))


def gate_anchor(result: ScanResult, failing: frozenset[str]) -> tuple[str, int] | None:
    """(path, line) where formats that need a real file (GitLab Code Quality, rdjson) report a
    failed gate: the most severe finding that fails it (`failing` holds fingerprints), else the
    most severe finding (a score under the bar), else the first file that could not be
    analysed (`--fail-on-error`); None when there is no such place."""
    ranked = most_severe_first(result.findings)
    chosen = next((f for f in ranked if f.fingerprint in failing), ranked[0] if ranked else None)
    if chosen is not None:
        return chosen.path, chosen.line
    return (result.errors[0].path, 1) if result.errors else None


def scope_text(result: ScanResult) -> str:
    """What the findings list covers, when a baseline or a git base narrowed it."""
    parts = []
    if result.baselined or result.fixed:
        parts.append(f"{result.baselined} baselined finding(s) hidden, {len(result.fixed)} baseline entr{'y' if len(result.fixed) == 1 else 'ies'} fixed")
    if result.diff_base is not None:
        parts.append(f"only lines changed since `{result.diff_base}` ({result.outside_diff} finding(s) elsewhere in the changed files)")
    return "; ".join(parts)


def history_lines(result: ScanResult) -> list[str]:
    """The released migration history's one-liners (reviewer.migrations.history): where released history
    ends, then one line per app or chain whose findings are summarised, not listed."""
    return result.migration_history.lines() if result.migration_history is not None else []


def read_lines(path: Path) -> list[str]:
    """The lines of a scanned file, for code excerpts; none when it cannot be read any more."""
    try:
        return split_lines(path.read_text(encoding="utf-8", errors="replace"))
    except OSError:
        return []


def rules_by_code(result: ScanResult) -> dict[str, type[Rule]]:
    return {rule.code: rule for rule in result.rules}


def help_uri(rule: type[Rule] | None) -> str | None:
    if rule is None:
        return None
    return next((ref for ref in rule.references if ref.startswith(("http://", "https://"))), None)


ERROR_LEVELS = (Severity.CRITICAL, Severity.HIGH)


def level(severity: Severity) -> str:
    """error / warning / note, the three levels SARIF, GitHub and reviewdog share."""
    if severity in ERROR_LEVELS:
        return "error"
    return "warning" if severity is Severity.MEDIUM else "note"


# ----------------------------------------------------------------------------------------------
# Escaping. File names, identifiers and code come from the scanned tree, which a pull request's
# author controls: every format escapes them so they cannot break the format or the terminal.

# Control characters (C0 except tab, C1, DEL) and the Unicode line and paragraph separators,
# and the characters XML 1.0 forbids anywhere in a document. Compiled when first used (re's
# own cache keeps them): each takes milliseconds to compile, a part of a warm scan's time
# that a report without escapes to make does without.
CONTROL = "[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]"
NOT_XML = "[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"


def _escape_char(match: re.Match) -> str:
    return ascii(match.group())[1:-1]  # "\x1b", "\n", "\u2028"


def printable(text: str) -> str:
    """`text` for a terminal or a CI log: control characters as visible escapes (an escape
    sequence from a file name must not recolour, move or hide what follows)."""
    return re.sub(CONTROL, _escape_char, text)


def xml_text(text: str) -> str:
    """`text` for an XML attribute or element: characters XML 1.0 forbids as visible escapes
    (ElementTree escapes `<`, `&` and quotes, but writes a control character as it is, which
    makes the document invalid)."""
    return re.sub(NOT_XML, _escape_char, text)


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>|~])")  # what can start emphasis, a link, HTML or a table cell


def html_text(text: str) -> str:
    """`text` for an HTML element or a quoted attribute: markup characters as entities, control
    characters, lone surrogates and noncharacters as visible escapes."""
    return html.escape(safe_text(text), quote=True)


def safe_text(text: str) -> str:
    """`text` with what no page or terminal should receive as it is (control characters, lone
    surrogates, noncharacters) as visible escapes; for text a page inserts as text nodes."""
    return xml_text(printable(text))


def md_code(text: str) -> str:
    """`text` as one Markdown code span: no HTML, mention or link inside takes effect, and a
    backtick in `text` cannot close the span early."""
    text = printable(text).replace("|", "\\|")
    longest = max((len(run) for run in re.findall("`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text.strip() else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def md_inline(text: str) -> str:
    """A finding's message or fix for Markdown: the rule's `code` spans stay code spans, and
    everything else is escaped (no raw HTML, no emphasis or links, no @mention). Text whose
    backticks do not pair up is escaped whole."""
    parts = text.split("`")
    if len(parts) % 2 == 0:
        return _md_plain(text)
    return "".join(md_code(part) if index % 2 else _md_plain(part) for index, part in enumerate(parts))


def _md_plain(text: str) -> str:
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", printable(text))
    return escaped.replace("@", "@\u200b")  # a zero-width space: `@name` notifies nobody
