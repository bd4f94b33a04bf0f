"""`reviewer merge REPORT...`: the JSON reports of `reviewer scan --shard K/N` (one per CI
runner) joined into the report of the whole scan, with one score and one gate verdict, in any
output format.

Each shard checked the files whose path hashes to it (reviewer.runner.Selection) and counted
only those files and lines, so the totals add up; project-level findings and errors were
reported by the shard that owns their path. The merged score is computed again over all the
findings and lines, as the unsharded scan computes it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping

import click

from reviewer import __version__
from reviewer.cli import REPORTERS, UsageError, _gate, _load_packs, main, pack_options, parse_outputs, publish
from reviewer.config import ConfigError, find_config, load_config
from reviewer.model import Category, FileError, Finding
from reviewer.scoring import checked_categories, score

if TYPE_CHECKING:
    from reviewer.registry import Registry
    from reviewer.runner import ScanResult


class ShardError(Exception):
    """A report that cannot be merged; the message names the file."""


@dataclass(frozen=True)
class ShardReport:
    path: Path
    index: int
    count: int
    data: dict[str, Any]


def read_report(path: Path) -> ShardReport:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ShardError(f"{path}: cannot be read: {error.strerror or error}") from None
    except ValueError as error:
        raise ShardError(f"{path}: not JSON ({error})") from None
    if not isinstance(data, dict) or not isinstance(data.get("tool"), dict) or data["tool"].get("name") != "reviewer":
        raise ShardError(f"{path}: not a JSON report of `reviewer scan --format json`")
    if data["tool"].get("version") != __version__:
        raise ShardError(f"{path}: written by reviewer {data['tool'].get('version')}; merge it with that version (this is {__version__})")
    shard = data.get("shard")
    if not isinstance(shard, dict) or not isinstance(shard.get("index"), int) or not isinstance(shard.get("count"), int):
        raise ShardError(f"{path}: not the report of a sharded scan (`reviewer scan --shard K/N --format json`)")
    return ShardReport(path, shard["index"], shard["count"], data)


def check_complete(reports: list[ShardReport]) -> int:
    """The shard count, when the reports are each shard of one scan exactly once."""
    counts = {report.count for report in reports}
    if len(counts) != 1:
        raise ShardError(f"the reports come from scans split differently ({', '.join(f'{r.path}: /{r.count}' for r in reports)})")
    count = counts.pop()
    seen: dict[int, Path] = {}
    for report in reports:
        if report.index in seen:
            raise ShardError(f"{seen[report.index]} and {report.path} are both shard {report.index}/{count}")
        seen[report.index] = report.path
    missing = [str(index) for index in range(1, count + 1) if index not in seen]
    if missing:
        raise ShardError(f"shard(s) {', '.join(missing)} of {count} missing: pass every shard's report")
    if len({json.dumps(report.data["shard"].get("rules")) for report in reports}) != 1:
        raise ShardError("the shards ran different rule sets; run every shard with the same config and options")
    return count


def merge_reports(reports: list[ShardReport], registry: Registry, weights: Mapping[Category, float], root: str) -> ScanResult:
    """The whole scan's result from its shards' reports."""
    from reviewer.baseline import BaselineEntry
    from reviewer.migrations.history import MigrationHistory, StreamHistory
    from reviewer.runner import ScanResult

    check_complete(reports)
    codes = reports[0].data["shard"]["rules"]
    rules = tuple(rule for code in codes if (rule := registry.get(code)) is not None)
    unknown = sorted(set(codes) - {rule.code for rule in rules})
    if unknown:
        raise ShardError(f"the shards ran rules this run does not load ({', '.join(unknown)}); pass the same --rule-pack options")
    try:
        findings = sorted((Finding.from_cache(item) for r in reports for item in r.data["findings"]), key=Finding.sort_key)
        suppressions = sorted(
            ((Finding.from_cache(item), item.get("reason", "")) for r in reports for item in r.data["shard"].get("suppressions", ())),
            key=lambda pair: pair[0].sort_key(),
        )
        errors = sorted(
            {FileError(e["path"], e["kind"], e["message"]) for r in reports for e in r.data["errors"]}, key=lambda e: (e.path, e.kind, e.message)
        )
        summaries = [r.data["summary"] for r in reports]
        lines = sum(int(summary["lines"]) for summary in summaries)
        fixed = tuple(sorted(BaselineEntry(**entry) for r in reports for entry in (r.data.get("baseline") or {}).get("fixed", ())))
        diffs = [r.data["diff"] for r in reports if "diff" in r.data]
        histories = [MigrationHistory.from_dict(r.data["migration_history"]) for r in reports if "migration_history" in r.data]
    except (KeyError, TypeError, ValueError) as error:
        raise ShardError(f"a report is not one `reviewer scan --shard` wrote ({type(error).__name__}: {error})") from None
    history = None
    if histories:
        counted: dict[str, dict[str, int]] = {}
        for each in histories:
            for stream in each.streams:
                for code, number in stream.by_rule:
                    counted.setdefault(stream.stream, {})[code] = counted.get(stream.stream, {}).get(code, 0) + number
        first = histories[0]
        streams = tuple(
            StreamHistory(s.stream, s.label, s.released, s.squashed, s.pending, tuple(sorted(counted.get(s.stream, {}).items())))
            for s in first.streams
        )
        history = MigrationHistory(first.released_by, first.note, streams, first.ref, first.commit, first.notes)
    return ScanResult(
        root=root,
        files=sum(int(summary["files"]) for summary in summaries),
        lines=lines,
        findings=tuple(findings),
        suppressed=sum(int(summary["suppressed"]) for summary in summaries),
        baselined=sum(int(summary["baselined"]) for summary in summaries),
        bandit_skipped=sum(int(summary.get("bandit_skipped", 0)) for summary in summaries),
        errors=tuple(errors),
        score=score(findings, lines, weights, checked_categories(rules)),
        rules=rules,
        suppressions=tuple(suppressions),
        fixed=fixed,
        diff_base=diffs[0]["base"] if diffs else None,
        outside_diff=sum(int(diff["outside"]) for diff in diffs),
        migration_history=history,
    )


@main.command("merge")
@click.argument("reports", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--root", "root", type=click.Path(file_okay=False, exists=True, path_type=Path), default=Path("."), show_default=True, help="The folder the shards scanned: its config gives the weights and the gate, and CI formats name files from the repository's top through it.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path), help="Config file (default: the one a scan of --root reads).")
@click.option("--format", "fmt", type=click.Choice(sorted(REPORTERS)), default="text", show_default=True, help="Report format.")
@click.option("--output", "-o", "outputs", multiple=True, metavar="[FORMAT:]FILE", help="Write a report to FILE, as for `scan` (repeatable).")
@click.option("--fail-under", type=float, help="Fail (exit 1) when the overall score is under SCORE.")
@click.option("--fail-on", type=str, help="Fail (exit 1) on any finding at or above SEVERITY.")
@click.option("--fail-on-confidence", type=str, help="Confidence floor for --fail-on.")
@click.option("--fail-on-error", is_flag=True, help="Fail (exit 1) when any file could not be analysed fully.")
@click.option("--quiet", "-q", is_flag=True, help="The text report shows only the scores, the counts and the verdict.")
@click.option("--color", "color", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True, help="Colour the text report.")
@pack_options
def merge_command(
    reports: tuple[Path, ...], root: Path, config_path: Path | None, fmt: str, outputs: tuple[str, ...], fail_under, fail_on,
    fail_on_confidence, fail_on_error: bool, quiet: bool, color: str, packs,
) -> None:
    """Join the JSON reports of `reviewer scan --shard K/N --format json` (every shard of one
    scan) into one report with one score and one gate verdict."""
    writes = parse_outputs(outputs, fmt)
    try:
        config = load_config(config_path if config_path is not None else find_config(root.absolute()), root.absolute())
        registry, _ = _load_packs(config, packs, listed=True)
    except ConfigError as error:
        raise UsageError(str(error)) from None
    gate = _gate(config, fail_under, fail_on, fail_on_confidence, fail_on_error)
    try:
        result = merge_reports([read_report(path) for path in reports], registry, config.weight_map, str(root.absolute()))
    except ShardError as error:
        raise UsageError(f"merge: {error}") from None
    from reviewer import gitdiff

    # The shards' reports name files from the repository's top, as every report does; the
    # merged result names them from the scanned folder again before it is published.
    result = gitdiff.without_path_prefix(result, gitdiff.repository_prefix(root.absolute()))
    publish(result, root.absolute(), gate, fmt, writes, quiet, color)
