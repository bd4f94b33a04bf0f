"""`reviewer fix [PATH]`: apply the findings' fixes (reviewer.fixrun) and say what changed.
`--diff` and `--dry-run` write nothing and so show one pass."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from reviewer.cli import UsageError, _setup, check_targets, main, pack_options, scan_or_exit
from reviewer.config import PROFILES

if TYPE_CHECKING:  # the engine loads only when `fix` runs (start-up: reviewer --version)
    from reviewer.fixrun import FixRun


def unified_diff(changes: dict[str, tuple[str, str]]) -> str:
    import difflib  # here: every command imports this module, `fix --diff` alone diffs

    out = []
    for path in sorted(changes):
        before, after = changes[path]
        out.extend(
            difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True), f"a/{path}", f"b/{path}")
        )
        if out and not out[-1].endswith("\n"):
            out[-1] += "\n\\ No newline at end of file\n"
    return "".join(out)


def summary(outcome: "FixRun", write: bool, unsafe: bool) -> list[str]:
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
        from reviewer.fixrun import MAX_PASSES

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
    from reviewer.fixrun import FixIOError, run

    targets = check_targets(paths)
    config, registry, enabled = _setup(targets, config_path, select, ignore, packs, profile)
    write = not (show_diff or dry_run)
    try:
        outcome = run(targets, config, registry, enabled, unsafe, write, jobs or None, not no_cache, scanner=scan_or_exit)
    except FixIOError as error:
        raise UsageError(str(error)) from None
    if show_diff:
        click.echo(unified_diff(outcome.changes), nl=False)
        click.echo("\n".join(summary(outcome, write, unsafe)), err=True)
        return
    click.echo("\n".join(summary(outcome, write, unsafe)))
    sys.exit(0)
