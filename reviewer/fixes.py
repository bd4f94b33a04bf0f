"""Fixes: a rule's proposed changes placed as edits in files, planned so that no two fixes of
one pass overlap, applied to text, and kept only when the result still parses.

A fix is data on its finding (reviewer.model.Fix); this module never reads or writes files.
`reviewer fix` (reviewer.cli.fixcmd) reads the files, asks `apply` for their new text and writes
them; fixes deferred because they overlap a fix already taken are retried on the next pass,
after a re-scan."""

from __future__ import annotations

import ast
from bisect import bisect_right
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import TYPE_CHECKING, Iterable, Mapping

from reviewer.lines import LINE_BREAK
from reviewer.model import Edit, Finding, Fix
from reviewer.rule import Autofix, Change

if TYPE_CHECKING:  # pragma: no cover
    import libcst as cst


def place(autofix: Autofix | None, path: str, module: cst.Module | None = None) -> Fix | None:
    """The rule's proposal as edits in files. A change of a node of `module` is rendered in
    place (the module with that node replaced, so a multi-line replacement gets its block's
    indentation) and becomes the smallest edit that turns the file's text into that; an Edit
    with no path belongs to the finding's file. None when a target cannot be placed."""
    if autofix is None or not autofix.changes:
        return None
    edits = []
    module = autofix.module if autofix.module is not None else module
    for change in autofix.changes:
        edit = _placed(change, path, module)
        if edit is None:
            return None
        edits.append(edit)
    return Fix(autofix.description, autofix.safe, tuple(sorted(edits, key=_start)))


def _placed(change: Change, path: str, module: cst.Module | None) -> Edit | None:
    target = change.target
    if isinstance(target, Edit):
        return target if target.path else replace(target, path=path)
    if module is None:
        return None
    # A node of the rule's libcst tree: rendered with libcst, loaded only when a rule proposes one.
    from reviewer.fixnodes import replaced

    after = replaced(module, target, change.replacement)
    return None if after is None else _difference(path, _code(module), after)


@lru_cache(maxsize=1)  # libcst nodes hash and compare by identity
def _code(module: cst.Module) -> str:
    """The module's code, rendered once for the fixes of one file (one per finding)."""
    return module.code


def _difference(path: str, before: str, after: str) -> Edit | None:
    """The one edit that turns `before` into `after`: what lies between their common prefix
    and common suffix. None when they are equal (the node was not in the tree)."""
    if before == after:
        return None
    limit = min(len(before), len(after))
    head = 0
    while head < limit and before[head] == after[head]:
        head += 1
    tail = 0
    while tail < limit - head and before[-1 - tail] == after[-1 - tail]:
        tail += 1
    # An insertion after indentation that it also ends with (`    ` + `timeout=10,\n    `) is
    # the same text as a whole line inserted at the line's start, which reads better.
    while head and head == len(before) - tail and after[len(after) - tail - 1 : len(after) - tail] == before[head - 1] in " \t":
        head -= 1
        tail += 1
    starts = [0] + [match.end() for match in LINE_BREAK.finditer(before)]
    start, end = _position(starts, head), _position(starts, len(before) - tail)
    return Edit(path, *start, *end, after[head : len(after) - tail])


def _position(starts: list[int], offset: int) -> tuple[int, int]:
    line = bisect_right(starts, offset)
    return line, offset - starts[line - 1] + 1


def _start(edit: Edit) -> tuple:
    return (edit.path, edit.line, edit.column, edit.end_line, edit.end_column)


# --------------------------------------------------------------------------------------------
# Planning: no two fixes of one pass touch the same text


@dataclass(frozen=True)
class Plan:
    """The fixes of one pass: taken (with the findings each fixes), and deferred (overlapping a
    taken fix; the next pass re-scans and retries them)."""

    taken: tuple[tuple[Fix, tuple[Finding, ...]], ...]
    deferred: tuple[Finding, ...]


def plan(findings: Iterable[Finding], unsafe: bool = False) -> Plan:
    """Take fixes in report order (path, line, column, rule); a fix whose edits overlap an edit
    already taken waits for the next pass. Identical fixes (two findings, one fix) count once."""
    taken: dict[Fix, list[Finding]] = {}
    spans: dict[str, list[Edit]] = {}
    deferred = []
    for finding in sorted(findings, key=Finding.sort_key):
        fix = finding.autofix
        if fix is None or not (fix.safe or unsafe):
            continue
        if fix in taken:
            taken[fix].append(finding)
            continue
        if any(_overlap(edit, other) for edit in fix.edits for other in spans.get(edit.path, ())) or _self_overlap(fix):
            deferred.append(finding)
            continue
        taken[fix] = [finding]
        for edit in fix.edits:
            spans.setdefault(edit.path, []).append(edit)
    return Plan(tuple((fix, tuple(members)) for fix, members in taken.items()), tuple(deferred))


def _overlap(a: Edit, b: Edit) -> bool:
    a_start, a_end = (a.line, a.column), (a.end_line, a.end_column)
    b_start, b_end = (b.line, b.column), (b.end_line, b.end_column)
    if a_start == a_end and b_start == b_end:
        return a_start == b_start  # two insertions at one point: their order would be a guess
    return a_start < b_end and b_start < a_end or a_start == b_start


def _self_overlap(fix: Fix) -> bool:
    edits = sorted(fix.edits, key=_start)
    return any(a.path == b.path and _overlap(a, b) for a, b in zip(edits, edits[1:]))


# --------------------------------------------------------------------------------------------
# Applying


class EditOutOfRange(ValueError):
    """An edit names a position the file does not have (the file changed since the scan)."""


def apply_edits(text: str, edits: Iterable[Edit]) -> str:
    """`text` with the non-overlapping `edits` applied (positions are of `text`)."""
    starts = [0] + [match.end() for match in LINE_BREAK.finditer(text)]
    placed = sorted(((_offset(text, starts, e.line, e.column), _offset(text, starts, e.end_line, e.end_column), e) for e in edits),
                    key=lambda item: (item[0], item[1]))
    out = []
    cursor = 0
    for start, end, edit in placed:
        if start < cursor or end < start:
            raise EditOutOfRange(f"overlapping or reversed edit at {edit.line}:{edit.column}")
        out.append(text[cursor:start])
        out.append(edit.replacement)
        cursor = end
    out.append(text[cursor:])
    return "".join(out)


def _offset(text: str, starts: list[int], line: int, column: int) -> int:
    if not 1 <= line <= len(starts):
        raise EditOutOfRange(f"line {line} is not in the file")
    start = starts[line - 1]
    limit = starts[line] if line < len(starts) else len(text)
    offset = start + column - 1
    if not start <= offset <= limit:
        raise EditOutOfRange(f"column {column} is not on line {line}")
    return offset


def parses(path: str, text: str, dialect: str, before: str | None = None) -> bool:
    """Whether a fixed file is still valid: Python parses with CPython's parser and libcst's;
    an SQL file's statements parse with sqlglot: all of them, or, given the text `before` the
    fix, at least as many statements as before (a fix may add one, never merge two) with no
    more that fail (sqlglot does not read every PL/pgSQL body, so a migration may hold
    statements it never parsed)."""
    if path.endswith(".sql"):
        after = _sql_failures(text, dialect)
        if after is None:
            return False
        if before is None:
            return after[1] == 0
        was = _sql_failures(before, dialect)
        return was is not None and after[0] >= was[0] and after[1] <= was[1]
    import libcst

    try:
        ast.parse(text)
        libcst.parse_module(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError, libcst.ParserSyntaxError):
        return False
    return True


def _sql_failures(text: str, dialect: str) -> tuple[int, int] | None:
    """(statements, statements that do not parse), or None when the text does not tokenize."""
    from reviewer.sql.sqllex import lex
    from reviewer.sql.sqltext import parse_statement

    lexed = lex(text, dialect)
    if lexed is None:
        return None
    statements = lexed.statements
    return len(statements), sum(1 for piece in statements if parse_statement(piece.text, dialect) is None)


@dataclass(frozen=True)
class Outcome:
    """What applying a pass's plan gives: the new text of each changed file, the fixes applied,
    and the fixes dropped with the reason (the result did not parse, the file changed)."""

    texts: Mapping[str, str]
    applied: tuple[tuple[Fix, tuple[Finding, ...]], ...]
    dropped: tuple[tuple[Fix, tuple[Finding, ...], str], ...]


def apply(taken: Iterable[tuple[Fix, tuple[Finding, ...]]], originals: Mapping[str, str], dialects: Mapping[str, str]) -> Outcome:
    """Apply the planned fixes to the `originals` (path -> text). A fix whose file would not
    parse is dropped: first each fix that breaks its file on its own, then, if the combination
    still breaks it, every fix touching that file; a fix spanning files goes or stays whole."""
    live = list(taken)
    dropped: list[tuple[Fix, tuple[Finding, ...], str]] = []

    def drop(item, reason: str) -> None:
        live.remove(item)
        dropped.append((*item, reason))

    for item in list(live):
        missing = sorted({edit.path for edit in item[0].edits if edit.path not in originals})
        if missing:
            drop(item, f"cannot read {missing[0]}")
    while True:
        texts, broken = _texts(live, originals, dialects)
        if not broken:
            break
        path, reason = broken
        touching = [item for item in live if any(edit.path == path for edit in item[0].edits)]
        culprits = [item for item in touching if _texts([item], originals, dialects)[1] is not None]
        for item in culprits or touching:
            drop(item, reason)
    return Outcome(texts, tuple(live), tuple(dropped))


def _texts(items, originals: Mapping[str, str], dialects: Mapping[str, str]) -> tuple[dict[str, str], tuple[str, str] | None]:
    """(path -> new text, None), or ({}, (path, reason)) for the first file the edits break."""
    by_path: dict[str, list[Edit]] = {}
    for fix, _ in items:
        for edit in fix.edits:
            by_path.setdefault(edit.path, []).append(edit)
    texts = {}
    for path in sorted(by_path):
        try:
            text = apply_edits(originals[path], by_path[path])
        except EditOutOfRange as error:
            return {}, (path, f"{path} changed since the scan ({error})")
        if text == originals[path]:
            continue
        if not parses(path, text, dialects.get(path, "postgres"), originals[path]):
            return {}, (path, f"{path} would no longer parse")
        texts[path] = text
    return texts, None


# --------------------------------------------------------------------------------------------
# Building blocks for rules' fixes


