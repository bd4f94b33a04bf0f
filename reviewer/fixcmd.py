"""`reviewer fix [PATH]`: apply the findings' fixes, pass after pass, and say what changed.

Each pass scans, plans the fixes (reviewer.fixes.plan: overlapping ones wait for the next
pass), applies them to the files' text, keeps only results that parse, and writes each changed
file atomically (a temporary file in the same folder, the file's mode kept, renamed into
place). Passes stop when nothing changes, or after MAX_PASSES. `--diff` and `--dry-run` write
nothing and so show one pass."""

from __future__ import annotations

import difflib
import io
import os
import sys
import tokenize
from dataclasses import dataclass, field
from pathlib import Path

import click

from reviewer import fixes
from reviewer.cache import atomic_write
from reviewer.cli import UsageError, _progress_bar, _setup, check_targets, main, pack_options, scan_or_exit
from reviewer.config import PROFILES, Config
from reviewer.discovery import dialect_of
from reviewer.model import Finding, Fix
from reviewer.registry import Registry
from reviewer.rule import Rule

# A fix that keeps producing new fixes (which a correct rule never does) stops here.
MAX_PASSES = 10


class FixIOError(Exception):
    """A file to fix cannot be read or written; the message names it."""


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
) -> FixRun:
    """Fix the findings under `targets`; with `write` false, one pass and no file written."""
    outcome = FixRun()
    for _ in range(MAX_PASSES if write else 1):
        result = scan_or_exit(targets, config, registry, enabled, jobs=jobs, use_cache=use_cache)
        root = Path(result.root)
        fixable = [finding for finding in result.findings if finding.autofix is not None]
        outcome.unsafe_left = sum(1 for finding in fixable if not (finding.autofix.safe or unsafe))  # type: ignore[union-attr]
        chosen = fixes.plan(fixable, unsafe)
        if not chosen.taken:
            break
        outcome.passes += 1
        outcome.deferred += len(chosen.deferred)
        paths = sorted({edit.path for fix, _ in chosen.taken for edit in fix.edits})
        originals = {path: _read(root, path) for path in paths}
        texts = {path: text for path, (text, _) in originals.items()}
        dialects = {path: dialect_of(path) or config.dialect for path in paths}
        applied = fixes.apply(chosen.taken, texts, dialects)
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
            raise FixIOError(f"{path}: {error}") from None
    if encoding not in ("utf-8", "utf-8-sig"):
        raise FixIOError(f"{path}: encoded as {encoding}; fixes are written to UTF-8 files only")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise FixIOError(f"{path}: not valid UTF-8 ({error.reason} at byte {error.start})") from None
    bom = "\ufeff" if text.startswith("\ufeff") else ""
    return text[len(bom):], bom


def _write(root: Path, path: str, text: str) -> None:
    try:
        atomic_write(_real(root, path), text)
    except OSError as error:
        raise FixIOError(f"{path}: cannot be written: {error.strerror or error}") from None


def unified_diff(changes: dict[str, tuple[str, str]]) -> str:
    out = []
    for path in sorted(changes):
        before, after = changes[path]
        out.extend(
            difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True), f"a/{path}", f"b/{path}")
        )
        if out and not out[-1].endswith("\n"):
            out[-1] += "\n\\ No newline at end of file\n"
    return "".join(out)


def summary(outcome: FixRun, write: bool, unsafe: bool) -> list[str]:
    """What was fixed, file by file, then the counts."""
    lines = []
    verb = "fixed" if write else "would fix"
    for fix, findings in sorted(outcome.applied, key=lambda item: item[1][0].sort_key()):
        first = findings[0]
        codes = ", ".join(sorted({finding.rule for finding in findings}))
        lines.append(f"{verb} {first.path}:{first.line}: {codes} {fix.description}{'' if fix.safe else ' (unsafe)'}")
    for fix, findings, reason in outcome.dropped:
        lines.append(f"not fixed {findings[0].path}:{findings[0].line}: {findings[0].rule} {fix.description}: {reason}")
    files = len(outcome.changes)
    parts = [f"{len(outcome.applied)} fix(es) {'applied' if write else 'to apply'} in {files} file(s)"
             + (f" ({outcome.passes} pass(es))" if write and outcome.passes > 1 else "")]
    if outcome.deferred:
        later = "applied in a later pass" if write else "run `reviewer fix` to apply them in later passes"
        parts.append(f"{outcome.deferred} deferred (overlapping another fix; {later})")
    if outcome.dropped:
        parts.append(f"{len(outcome.dropped)} dropped (listed above)")
    if outcome.unsafe_left and not unsafe:
        parts.append(f"{outcome.unsafe_left} unsafe fix(es) not applied (add --unsafe-fixes, and review them)")
    if outcome.unsettled:
        parts.append(f"{outcome.unsettled} still pending after {MAX_PASSES} passes")
    counts = "; ".join(parts)
    lines.append(f"reviewer: {counts}")
    return lines


@main.command("fix")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path), help="Config file (default: .reviewer.yml or [tool.reviewer] in pyproject.toml).")
@click.option("--select", multiple=True, help="Only fix the findings of these rules: codes, code prefixes or categories (as for `scan`).")
@click.option("--ignore", multiple=True, help="Skip these rules (as for `scan`).")
@click.option("--profile", type=click.Choice(PROFILES), help="Rule set: default or audit (as for `scan`).")
@click.option("--unsafe-fixes", "unsafe", is_flag=True, help="Also apply fixes that change behaviour (e.g. a timeout where there was none); review them.")
@click.option("--diff", "show_diff", is_flag=True, help="Print a unified diff of the first pass's fixes instead of writing them.")
@click.option("--dry-run", is_flag=True, help="Say what the first pass would fix, without writing.")
@click.option("--jobs", "-j", type=click.IntRange(min=0), default=0, help="Worker processes (0 = one per core).")
@click.option("--no-cache", is_flag=True, help="Neither read nor write the result cache.")
@pack_options
def fix_command(paths, config_path, select, ignore, profile, unsafe: bool, show_diff: bool, dry_run: bool, jobs: int, no_cache: bool, packs) -> None:
    """Apply the fixes of the findings under PATHS (default: the current folder): safe fixes,
    and unsafe ones with --unsafe-fixes. Fixes that overlap wait for the next pass; a fix whose
    result would not parse is dropped and listed."""
    targets = check_targets(paths)
    config, registry, enabled = _setup(targets, config_path, select, ignore, packs, profile)
    write = not (show_diff or dry_run)
    try:
        outcome = run(targets, config, registry, enabled, unsafe, write, jobs or None, not no_cache)
    except FixIOError as error:
        raise UsageError(str(error)) from None
    if show_diff:
        click.echo(unified_diff(outcome.changes), nl=False)
        click.echo("\n".join(summary(outcome, write, unsafe)), err=True)
        return
    click.echo("\n".join(summary(outcome, write, unsafe)))
    sys.exit(0)
