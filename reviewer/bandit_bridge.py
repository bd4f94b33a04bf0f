"""Bandit inside: bandit's plugin tests as reviewer rules, run in-process on the scan's files.

Each bandit test (B105, B324, ...) becomes a rule class of category `security` with the test id
as its code, so the same `select` / `ignore` / `severity` / `per-path-ignores` config and the
same `# reviewer: ignore[B105] reason` suppression apply. The engine hands this module the
file it already read and the `ast` tree it already parsed; bandit's node visitor walks that
tree (no subprocess, no second walk of the project, no second parse). `# nosec` comments are
honoured as bandit honours them.

Where one of our rules is more precise, bandit's test is opt-in (`OPT_IN`), and a rule of
ours can name the bandit tests it `supersedes`: the engine merges their findings on one line
into ours (reviewer.merge), so one line never carries the same problem twice.
"""

from __future__ import annotations

import ast
import io
import logging
import re
import tokenize
import warnings
from functools import lru_cache
from typing import TYPE_CHECKING, ClassVar, Iterable

from reviewer.lines import split_lines
from reviewer.model import Category, Confidence, FileError, Finding, Location, Severity
from reviewer.rule import PythonRule, Report

if TYPE_CHECKING:  # pragma: no cover
    from reviewer.config import Config
    from reviewer.discovery import SourceFile

try:  # bandit is a runtime dependency; a broken install only loses bandit's tests
    import bandit

    with warnings.catch_warnings():  # stevedore's deprecation notices are not the user's
        warnings.simplefilter("ignore")
        from bandit.core import extension_loader as _bandit_extensions
    from bandit.core import config as _bandit_config
    from bandit.core import manager as _bandit_manager
    from bandit.core import metrics as _bandit_metrics
    from bandit.core import node_visitor as _bandit_visitor
    from bandit.core import test_set as _bandit_test_set

    BANDIT_VERSION = bandit.__version__
except Exception:  # noqa: BLE001 - any import failure means "no bandit"
    bandit = None  # type: ignore[assignment]
    BANDIT_VERSION = ""

# Bandit logs through the root logger's last-resort handler (stderr) by default; the scan
# reports problems itself.
logging.getLogger("bandit").addHandler(logging.NullHandler())
logging.getLogger("bandit").propagate = False

# Bandit tests that one of our rules does more precisely; off unless selected by exact code.
OPT_IN = {
    "B608": "SQL001 (sink-aware, sqlglot hole classification)",
    "B610": "SQL001 (sink-aware, sqlglot hole classification)",
    "B611": "SQL001 (sink-aware, sqlglot hole classification)",
    "B113": "OPS001 (Sessions, httpx, aiohttp, urllib, smtplib, gRPC)",
    "B201": "SEC006 (Django, Flask, FastAPI, Starlette debug settings)",
}

# Bandit tests that report the same problem on the same line as other bandit tests (the
# Django XSS plugin and the blacklist `mark_safe` call both flag every `mark_safe(...)`): the
# key supersedes the values, so the engine merges them (reviewer.merge).
BANDIT_SUPERSEDES = {"B703": ("B308",)}

_SEVERITY = {"LOW": Severity.LOW, "MEDIUM": Severity.MEDIUM, "HIGH": Severity.HIGH}
_CONFIDENCE = {"LOW": Confidence.LOW, "MEDIUM": Confidence.MEDIUM, "HIGH": Confidence.HIGH}
_TITLE = re.compile(r"\*\*B\d{3}:\s*(?P<title>[^*]+)\*\*")


class BanditTest(PythonRule):
    """Base of the rules generated from bandit's tests (see `rules()`)."""

    category = Category.SECURITY
    severity = Severity.MEDIUM
    confidence = Confidence.MEDIUM
    message = "Issue found by bandit"
    fix = "Read bandit's documentation of the test"
    # Bandit's own id and name, e.g. ("B105", "hardcoded_password_string").
    bandit_id: ClassVar[str] = ""
    bandit_name: ClassVar[str] = ""


def is_bandit_rule(rule: type) -> bool:
    return isinstance(rule, type) and issubclass(rule, BanditTest) and rule is not BanditTest


def _camel(kebab: str) -> str:
    return "".join(part.capitalize() for part in kebab.split("-"))


def _documentation_url(test_id: str) -> str:
    try:
        from bandit.core import docs_utils

        return docs_utils.get_url(test_id)
    except Exception:  # noqa: BLE001
        return "https://bandit.readthedocs.io/"


def _make_rule(test_id: str, name: str, title: str) -> type[BanditTest]:
    kebab = name.replace("_", "-").lower()
    title = " ".join(title.split()).rstrip(".")
    url = _documentation_url(test_id)
    why = f" It is off by default: {OPT_IN[test_id]} covers it more precisely." if test_id in OPT_IN else ""
    doc = (
        f"Bandit's test {test_id} ({name}): {title[:1].lower() + title[1:]}.\n\n"
        f"Run in-process on the files the scan selected; severity and confidence are the ones "
        f"bandit gives each issue.{why} Bandit documents and tests it: {url}"
    )
    return type(
        _camel(kebab),
        (BanditTest,),
        {
            "__doc__": doc,
            "__module__": __name__,
            "code": test_id,
            "name": kebab,
            "message": f"Bandit {test_id}: {title}",
            "fix": f"See {url}",
            "references": (url,),
            "opt_in": test_id in OPT_IN,
            "supersedes": BANDIT_SUPERSEDES.get(test_id, ()),
            "bandit_id": test_id,
            "bandit_name": name,
        },
    )


@lru_cache(maxsize=1)
def rules() -> tuple[type[BanditTest], ...]:
    """One rule class per bandit test (plugins and blacklist entries), sorted by id."""
    if bandit is None:
        return ()
    manager = _bandit_extensions.MANAGER
    found: dict[str, type[BanditTest]] = {}
    for plugin in manager.plugins:
        test_id = plugin.plugin._test_id
        match = _TITLE.search(plugin.plugin.__doc__ or "")
        title = match.group("title") if match else plugin.name.replace("_", " ")
        found[test_id] = _make_rule(test_id, plugin.name, title)
    for entries in manager.blacklist.values():
        for entry in entries:
            if entry["id"] not in found:
                found[entry["id"]] = _make_rule(entry["id"], entry["name"], entry["message"])
    return tuple(found[code] for code in sorted(found))


class _NoMetaAst:
    """Bandit's visitor records every node for its debug output; we never print it."""

    def add_node(self, node, parent_id, depth) -> None:  # noqa: ARG002
        return None


# One test set at a time: building one stores the selected blacklist entries on bandit's
# module-level `blacklist` function, so an older cached set would run with another set's
# blacklist (KeyError on node kinds it no longer lists). A scan uses one selection anyway.
@lru_cache(maxsize=1)
def _test_set(test_ids: frozenset[str]):
    return _bandit_test_set.BanditTestSet(_bandit_config.BanditConfig(), {"include": set(test_ids), "exclude": set()})


def _nosec_lines(text: str) -> dict[int, set[str] | None]:
    if "nosec" not in text:
        return {}
    lines: dict[int, set[str] | None] = {}
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.COMMENT:
                lines[token.start[0]] = _bandit_manager._parse_nosec_comment(token.string)
    except (tokenize.TokenError, SyntaxError):
        pass
    return lines


def run(
    source: "SourceFile",
    text: str,
    tree: ast.Module,
    enabled: Iterable[type[BanditTest]],
    config: "Config",
    errors: list[FileError],
) -> list[Finding]:
    """Findings of the enabled bandit tests on one file, from the already-parsed `tree`."""
    from reviewer.analyse import make_finding  # analyse imports this module

    by_id = {rule.bandit_id: rule for rule in enabled}
    if not by_id or bandit is None:
        return []
    metrics = _bandit_metrics.Metrics()
    metrics.begin(str(source.path))
    visitor = _bandit_visitor.BanditNodeVisitor(
        str(source.path),
        io.BytesIO(text.encode("utf-8", "surrogateescape")),
        _NoMetaAst(),
        _test_set(frozenset(by_id)),
        False,
        _nosec_lines(text),
        metrics,
    )
    visitor.tester.report_error = _error_recorder(source.rel, errors)
    try:
        visitor.generic_visit(tree)
        # Tests that read the whole file rather than nodes (B613, trojan source).
        visitor.context = {"file_data": visitor.fdata, "filename": visitor.fname, "lineno": 0, "linerange": [0, 1], "col_offset": 0}
        visitor.update_scores(visitor.tester.run_tests(visitor.context, "File"))
    except RecursionError:
        errors.append(FileError(source.rel, "too-deep", "nesting too deep for bandit's tests"))
        return []
    lines = split_lines(text)
    findings = []
    seen: set[tuple[str, int, int]] = set()
    for issue in visitor.tester.results:
        rule = by_id.get(issue.test_id)
        if rule is None:
            continue
        line = int(issue.lineno or 1)
        column = max(int(issue.col_offset or 0), 0) + 1
        key = (rule.code, line, column)
        if key in seen:  # bandit reports an import-and-call blacklist hit once per node kind
            continue
        seen.add(key)
        end_line = max([line, *[int(n) for n in (issue.linerange or []) if n]])
        end_column = int(getattr(issue, "end_col_offset", 0) or 0)
        if end_line == line and end_column < column:
            end_column = column
        report = Report(
            target=Location(line, column, end_line, max(end_column, 1)),
            message=f"{issue.test_id}: {' '.join(str(issue.text).split()).rstrip('.')}",
            severity=_SEVERITY.get(str(issue.severity), rule.severity),
            confidence=_CONFIDENCE.get(str(issue.confidence), rule.confidence),
            fix=rule.fix,
        )
        findings.append(make_finding(rule, report, source.rel, report.target, lines, config))
    return findings


def _error_recorder(path: str, errors: list[FileError]):
    """Bandit swallows every exception a test raises; the per-file time limit must still stop
    the file, and a crashing test is reported like a crashing rule of ours."""
    from reviewer.analyse import FileTimeout

    def record(test, context, error) -> None:  # noqa: ARG001
        if isinstance(error, FileTimeout):
            raise error
        errors.append(FileError(path, "rule-error", f"bandit {test} failed: {type(error).__name__}: {error}"))

    return record
