"""`.reviewer.yml` or `[tool.reviewer]` in pyproject.toml -> one frozen Config.

Unknown keys and bad values raise ConfigError, which names the file, the key and what is
allowed; the CLI turns it into exit code 2.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Mapping

from reviewer.model import Category, Confidence, Severity


def builtin_pack() -> Path:
    """The built-in rule pack: `rules/` inside the installed package, else beside it."""
    inside = Path(__file__).resolve().parent / "rules"
    if inside.is_dir():
        return inside
    return Path(__file__).resolve().parent.parent / "rules"


def _tomllib() -> Any:
    """tomllib (tomli before Python 3.11), imported where a TOML file is read: a tree without
    a pyproject.toml does without it."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    return tomllib


def __getattr__(name: str) -> Any:
    """`from reviewer.config import tomllib` (the modules that read other TOML files) imports it then."""
    if name == "tomllib":
        return _tomllib()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


CONFIG_FILES = (".reviewer.yml", ".reviewer.yaml")
DIALECTS = ("postgres", "mysql", "sqlite", "tsql", "oracle", "bigquery", "snowflake", "duckdb", "redshift")
MAX_WEIGHT = 1000.0
# Bounds on values, so that a hostile or mistyped config is an error rather than a hang or a
# crash: list lengths, the per-file time budget and the file-size limit.
MAX_LIST_ITEMS = 10_000
MAX_FILE_TIMEOUT = 3600.0
MAX_FILE_SIZE = 1_000_000_000
DEFAULT_WEIGHTS = {
    Category.SQL: 1.5,
    Category.SECURITY: 1.5,
    Category.MIGRATIONS: 1.25,
    Category.ORM: 1.0,
    Category.API: 1.0,
    Category.OPS: 0.75,
}


class ConfigError(Exception):
    """A configuration mistake; the message names the file, the key and the allowed values."""

    def __init__(self, source: str, key: str, problem: str) -> None:
        self.source = source
        self.key = key
        self.problem = problem
        super().__init__(f"{source}: `{key}`: {problem}")


@dataclass(frozen=True)
class Gate:
    fail_under: float | None = None
    fail_on: Severity | None = None
    # Confidence floor for fail-on: findings less sure than this do not fail the gate.
    fail_on_confidence: Confidence | None = None
    # Fail when any file could not be analysed fully (`--fail-on-error`).
    fail_on_error: bool = False


@dataclass(frozen=True)
class Released:
    """`migrations: {released: ...}`: where the released migration history ends (see
    reviewer/migrations/history.py). A migration is released when git says so (`ref`, or the git default
    when `ref` is None) or when it is, or precedes, the last released migration named for its
    Django app or Alembic chain."""

    ref: str | None = None  # a git ref; None: the git default
    git: bool = True  # False (`released: false` or `ref: false`): never ask git
    django: tuple[tuple[str, str], ...] = ()  # app label -> last released migration name
    alembic: tuple[tuple[str, str], ...] = ()  # chain (script folder) -> last released revision


@dataclass(frozen=True)
class MigrationRunner:
    """`migrations: {runner: ...}`: a project's own migration runner. Files matching its globs
    (gitignore-style, relative to the config file's folder) are its SQL and Python delta
    files; `transaction: per-file` says the runner applies each file inside one transaction,
    `none` that statements run as they come (autocommit)."""

    sql: tuple[str, ...] = ()
    python: tuple[str, ...] = ()
    transactional: bool = True


@dataclass(frozen=True)
class Config:
    source: str = "<defaults>"  # the file the config came from
    root: str = "."
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    # "default": the rules on by default; "audit": also the opt-in rules (see PROFILES).
    profile: str = "default"
    exclude: tuple[str, ...] = ()
    # `not-deployed`: globs of the project's own code that the deployed service never runs (its
    # tools and maintenance scripts), added to the built-in conventions (discovery.Deployment).
    not_deployed: tuple[str, ...] = ()
    per_path_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    severity: tuple[tuple[str, Severity], ...] = ()
    options: tuple[tuple[str, tuple[tuple[str, Any], ...]], ...] = ()
    weights: tuple[tuple[Category, float], ...] = tuple(DEFAULT_WEIGHTS.items())
    gate: Gate = field(default_factory=Gate)
    dialect: str = "postgres"
    rule_packs: tuple[str, ...] = ()
    max_file_size: int = 2_000_000
    file_timeout: float = 20.0
    respect_gitignore: bool = True
    # Where the scanned folder sits below the config file's folder ("" or "sub/dir/"), so
    # that `exclude` and `per-path-ignores` globs stay relative to the config file.
    scan_prefix: str = ""
    # Migrations: "reversible" (every migration needs a down path) or "forward-only";
    # whether `.sql` files outside known migration layouts are checked as migrations.
    migrations_policy: str = "reversible"
    migrations_loose_sql: bool = True
    migrations_released: Released = field(default_factory=Released)
    migrations_runner: MigrationRunner = field(default_factory=MigrationRunner)
    # API error format: "auto" (the project's majority shape), "envelope" (key paths below)
    # or "problem+json" (RFC 9457).
    error_format: str = "auto"
    error_envelope: tuple[tuple[str, str], ...] = (
        ("code", "error.code"), ("message", "error.message"), ("details", "error.details"),
    )

    @property
    def weight_map(self) -> dict[Category, float]:
        return dict(self.weights)

    @property
    def severity_map(self) -> dict[str, Severity]:
        return dict(self.severity)

    def options_for(self, code: str) -> dict[str, Any]:
        shared = self._api_settings() if code.startswith("API") else {}
        for key, values in self.options:
            if key == code:
                return {**shared, **dict(values)}
        return shared

    def _api_settings(self) -> dict[str, Any]:
        """Settings every API rule sees: the project's error format (`error-format`)."""
        return {"error-format": self.error_format, "error-envelope": dict(self.error_envelope)}

    def digest(self, settings: tuple[str, ...] | None = None) -> str:
        """Stable hash of the named settings; by default of everything that changes what a
        file's findings are (FINDING_SETTINGS)."""
        names = FINDING_SETTINGS if settings is None else settings
        data = {name: getattr(self, name) for name in names}
        return hashlib.blake2b(json.dumps(data, sort_keys=True, default=str).encode(), digest_size=12).hexdigest()

    def with_overrides(self, **changes: Any) -> "Config":
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


# What each setting shapes, for the cache keys. A test fails when a Config field is in none of
# these: a new setting must say whether cached results depend on it.
# Per-file index facts (and so every finding that reads the project index).
FACT_SETTINGS = (
    "max_file_size", "dialect", "migrations_policy", "migrations_loose_sql", "migrations_runner", "error_format", "error_envelope",
    # what is deployed (discovery.Deployment): the `not-deployed` globs, relative to the config's folder
    "not_deployed", "scan_prefix",
)
# A file's findings.
FINDING_SETTINGS = (
    *FACT_SETTINGS, "select", "ignore", "profile", "migrations_released", "per_path_ignores", "severity", "options", "rule_packs",
)
# Settings that change which files are scanned, the score or the gate, never a file's cached
# results (`file-timeout`: results of a file that timed out are not cached).
NO_CACHED_RESULT_SETTINGS = ("source", "root", "exclude", "weights", "gate", "file_timeout", "respect_gitignore")


# ----------------------------------------------------------------------------------------------
# The trust boundary: which rule packs may load code.
#
# A scanned repository is untrusted (a pull request from a fork can edit it), so its config
# (`.reviewer.yml`, `[tool.reviewer]`, in the scanned folder or a parent, or named by
# --config) never makes reviewer import code. Rule packs come from the command line
# (--rule-pack), the environment (REVIEWER_RULE_PACKS) or the user's own config file outside
# the repository; a repository's `rule-packs:` is honoured only with --trust-repo-config.

RULE_PACKS_ENV = "REVIEWER_RULE_PACKS"
USER_CONFIG_KEYS = ("rule-packs",)


@dataclass(frozen=True)
class PackChoice:
    """What the person running reviewer said about rule packs."""

    cli: tuple[Path, ...] = ()  # --rule-pack, relative to the working folder
    trust_repo_config: bool = False  # --trust-repo-config


def user_config_file(env: Mapping[str, str]) -> Path:
    """The user-level config: $XDG_CONFIG_HOME/reviewer/config.yml, else ~/.config/reviewer/config.yml."""
    base = env.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "reviewer" / "config.yml"


def _user_rule_packs(env: Mapping[str, str]) -> tuple[Path, ...]:
    path = user_config_file(env)
    if not path.is_file():
        return ()
    source = str(path)
    import yaml  # here, not at the top: `reviewer --version` reads no config

    try:
        table = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(source, "<file>", f"cannot be read: {error}") from None
    except yaml.YAMLError as error:
        raise ConfigError(source, "<file>", f"is not valid YAML: {error}") from None
    if table is None:
        return ()
    if not isinstance(table, dict):
        raise ConfigError(source, "<top level>", "must be a mapping of keys to values")
    for key in table:
        if key not in USER_CONFIG_KEYS:
            raise ConfigError(source, str(key), f"unknown key; allowed keys in the user config: {', '.join(USER_CONFIG_KEYS)}")
    return tuple(path.parent / pack for pack in _str_list(source, "rule-packs", table.get("rule-packs", [])))


@dataclass(frozen=True)
class TrustedPacks:
    paths: tuple[str, ...]  # absolute folders to load, in order, each once
    origins: tuple[str, ...]  # where each was named: an option, the variable or a config file
    warning: str | None  # the repository's config named packs that are not loaded

    def origin_of(self, path: str) -> str:
        """Where the pack holding `path` (a pack folder or a file inside one) was named."""
        for pack, origin in zip(self.paths, self.origins):
            if path == pack or path.startswith(pack.rstrip(os.sep) + os.sep):
                return origin
        return "<rule packs>"


def trusted_rule_packs(config: Config, choice: PackChoice, env: Mapping[str, str]) -> TrustedPacks:
    """The rule packs this run may load, and a warning when the scanned repository's config
    named packs that are not loaded."""
    named: list[tuple[Path, str]] = [(Path(pack), "--rule-pack") for pack in choice.cli]
    named += [(Path(part), RULE_PACKS_ENV) for part in env.get(RULE_PACKS_ENV, "").split(os.pathsep) if part.strip()]
    named += [(pack, str(user_config_file(env))) for pack in _user_rule_packs(env)]
    warning = None
    if config.rule_packs:
        if choice.trust_repo_config:
            named += [(Path(config.root) / pack, config.source) for pack in config.rule_packs]
        else:
            warning = (
                f"{config.source}: `rule-packs` not loaded: a repository's config cannot make reviewer run code. "
                f"Pass the folders with --rule-pack or {RULE_PACKS_ENV}, or use --trust-repo-config on code you trust"
            )
    paths: list[str] = []
    origins: list[str] = []
    for pack, origin in named:
        text = str(pack.resolve())
        if text not in paths:
            paths.append(text)
            origins.append(origin)
    return TrustedPacks(tuple(paths), tuple(origins), warning)


# ----------------------------------------------------------------------------------------------
# Loading


def find_config(start: Path) -> Path | None:
    """The first config file in `start` or its parents: `.reviewer.yml`, else a pyproject.toml
    that has a [tool.reviewer] table."""
    directory = start if start.is_dir() else start.parent
    for candidate in [directory, *directory.resolve().parents]:
        for name in CONFIG_FILES:
            if (candidate / name).is_file():
                return candidate / name
        pyproject = candidate / "pyproject.toml"
        if pyproject.is_file():
            tomllib = _tomllib()
            try:
                data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
            except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError):
                return pyproject  # let load_config report the error
            if "reviewer" in data.get("tool", {}):
                return pyproject
        if (candidate / ".git").exists():
            break
    return None


def load_config(path: Path | None, root: Path) -> Config:
    if path is None:
        return Config(root=str(root))
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(source, "<file>", "the config file does not exist") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(source, "<file>", f"cannot be read: {error}") from None
    if path.suffix.lower() == ".toml":
        # pyproject.toml, or another TOML file (`--config reviewer.toml`): the keys under
        # [tool.reviewer] when the file has that table, else at its top level.
        tomllib = _tomllib()
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            raise ConfigError(source, "<file>", f"is not valid TOML: {error}") from None
        except RecursionError:
            raise ConfigError(source, "<file>", "nests too deeply to be a reviewer config") from None
        tool = data.get("tool")
        if path.name == "pyproject.toml" or (isinstance(tool, dict) and "reviewer" in tool):
            return parse_config(data.get("tool", {}).get("reviewer", {}), f"{source} [tool.reviewer]", root=path.parent)
        return parse_config(data, source, root=path.parent)
    import yaml

    try:
        table = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ConfigError(source, "<file>", f"is not valid YAML: {error}") from None
    except RecursionError:
        raise ConfigError(source, "<file>", "nests too deeply to be a reviewer config") from None
    if table is None:
        table = {}
    return parse_config(table, source, root=path.parent)


def parse_config(table: Any, source: str, root: Path) -> Config:
    if not isinstance(table, dict):
        raise ConfigError(source, "<top level>", "must be a mapping of keys to values")
    values: dict[str, Any] = {}
    for key, value in table.items():
        parser = _PARSERS.get(key)
        if parser is None:
            allowed = ", ".join(sorted(_PARSERS))
            raise ConfigError(source, str(key), f"unknown key; allowed keys: {allowed}")
        attribute, converted = parser(source, key, value)
        if attribute == "migrations":  # one key, several Config fields
            values.update(converted)
            continue
        values[attribute] = converted
    return Config(source=source, root=str(root), **values)


# ----------------------------------------------------------------------------------------------
# Key parsers: each returns (Config attribute, converted value) or raises ConfigError.


def _str_list(source: str, key: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [part for part in value.replace(",", " ").split() if part]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ConfigError(source, key, "must be a list of strings")
    if len(value) > MAX_LIST_ITEMS:
        raise ConfigError(source, key, f"has {len(value):,} entries; allowed: at most {MAX_LIST_ITEMS:,}")
    return tuple(value)


def _selectors(attribute: str) -> Callable[[str, str, Any], tuple[str, Any]]:
    def parse(source: str, key: str, value: Any) -> tuple[str, Any]:
        return attribute, tuple(item.strip() for item in _str_list(source, key, value))

    return parse


def _per_path_ignores(source: str, key: str, value: Any) -> tuple[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(source, key, "must map a path glob to a list of rule codes, prefixes or categories")
    if len(value) > MAX_LIST_ITEMS:
        raise ConfigError(source, key, f"has {len(value):,} entries; allowed: at most {MAX_LIST_ITEMS:,}")
    pairs = tuple(
        (_glob(source, f"{key}.{glob}", str(glob)), _str_list(source, f"{key}.{glob}", codes)) for glob, codes in value.items()
    )
    return "per_path_ignores", pairs


def _globs(attribute: str) -> Callable[[str, str, Any], tuple[str, Any]]:
    def parse(source: str, key: str, value: Any) -> tuple[str, Any]:
        return attribute, tuple(_glob(source, key, pattern) for pattern in _str_list(source, key, value))

    return parse


def _glob(source: str, key: str, pattern: str) -> str:
    """A gitignore-style glob that compiles (`[z-a]` is not a character range)."""
    import pathspec

    try:
        pathspec.PathSpec.from_lines("gitignore", [pattern]).match_file("x")
    except Exception as error:  # noqa: BLE001 - pathspec and re raise several kinds
        raise ConfigError(source, key, f"{pattern!r} is not a valid glob ({error})") from None
    return pattern


def _severity(source: str, key: str, value: Any) -> tuple[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(source, key, "must map a rule code to a severity")
    pairs = []
    for code, level in value.items():
        try:
            pairs.append((str(code), Severity.parse(str(level))))
        except ValueError:
            raise ConfigError(source, f"{key}.{code}", f"{level!r} is not a severity; allowed: {', '.join(Severity.names())}") from None
    return "severity", tuple(pairs)


def _options(source: str, key: str, value: Any) -> tuple[str, Any]:
    if not isinstance(value, dict) or not all(isinstance(v, dict) for v in value.values()):
        raise ConfigError(source, key, "must map a rule code to a mapping of option names to values")
    return "options", tuple((str(code), tuple(sorted(opts.items()))) for code, opts in value.items())


def _weights(source: str, key: str, value: Any) -> tuple[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(source, key, f"must map a category ({', '.join(c.value for c in Category.scored())}) to a number >= 0")
    weights = dict(DEFAULT_WEIGHTS)
    for name, weight in value.items():
        try:
            category = Category.parse(str(name))
        except ValueError:
            category = None
        if category is None or category is Category.META:
            allowed = ", ".join(c.value for c in Category.scored())
            raise ConfigError(source, f"{key}.{name}", f"unknown category; allowed: {allowed}")
        if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not 0 <= weight <= MAX_WEIGHT:
            raise ConfigError(source, f"{key}.{name}", f"{weight!r} is not allowed; allowed: a number >= 0 and <= {MAX_WEIGHT:g}")
        weights[category] = float(weight)
    if not any(weights.values()):
        raise ConfigError(source, key, "at least one category needs a weight above 0")
    return "weights", tuple(weights.items())


def _gate(source: str, key: str, value: Any) -> tuple[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(source, key, "must be a mapping with fail-under, fail-on and/or fail-on-confidence")
    fail_under = None
    fail_on = None
    fail_on_confidence = None
    for name, item in value.items():
        if name == "fail-under":
            fail_under = parse_fail_under(item, source, f"{key}.fail-under")
        elif name == "fail-on":
            fail_on = parse_fail_on(item, source, f"{key}.fail-on")
        elif name == "fail-on-confidence":
            fail_on_confidence = parse_confidence(item, source, f"{key}.fail-on-confidence")
        else:
            raise ConfigError(source, f"{key}.{name}", "unknown key; allowed keys: fail-on, fail-under, fail-on-confidence")
    return "gate", Gate(fail_under=fail_under, fail_on=fail_on, fail_on_confidence=fail_on_confidence)


def parse_fail_under(value: Any, source: str, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 100:
        raise ConfigError(source, key, f"{value!r} is not a score; allowed: a number from 0 to 100")
    return float(value)


def parse_fail_on(value: Any, source: str, key: str) -> Severity:
    try:
        return Severity.parse(str(value))
    except ValueError:
        raise ConfigError(source, key, f"{value!r} is not a severity; allowed: {', '.join(Severity.names())}") from None


def parse_confidence(value: Any, source: str, key: str) -> Confidence:
    try:
        return Confidence.parse(str(value))
    except ValueError:
        raise ConfigError(source, key, f"{value!r} is not a confidence; allowed: {', '.join(Confidence.names())}") from None


def _dialect(source: str, key: str, value: Any) -> tuple[str, Any]:
    if value not in DIALECTS:
        raise ConfigError(source, key, f"{value!r} is not a supported dialect; allowed: {', '.join(DIALECTS)}")
    return "dialect", value


def _positive_int(attribute: str, most: int) -> Callable[[str, str, Any], tuple[str, Any]]:
    def parse(source: str, key: str, value: Any) -> tuple[str, Any]:
        if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= most:
            raise ConfigError(source, key, f"{value!r} is not allowed; allowed: a whole number above 0 and at most {most:,}")
        return attribute, value

    return parse


def _positive_number(attribute: str, most: float) -> Callable[[str, str, Any], tuple[str, Any]]:
    def parse(source: str, key: str, value: Any) -> tuple[str, Any]:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or not 0 < value <= most:
            raise ConfigError(source, key, f"{value!r} is not allowed; allowed: a number above 0 and at most {most:g}")
        return attribute, float(value)

    return parse


def _boolean(attribute: str) -> Callable[[str, str, Any], tuple[str, Any]]:
    def parse(source: str, key: str, value: Any) -> tuple[str, Any]:
        if not isinstance(value, bool):
            raise ConfigError(source, key, f"{value!r} is not allowed; allowed: true, false")
        return attribute, value

    return parse


PROFILES = ("default", "audit")


def parse_profile(value: Any, source: str, key: str) -> str:
    if value not in PROFILES:
        raise ConfigError(source, key, f"{value!r} is not a profile; allowed: {', '.join(PROFILES)}")
    return value


ERROR_FORMATS = ("envelope", "problem+json", "auto")
ENVELOPE_KEYS = ("code", "message", "details")


def _error_format(source: str, key: str, value: Any) -> tuple[str, Any]:
    if value not in ERROR_FORMATS:
        raise ConfigError(source, key, f"{value!r} is not an error format; allowed: {', '.join(ERROR_FORMATS)}")
    return "error_format", value


def _error_envelope(source: str, key: str, value: Any) -> tuple[str, Any]:
    """Dotted key paths of the envelope's parts, e.g. {code: error.code, message: error.message}."""
    if not isinstance(value, dict):
        raise ConfigError(source, key, f"must map {', '.join(ENVELOPE_KEYS)} to dotted key paths like error.code")
    paths = {"code": "error.code", "message": "error.message", "details": "error.details"}
    for name, path in value.items():
        if name not in ENVELOPE_KEYS:
            raise ConfigError(source, f"{key}.{name}", f"unknown key; allowed keys: {', '.join(ENVELOPE_KEYS)}")
        if not isinstance(path, str) or not path or any(not part for part in path.split(".")):
            raise ConfigError(source, f"{key}.{name}", f"{path!r} is not allowed; allowed: a dotted key path like error.code")
        paths[name] = path
    return "error_envelope", tuple(paths.items())


MIGRATION_POLICIES = ("reversible", "forward-only")


def _migrations(source: str, key: str, value: Any) -> tuple[str, Any]:
    """`migrations: {policy: reversible | forward-only, loose-sql: true | false, released: ...,
    runner: ...}`."""
    if not isinstance(value, dict):
        raise ConfigError(source, key, "must be a mapping with policy, loose-sql, released and/or runner")
    settings: dict[str, Any] = {}
    for name, item in value.items():
        if name == "policy":
            if item not in MIGRATION_POLICIES:
                raise ConfigError(source, f"{key}.policy", f"{item!r} is not a policy; allowed: {', '.join(MIGRATION_POLICIES)}")
            settings["migrations_policy"] = item
        elif name == "loose-sql":
            if not isinstance(item, bool):
                raise ConfigError(source, f"{key}.loose-sql", f"{item!r} is not allowed; allowed: true, false")
            settings["migrations_loose_sql"] = item
        elif name == "released":
            settings["migrations_released"] = _released(source, f"{key}.released", item)
        elif name == "runner":
            settings["migrations_runner"] = _runner(source, f"{key}.runner", item)
        else:
            raise ConfigError(source, f"{key}.{name}", "unknown key; allowed keys: loose-sql, policy, released, runner")
    return "migrations", settings


RUNNER_KEYS = ("python", "sql", "transaction")
RUNNER_TRANSACTIONS = {"per-file": True, "none": False}


def _runner(source: str, key: str, value: Any) -> MigrationRunner:
    """`runner: {sql: [GLOB, ...], python: [GLOB, ...], transaction: per-file | none}`."""
    if not isinstance(value, dict) or not value:
        raise ConfigError(source, key, f"must be a mapping with {', '.join(RUNNER_KEYS)}")
    runner = MigrationRunner()
    for name, item in value.items():
        if name in ("sql", "python"):
            globs = tuple(_glob(source, f"{key}.{name}", pattern) for pattern in _str_list(source, f"{key}.{name}", item))
            runner = replace(runner, **{name: globs})
        elif name == "transaction":
            if item not in RUNNER_TRANSACTIONS:
                raise ConfigError(source, f"{key}.transaction", f"{item!r} is not allowed; allowed: {', '.join(RUNNER_TRANSACTIONS)}")
            runner = replace(runner, transactional=RUNNER_TRANSACTIONS[item])
        else:
            raise ConfigError(source, f"{key}.{name}", f"unknown key; allowed keys: {', '.join(RUNNER_KEYS)}")
    if not runner.sql and not runner.python:
        raise ConfigError(source, key, "names no delta files; allowed: sql and/or python globs")
    return runner


RELEASED_KEYS = ("alembic", "django", "ref")


def _released(source: str, key: str, value: Any) -> Released:
    """`released: REF`, `released: false`, or `released: {ref: REF | false, django: {APP: NAME},
    alembic: {CHAIN: REVISION}}`."""
    if value is False:
        return Released(git=False)
    if isinstance(value, str):
        return Released(ref=_git_ref(source, key, value))
    if not isinstance(value, dict):
        raise ConfigError(source, key, f"{value!r} is not allowed; allowed: a git ref, false, or a mapping with {', '.join(RELEASED_KEYS)}")
    released = Released()
    for name, item in value.items():
        if name == "ref":
            released = replace(released, git=False) if item is False else replace(released, ref=_git_ref(source, f"{key}.ref", item))
        elif name in ("django", "alembic"):
            what = "an app label" if name == "django" else "an Alembic script folder"
            last = "migration name like 0042_order_status" if name == "django" else "revision id"
            if not isinstance(item, dict) or not item:
                raise ConfigError(source, f"{key}.{name}", f"must map {what} to its last released {last}")
            pairs = []
            for stream, migration in item.items():
                if not isinstance(migration, str) or not migration.strip() or not str(stream).strip():
                    raise ConfigError(source, f"{key}.{name}.{stream}", f"{migration!r} is not allowed; allowed: the last released {last}")
                pairs.append((str(stream).strip().strip("/"), migration.strip()))
            released = replace(released, **{name: tuple(sorted(pairs))})
        else:
            raise ConfigError(source, f"{key}.{name}", f"unknown key; allowed keys: {', '.join(RELEASED_KEYS)}")
    return released


def _git_ref(source: str, key: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip() or value.startswith("-") or any(c.isspace() for c in value.strip()):
        raise ConfigError(source, key, f"{value!r} is not allowed; allowed: a git ref (tag, branch or commit) or false")
    return value.strip()


_PARSERS: dict[str, Callable[[str, str, Any], tuple[str, Any]]] = {
    "migrations": _migrations,
    "error-format": _error_format,
    "error-envelope": _error_envelope,
    "select": _selectors("select"),
    "profile": lambda source, key, value: ("profile", parse_profile(value, source, key)),
    "ignore": _selectors("ignore"),
    "exclude": _globs("exclude"),
    "not-deployed": _globs("not_deployed"),
    "per-path-ignores": _per_path_ignores,
    "severity": _severity,
    "options": _options,
    "weights": _weights,
    "gate": _gate,
    "dialect": _dialect,
    "rule-packs": lambda source, key, value: ("rule_packs", _str_list(source, key, value)),
    "max-file-size": _positive_int("max_file_size", MAX_FILE_SIZE),
    "file-timeout": _positive_number("file_timeout", MAX_FILE_TIMEOUT),
    "respect-gitignore": _boolean("respect_gitignore"),
}
CONFIG_KEYS = tuple(sorted(_PARSERS))
