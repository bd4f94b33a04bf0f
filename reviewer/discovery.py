"""Walk the scanned tree and classify each file: Python, SQL, Python migration, SQL migration.

The one definition of the file conventions: migration tools' file names and folders, the
database a file names (`0042_add_index.sql.postgres`, Alembic's `versions/sqlite/`), a
project's own migration runner (config `migrations: {runner: ...}`) and test code.

Honours .gitignore files (via pathspec) and config excludes; never descends into
virtualenvs, node_modules, build or cache folders, nor into any folder whose name starts with
a dot: those belong to other tools (`.git`, `.github`, `.semgrep` rule fixtures, `.vscode`,
`.idea`, agent folders such as `.claude` or `.cursor`, `.venv`, `.tox`), not to the
application. A dot-folder named on the command line is walked like any other folder (that is
how to scan one). A symlink to a file that is scanned anyway (the file itself, or another link
to it) is scanned once, under the file's own path. Files named explicitly on the command line
are always scanned.

A `.sql` file that is a template (Jinja or Django template syntax outside its string literals:
`{% if ... %}`, `{{ name }}`, as pgAdmin's SQL generator keeps under `templates/`) is not SQL
and is not walked into: no SQL rule can judge it and it is no migration. SQLFluff renders such
files with a configured context before linting them; squawk reads only plain SQL. reviewer has
no context to render them with (their filters and variables are the application's), so it
leaves them out. A `{` in a string literal, a JSON value or an array literal is plain SQL.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

from reviewer.config import DIALECTS, Config, MigrationRunner
from reviewer.model import FileKind

# pathspec is imported where a glob or a .gitignore is to be matched: a tree with neither (a
# warm scan's whole discovery of one) does without it (a fifth of a warm scan's imports).
if TYPE_CHECKING:
    import pathspec

    from reviewer.cache import FileStates

# Folders never walked into, besides every dot-folder (see `_skipped`).
SKIPPED_DIRS = frozenset(
    {"venv", "env", "virtualenv", "node_modules", "__pycache__", "build", "dist", "site-packages", "htmlcov"}
)
PYTHON_SUFFIXES = (".py",)
SQL_SUFFIXES = (".sql",)

# Migration file names, as the tools themselves read them (reviewer.migrations reads versions
# and directions from the same groups).
FLYWAY = re.compile(r"^(?P<kind>[VU](?=\d)|R(?=__))(?P<version>\d+(?:[._]\d+)*)?__.+\.sql$", re.IGNORECASE)
GOLANG_MIGRATE = re.compile(r"^(?P<version>\d+)_(?P<name>.+)\.(?P<direction>up|down)\.sql$", re.IGNORECASE)
# Django loads every module of an app's `migrations` package (bar `_*` and `~*` names) as a
# migration: `0001_initial.py` by makemigrations' numbering, but also `10006_fix.py` once an
# app passes 9999, or an unnumbered `deserialize_edits.py`, which then says so by its class.
DJANGO_MIGRATION = re.compile(r"^\d+_\w+\.py$")
DJANGO_MIGRATION_CLASS = re.compile(r"^class Migration\(\s*(?:migrations\.)?Migration\s*\)", re.MULTILINE)
# How much of an unnumbered module of a `migrations` package is read for that class.
DJANGO_CLASS_BYTES = 65536
# An Alembic revision's identifier line (`revision = "a1b2"`, `revision: str = "a1b2"`).
ALEMBIC_REVISION = re.compile(r"^revision\s*(?::[^=\n]*)?=", re.MULTILINE)
MIGRATION_FOLDERS = ("migrations", "migration", "migrate")
HEADER_BYTES = 4096
# How much of a `.sql` file is read to tell a template from SQL (template syntax is never
# only in the tail of a file of this size).
TEMPLATE_BYTES = 1 << 20
# Names of a database in a file suffix (`.sql.postgres`) or a folder (Alembic's
# `versions/postgresql/`) -> the sqlglot dialect.
DIALECT_NAMES = {
    **{name: name for name in DIALECTS},
    "postgresql": "postgres", "pg": "postgres", "psql": "postgres", "sqlite3": "sqlite", "mariadb": "mysql",
    "mssql": "tsql", "sqlserver": "tsql",
}
# Folders of test code: test suites, and the test utilities (test settings, fixtures, mocks) a
# project keeps beside them (pretix's `testutils/settings.py`).
TEST_FOLDERS = ("tests", "test", "testing", "testutils", "test_utils")


@dataclass(frozen=True)
class SourceFile:
    path: Path  # absolute
    rel: str  # relative to the scan root, with /
    kind: FileKind
    migration_tool: str | None = None


def discover(
    root: Path,
    targets: Iterable[Path],
    exclude: Iterable[str] = (),
    respect_gitignore: bool = True,
    exclude_prefix: str = "",
    runner: MigrationRunner = MigrationRunner(),
    states: FileStates | None = None,
) -> list[SourceFile]:
    """Files to scan under `targets` (directories are walked, files taken as they are),
    with paths relative to `root`. Sorted by relative path. `exclude` globs and the migration
    `runner`'s globs match paths prefixed with `exclude_prefix` (the scanned folder relative
    to the config file). `states`: what earlier scans learnt of unchanged files (whether a
    `.sql` file is a template), and where this one keeps what it learns."""
    targets = list(targets)
    excluded = _spec(exclude, exclude_prefix)
    runner_files = RunnerFiles(_spec(runner.sql, exclude_prefix), _spec(runner.python, exclude_prefix))
    found: dict[str, SourceFile] = {}
    linked = False
    for target in targets:
        target = target.absolute()
        if target.is_dir():
            for path, rel, link in _walk(root, target, excluded, respect_gitignore):
                source = classify(root, path, runner_files=runner_files, states=states, rel=rel)
                if source is not None:
                    found[source.rel] = source
                    linked = linked or link
        elif target.exists() or target.is_symlink():
            source = classify(root, target, explicit=True, runner_files=runner_files)
            if source is not None:
                found[source.rel] = source
                linked = linked or target.is_symlink()
    # One folder walked without following links reaches each file once; only links (a linked
    # file, a linked or repeated target) can reach one twice, and resolving every path is costly.
    linked = linked or len(targets) > 1
    duplicates = _duplicate_links(found) if linked else set()
    return [found[key] for key in sorted(found) if key not in duplicates]


def outside_root(root: Path, sources: list[SourceFile]) -> tuple[list[SourceFile], list[SourceFile]]:
    """(sources to scan, symlinks that resolve outside `root`). A link out of the scanned tree
    is never followed: in a pull request it could point at a credentials file, and the report
    would print its lines."""
    top = root.resolve()
    inside: list[SourceFile] = []
    escaped: list[SourceFile] = []
    for source in sources:
        if os.path.islink(source.path):
            try:
                target = source.path.resolve(strict=True)
            except (OSError, RuntimeError):
                inside.append(source)  # broken or looping: the check pass reports it
                continue
            if not target.is_relative_to(top):
                escaped.append(source)
                continue
        inside.append(source)
    return inside, escaped


def shadowed_modules(sources: list[SourceFile]) -> tuple[list[SourceFile], list[SourceFile]]:
    """(sources to scan, modules no import can reach). A module `x.py` beside a regular package
    `x/` (one with `x/__init__.py`) is dead code: Python's import system finds the package
    first, so `import pkg.x` never loads the file, and its findings would be about code that
    never runs. A file with a `__main__` block is kept: it may be run as a script by its path.
    A namespace folder (no `__init__.py`) does not shadow the module: the module wins then."""
    kept: list[SourceFile] = []
    dead: list[SourceFile] = []
    for source in sources:
        path = source.path
        name = source.rel.rpartition("/")[2]  # the path's name, as text: this runs for every file of the tree
        if (source.kind is FileKind.PYTHON and name.endswith(".py") and len(name) > 3 and name != "__init__.py"
                and os.path.isfile(os.path.join(os.path.dirname(path), name[:-3], "__init__.py")) and not _script(path)):
            dead.append(source)
        else:
            kept.append(source)
    return kept, dead


def _script(path: Path) -> bool:
    """Whether a Python file names `__main__` (an `if __name__ == "__main__":` block)."""
    try:
        return "__main__" in path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return True  # unreadable: kept, and the check reports why


def _skipped(name: str) -> bool:
    """Whether the walk leaves out a folder of this name (see SKIPPED_DIRS); a folder holding a
    `pyvenv.cfg` (a virtualenv of any name) is left out too (_walk, as it lists the folder)."""
    return name.startswith(".") or name in SKIPPED_DIRS or name.endswith(".egg-info")


def _duplicate_links(found: dict[str, SourceFile]) -> set[str]:
    """Relative paths of symlinks whose target is scanned anyway: under its own path when the
    file itself is scanned, else under the first link (in path order) that reaches it."""
    by_target: dict[Path, list[SourceFile]] = {}
    for source in found.values():
        try:
            target = source.path.resolve(strict=True)
        except (OSError, RuntimeError):
            continue  # a broken or looping link: reported by the check pass, never a duplicate
        by_target.setdefault(target, []).append(source)
    duplicates: set[str] = set()
    for sources in by_target.values():
        if len(sources) < 2:
            continue
        keep = min(sources, key=lambda s: (s.path.is_symlink(), s.rel))
        duplicates.update(s.rel for s in sources if s is not keep)
    return duplicates


class _Prefixed:
    """A PathSpec whose paths are first put below a prefix."""

    def __init__(self, spec: pathspec.PathSpec, prefix: str) -> None:
        self.spec = spec
        self.prefix = prefix

    def match_file(self, path: str) -> bool:
        return self.spec.match_file(self.prefix + path)


@dataclass(frozen=True)
class _NoGlobs:
    """The spec of no glob: it matches no path."""

    def match_file(self, path: str) -> bool:  # noqa: ARG002 - a PathSpec's signature
        return False


_NOTHING = _NoGlobs()
# What matches paths against globs: a PathSpec, one below a prefix, or none.
Globs = "pathspec.PathSpec | _Prefixed | _NoGlobs"


def _spec(globs: Iterable[str], prefix: str) -> Globs:
    globs = list(globs)
    if not globs:
        return _NOTHING
    import pathspec

    spec = pathspec.PathSpec.from_lines("gitignore", globs)
    return _Prefixed(spec, prefix) if prefix else spec


@dataclass(frozen=True)
class RunnerFiles:
    """The delta files of a project's own migration runner (config `migrations: {runner:}`)."""

    sql: Globs = field(default_factory=lambda: _NOTHING)
    python: Globs = field(default_factory=lambda: _NOTHING)


def relative(root: Path, path: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def _walk(root: Path, top: Path, excluded: Globs, respect_gitignore: bool) -> Iterable[tuple[Path, str, bool]]:
    """(path, path relative to `root`, whether it is a symbolic link) of each Python and SQL
    file under `top` that no .gitignore, exclude glob or skipped folder leaves out. Symbolic
    links to folders are not followed. Each folder is listed once (os.scandir: its entries say
    whether they are folders or links without a call per file), and the paths relative to the
    root and to each .gitignore's folder are made as text from the parent folder's (path
    objects and a `stat` per folder were most of a warm scan's discovery)."""
    inherited: list[tuple[Path, pathspec.PathSpec]] = []
    if respect_gitignore:
        # .gitignore files above the walked folder, up to the repository root, apply too.
        for parent in top.parents:
            inherited[:0] = _gitignore(parent)
            if (parent / ".git").exists():
                break
        # A folder named explicitly is scanned even when an ancestor's .gitignore ignores it
        # (as explicitly named files are); those ancestor rules would otherwise hide all of it.
        if inherited and _ignored(_inside(root, top), True, _NOTHING, _within(top, inherited)):
            inherited = []
    # Folders to list: (folder, its path relative to the root, each .gitignore spec that
    # applies in it with the folder's path relative to the spec's own folder).
    pending: list[tuple[str, str, list[tuple[str, pathspec.PathSpec]]]] = [(str(top), _inside(root, top), _within(top, inherited))]
    while pending:
        directory, inside, within = pending.pop()
        try:
            with os.scandir(directory) as listing:
                entries = sorted(listing, key=lambda entry: entry.name)
        except OSError:
            continue  # an unreadable folder is left out, as os.walk leaves it
        folders, files = [], []
        for entry in entries:
            try:
                is_dir = entry.is_dir()
            except OSError:
                is_dir = False
            (folders if is_dir else files).append(entry)
        if directory != str(top) and any(entry.name == "pyvenv.cfg" and os.path.exists(entry.path) for entry in entries):
            continue  # a virtualenv (see _skipped): nothing of it is walked
        if respect_gitignore and any(entry.name == ".gitignore" for entry in files):
            within = [*within, *(("", spec) for _, spec in _gitignore(Path(directory)))]
        children = []
        for entry in folders:
            name = entry.name
            if _skipped(name) or _is_link(entry):
                continue
            inner = [(_child(prefix, name), spec) for prefix, spec in within]
            if _ignored(_child(inside, name), True, excluded, inner):
                continue
            children.append((entry.path, _child(inside, name), inner))
        pending.extend(reversed(children))
        for entry in files:
            name = entry.name
            if not name.endswith(PYTHON_SUFFIXES) and not is_sql_name(name):
                continue
            rel = _child(inside, name)
            if _ignored(rel, False, excluded, [(_child(prefix, name), spec) for prefix, spec in within]):
                continue
            yield Path(entry.path), rel, _is_link(entry)


def _is_link(entry: os.DirEntry) -> bool:
    try:
        return entry.is_symlink()
    except OSError:
        return False


def _inside(root: Path, folder: Path) -> str:
    """`folder` relative to the scan root ("" for the root itself), as `relative` gives it."""
    rel = relative(root, folder)
    return "" if rel == "." else rel


def _child(folder: str, name: str) -> str:
    return f"{folder}/{name}" if folder else name


def _within(folder: Path, ignores: list[tuple[Path, pathspec.PathSpec]]) -> list[tuple[str, pathspec.PathSpec]]:
    """Each .gitignore spec that applies in `folder`, with the folder's path relative to the
    spec's own folder ("" when the same)."""
    found = []
    for base, spec in ignores:
        try:
            inner = folder.relative_to(base).as_posix()
        except ValueError:
            continue
        found.append(("" if inner == "." else inner, spec))
    return found


def _gitignore(directory: Path) -> list[tuple[Path, pathspec.PathSpec]]:
    path = directory / ".gitignore"
    if not path.is_file():
        return []
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []
    import pathspec

    return [(directory, pathspec.PathSpec.from_lines("gitignore", lines))]


def _ignored(rel: str, is_dir: bool, excluded: Globs, ignores: list[tuple[str, pathspec.PathSpec]]) -> bool:
    """Whether a path (`rel`: relative to the scan root) is excluded by the config's globs or
    ignored by the .gitignore specs in `ignores` (each with the path relative to its folder)."""
    suffix = "/" if is_dir else ""
    if excluded.match_file(rel + suffix):
        return True
    # As in git, the deepest .gitignore that decides wins: `!keep.sql` in a subfolder
    # re-includes what `*.sql` at the root ignores. `ignores` is ordered shallowest first.
    ignored = False
    for inner, spec in ignores:
        decision = spec.check_file(inner + suffix).include
        if decision is not None:
            ignored = decision
    return ignored


def classify(
    root: Path, path: Path, explicit: bool = False, runner_files: RunnerFiles = RunnerFiles(), states: FileStates | None = None,
    rel: str | None = None,
) -> SourceFile | None:
    """The file's kind (None: not scanned); `rel`, its path relative to `root` when known."""
    rel = relative(root, path) if rel is None else rel
    name = path.name
    parts = rel.split("/")
    if name.endswith(PYTHON_SUFFIXES):
        if runner_files.python.match_file(rel):
            return SourceFile(path, rel, FileKind.PYTHON_MIGRATION, "runner")
        tool = _python_migration_tool(path, parts)
        kind = FileKind.PYTHON_MIGRATION if tool else FileKind.PYTHON
        return SourceFile(path, rel, kind, tool)
    if is_sql_name(name):
        if not explicit and _templated(path, rel, states):
            return None
        if runner_files.sql.match_file(rel):
            return SourceFile(path, rel, FileKind.SQL_MIGRATION, "runner")
        tool = sql_migration_tool(rel, _header(path))
        if tool is None and sql_name(name)[1] is not None:
            tool = "generic"  # only migration runners keep one file per database
        kind = FileKind.SQL_MIGRATION if tool else FileKind.SQL
        return SourceFile(path, rel, kind, tool)
    return SourceFile(path, rel, FileKind.PYTHON) if explicit else None


def _templated(path: Path, rel: str, states: FileStates | None) -> bool:
    """templated_sql of the file's head (TEMPLATE_BYTES), from `states` when the file has not
    changed since a scan read it."""

    def decide() -> bool:
        return templated_sql(_header(path, TEMPLATE_BYTES), dialect_of(rel))

    return decide() if states is None else states.templated(path, rel, decide)


def _python_migration_tool(path: Path, parts: list[str]) -> str | None:
    if len(parts) >= 2 and parts[-2] == "migrations":
        if DJANGO_MIGRATION.match(path.name):
            return "django"
        if path.name[:1] not in ("_", "~") and DJANGO_MIGRATION_CLASS.search(_header(path, DJANGO_CLASS_BYTES)):
            return "django"
    if path.name == "__init__.py":
        return None
    # A `versions/` folder beside env.py: its revisions, in it or in subfolders of it
    # (`versions/<database>/`, one chain per database, or `versions/2024/`, read by Alembic's
    # `recursive_version_locations`).
    # In a subfolder that names no database, a file is a revision only when it says so (its
    # `revision = ...` line): helpers kept there are not, and Alembic would refuse them.
    index = versions_folder(parts)
    if index is None:
        return None
    scripts = path.parents[len(parts) - 1 - index]
    if not ((scripts / "env.py").exists() or (scripts / "script.py.mako").exists()):
        return None
    depth = len(parts) - index - 2  # folders between `versions/` and the file
    if depth == 0 or depth == 1 and parts[index + 1].lower() in DIALECT_NAMES or ALEMBIC_REVISION.search(_header(path)):
        return "alembic"
    return None


def versions_folder(parts: list[str]) -> int | None:
    """The index in a path's `parts` of the nearest folder named `versions` above the file
    (Alembic's version location), or None."""
    for index in range(len(parts) - 2, -1, -1):
        if parts[index] == "versions":
            return index
    return None


def alembic_stream(path: str) -> str:
    """The revision chain an Alembic revision belongs to: the folder holding `versions/`, or
    `versions/<database>/` when the chain is one database's; subfolders of either (Alembic's
    `recursive_version_locations`) belong to the same chain."""
    parts = path.split("/")
    index = versions_folder(parts)
    if index is None:
        return path.rsplit("/", 1)[0]
    if index + 2 < len(parts) and parts[index + 1].lower() in DIALECT_NAMES:
        return "/".join(parts[: index + 2])
    return "/".join(parts[:index])


def sql_migration_tool(path: str, header: str) -> str | None:
    """The migration tool of a `.sql` file from its path and its first lines (None when it
    follows no known layout)."""
    parts = path.split("/")
    name = sql_name(parts[-1])[0]
    if "supabase/migrations/" in "/" + path:
        return "supabase"
    if FLYWAY.match(name):
        return "flyway"
    if GOLANG_MIGRATE.match(name):
        return "golang-migrate"
    if "-- migrate:up" in header:
        return "dbmate"
    if "+goose up" in header.lower():
        return "goose"
    if any(part in MIGRATION_FOLDERS for part in parts[:-1]):
        return "generic"
    return None


def sql_name(name: str) -> tuple[str, str | None]:
    """(the file name as a `.sql` file, the database its suffix names):
    `0042_index.sql.postgres` -> (`0042_index.sql`, `postgres`), `x.sql` -> (`x.sql`, None)."""
    stem, _, suffix = name.rpartition(".")
    if stem.lower().endswith(".sql") and suffix.lower() in DIALECT_NAMES:
        return stem, DIALECT_NAMES[suffix.lower()]
    return name, None


def is_sql_name(name: str) -> bool:
    return name.endswith(SQL_SUFFIXES) or sql_name(name)[1] is not None


def dialect_of(path: str) -> str | None:
    """The database a file is for, when its name or folder says: `x.sql.sqlite`, Alembic's
    `versions/postgresql/x.py` (or `versions/postgresql/2024/x.py`)."""
    parts = path.split("/")
    dialect = sql_name(parts[-1])[1]
    index = versions_folder(parts)
    if dialect is None and index is not None and index + 2 < len(parts) and parts[-1].endswith(PYTHON_SUFFIXES):
        dialect = DIALECT_NAMES.get(parts[index + 1].lower())
    return dialect


def in_migrations_package(path: str) -> bool:
    """Inside a `migrations/` package (its migrations, its `__init__` and helpers): frozen
    history, whose models and queries are not the application's live code."""
    return "migrations" in path.split("/")[:-1]


# Folders of code that is not the deployed service: tests, examples, docs, scripts, evaluation
# and benchmark harnesses, and the project templates a library ships for its users.
NON_SERVICE_DIRS = frozenset({"tests", "test", "testing", "examples", "example", "docs", "doc", "docs_src", "scripts", "bin",
                              "evals", "benchmarks", "demos",
                              # Django's `startproject` / `startapp` templates: code a library ships for its users
                              "project_template", "app_template"})


# Developer tooling at the top of the project, outside every package it installs: build, docs,
# CI, release and environment scripts (OpenStack's `devstack/`, a `tools/` of maintenance
# scripts). Only a top folder: `tools/` or `scripts/` inside a package is shipped (MLflow's
# `genai/judges/tools/`, NetBox's custom `netbox/scripts/`). `bin/` and `contrib/` are left out:
# `setup(scripts=["bin/..."])` installs the first, and the second often holds the deployment's
# own config (NetBox's `contrib/gunicorn.py`). `qa/` holds QA scenarios run by hand against a
# test deployment and `noxfiles/` the session modules of a `noxfile.py` (ethyca-fides has both;
# none of the other 43 ecosystem projects has either folder at its top).
TOOLING_DIRS = frozenset({"devstack", "tools", "scripts", "docs", "doc", "docs_src", "examples", "example",
                          "demos", "benchmarks", "evals", "ci", "qa", "noxfiles"})
# Folders named for developer tooling, at any depth: unlike a bare `tools/`, the name says who
# runs it (orchestrator-core ships `orchestrator/core/devtools/`, a populator that seeds a local
# API by hand).
DEVELOPER_DIRS = frozenset({"devtools", "dev_tools", "dev-tools", "devscripts", "dev_scripts", "dev-scripts"})
# Files at the top of the project that only build, package or automate it.
TOOLING_FILES = frozenset({"setup.py", "hatch_build.py", "noxfile.py", "fabfile.py"})


@dataclass(frozen=True)
class Deployment:
    """Which code of the scanned tree the deployed service runs: the one notion every rule and
    index provider asks (`Deployment.of(config)`), shaped by the config key `not-deployed`
    (gitignore-style globs, relative to the config file's folder, of a project's own folders
    and files that the service never runs: its tools, maintenance scripts, dev harnesses).

    `not_deployed`: code that never runs in the deployed service (test code, developer
    tooling, what `not-deployed` names); rules skip it unless they say they also run on tests
    (`Rule.in_tests`). `non_service`: that, and code in folders of examples, docs, scripts and
    harnesses at any depth: its routes, apps and error bodies are not the service's."""

    globs: tuple[str, ...] = ()
    # Where the scanned folder sits below the config file's folder (Config.scan_prefix).
    prefix: str = ""

    @classmethod
    def of(cls, config: "Config | None") -> "Deployment":
        """The scan's deployment (the defaults without a config)."""
        if config is None or not config.not_deployed:
            return DEFAULT_DEPLOYMENT
        return cls(config.not_deployed, config.scan_prefix)

    def not_deployed(self, path: str) -> bool:
        """Test code (is_test_path), the project's developer tooling (a top folder of
        TOOLING_DIRS, a folder of DEVELOPER_DIRS at any depth, a top file of TOOLING_FILES) and
        the paths the config's `not-deployed` globs match."""
        parts = path.split("/")
        return (
            is_test_path(path)
            or (len(parts) > 1 and parts[0] in TOOLING_DIRS)
            or (len(parts) == 1 and parts[0] in TOOLING_FILES)
            or any(part in DEVELOPER_DIRS for part in parts[:-1])
            or (self._declared is not None and self._declared.match_file(self.prefix + path))
        )

    def leaves(self, what: str, path: str) -> bool:
        """`not_deployed` ("not-deployed") or `non_service` ("non-service"), by name."""
        return self.non_service(path) if what == "non-service" else self.not_deployed(path)

    def non_service(self, path: str) -> bool:
        """Test, example, docs, script or harness code: its routes, apps and error bodies are
        not the service's."""
        return self.not_deployed(path) or any(part in NON_SERVICE_DIRS for part in path.split("/")[:-1])

    @property
    def _declared(self) -> pathspec.PathSpec | None:
        if not self.globs:
            return None
        spec = _SPECS.get(self.globs)
        if spec is None:
            import pathspec

            spec = _SPECS[self.globs] = pathspec.PathSpec.from_lines("gitignore", self.globs)
        return spec


# Compiled `not-deployed` globs, by their text: a Deployment stays plain data (it pickles to
# worker processes and hashes) and each process compiles a set of globs once.
_SPECS: dict[tuple[str, ...], pathspec.PathSpec] = {}
DEFAULT_DEPLOYMENT = Deployment()


def is_test_path(path: str) -> bool:
    """Test code by the conventions of pytest and unittest projects. In a migrations folder
    (a Django `migrations/` package, an Alembic `versions/` folder) a file name is a
    migration's slug, not a test convention: `versions/530fb8533ca4_test.py` is a revision."""
    parts = path.split("/")
    name = parts[-1]
    if any(part in TEST_FOLDERS for part in parts[:-1]) or name in ("conftest.py", "tests.py"):
        return True
    if in_migrations_package(path) or versions_folder(parts) is not None:
        return False
    return name.startswith(("test_", "pytest_")) or name.endswith("_test.py")  # `pytest_plugin.py`: fixtures for test suites


def templated_sql(text: str, dialect: str | None = None) -> bool:
    """Whether a `.sql` file's text is a template (Jinja, Django) rather than SQL: sqlglot's
    tokenizer, which knows template blocks, finds a `{% ... %}` block or a `{{` expression
    outside string literals and comments, or cannot lex a text that has template syntax at all.
    Braces in a string literal (`'{"a": 1}'`, `'{{1,2},{3,4}}'`, a stored `'Hi {{ name }}'`)
    are SQL's values."""
    if "{%" not in text and "{{" not in text:
        return False
    import sqlglot  # only for the few files with braces: discovery stays light
    from sqlglot.tokens import TokenType

    try:
        tokens = sqlglot.Dialect.get_or_raise(dialect).tokenize(text)
    except Exception:  # noqa: BLE001 - TokenError and others: template syntax that is not SQL either
        return True
    for index, token in enumerate(tokens):
        if token.token_type in (TokenType.BLOCK_START, TokenType.BLOCK_END):
            return True
        if token.token_type is TokenType.L_BRACE and index + 1 < len(tokens):
            following = tokens[index + 1]
            if following.token_type is TokenType.L_BRACE and following.start == token.end + 1:
                return True  # `{{ expression }}`; SQL's own braces are inside literals
    return False


def _header(path: Path, size: int = HEADER_BYTES) -> str:
    if not path.is_file():
        return ""  # a FIFO or a device would block; broken links have no header
    try:
        with open(path, "rb") as handle:
            return handle.read(size).decode("utf-8", "replace")
    except OSError:
        return ""
