"""Fixing files: pass after pass, scan, plan the fixes (reviewer.fixes.plan: overlapping ones
wait for the next pass), apply them to the files' text, keep only results that parse, and
write each changed file atomically (a temporary file in the same folder, the file's mode kept,
renamed into place). Passes stop when nothing changes, or after MAX_PASSES. `reviewer fix`
(reviewer.cli.fixcmd) and the rule examples (reviewer.examples) both fix through `run`."""

from __future__ import annotations

import io
import os
import tokenize
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from reviewer import fixes
from reviewer.cache import atomic_write
from reviewer.config import Config
from reviewer.discovery import dialect_of
from reviewer.model import Finding, Fix
from reviewer.registry import Registry
from reviewer.rule import Rule
from reviewer.runner import ScanResult, scan

# A fix that keeps producing new fixes (which a correct rule never does) stops here.
MAX_PASSES = 10


class FixIOError(Exception):
    """A file to fix cannot be read or written; the message names it."""


class NotFixable(Exception):
    """A file the fixes are not written to (not UTF-8); its fixes are dropped, not fatal."""


@dataclass
class FixRun:
    """What `reviewer fix` did: per pass, the fixes applied (with their findings), and the
    counts of fixes deferred to a later pass, dropped, and left out as unsafe."""

    passes: int = 0
    applied: list[tuple[Fix, tuple[Finding, ...]]] = field(default_factory=list)
    deferred: int = 0
    dropped: list[tuple[Fix, tuple[Finding, ...], str]] = field(default_factory=list)
    unsafe_left: int = 0
    # path -> (text before the first pass, text after the last)
    changes: dict[str, tuple[str, str]] = field(default_factory=dict)
    # Findings still deferred when the passes ran out (only when MAX_PASSES was reached).
    unsettled: int = 0


def run(
    targets: list[Path],
    config: Config,
    registry: Registry,
    enabled: list[type[Rule]],
    unsafe: bool = False,
    write: bool = True,
    jobs: int | None = None,
    use_cache: bool = True,
    scanner: Callable[..., ScanResult] = scan,
) -> FixRun:
    """Fix the findings under `targets`; with `write` false, one pass and no file written.
    `scanner` runs each pass's scan (the CLI's turns a late config error into exit 2)."""
    outcome = FixRun()
    for _ in range(MAX_PASSES if write else 1):
        result = scanner(targets, config, registry, enabled, jobs=jobs, use_cache=use_cache)
        root = Path(result.root)
        fixable = [finding for finding in result.findings if finding.autofix is not None]
        outcome.unsafe_left = sum(1 for finding in fixable if not (finding.autofix.safe or unsafe))  # type: ignore[union-attr]
        chosen = fixes.plan(fixable, unsafe)
        if not chosen.taken:
            break
        outcome.passes += 1
        outcome.deferred += len(chosen.deferred)
        paths = sorted({edit.path for fix, _ in chosen.taken for edit in fix.edits})
        originals: dict[str, tuple[str, str]] = {}
        skipped: dict[str, str] = {}
        for path in paths:
            try:
                originals[path] = _read(root, path)
            except NotFixable as reason:
                skipped[path] = str(reason)
        taken = []
        for fix, findings in chosen.taken:
            reason = next((skipped[edit.path] for edit in fix.edits if edit.path in skipped), None)
            if reason is None:
                taken.append((fix, findings))
            else:
                outcome.dropped.append((fix, findings, reason))
        texts = {path: text for path, (text, _) in originals.items()}
        dialects = {path: dialect_of(path) or config.dialect for path in paths}
        applied = fixes.apply(taken, texts, dialects)
        outcome.dropped.extend(applied.dropped)
        outcome.applied.extend(applied.applied)
        for path, text in applied.texts.items():
            before = outcome.changes.get(path, (texts[path], ""))[0]
            outcome.changes[path] = (before, text)
            if write:
                _write(root, path, originals[path][1] + text)
        if not write or not applied.texts:
            break
        outcome.unsettled = len(chosen.deferred)
    else:
        return outcome
    outcome.unsettled = 0
    return outcome


def _real(root: Path, path: str) -> Path:
    """The file to read and write for `path`: symlinks followed, and never outside the
    scanned folder (a fix must not write through a link to elsewhere)."""
    base = Path(os.path.realpath(root))
    real = Path(os.path.realpath(root / path))
    if base != real and base not in real.parents:
        raise FixIOError(f"{path}: links outside the scanned folder; not fixed")
    return real


def _read(root: Path, path: str) -> tuple[str, str]:
    """(text as the analysis saw it, the byte-order mark it had)."""
    real = _real(root, path)
    try:
        data = real.read_bytes()
    except OSError as error:
        raise FixIOError(f"{path}: cannot be read: {error.strerror or error}") from None
    encoding = "utf-8"
    if path.endswith(".py"):
        try:
            encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        except SyntaxError as error:
            raise NotFixable(f"{path}: {error}") from None
    if encoding not in ("utf-8", "utf-8-sig"):
        raise NotFixable(f"{path} is encoded as {encoding}; fixes are written to UTF-8 files only")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise NotFixable(f"{path} is not valid UTF-8 ({error.reason} at byte {error.start})") from None
    bom = "\ufeff" if text.startswith("\ufeff") else ""
    return text[len(bom):], bom


def _write(root: Path, path: str, text: str) -> None:
    try:
        atomic_write(_real(root, path), text)
    except OSError as error:
        raise FixIOError(f"{path}: cannot be written: {error.strerror or error}") from None
