"""The `reviewer` command line: scan, rules, explain, init.

Exit codes: 0 the gate passed, 1 the gate failed, 2 a usage or configuration error.
"""

from __future__ import annotations

import functools
import json
import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import click

from reviewer import __version__, registry as registry_module
from reviewer.cache import atomic_write
from reviewer import baseline as baseline_module, gitdiff
from reviewer.config import (
    RULE_PACKS_ENV,
    Config,
    ConfigError,
    Gate,
    PackChoice,
    find_config,
    load_config,
    parse_confidence,
    parse_fail_on,
    parse_fail_under,
    trusted_rule_packs,
)
from reviewer.gate import evaluate
from reviewer.model import Category, Severity
from reviewer.registry import Registry, RegistryError
from reviewer.reporters import REPORTERS, render
from reviewer.rule import Rule, as_example
from reviewer.runner import Progress, scan as run_scan, scan_root

PROGRESS_MIN_FILES = 50


class UsageError(click.ClickException):
    exit_code = 2


def _split(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(part.strip() for value in values for part in value.split(",") if part.strip())


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


def _load_packs(config: Config, packs: PackChoice) -> tuple[Registry, tuple[str, ...]]:
    """The registry with the rule packs this run may load (config.trusted_rule_packs), and
    those packs' folders."""
    trusted = trusted_rule_packs(config, packs, os.environ)
    if trusted.warning:
        click.echo(f"reviewer: {trusted.warning}", err=True)
    try:
        return registry_module.load(trusted.paths), trusted.paths
    except RegistryError as error:
        raise ConfigError(trusted.origin_of(error.path), "rule-packs", f"{error.problem} ({error.path})") from None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="reviewer")
def main() -> None:
    """Static analysis for backend code review: SQL, ORM, migrations, API, security, ops."""


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(sorted(REPORTERS)), default="text", show_default=True, help="Report format.")
@click.option("--output", "-o", "outputs", multiple=True, metavar="[FORMAT:]FILE", help="Write a report to FILE: `FORMAT:FILE` (repeatable, e.g. `-o sarif:reviewer.sarif -o markdown:summary.md`), or a plain FILE for the --format report instead of stdout.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path), help="Config file (default: .reviewer.yml or [tool.reviewer] in pyproject.toml).")
@click.option("--select", multiple=True, help="Only these rules: codes, code prefixes or categories (comma-separated, repeatable). Replaces `select` in config.")
@click.option("--ignore", multiple=True, help="Skip these rules: codes, code prefixes or categories. Added to `ignore` in config.")
@click.option("--fail-under", type=float, help="Fail (exit 1) when the overall score is under SCORE.")
@click.option("--fail-on", type=str, help="Fail (exit 1) on any finding at or above SEVERITY (info, low, medium, high, critical).")
@click.option("--fail-on-confidence", type=str, help="Confidence floor for --fail-on: only findings at least this sure (low, medium, high) fail the gate.")
@click.option("--baseline", "baseline_path", type=click.Path(dir_okay=False, path_type=Path), help="Hide findings recorded in this baseline file (`reviewer baseline create`); gate only on new ones.")
@click.option("--diff", "diff_base", metavar="BASE", help="Only findings on lines added or changed since the merge base with git BASE (untracked files count as new).")
@click.option("--jobs", "-j", type=click.IntRange(min=0), default=0, help="Worker processes (0 = one per core).")
@click.option("--no-cache", is_flag=True, help="Ignore and do not write .reviewer_cache/.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar; the text report shows only the scores, the counts and the verdict.")
@pack_options
def scan(
    paths: tuple[Path, ...],
    fmt: str,
    outputs: tuple[str, ...],
    config_path: Path | None,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    fail_under: float | None,
    fail_on: str | None,
    fail_on_confidence: str | None,
    baseline_path: Path | None,
    diff_base: str | None,
    jobs: int,
    no_cache: bool,
    quiet: bool,
    packs: PackChoice,
) -> None:
    """Scan PATHS (default: the current folder) and print a scored report."""
    targets = list(paths) or [Path(".")]
    for target in targets:
        if not target.exists() and not target.is_symlink():
            raise UsageError(f"path does not exist: {target}")
    writes = parse_outputs(outputs, fmt)
    config, registry, enabled = _setup(targets, config_path, select, ignore, packs)
    gate = _gate(config, fail_under, fail_on, fail_on_confidence)
    entries = _load_baseline(baseline_path)
    # Ask git first: a shallow clone without BASE should fail before a long scan, not after.
    changed = _changed_lines(scan_root(targets), diff_base) if diff_base is not None else None
    progress = _progress_bar(quiet)
    result = run_scan(targets, config, registry, enabled, jobs=jobs or None, use_cache=not no_cache, progress=progress)
    if entries is not None:
        result = baseline_module.apply(result, entries, config.weight_map)
    if changed is not None:
        result = gitdiff.limit_to_diff(result, changed, config.weight_map)
    verdict = evaluate(result, gate)
    gated = gate.fail_under is not None or gate.fail_on is not None
    to_stdout = not any(name == fmt and plain for name, _, plain in writes)
    for name, target, _ in writes:
        atomic_write(target, render(name, result, color=False, gate=verdict if gated else None, quiet=quiet))
        if not quiet:
            click.echo(f"reviewer: wrote {name} report to {target}", err=True)
    if to_stdout:
        color = fmt == "text" and sys.stdout.isatty()
        click.echo(render(fmt, result, color=color, gate=verdict if gated else None, quiet=quiet), nl=False)
    sys.exit(0 if verdict[0] else 1)


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
    return writes


def _load_baseline(path: Path | None) -> "tuple[baseline_module.BaselineEntry, ...] | None":
    if path is None:
        return None
    try:
        return baseline_module.load(path)
    except baseline_module.BaselineError as error:
        raise UsageError(str(error)) from None


def _changed_lines(root: Path, base: str) -> "gitdiff.ChangedLines":
    try:
        return gitdiff.changed_lines(root, base)
    except gitdiff.GitError as error:
        raise UsageError(str(error)) from None


def _setup(
    targets: list[Path], config_path: Path | None, select: tuple[str, ...], ignore: tuple[str, ...], packs: PackChoice
) -> tuple[Config, Registry, list[type[Rule]]]:
    root = scan_root(targets)
    try:
        path = config_path if config_path is not None else find_config(root)
        config = load_config(path, root)
        registry, loaded = _load_packs(config, packs)
        config = replace(config, rule_packs=loaded)
        cli_select, cli_ignore = _split(select), _split(ignore)
        _check_selectors(registry, cli_select, "<command line>", "--select")
        _check_selectors(registry, cli_ignore, "<command line>", "--ignore")
        config = config.with_overrides(
            select=cli_select or None,
            ignore=(*config.ignore, *cli_ignore) if cli_ignore else None,
        )
        validate_against_registry(config, registry)
    except ConfigError as error:
        raise UsageError(str(error)) from None
    enabled = registry_module.select(registry, config.select, config.ignore)
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


def _gate(config: Config, fail_under: float | None, fail_on: str | None, fail_on_confidence: str | None = None) -> Gate:
    try:
        return Gate(
            fail_under=parse_fail_under(fail_under, "<command line>", "--fail-under") if fail_under is not None else config.gate.fail_under,
            fail_on=parse_fail_on(fail_on, "<command line>", "--fail-on") if fail_on is not None else config.gate.fail_on,
            fail_on_confidence=parse_confidence(fail_on_confidence, "<command line>", "--fail-on-confidence")
            if fail_on_confidence is not None
            else config.gate.fail_on_confidence,
        )
    except ConfigError as error:
        raise UsageError(str(error)) from None


def _progress_bar(quiet: bool) -> Progress:
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
    try:
        config = load_config(config_path or find_config(Path(".")), Path("."))
        return _load_packs(config, packs)[0]
    except ConfigError as error:
        raise UsageError(str(error)) from None
    except RegistryError as error:
        raise UsageError(str(error)) from None


def summary(rule: type[Rule]) -> str:
    """The docstring's first sentence: what the rule finds."""
    text = " ".join(rule.doc().split())
    end = text.find(". ")
    return text if end < 0 else text[: end + 1]


def rule_row(rule: type[Rule]) -> dict[str, Any]:
    return {
        "code": rule.code,
        "name": rule.name,
        "category": rule.category.value,
        "severity": rule.severity.value,
        "confidence": rule.confidence.value,
        "default": not rule.opt_in,
        "summary": summary(rule),
        "message": rule.message,
        "fix": rule.fix,
    }


def rules_markdown(registry: Registry) -> str:
    """The rule table: our rules one per row; bandit's tests, which bandit documents, as one
    compact list after it."""
    from reviewer.bandit_bridge import is_bandit_rule

    lines = [
        "| Code | Name | Category | Severity | Confidence | What it finds |",
        "|---|---|---|---|---|---|",
    ]
    bandit = []
    for rule in registry.rules:
        if is_bandit_rule(rule):
            bandit.append(f"{rule.code}{' (opt-in)' if rule.opt_in else ''} `{rule.name}`")
            continue
        row = rule_row(rule)
        opt = " (opt-in)" if rule.opt_in else ""
        lines.append(
            f"| {row['code']} | `{row['name']}`{opt} | {row['category']} | {row['severity']} | {row['confidence']} | {row['summary']} |"
        )
    if bandit:
        lines.append("")
        lines.append(f"Bandit's own tests run inside the scan as {len(bandit)} rules of category `security` (their ids are bandit's): " + ", ".join(bandit) + ".")
    return "\n".join(lines) + "\n"


@main.command()
@click.option("--format", "fmt", type=click.Choice(["table", "json", "md"]), default="table", show_default=True)
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path), help="Config file (its rule-packs load only with --trust-repo-config).")
@pack_options
def rules(fmt: str, config_path: Path | None, packs: PackChoice) -> None:
    """List the rules."""
    registry = _load_registry(config_path, packs)
    if fmt == "json":
        click.echo(json.dumps([rule_row(rule) for rule in registry.rules], indent=2))
    elif fmt == "md":
        click.echo(rules_markdown(registry), nl=False)
    else:
        for rule in registry.rules:
            opt = " (opt-in)" if rule.opt_in else ""
            click.echo(f"{rule.code:<8} {rule.severity.value:<9} {rule.category.value:<11} {rule.name}{opt}")


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
    out = [
        f"{rule.code} {rule.name}",
        f"category: {rule.category.value}   severity: {rule.severity.value}   confidence: {rule.confidence.value}"
        + ("   (opt-in)" if rule.opt_in else ""),
        "",
        rule.doc(),
        "",
        f"Reports: {rule.message}",
        f"Fix: {rule.fix}",
    ]
    for title, samples in (("Bad", rule.invalid), ("Good", rule.valid)):
        out.append("")
        out.append(f"{title}:")
        for sample in samples:
            example = as_example(sample)
            where = f"  # {example.path}" if example.path else ""
            note = f"  ({example.note})" if example.note else ""
            out.append(f"  ---{where}{note}")
            out.extend("    " + line for line in example.code.rstrip("\n").splitlines())
    if rule.options:
        out.append("")
        out.append("Options (under `options: {" + rule.code + ": {...}}`):")
        for name, default in rule.options.items():
            out.append(f"  {name}: {default!r}")
    if rule.seed:
        out.extend(["", f"Checklist: {rule.seed}"])
    if rule.references:
        out.append("")
        out.append("References:")
        out.extend(f"  {reference}" for reference in rule.references)
    click.echo("\n".join(out))


STARTER_CONFIG = """\
# reviewer configuration. Every key is optional; `reviewer rules` lists the rule codes.
# The same keys work under [tool.reviewer] in pyproject.toml.

# Rules to run: codes (SQL001), code prefixes (SQL, MIG0) or categories
# (sql, orm, migrations, api, security, ops, meta). Empty = every default rule.
select: []
# Rules to skip, in the same forms.
ignore: []

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
    from reviewer.routes import describe
    from reviewer.runner import build_index

    root = scan_root([path])
    try:
        config = load_config(config_path if config_path is not None else find_config(root), root)
    except ConfigError as error:
        raise UsageError(str(error)) from None
    sources = discover(root, [path], config.exclude, config.respect_gitignore)
    index = build_index(root, sources, config)
    data = index.section("routes") or {"routes": []}
    if fmt == "json":
        click.echo(json.dumps(data["routes"], indent=2, sort_keys=True))
        return
    for route in data["routes"]:
        click.echo(describe(route))
    click.echo(f"{len(data['routes'])} route(s)")


# The CI commands (`baseline`, `review`) live in reviewer/ci.py; importing it registers them.
from reviewer import ci as _ci  # noqa: E402,F401

if __name__ == "__main__":  # pragma: no cover
    main()
