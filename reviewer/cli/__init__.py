"""The `reviewer` command line: scan, rules, explain, init (baseline and review in reviewer/cli/ci.py; test and new-rule in reviewer/cli/authoring.py).

Exit codes: 0 the gate passed, 1 the gate failed, 2 a usage or configuration error.
"""

from __future__ import annotations

import atexit
import functools
import gc
import json
import os
import shutil
import sys
from dataclasses import asdict, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import click

from reviewer import __version__
from reviewer.cache import atomic_write
from reviewer.config import (
    RULE_PACKS_ENV,
    Config,
    ConfigError,
    PROFILES,
    Gate,
    PackChoice,
    find_config,
    load_config,
    parse_confidence,
    parse_fail_on,
    parse_fail_under,
    trusted_rule_packs,
)
from reviewer.gate import evaluate, failing_findings, is_set
from reviewer.model import Category, Severity
from reviewer.reporters import REPORTERS, render
from reviewer.reporters.statistics import FORMATS as STATISTICS_FORMATS, render as render_statistics

# The engine (libcst, sqlglot, bandit) is imported by the commands that use it, so that
# `reviewer --version`, `--help` and `init` start at once.
if TYPE_CHECKING:
    from reviewer import baseline as baseline_module, gitdiff, precision
    from reviewer.registry import Registry
    from reviewer.rule import Rule
    from reviewer.runner import Progress, ScanResult, Selection

PROGRESS_MIN_FILES = 50
# Formats read by CI systems, which resolve paths from the repository's top.


class UsageError(click.ClickException):
    exit_code = 2


def _split(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(part.strip() for value in values for part in value.split(",") if part.strip())


def git_answers_kept(function):
    """Run the command with git's answers kept (reviewer.git.answers_kept): for the commands
    that only read the repository (`scan`, `review`)."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        from reviewer.git import answers_kept

        with answers_kept():
            return function(*args, **kwargs)

    return wrapper


def pack_options(function):
    """--rule-pack and --trust-repo-config, passed to the command as one `packs: PackChoice`."""

    @functools.wraps(function)
    def wrapper(*args, rule_pack: tuple[Path, ...], trust_repo_config: bool, **kwargs):
        return function(*args, packs=PackChoice(tuple(rule_pack), trust_repo_config), **kwargs)

    wrapper = click.option(
        "--trust-repo-config",
        is_flag=True,
        help="Also load the `rule-packs` named by the scanned repository's config. This runs the "
        "repository's code: never use it on pull requests from people you do not trust.",
    )(wrapper)
    return click.option(
        "--rule-pack",
        "rule_pack",
        multiple=True,
        type=click.Path(file_okay=False, path_type=Path),
        help=f"A folder of your own rules to load (repeatable; also {RULE_PACKS_ENV}).",
    )(wrapper)


def _load_packs(config: Config, packs: PackChoice, listed: bool = False) -> tuple[Registry, tuple[str, ...]]:
    """The registry with the rule packs this run may load (config.trusted_rule_packs), and
    those packs' folders. `listed`: the packs' rules may come from the rule catalogue
    (reviewer.registry.Listed), for commands that run rules only through the engine."""
    from reviewer import registry as registry_module
    from reviewer.registry import RegistryError

    trusted = trusted_rule_packs(config, packs, os.environ)
    if trusted.warning:
        click.echo(f"reviewer: {trusted.warning}", err=True)
    try:
        return registry_module.load(trusted.paths, listed=listed), trusted.paths
    except RegistryError as error:
        raise ConfigError(trusted.origin_of(error.path), "rule-packs", f"{error.problem} ({error.path})") from None


EXIT_INTERRUPTED = 130


class ReviewerGroup(click.Group):
    """Exit codes for what click would report as exit 1, the code that means "gate failed":
    an interrupt exits 130. Commands kept in other modules (LAZY) are loaded when named: those
    modules register on `main` when imported, and this module imports none of them, so the
    command line has no import cycle and starts without them."""

    LAZY = {"baseline": "reviewer.cli.ci", "review": "reviewer.cli.ci", "test": "reviewer.cli.authoring",
            "new-rule": "reviewer.cli.authoring", "fix": "reviewer.cli.fixcmd", "merge": "reviewer.cli.shards"}  # fmt: skip

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(self.LAZY))

    def get_command(self, ctx: click.Context, name: str):
        if name not in self.commands and name in self.LAZY:
            import importlib

            importlib.import_module(self.LAZY[name])
        return super().get_command(ctx, name)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            click.echo("reviewer: interrupted", err=True)
            raise click.exceptions.Exit(EXIT_INTERRUPTED) from None


@click.group(cls=ReviewerGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="reviewer")
def main() -> None:
    """Static analysis for backend code review: SQL, ORM, migrations, API, security, ops."""
    # At exit the interpreter runs the cyclic garbage collector over every object a command
    # left (a scan's project index: 0.4 s of CPU after a cold scan of Django's package), for
    # memory the system takes back anyway: the objects are set aside (gc.freeze) when exit
    # begins. Files, pools and threads are closed before; atexit handlers and the teardown run.
    atexit.unregister(gc.freeze)
    atexit.register(gc.freeze)


@main.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--format", "fmt", type=click.Choice(sorted(REPORTERS)), default="text", show_default=True, help="Report format.")
@click.option("--output", "-o", "outputs", multiple=True, metavar="[FORMAT:]FILE", help="Write a report to FILE: `FORMAT:FILE` (repeatable, e.g. `-o sarif:reviewer.sarif -o markdown:summary.md`), or a plain FILE for the --format report instead of stdout.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path), help="Config file (default: .reviewer.yml or [tool.reviewer] in pyproject.toml).")
@click.option("--select", multiple=True, help="Only these rules: codes, code prefixes or categories (comma-separated, repeatable). Replaces `select` in config.")
@click.option("--ignore", multiple=True, help="Skip these rules: codes, code prefixes or categories. Added to `ignore` in config.")
@click.option("--profile", type=click.Choice(PROFILES), help="Rule set: `default` (rules with field precision >= 0.85) or `audit` (also the opt-in rules). Replaces `profile` in config.")
@click.option("--fail-under", type=float, help="Fail (exit 1) when the overall score is under SCORE.")
@click.option("--fail-on", type=str, help="Fail (exit 1) on any finding at or above SEVERITY (info, low, medium, high, critical).")
@click.option("--fail-on-confidence", type=str, help="Confidence floor for --fail-on: only findings at least this sure (low, medium, high) fail the gate.")
@click.option("--baseline", "baseline_path", type=click.Path(dir_okay=False, path_type=Path), help="Hide findings recorded in this baseline file (`reviewer baseline create`); gate only on new ones.")
@click.option("--project", "project_dir", type=click.Path(file_okay=False, exists=True, path_type=Path), help="Analyse the whole project in this folder (project-level rules see every file) but report only the findings in PATHS; the pre-commit hooks pass the files being committed as PATHS.")
@click.option("--diff", "diff_base", metavar="BASE", help="Only findings on lines added or changed since the merge base with git BASE (untracked files count as new).")
@click.option("--shard", metavar="K/N", help="Check only shard K of N (a stable 1/N of the files, by path; the project model still covers the whole tree); join the shards' JSON reports with `reviewer merge`.")
@click.option("--jobs", "-j", type=click.IntRange(min=0), default=0, help="Worker processes (0 = one per core).")
@click.option("--no-cache", is_flag=True, help="Neither read nor write the result cache.")
@click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path), envvar="REVIEWER_CACHE_DIR", help="Base folder of the result cache (default: $XDG_CACHE_HOME/reviewer, outside the scanned tree; env REVIEWER_CACHE_DIR).")
@click.option("--fail-on-error", is_flag=True, help="Fail (exit 1) when any file could not be analysed fully (the report's `errors`).")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar; the text report shows only the scores, the counts and the verdict.")
@click.option("--color", "color", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True, help="Colour the text report: auto (a terminal, or FORCE_COLOR set; never with NO_COLOR set), always or never.")
@click.option("--statistics", is_flag=True, help="Print the number of findings per rule (count, code, name; most frequent first) instead of the report on stdout; with --format json, as JSON.")
@pack_options
@git_answers_kept
def scan(
    paths: tuple[str, ...],
    fmt: str,
    outputs: tuple[str, ...],
    config_path: Path | None,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    profile: str | None,
    fail_under: float | None,
    fail_on: str | None,
    fail_on_confidence: str | None,
    baseline_path: Path | None,
    project_dir: Path | None,
    diff_base: str | None,
    shard: str | None,
    jobs: int,
    no_cache: bool,
    cache_dir: Path | None,
    fail_on_error: bool,
    quiet: bool,
    color: str,
    statistics: bool,
    packs: PackChoice,
) -> None:
    """Scan PATHS (default: the current folder) and print a scored report."""
    from reviewer import gitdiff
    from reviewer.runner import Selection, scan_root

    targets = check_targets(paths)
    focus = None
    if project_dir is not None:
        from reviewer import focus as focus_module  # here, as baseline below: a plain scan does without

        try:
            focus = focus_module.relative_paths(project_dir, targets) if paths else None
        except focus_module.FocusError as error:
            raise UsageError(f"--project: {error}") from None
        targets = [project_dir]
    if statistics and fmt not in STATISTICS_FORMATS:
        raise UsageError(f"--statistics prints text or JSON; --format {fmt} cannot carry it (write that report with -o {fmt}:FILE)")
    writes = parse_outputs(outputs, fmt)
    which_shard = parse_shard(shard) if shard is not None else None
    config, registry, enabled = _setup(targets, config_path, select, ignore, packs, profile)
    gate = _gate(config, fail_under, fail_on, fail_on_confidence, fail_on_error)
    entries = _load_baseline(baseline_path)
    # Ask git first: a shallow clone without BASE should fail before a long scan, not after.
    changed = _changed_lines(scan_root(targets), diff_base) if diff_base is not None else None
    progress = _progress_bar(quiet)
    # Only the changed files are checked: findings on changed lines are all in them.
    selection = Selection(changed.paths if changed is not None else None, which_shard) if changed is not None or which_shard else None
    result = scan_or_exit(
        targets, config, registry, enabled, jobs=jobs or None, use_cache=not no_cache, progress=progress, cache_dir=cache_dir, selection=selection
    )
    for warning in result.warnings:
        click.echo(f"reviewer: warning: {warning}", err=True)
    if entries is not None:
        from reviewer import baseline as baseline_module

        result = baseline_module.apply(result, within(entries, selection), config.weight_map)
    if changed is not None:
        result = gitdiff.limit_to_diff(result, changed, config.weight_map)
    if focus is not None:
        result = focus_module.limit_to_paths(result, focus, config.weight_map)
    if result.files == 0:
        click.echo(f"reviewer: warning: no Python or SQL file was analysed under {', '.join(map(str, targets))}; the score is not measured", err=True)
    publish(result, scan_root(targets), gate, fmt, writes, quiet, color, statistics)


def publish(
    result: ScanResult, root: Path, gate: Gate, fmt: str, writes: list[tuple[str, Path, bool]], quiet: bool, color: str, statistics: bool = False
) -> None:
    """Write the reports of `result` (scanned from `root`) and exit with the gate's verdict."""
    from reviewer import gitdiff
    from reviewer.reporters.markdown import ci_run_link, where_the_full_list_is

    verdict = evaluate(result, gate)
    gated = is_set(gate)
    to_stdout = not any(name == fmt and plain for name, _, plain in writes) and not statistics
    # Every format names files from the repository's top (git's top level, else the current
    # folder), whatever folder was scanned: annotations, alerts and links then point at real files.
    in_repo = gitdiff.with_path_prefix(result, gitdiff.repository_prefix(root))

    failing = frozenset(finding.fingerprint for finding in failing_findings(result, gate))
    # Where a cut Markdown table sends readers: the CI run's page, else the other reports of this run.
    full_report = where_the_full_list_is([str(target) for name, target, _ in writes if name != "markdown"], ci_run_link(os.environ))

    def report(name: str, coloured: bool = False, width: int | None = None) -> str:
        return render(
            name, in_repo, color=coloured, gate=verdict if gated else None, quiet=quiet, width=width, failing=failing, full_report=full_report
        )

    for name, target, _ in writes:
        write_file(target, report(name), "--output")
        if not quiet:
            click.echo(f"reviewer: wrote {name} report to {target}", err=True)
    if statistics:
        click.echo(render_statistics(result, fmt), nl=False)
    if to_stdout:
        terminal = sys.stdout.isatty()
        coloured = fmt == "text" and use_color(color, terminal, os.environ)
        click.echo(report(fmt, coloured, report_width(terminal, os.environ)), nl=False, color=coloured)
    sys.exit(0 if verdict[0] else 1)


def use_color(choice: str, terminal: bool, env: "os._Environ[str] | dict[str, str]") -> bool:
    """--color: `always`, `never`, or `auto`: NO_COLOR set to anything non-empty turns colour
    off (https://no-color.org), else FORCE_COLOR set to anything non-empty turns it on
    (https://force-color.org), else colour when stdout is a terminal."""
    if choice != "auto":
        return choice == "always"
    if env.get("NO_COLOR"):
        return False
    return bool(env.get("FORCE_COLOR")) or terminal


def report_width(terminal: bool, env: "os._Environ[str] | dict[str, str]") -> int | None:
    """The width the text report wraps to: COLUMNS when it is set to a number, else the
    terminal's width when stdout is one, else none (a log or a pipe is never wrapped)."""
    columns = env.get("COLUMNS", "").strip()
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    return shutil.get_terminal_size().columns if terminal else None


def scan_or_exit(targets: list[Path], config: Config, registry: Registry, enabled: list[type[Rule]], **options: Any) -> ScanResult:
    """The scan; a config value found wrong only while scanning (a `migrations.released.ref`
    that git cannot resolve) exits 2 like any other config error."""
    from reviewer.runner import scan as run_scan

    try:
        return run_scan(targets, config, registry, enabled, **options)
    except ConfigError as error:
        raise UsageError(str(error)) from None


def parse_shard(value: str) -> tuple[int, int]:
    """`--shard K/N`: (K, N) with 1 <= K <= N."""
    index, sep, count = value.partition("/")
    if not sep or not index.strip().isdigit() or not count.strip().isdigit() or not 1 <= int(index) <= int(count):
        raise UsageError(f"--shard {value!r}: expected K/N with 1 <= K <= N, e.g. --shard 2/4")
    return int(index), int(count)


def parse_outputs(outputs: tuple[str, ...], fmt: str) -> list[tuple[str, Path, bool]]:
    """(format, file, plain) for each --output: `FORMAT:FILE`, or a plain FILE that takes the
    --format report off stdout."""
    writes = []
    for value in outputs:
        name, sep, rest = value.partition(":")
        if sep and name in REPORTERS and rest:
            writes.append((name, Path(rest), False))
        elif sep and rest and len(name) > 1 and name.isalpha() and name.islower():  # `C:\x` is a path
            raise UsageError(f"--output {value!r}: unknown format {name!r}; allowed: {', '.join(sorted(REPORTERS))}")
        else:
            writes.append((fmt, Path(value), True))
    targets = [str(target) for _, target, _ in writes]
    if len(set(targets)) != len(targets):
        raise UsageError("--output: two reports would be written to the same file")
    for _, target, _ in writes:
        check_writable(target, "--output")
    return writes


def check_targets(paths: tuple[str, ...]) -> list[Path]:
    """The paths to scan (default: the current folder); each must exist. An empty argument is
    an error, not the current folder (`Path("")` would silently mean ".")."""
    if any(not path for path in paths):
        raise UsageError("an empty path was given; name a file or folder (`.` for the current folder)")
    targets = [Path(path) for path in paths] or [Path(".")]
    for target in targets:
        if not target.exists() and not target.is_symlink():
            raise UsageError(f"path does not exist: {target}")
    return targets


def check_writable(target: Path, option: str) -> None:
    """Fail before a long scan when a report or baseline could not be written there."""
    if target.is_dir():
        raise UsageError(f"{option} {target}: is a folder; name a file")
    if not target.parent.is_dir():
        raise UsageError(f"{option} {target}: the folder {target.parent} does not exist")


def write_file(target: Path, text: str, option: str) -> None:
    try:
        atomic_write(target, text)
    except OSError as error:
        raise UsageError(f"{option} {target}: cannot be written: {error.strerror or error}") from None


def within(entries: "tuple[baseline_module.BaselineEntry, ...]", selection: Selection | None) -> "tuple[baseline_module.BaselineEntry, ...]":
    """The baseline entries of the files a scan checked: an entry of a file left unchecked
    (outside `--diff` or another shard) is not fixed, only unseen."""
    return entries if selection is None else tuple(entry for entry in entries if selection.checks(entry.path))


def _load_baseline(path: Path | None) -> "tuple[baseline_module.BaselineEntry, ...] | None":
    if path is None:
        return None
    from reviewer import baseline as baseline_module

    try:
        return baseline_module.load(path)
    except baseline_module.BaselineError as error:
        raise UsageError(str(error)) from None


def _changed_lines(root: Path, base: str, option: str = "--diff") -> "gitdiff.ChangedLines":
    from reviewer import gitdiff

    try:
        return gitdiff.changed_lines(root, base, option)
    except gitdiff.GitError as error:
        raise UsageError(str(error)) from None


def _setup(
    targets: list[Path],
    config_path: Path | None,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    packs: PackChoice,
    profile: str | None = None,
) -> tuple[Config, Registry, list[type[Rule]]]:
    from reviewer import registry as registry_module
    from reviewer.runner import scan_root

    root = scan_root(targets)
    try:
        path = config_path if config_path is not None else find_config(root)
        config = load_config(path, root)
        registry, loaded = _load_packs(config, packs, listed=True)
        config = replace(config, rule_packs=loaded)
        cli_select, cli_ignore = _split(select), _split(ignore)
        _check_selectors(registry, cli_select, "<command line>", "--select")
        _check_selectors(registry, cli_ignore, "<command line>", "--ignore")
        config = config.with_overrides(
            select=cli_select or None,
            ignore=(*config.ignore, *cli_ignore) if cli_ignore else None,
            profile=profile,
        )
        validate_against_registry(config, registry)
    except ConfigError as error:
        raise UsageError(str(error)) from None
    enabled = registry_module.select(registry, config.select, config.ignore, config.profile)
    if not enabled:
        ignored = registry_module.ignored_codes(registry, config.ignore)
        opt_in = sorted({rule.code for selector in config.select for rule in registry.matching(selector)
                         if rule.opt_in and rule.code not in ignored})
        hint = (f"; the rules it names are opt-in ({', '.join(opt_in[:5])}{', ...' if len(opt_in) > 5 else ''}): "
                "add `--profile audit` (config `profile: audit`), or name each by its code") if opt_in else "; select at least one rule"
        raise UsageError(
            f"{config.source}: no rule would run: `select` {list(config.select) or ['(default)']} minus `ignore` "
            f"{list(config.ignore)} leaves nothing{hint}"
        )
    return config, registry, enabled


def _check_selectors(registry: Registry, selectors: tuple[str, ...], source: str, key: str) -> None:
    for selector in selectors:
        # Categories and ALL are always valid, even while a category has no rule yet.
        if selector.strip().lower() in Category.names() or selector.strip().upper() == "ALL":
            continue
        if not registry.known(selector):
            raise ConfigError(
                source,
                key,
                f"{selector!r} names no rule; allowed: rule codes (`reviewer rules`), code prefixes, "
                f"categories ({', '.join(Category.names())}) or ALL",
            )


def validate_against_registry(config: Config, registry: Registry) -> None:
    """Selectors, severity overrides and rule options must name real rules and options."""
    _check_selectors(registry, config.select, config.source, "select")
    _check_selectors(registry, config.ignore, config.source, "ignore")
    for glob, codes in config.per_path_ignores:
        _check_selectors(registry, codes, config.source, f"per-path-ignores.{glob}")
    for code, _ in config.severity:
        if registry.get(code) is None:
            raise ConfigError(config.source, f"severity.{code}", "is not a rule code; see `reviewer rules`")
    for code, values in config.options:
        rule = registry.get(code)
        if rule is None:
            raise ConfigError(config.source, f"options.{code}", "is not a rule code; see `reviewer rules`")
        for name, value in values:
            if name not in rule.options:
                allowed = ", ".join(sorted(rule.options)) or "none (this rule has no options)"
                raise ConfigError(config.source, f"options.{code}.{name}", f"unknown option; allowed: {allowed}")
            default = rule.options[name]
            if not _same_type(default, value):
                raise ConfigError(
                    config.source, f"options.{code}.{name}", f"{value!r} must be of type {type(default).__name__}"
                )


def _same_type(default: Any, value: Any) -> bool:
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(default, bool) and isinstance(value, bool)
    if isinstance(default, (int, float)):
        return isinstance(value, (int, float))
    if isinstance(default, (list, tuple)):
        return isinstance(value, (list, tuple))
    return isinstance(value, type(default))


def _gate(
    config: Config, fail_under: float | None, fail_on: str | None, fail_on_confidence: str | None = None, fail_on_error: bool = False
) -> Gate:
    try:
        gate = Gate(
            fail_on_error=fail_on_error,
            fail_under=parse_fail_under(fail_under, "<command line>", "--fail-under") if fail_under is not None else config.gate.fail_under,
            fail_on=parse_fail_on(fail_on, "<command line>", "--fail-on") if fail_on is not None else config.gate.fail_on,
            fail_on_confidence=parse_confidence(fail_on_confidence, "<command line>", "--fail-on-confidence")
            if fail_on_confidence is not None
            else config.gate.fail_on_confidence,
        )
    except ConfigError as error:
        raise UsageError(str(error)) from None
    if gate.fail_on_confidence is not None and gate.fail_on is None:
        # A confidence floor only narrows --fail-on; alone it would gate nothing, silently.
        where = "--fail-on-confidence" if fail_on_confidence is not None else f"{config.source}: gate.fail-on-confidence"
        raise UsageError(f"{where} only narrows --fail-on, and no --fail-on (or gate.fail-on in config) is set; add e.g. `--fail-on high`")
    return gate


def _progress_bar(quiet: bool) -> Progress:
    from reviewer.runner import Progress

    if quiet or not sys.stderr.isatty():
        return Progress()
    state: dict[str, Any] = {}

    def start(total: int) -> None:
        if total >= PROGRESS_MIN_FILES:
            bar = click.progressbar(length=total, label="Scanning", file=sys.stderr, show_pos=True)
            state["bar"] = bar.__enter__()

    def advance(count: int) -> None:
        if "bar" in state:
            state["bar"].update(count)

    def finish() -> None:
        if "bar" in state:
            state.pop("bar").__exit__(None, None, None)

    return Progress(start, advance, finish)


# --------------------------------------------------------------------------------------------


def _load_registry(config_path: Path | None, packs: PackChoice) -> Registry:
    from reviewer.registry import RegistryError

    try:
        config = load_config(config_path or find_config(Path(".")), Path("."))
        return _load_packs(config, packs)[0]
    except ConfigError as error:
        raise UsageError(str(error)) from None
    except RegistryError as error:
        raise UsageError(str(error)) from None


def _field_precision() -> "precision.FieldPrecision":
    from reviewer import precision  # here: a scan does without it

    try:
        return precision.shipped()
    except precision.PrecisionFileError as error:
        raise UsageError(str(error)) from None


def rule_row(rule: type[Rule], field: "precision.FieldPrecision | None" = None) -> dict[str, Any]:
    entry = field.of(rule.code) if field is not None else None
    return {
        "code": rule.code,
        "name": rule.name,
        "category": rule.category.value,
        "severity": rule.severity.value,
        "confidence": rule.confidence.value,
        "default": not rule.opt_in,
        # Figures of the ecosystem check (reviewer/field_precision.json); null: no field data.
        "field": entry.to_dict() if entry is not None else None,
        "summary": rule.one_line(),
        "message": rule.message,
        "fix": rule.fix,
    }


def catalogue_row(rule: type[Rule]) -> dict[str, Any]:
    """A rule's row of `reviewer rules` (reviewer.cli.catalogue keeps them between runs)."""
    from reviewer.bandit_bridge import is_bandit_rule

    return {**rule_row(rule), "bandit": is_bandit_rule(rule)}


def rules_markdown(registry: Registry, field: "precision.FieldPrecision", link: "Callable[[type[Rule]], str | None] | None" = None) -> str:
    """The rule table: our rules one per row; bandit's tests, which bandit documents, as one
    compact list after it. Field precision comes from reviewer/field_precision.json. `link`
    gives a rule's page, for its code to link to (the generated docs)."""
    links = {rule.code: link(rule) for rule in registry.rules} if link is not None else {}
    return _markdown([catalogue_row(rule) for rule in registry.rules], field, links)


def _markdown(rows: list[dict[str, Any]], field: "precision.FieldPrecision", links: dict[str, str | None]) -> str:
    lines = [
        "| Code | Name | Category | Severity | Confidence | Field precision | What it finds |",
        "|---|---|---|---|---|---|---|",
    ]
    bandit = []
    for row in rows:
        code = row["code"]
        opt = "" if row["default"] else " (opt-in)"
        if row["bandit"]:
            entry = field.of(code)
            figure = f", field precision {entry.describe()}" if entry is not None else ""
            bandit.append(f"{code}{opt} `{row['name']}`{figure}")
            continue
        href = links.get(code)
        lines.append(
            f"| {f'[{code}]({href})' if href else code} | `{row['name']}`{opt} | {row['category']} | {row['severity']} | {row['confidence']} "
            f"| {field.describe(code)} | {row['summary']} |"
        )
    if bandit:
        lines.append("")
        lines.append(
            f"Bandit's own tests run inside the scan as {len(bandit)} rules of category `security` (their ids are "
            "bandit's; a test without a figure has no field data): " + ", ".join(bandit) + "."
        )
    return "\n".join(lines) + "\n"


@main.command()
@click.option("--format", "fmt", type=click.Choice(["table", "json", "md"]), default="table", show_default=True)
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path), help="Config file (its rule-packs load only with --trust-repo-config).")
@pack_options
def rules(fmt: str, config_path: Path | None, packs: PackChoice) -> None:
    """List the rules."""
    rows = _catalogue(config_path, packs)
    field = _field_precision()
    if fmt == "json":
        shown = []
        for row in rows:
            entry = field.of(row["code"])
            shown.append({**{name: value for name, value in row.items() if name != "bandit"}, "field": entry.to_dict() if entry is not None else None})
        click.echo(json.dumps(shown, indent=2))
    elif fmt == "md":
        click.echo(_markdown(rows, field, {}), nl=False)
    else:
        line = "{:<8} {:<9} {:<11} {:<44} {}"
        click.echo(line.format("code", "severity", "category", "name", "field precision"))
        for row in rows:
            opt = "" if row["default"] else " (opt-in)"
            click.echo(line.format(row["code"], row["severity"], row["category"], row["name"] + opt, field.describe(row["code"])))


def _catalogue(config_path: Path | None, packs: PackChoice) -> list[dict[str, Any]]:
    """The rows of the rule table: from the last run with the same rules (reviewer.cli.catalogue),
    else from the loaded rules, kept for the next run."""
    from reviewer.cli import catalogue

    try:
        config = load_config(config_path or find_config(Path(".")), Path("."))
    except ConfigError as error:
        raise UsageError(str(error)) from None
    trusted = trusted_rule_packs(config, packs, os.environ)
    rows = catalogue.cached_rows(trusted.paths)
    if rows is not None:
        if trusted.warning:
            click.echo(f"reviewer: {trusted.warning}", err=True)
        return rows
    rows = [catalogue_row(rule) for rule in _load_registry(config_path, packs).rules]
    catalogue.store(trusted.paths, rows)
    return rows


@main.command()
@click.argument("code")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path), help="Config file (its rule-packs load only with --trust-repo-config).")
@pack_options
def explain(code: str, config_path: Path | None, packs: PackChoice) -> None:
    """Explain rule CODE: why it matters, bad and good code, the fix."""
    registry = _load_registry(config_path, packs)
    rule = registry.get(code)
    if rule is None:
        raise UsageError(f"unknown rule code {code!r}; `reviewer rules` lists them")
    from reviewer.explain import explanation

    click.echo(explanation(rule, _field_precision().describe(rule.code)))


STARTER_CONFIG = """\
# reviewer configuration. Every key is optional; `reviewer rules` lists the rule codes.
# The same keys work under [tool.reviewer] in pyproject.toml.

# Rules to run: codes (SQL001), code prefixes (SQL, MIG0) or categories
# (sql, orm, migrations, api, security, ops, meta). Empty = every default rule.
select: []
# Rules to skip, in the same forms.
ignore: []
# Rule set: default (rules with field precision >= 0.85 on real code) or audit (also the
# opt-in rules, with their measured precision in `reviewer rules`).
profile: default

# Paths not to scan (gitignore-style globs, relative to this file). .gitignore is honoured.
exclude:
  - "tests/fixtures/**"

# Rules switched off for some paths.
per-path-ignores:
  "tests/**": [sql]
  "scripts/**": [ops]

# Severity overrides per rule: info, low, medium, high, critical.
severity: {}
#  SQL003: low

# Rule options, per rule code (`reviewer explain CODE` lists a rule's options).
options: {}

# Weight of each category in the overall score (0 leaves a category out).
weights:
  sql: 1.5
  security: 1.5
  migrations: 1.25
  orm: 1.0
  api: 1.0
  ops: 0.75

# The CI gate: exit 1 when the overall score is under fail-under, or when any finding is at
# or above fail-on. The command-line flags --fail-under / --fail-on override these.
gate:
  fail-under: 70
  fail-on: high
  # fail-on-confidence: medium   # findings less sure than this do not trip fail-on

# SQL dialect for .sql files and for SQL whose driver is unknown.
dialect: postgres

# Migrations: `reversible` asks every migration for a down path (MIG001); `forward-only`
# asks for a `-- rollback:` note instead. loose-sql: check .sql files outside known
# migration layouts as migrations too.
migrations:
  policy: reversible
  loose-sql: true

# API error bodies (API004): `auto` takes the project's own majority shape as the reference
# (DRF's and FastAPI's `{"detail": ...}` count as shapes); `envelope` expects
# {"error": {"code", "message", "details"}} (key paths under error-envelope); `problem+json`
# expects RFC 9457.
error-format: auto

# Folders of your own rules, loaded like the built-in ones. reviewer loads these only with
# --trust-repo-config: a repository's config cannot make it run code. Prefer --rule-pack,
# REVIEWER_RULE_PACKS or rule-packs in ~/.config/reviewer/config.yml.
rule-packs: []
"""


@main.command()
@click.argument("directory", required=False, type=click.Path(file_okay=False, path_type=Path), default=Path("."))
@click.option("--force", is_flag=True, help="Overwrite an existing .reviewer.yml.")
def init(directory: Path, force: bool) -> None:
    """Write a commented starter .reviewer.yml into DIRECTORY."""
    target = directory / ".reviewer.yml"
    if target.exists() and not force:
        raise UsageError(f"{target} exists; use --force to overwrite it")
    atomic_write(target, STARTER_CONFIG)
    click.echo(f"wrote {target}")


@main.command()
@click.argument("path", required=False, type=click.Path(exists=True, path_type=Path), default=Path("."))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path), help="Config file (excludes, gitignore).")
def routes(path: Path, fmt: str, config_path: Path | None) -> None:
    """Print the route index of PATH: every handler with its HTTP method and full path."""
    from reviewer.discovery import discover
    from reviewer.web.routes import describe, every_route
    from reviewer.runner import build_index, scan_root

    root = scan_root([path])
    try:
        config = load_config(config_path if config_path is not None else find_config(root), root)
    except ConfigError as error:
        raise UsageError(str(error)) from None
    sources = discover(root, [path], config.exclude, config.respect_gitignore)
    found = every_route(build_index(root, sources, config))
    if fmt == "json":
        click.echo(json.dumps([asdict(route) for route in found], indent=2, sort_keys=True))
        return
    for route in found:
        click.echo(describe(route))
    click.echo(f"{len(found)} route(s)")


if __name__ == "__main__":  # pragma: no cover
    main()
