"""Walk the scanned tree and classify each file: Python, SQL, Python migration, SQL migration.

Honours .gitignore files (via pathspec) and config excludes; never descends into
virtualenvs, node_modules, build or cache folders, nor into any folder whose name starts with
a dot: those belong to other tools (`.git`, `.github`, `.semgrep` rule fixtures, `.vscode`,
`.idea`, agent folders such as `.claude` or `.cursor`, `.venv`, `.tox`), not to the
application. A dot-folder named on the command line is walked like any other folder (that is
how to scan one). A symlink to a file that is scanned anyway (the file itself, or another link
to it) is scanned once, under the file's own path. Files named explicitly on the command line
are always scanned.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import pathspec

from reviewer.model import FileKind

# Folders never walked into, besides every dot-folder (see `_skipped`).
SKIPPED_DIRS = frozenset(
    {"venv", "env", "virtualenv", "node_modules", "__pycache__", "build", "dist", "site-packages", "htmlcov"}
)
PYTHON_SUFFIXES = (".py",)
SQL_SUFFIXES = (".sql",)

FLYWAY = re.compile(r"^(?:[VU]\d+(?:[._]\d+)*|R)__.+\.sql$", re.IGNORECASE)
GOLANG_MIGRATE = re.compile(r"^\d+_.+\.(?:up|down)\.sql$", re.IGNORECASE)
DJANGO_MIGRATION = re.compile(r"^\d{4}_\w+\.py$")
HEADER_BYTES = 4096


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
) -> list[SourceFile]:
    """Files to scan under `targets` (directories are walked, files taken as they are),
    with paths relative to `root`. Sorted by relative path. `exclude` globs match paths
    prefixed with `exclude_prefix` (the scanned folder relative to the config file)."""
    excluded = pathspec.PathSpec.from_lines("gitignore", list(exclude))
    if exclude_prefix:
        excluded = _Prefixed(excluded, exclude_prefix)
    found: dict[str, SourceFile] = {}
    for target in targets:
        target = target.absolute()
        if target.is_dir():
            for path in _walk(root, target, excluded, respect_gitignore):
                source = classify(root, path)
                if source is not None:
                    found[source.rel] = source
        elif target.exists() or target.is_symlink():
            source = classify(root, target, explicit=True)
            if source is not None:
                found[source.rel] = source
    duplicates = _duplicate_links(found)
    return [found[key] for key in sorted(found) if key not in duplicates]


def outside_root(root: Path, sources: list[SourceFile]) -> tuple[list[SourceFile], list[SourceFile]]:
    """(sources to scan, symlinks that resolve outside `root`). A link out of the scanned tree
    is never followed: in a pull request it could point at a credentials file, and the report
    would print its lines."""
    top = root.resolve()
    inside: list[SourceFile] = []
    escaped: list[SourceFile] = []
    for source in sources:
        if source.path.is_symlink():
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


def _skipped(path: Path) -> bool:
    name = path.name
    return name.startswith(".") or name in SKIPPED_DIRS or name.endswith(".egg-info") or (path / "pyvenv.cfg").exists()


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


_NOTHING = pathspec.PathSpec.from_lines("gitignore", [])


def relative(root: Path, path: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def _walk(root: Path, top: Path, excluded: pathspec.PathSpec, respect_gitignore: bool) -> Iterable[Path]:
    inherited: list[tuple[Path, pathspec.PathSpec]] = []
    if respect_gitignore:
        # .gitignore files above the walked folder, up to the repository root, apply too.
        for parent in top.parents:
            inherited[:0] = _gitignore(parent)
            if (parent / ".git").exists():
                break
        # A folder named explicitly is scanned even when an ancestor's .gitignore ignores it
        # (as explicitly named files are); those ancestor rules would otherwise hide all of it.
        if inherited and _ignored(root, top, True, _NOTHING, inherited):
            inherited = []
    # Each folder's active .gitignore specs: its parent's plus its own.
    active: dict[Path, list[tuple[Path, pathspec.PathSpec]]] = {top.parent: inherited}
    for directory, subdirs, files in os.walk(top, followlinks=False):
        here = Path(directory)
        specs = active.pop(here.parent, inherited) if here == top else active.pop(here, inherited)
        if respect_gitignore:
            specs = [*specs, *_gitignore(here)]
        kept = []
        for name in sorted(subdirs):
            path = here / name
            if _skipped(path):
                continue
            if _ignored(root, path, True, excluded, specs):
                continue
            kept.append(name)
            active[path] = specs
        subdirs[:] = kept
        for name in sorted(files):
            if not name.endswith(PYTHON_SUFFIXES + SQL_SUFFIXES):
                continue
            path = here / name
            if _ignored(root, path, False, excluded, specs):
                continue
            yield path


def _gitignore(directory: Path) -> list[tuple[Path, pathspec.PathSpec]]:
    path = directory / ".gitignore"
    if not path.is_file():
        return []
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []
    return [(directory, pathspec.PathSpec.from_lines("gitignore", lines))]


def _ignored(
    root: Path,
    path: Path,
    is_dir: bool,
    excluded: pathspec.PathSpec,
    ignores: list[tuple[Path, pathspec.PathSpec]],
) -> bool:
    rel = relative(root, path)
    suffix = "/" if is_dir else ""
    if excluded.match_file(rel + suffix):
        return True
    # As in git, the deepest .gitignore that decides wins: `!keep.sql` in a subfolder
    # re-includes what `*.sql` at the root ignores. `ignores` is ordered shallowest first.
    ignored = False
    for base, spec in ignores:
        try:
            inner = path.relative_to(base).as_posix()
        except ValueError:
            continue
        decision = spec.check_file(inner + suffix).include
        if decision is not None:
            ignored = decision
    return ignored


def classify(root: Path, path: Path, explicit: bool = False) -> SourceFile | None:
    rel = relative(root, path)
    name = path.name
    parts = rel.split("/")
    if name.endswith(PYTHON_SUFFIXES):
        tool = _python_migration_tool(path, parts)
        kind = FileKind.PYTHON_MIGRATION if tool else FileKind.PYTHON
        return SourceFile(path, rel, kind, tool)
    if name.endswith(SQL_SUFFIXES):
        tool = _sql_migration_tool(path, parts)
        kind = FileKind.SQL_MIGRATION if tool else FileKind.SQL
        return SourceFile(path, rel, kind, tool)
    return SourceFile(path, rel, FileKind.PYTHON) if explicit else None


def _python_migration_tool(path: Path, parts: list[str]) -> str | None:
    if len(parts) >= 2 and parts[-2] == "migrations" and DJANGO_MIGRATION.match(parts[-1]):
        return "django"
    if len(parts) >= 2 and parts[-2] == "versions" and path.name != "__init__.py":
        scripts = path.parent.parent
        if (scripts / "env.py").exists() or (scripts / "script.py.mako").exists():
            return "alembic"
    return None


def _sql_migration_tool(path: Path, parts: list[str]) -> str | None:
    name = parts[-1]
    joined = "/".join(parts)
    if "supabase/migrations/" in f"/{joined}" or joined.startswith("supabase/migrations/"):
        return "supabase"
    if FLYWAY.match(name):
        return "flyway"
    if GOLANG_MIGRATE.match(name):
        return "golang-migrate"
    header = _header(path)
    if "-- migrate:up" in header:
        return "dbmate"
    if "+goose up" in header.lower():
        return "goose"
    if any(part in ("migrations", "migration", "migrate") for part in parts[:-1]):
        return "generic"
    return None


def _header(path: Path) -> str:
    if not path.is_file():
        return ""  # a FIFO or a device would block; broken links have no header
    try:
        with open(path, "rb") as handle:
            return handle.read(HEADER_BYTES).decode("utf-8", "replace")
    except OSError:
        return ""
