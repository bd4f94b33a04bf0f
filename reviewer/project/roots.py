"""Project roots: the services of a repository, so one service's facts never reach another's.

A root is the folder of one deployable project: a Django project (the folder its settings
module is imported from: above the settings package, or the folder of `manage.py`), an
Alembic environment (the folder above its script directory, where `alembic.ini` lives), or a
package that builds a web app (above the top package of the module that creates a FastAPI /
Starlette / Flask / Quart app, or an instance of a project subclass of one, resolved through
the class hierarchy of the project symbols). Test code builds apps and settings of its own
for the project it tests: it makes no root.

A file belongs to its nearest root, the deepest one that contains it; a file outside every
root belongs to none. The index merges each section a root's facts shape (models, settings,
routes, migrations ...) from the files of that root, of the roots around it (a nested
service, an example app inside a library, sees the code around it) and of no root (code a
repository shares between its services), so two services that both define `Product` keep
their own relations and one's `REST_FRAMEWORK` defaults never apply to the other's views.
A file outside every root, and every file of a repository with one root, gets the sections
merged from every file, as before roots existed.
"""

from __future__ import annotations

import ast
import posixpath
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from reviewer.astfacts import dotted_name, nodes_of
from reviewer.cache import AnyOf, Keyed
from reviewer.model import FileKind
from reviewer.project.symbols import SECTION as SYMBOLS, ProjectSymbols, module_imports
from reviewer.provider import IndexProvider

SECTION = "roots"
DJANGO = "django"
ALEMBIC = "alembic"
APP = "app"
VIA = "via"  # [callee, module, name, level]: the file's import of the callee's head
# The classes whose instances are web applications (a project subclass of one is one too).
FASTAPI_APPS = frozenset({"fastapi.FastAPI", "fastapi.applications.FastAPI", "starlette.applications.Starlette"})
FLASK_APPS = frozenset({"flask.Flask", "flask.app.Flask", "apiflask.APIFlask", "quart.Quart"})
APP_CLASSES = FASTAPI_APPS | FLASK_APPS
# Module-level settings that only a Django project's settings module defines.
DJANGO_SETTINGS = frozenset({"INSTALLED_APPS", "ROOT_URLCONF"})


@dataclass(frozen=True)
class ProjectRoot:
    path: str  # the root's folder, relative to the scan root ("" for the scan root itself)
    kinds: tuple[str, ...]  # sorted: "alembic", "app", "django"
    markers: tuple[str, ...]  # the files that make it a root (settings modules, Alembic envs, app modules)

    def contains(self, path: str) -> bool:
        return not self.path or path.startswith(self.path + "/")


@dataclass(frozen=True)
class ProjectRoots:
    roots: tuple[ProjectRoot, ...] = ()  # sorted by folder

    def root_of(self, path: str) -> ProjectRoot | None:
        """The nearest root that contains the file (the deepest one), None outside every root."""
        found = None
        for root in self.roots:
            if root.contains(path) and (found is None or len(root.path) > len(found.path)):
                found = root
        return found

    def around(self, root: ProjectRoot) -> tuple[ProjectRoot, ...]:
        """The roots that contain `root` (a library whose example app it is)."""
        return tuple(other for other in self.roots if other != root and other.contains(root.path + "/"))

    def members(self, paths: Iterable[str]) -> dict[ProjectRoot, frozenset[str]]:
        """For each root, the files whose facts its sections merge: its own, those of the
        roots around it, and those outside every root."""
        owners: dict[ProjectRoot | None, list[str]] = {}
        for path in paths:
            owners.setdefault(self.root_of(path), []).append(path)
        outside = owners.get(None, [])
        return {
            root: frozenset(path for owner in (root, *self.around(root)) for path in owners.get(owner, ())).union(outside)
            for root in self.roots
        }


def markers_of(tree: ast.Module, path: str) -> dict[str, Any]:
    """A file's root evidence: Django settings assigned at module level, an Alembic env's
    import of alembic, and the callees (as written) of `x = Callee(...)` / `return
    Callee(...)` that may build an app, with the import of each one's head (`via`)."""
    django = any(
        isinstance(target, ast.Name) and target.id in DJANGO_SETTINGS
        for node in tree.body
        if isinstance(node, (ast.Assign, ast.AnnAssign))
        for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
    )
    alembic = posixpath.basename(path) == "env.py" and any(
        (isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "alembic")
        or (isinstance(node, ast.Import) and any(alias.name.split(".")[0] == "alembic" for alias in node.names))
        for node in tree.body
    )
    builds: set[str] = set()
    for node in nodes_of(tree, ast.Assign, ast.AnnAssign, ast.Return):
        if isinstance(node.value, ast.Call):
            callee = dotted_name(node.value.func)
            if callee and callee.rsplit(".", 1)[-1][:1].isupper():
                builds.add(callee)
    facts: dict[str, Any] = {}
    if django:
        facts[DJANGO] = True
    if alembic:
        facts[ALEMBIC] = True
    if builds:
        facts[APP] = sorted(builds)
        # The import of each callee's head, as the file's symbols hold it: the merge asks
        # what the callee is without reading this file's symbols (ProjectSymbols.lineage).
        imports = module_imports(tree)
        via = [[callee, *imports[head]] for callee in facts[APP] if (head := callee.split(".", 1)[0]) in imports]
        if via:
            facts[VIA] = via
    return facts


def app_kind(symbols: ProjectSymbols | None, path: str, callee: str, imported: tuple[str, str, int] | None = None) -> str | None:
    """"fastapi" or "flask" when `callee`, as file `path` names it, is an app class of that
    family or a project subclass of one (across modules); None otherwise. `imported`: the
    file's import of the callee's head (markers_of), if known."""
    lineage = set(symbols.lineage(path, callee, imported)) if symbols is not None else set()
    if lineage & FASTAPI_APPS:
        return "fastapi"
    if lineage & FLASK_APPS:
        return "flask"
    return None


def root_folder(path: str, kind: str, symbols: ProjectSymbols | None, files: frozenset[str]) -> str:
    """The folder of the project a marker file belongs to: above its top package. A settings
    module or an Alembic env outside a package (`config/settings.py`, `alembic/env.py`,
    `app/db/migrations/env.py`) belongs to the folder of `manage.py` when it is there, else to
    the folder above, or above the top package that folder is in."""
    folder = posixpath.dirname(path)
    module = symbols.module(path) if symbols is not None else None
    top = module.root if module is not None else folder
    if top != folder or kind == APP or not folder:
        return top
    if posixpath.join(folder, "manage.py") in files:
        return folder
    folder = posixpath.dirname(folder)
    while folder and posixpath.join(folder, "__init__.py") in files:
        folder = posixpath.dirname(folder)
    return folder


def build_roots(facts: Mapping[str, Mapping[str, Any]], symbols: ProjectSymbols | None, files: Iterable[str]) -> ProjectRoots:
    known = frozenset(files)
    found: dict[str, dict[str, set[str]]] = {}
    for path in sorted(facts):
        data = facts[path]
        kinds = [kind for kind in (DJANGO, ALEMBIC) if data.get(kind)]
        via = {callee: (module, name, int(level)) for callee, module, name, level in data.get(VIA, ())}
        if any(app_kind(symbols, path, callee, via.get(callee)) for callee in data.get(APP, ())):
            kinds.append(APP)
        for kind in kinds:
            entry = found.setdefault(root_folder(path, kind, symbols, known), {"kinds": set(), "markers": set()})
            entry["kinds"].add(kind)
            entry["markers"].add(path)
    return ProjectRoots(
        tuple(ProjectRoot(folder, tuple(sorted(entry["kinds"])), tuple(sorted(entry["markers"]))) for folder, entry in sorted(found.items()))
    )


def possible_folders(facts: Mapping[str, Mapping[str, Any]], symbols: ProjectSymbols | None, files: Iterable[str]) -> set[str]:
    """The folders build_roots may find roots in, whatever the callees turn out to be: those
    of every file with a marker, each file with a callee counted as an app's (root_folder
    reads the module table, not the modules' symbols). Never fewer than build_roots finds."""
    known = frozenset(files)
    found: set[str] = set()
    for path, data in facts.items():
        for kind in (DJANGO, ALEMBIC, APP):
            if data.get(kind):
                found.add(root_folder(path, kind, symbols, known))
    return found


class RootsProvider(IndexProvider):
    """The `roots` section: a `ProjectRoots`. Shared: it is what partitions the others."""

    name = SECTION
    shared = True
    reads = (SYMBOLS,)
    file_kinds = frozenset({FileKind.PYTHON})
    leaves_out = "non-service"  # tests, examples, harnesses: no service of their own
    # A few markers per file (markers_of), kept in its state: a `--diff` scan merges the roots
    # without decoding the index entries of the files that have some.
    kept = Keyed(frozenset({DJANGO, ALEMBIC, APP, VIA}), AnyOf(bool, [str], [(str, str, str, int)]))
    triggers = ("INSTALLED_APPS", "ROOT_URLCONF", "alembic", "Flask", "flask", "FastAPI", "fastapi", "Starlette", "starlette", "Quart", "quart")

    def collect(self, path: str, kind: FileKind, text: str, tree: ast.Module | None) -> Any:
        if tree is None:
            return None
        return markers_of(tree, path) or None

    def merge(self, facts: Mapping[str, Any], sections: Mapping[str, Any] | None = None) -> Any:
        return build_roots(facts, *_symbols_and_files(facts, sections))

    def one_at_most(self, facts: Mapping[str, Any], sections: Mapping[str, Any]) -> bool:
        """Whether the merged roots (`merge` of the same facts and sections) are sure to be
        fewer than two, told without resolving the callees (possible_folders)."""
        return len(possible_folders(facts, *_symbols_and_files(facts, sections))) < 2


def _symbols_and_files(facts: Mapping[str, Any], sections: Mapping[str, Any] | None) -> tuple[ProjectSymbols | None, Iterable[str]]:
    """The project symbols the roots merge reads, and the files it places roots among: the
    symbols' files, else the roots facts' own (merge and one_at_most read the same)."""
    symbols = (sections or {}).get(SYMBOLS)
    return symbols, symbols.files.keys() if symbols is not None else facts.keys()
