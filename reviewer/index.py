"""The project index: facts that span files, built once per scan before any rule runs.

Each IndexProvider extracts plain, JSON-able facts from one file (with the stdlib `ast`
parser, about 12x cheaper than libcst, and only for files whose text matches its triggers),
and merges the per-file facts into one read-only section. Per-file facts are cached by
content hash; rules read sections, and the digest of the sections a rule reads is part of
that rule's result-cache key, so editing a model file re-checks only what depends on models.
"""

from __future__ import annotations

import ast
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Mapping

from reviewer.model import FileKind


@dataclass(frozen=True)
class IndexedFile:
    path: str
    kind: FileKind
    migration_tool: str | None


@dataclass(frozen=True)
class ProjectIndex:
    root: str
    files: tuple[IndexedFile, ...] = ()
    sections: Mapping[str, Any] = field(default_factory=dict)
    # The scan's Config, for project rules whose behaviour a config key sets (the migration
    # rules read `migrations.policy` and `migrations.loose-sql`).
    config: Any = None
    # Seconds the index pass spent on each file it parsed: the check pass gets what is left
    # of the file's one `file-timeout` budget.
    spent: Mapping[str, float] = field(default_factory=dict)

    def section(self, name: str) -> Any:
        return self.sections.get(name)

    def text(self, path: str) -> str | None:
        """A file's text as the analysis reads it (UTF-8, no byte-order mark), for project
        rules that place a fix in it; None when it cannot be read. The engine reads it, so
        rules still do no I/O of their own."""
        try:
            return (Path(self.root) / path).read_bytes().decode("utf-8").lstrip("\ufeff")
        except (OSError, UnicodeError):
            return None

    def digest(self, names: tuple[str, ...]) -> str:
        """Hash of the named sections; the pseudo-section "files" stands for the file list.
        Adding a file therefore re-checks only files whose rules read the file list."""
        data = {name: self.sections.get(name) for name in sorted(names) if name != "files"}
        if "files" in names:
            data["__files__"] = [(f.path, f.kind.value, f.migration_tool) for f in self.files]
        return hashlib.blake2b(json.dumps(data, sort_keys=True, default=_digestible).encode(), digest_size=12).hexdigest()


def _digestible(section: Any) -> str:
    """A typed section (the project symbols) stands for itself by its own fingerprint."""
    return getattr(section, "fingerprint", None) or str(section)


class IndexProvider:
    """Extracts one section of the project index. Subclasses set `name`, `triggers` and
    `file_kinds`, and implement `collect` and `merge`."""

    name: ClassVar[str] = ""
    triggers: ClassVar[tuple[str, ...]] = ()
    file_kinds: ClassVar[frozenset[FileKind]] = frozenset({FileKind.PYTHON, FileKind.PYTHON_MIGRATION})
    # Sections whose merged value this provider's merge reads (the routes read the project
    # symbols): they are built first and passed as `merge(facts, {name: section})`.
    reads: ClassVar[tuple[str, ...]] = ()

    def wants(self, kind: FileKind, text: str) -> bool:
        return kind in self.file_kinds and (not self.triggers or any(t in text for t in self.triggers))

    def collect(self, path: str, kind: FileKind, text: str, tree: ast.Module | None) -> Any:
        """Facts of one file; JSON-able. `tree` is None for SQL files."""
        raise NotImplementedError

    def collect_file(self, source: IndexedFile, text: str, tree: ast.Module | None, config: Any) -> Any:
        """Facts of one file under the scan's Config: providers whose facts a setting shapes
        (one of config.FACT_SETTINGS, which key the index cache) override this; the others
        implement `collect`."""
        return self.collect(source.path, source.kind, text, tree)

    def merge(self, facts: Mapping[str, Any]) -> Any:
        """One section from the facts of every file that had any (path -> facts); a provider
        with `reads` also gets those sections, as a second argument."""
        raise NotImplementedError


def merge_order(providers: list[IndexProvider]) -> list[IndexProvider]:
    """Providers in the order their sections are merged: those that read other sections last."""
    return sorted(providers, key=lambda provider: bool(provider.reads))


# Providers of the built-in index, in the order their sections are built.
PROVIDERS: list[IndexProvider] = []

# The ORM model graph and DRF serializer providers (issue 5) register themselves in PROVIDERS
# when their module loads; imported here, after IndexProvider exists, as they subclass it.
import reviewer.modelgraph  # noqa: E402,F401

# The migration loader (Alembic, Django and SQL migrations; issue 4) registers the
# `migrations` section the same way.
import reviewer.migrations  # noqa: E402,F401

# The route index and the error-shape sites (API rules; issue 6) register the `routes` and
# `error_shapes` sections the same way.
import reviewer.routes  # noqa: E402,F401
import reviewer.errorshape  # noqa: E402,F401

# The logging-configuration facts (OPS005; issue 7) register the `logging` section the same way.
import reviewer.logfacts  # noqa: E402,F401

# The project symbols (module table, constants, enum members, class hierarchy, helper
# summaries; issue 12) register the `symbols` section the same way.
import reviewer.project.symbols  # noqa: E402,F401
