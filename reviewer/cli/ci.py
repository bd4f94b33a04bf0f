"""The CI commands: `reviewer baseline create|update FILE` and `reviewer review --base REV`.

Imported by reviewer.cli, which they reuse for config, rule selection and the gate."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from reviewer import baseline as baseline_module
from reviewer.cli import (
    UsageError, _changed_lines, _gate, _load_baseline, _progress_bar, _setup, check_targets, check_writable, git_answers_kept, main, pack_options,
    scan_or_exit, within, write_file,
)
from reviewer.config import PROFILES, PackChoice
from reviewer.gate import evaluate, is_set
from reviewer.model import FileError, Finding
from reviewer.reporters import render
from reviewer.scoring import checked_categories, score

# The engine and the platform clients (requests) are imported by the commands that use them.
if TYPE_CHECKING:
    from reviewer.integrations import ReviewPlan
    from reviewer.runner import ScanResult, Selection


def _scan(
    paths: tuple[str, ...], config_path: Path | None, select, ignore, profile, jobs: int, no_cache: bool, quiet: bool, packs: PackChoice,
    selection: Selection | None = None,
):
    targets = check_targets(paths)
    config, registry, enabled = _setup(targets, config_path, select, ignore, packs, profile)
    result = scan_or_exit(
        targets, config, registry, enabled, jobs=jobs or None, use_cache=not no_cache, progress=_progress_bar(quiet), selection=selection
    )
    return config, result


SCAN_OPTIONS = [
    click.argument("paths", nargs=-1, type=click.Path()),
    click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path), help="Config file (default: .reviewer.yml or [tool.reviewer] in pyproject.toml)."),
    click.option("--select", multiple=True, help="Only these rules (as for `scan`)."),
    click.option("--ignore", multiple=True, help="Skip these rules (as for `scan`)."),
    click.option("--profile", type=click.Choice(PROFILES), help="Rule set: default or audit (as for `scan`)."),
    click.option("--jobs", "-j", type=click.IntRange(min=0), default=0, help="Worker processes (0 = one per core)."),
    click.option("--no-cache", is_flag=True, help="Neither read nor write the result cache (kept outside the tree; REVIEWER_CACHE_DIR names its folder)."),
    click.option("--quiet", "-q", is_flag=True, help="No progress bar."),
    pack_options,
]


def scan_options(function):
    for option in reversed(SCAN_OPTIONS):
        function = option(function)
    return function


@main.group()
def baseline() -> None:
    """Record today's findings so CI fails only on new ones (`scan --baseline FILE`)."""


@baseline.command("create")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@scan_options
@click.option("--force", is_flag=True, help="Overwrite an existing baseline file.")
def baseline_create(file: Path, paths, config_path, select, ignore, profile, jobs, no_cache, quiet, packs: PackChoice, force: bool) -> None:
    """Write every current finding of PATHS (default: the current folder) to FILE."""
    if file.exists() and not force:
        raise UsageError(f"{file} exists; use `reviewer baseline update {file}` or --force")
    check_writable(file, "baseline")
    _, result = _scan(paths, config_path, select, ignore, profile, jobs, no_cache, quiet, packs)
    entries = baseline_module.entries_of(result.findings)
    write_file(file, baseline_module.dumps(entries), "baseline")
    click.echo(f"reviewer: wrote {len(entries)} finding(s) to {file}")


@baseline.command("update")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@scan_options
@click.option("--add-new", is_flag=True, help="Also record findings that are not in FILE yet.")
def baseline_update(file: Path, paths, config_path, select, ignore, profile, jobs, no_cache, quiet, packs: PackChoice, add_new: bool) -> None:
    """Drop entries of FILE that no longer match a finding (fixed); with --add-new, also
    record new findings."""
    entries = _load_baseline(file)
    assert entries is not None
    _, result = _scan(paths, config_path, select, ignore, profile, jobs, no_cache, quiet, packs)
    updated, dropped, added = baseline_module.update(entries, result, add_new=add_new)
    write_file(file, baseline_module.dumps(updated), "baseline")
    click.echo(f"reviewer: {file}: {len(updated)} finding(s); {dropped} fixed and dropped, {added} added")


@main.command()
@scan_options
@click.option("--base", "base", required=True, metavar="REV", help="Git revision the change is compared with (its merge base with HEAD), e.g. origin/main.")
@click.option("--platform", type=click.Choice(["auto", "github", "gitlab"]), default="auto", show_default=True, help="Where to post; auto reads the CI environment.")
@click.option("--pr", "number", type=click.IntRange(min=1), help="Pull-request number (GitHub) or merge-request IID (GitLab), if the CI environment does not say.")
@click.option("--baseline", "baseline_path", type=click.Path(dir_okay=False, path_type=Path), help="Leave out findings recorded in this baseline file.")
@click.option("--fail-under", type=float, help="Gate: fail when the score over the changed lines is under SCORE.")
@click.option("--fail-on", type=str, help="Gate: fail on a finding on a changed line at or above SEVERITY.")
@click.option("--fail-on-confidence", type=str, help="Confidence floor for --fail-on.")
@click.option("--dry-run", is_flag=True, help="Print the review payload as JSON instead of posting it (no CI platform needed).")
@click.option("--report", "report_path", type=click.Path(dir_okay=False, path_type=Path), help="Build the review from this JSON report of `reviewer scan PATHS -o json:FILE` instead of scanning again (same PATHS; the scan's baseline is already applied).")
@git_answers_kept
def review(
    paths, config_path, select, ignore, profile, jobs, no_cache, quiet, packs: PackChoice, base: str, platform: str, number: int | None,
    baseline_path: Path | None, fail_under, fail_on, fail_on_confidence, dry_run: bool, report_path: Path | None,
) -> None:
    """Post one pull-request review: inline comments on changed lines, the rest in its body.

    GitHub: GITHUB_TOKEN, GITHUB_REPOSITORY, GITHUB_API_URL, the PR from GITHUB_EVENT_PATH.
    GitLab: CI_API_V4_URL, CI_PROJECT_ID, CI_MERGE_REQUEST_IID, a token in
    REVIEWER_GITLAB_TOKEN or GITLAB_TOKEN. Re-runs update or skip earlier comments. On a
    GitHub pull request from a fork, whose token cannot post (403), the findings become
    annotations and the review goes to the job summary; the exit code is the gate's."""
    from reviewer import gitdiff
    from reviewer.integrations import ApiError, github, gitlab, neutral_payload, plan_review, redact
    from reviewer.reporters.common import verdict_text
    from reviewer.runner import Selection, scan_root

    env = dict(os.environ)
    chosen = _platform(platform, env, dry_run)
    module = {"github": github, "gitlab": gitlab}.get(chosen)
    settings = module.Settings(env, number) if module is not None else None
    missing = [] if dry_run or settings is None else settings.missing()
    if missing:
        raise UsageError(f"review on {chosen}: missing {', '.join(missing)}")
    if report_path is not None and baseline_path is not None:
        raise UsageError("--baseline with --report: the scan that wrote the report applied its own baseline; pass --baseline to that scan")
    entries = _load_baseline(baseline_path)
    changed = _changed_lines(scan_root(check_targets(paths)), base, "--base")
    selection = Selection(changed.paths)
    if report_path is not None:
        config, result = _from_report(report_path, paths, config_path, select, ignore, profile, packs)
    else:
        # The review shows findings of the changed files only: the others are not checked.
        config, result = _scan(paths, config_path, select, ignore, profile, jobs, no_cache, quiet, packs, selection)
    gate = _gate(config, fail_under, fail_on, fail_on_confidence)
    if entries is not None:
        result = baseline_module.apply(result, within(entries, selection), config.weight_map)
    narrowed: ScanResult = gitdiff.limit_to_diff(result, changed, config.weight_map)
    verdict = evaluate(narrowed, gate)
    shown = verdict if is_set(gate) else None
    plan = plan_review(result, changed, shown)
    if dry_run:
        payload = module.dry_run_payload(plan, settings) if module is not None else neutral_payload(plan)
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
    else:
        try:
            outcome = module.post(plan, settings)
        except ApiError as error:
            if not (chosen == "github" and error.status == 403 and settings.from_fork):
                raise UsageError(redact(f"review on {chosen}: {error}", settings.token)) from None
            _fork_fallback(plan, gitdiff.with_path_prefix(narrowed, changed.prefix), shown, env)
        else:
            click.echo(f"reviewer: {chosen} review of {outcome.describe()}", err=True)
    click.echo(verdict_text(shown), err=True)
    sys.exit(0 if verdict[0] else 1)


def _fork_fallback(plan: ReviewPlan, narrowed: ScanResult, verdict, env: dict[str, str]) -> None:
    """GitHub gives a pull request from a fork a read-only token: the review cannot be posted.
    Its findings become workflow annotations (shown on the changed lines) and its body goes
    to the job summary; the job then passes or fails on the gate alone."""
    click.echo(
        "::warning title=reviewer review::The review was not posted: this pull request comes from a fork, whose "
        "GITHUB_TOKEN is read-only (403). Its findings are annotations on the changed lines and its summary is in the job summary."
    )
    click.echo(render("github", narrowed, gate=verdict), nl=False)
    summary = env.get("GITHUB_STEP_SUMMARY")
    if summary:
        note = "_The review could not be posted on this pull request from a fork (read-only token); here it is._\n\n"
        try:
            with open(summary, "a", encoding="utf-8") as handle:
                handle.write(note + plan.body + "\n")
        except OSError as error:
            click.echo(f"reviewer: cannot append to GITHUB_STEP_SUMMARY {summary}: {error.strerror or error}", err=True)
    click.echo("reviewer: github review not posted (pull request from a fork); findings written as annotations", err=True)


def _from_report(report_path: Path, paths, config_path, select, ignore, profile, packs: PackChoice):
    """The config and the scan result of a JSON report written by `reviewer scan PATHS -o
    json:FILE`; its findings' paths are relative to PATHS, like a fresh scan's."""
    from reviewer.runner import ScanResult, scan_root

    targets = check_targets(paths)
    config, _, enabled = _setup(targets, config_path, select, ignore, packs, profile)
    try:
        data = json.loads(report_path.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or (data.get("tool") or {}).get("name") != "reviewer":
            raise ValueError("its `tool.name` is not reviewer")
        summary = data["summary"]
        findings = tuple(Finding.from_cache(item) for item in data["findings"])
        errors = tuple(FileError(item["path"], item["kind"], item["message"]) for item in data.get("errors", []))
        lines, suppressed, baselined = int(summary["lines"]), int(summary["suppressed"]), int(summary["baselined"])
        fixed = tuple((data.get("baseline") or {}).get("fixed", ()))
    except OSError as error:
        raise UsageError(f"--report {report_path}: cannot be read: {error.strerror or error}") from None
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise UsageError(
            f"--report {report_path}: not a JSON report of `reviewer scan -o json:FILE` ({type(error).__name__}: {error})"
        ) from None
    result = ScanResult(
        root=str(scan_root(targets)),
        files=int(summary.get("files", 0)),
        lines=lines,
        findings=findings,
        suppressed=suppressed,
        baselined=baselined,
        errors=errors,
        score=score(findings, lines, config.weight_map, checked_categories(enabled)),
        rules=tuple(enabled),
        fixed=fixed,
    )
    return config, result


def _platform(platform: str, env: dict[str, str], dry_run: bool = False) -> str | None:
    """github, gitlab, or None for a dry run outside CI (it needs no platform)."""
    if platform != "auto":
        return platform
    if env.get("GITHUB_ACTIONS") or env.get("GITHUB_REPOSITORY"):
        return "github"
    if env.get("GITLAB_CI") or env.get("CI_API_V4_URL"):
        return "gitlab"
    if dry_run:
        return None
    raise UsageError("review: cannot tell the platform from the environment; pass --platform github or --platform gitlab")
