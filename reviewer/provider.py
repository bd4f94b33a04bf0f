"""The base of an index provider and the file it is given: the one piece of reviewer.index that
the providers need, kept apart so that the index (which lists them) and they import no cycle."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any, ClassVar, Mapping

from reviewer.discovery import Deployment
from reviewer.model import FileKind


@dataclass(frozen=True)
class IndexedFile:
    path: str
    kind: FileKind
    migration_tool: str | None


class FrozenMap(dict):
    """A read-only dict: the mappings of a typed index section (a section is shared by every
    rule of the scan, so none may change it). A dict, so JSON, `isinstance(x, dict)` and the
    index digest read it as one; it pickles (worker processes get the index), which a
    MappingProxyType does not. Hashable when its values are."""

    __slots__ = ()

    def _refuse(self, *args: Any, **kwargs: Any) -> None:
        raise TypeError("an index section is read-only")

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = __ior__ = _refuse  # type: ignore[assignment]

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(frozenset(self.items()))

    def __reduce__(self) -> tuple[Any, ...]:
        return (FrozenMap, (dict(self),))

    def __copy__(self) -> "FrozenMap":
        return self

    def __deepcopy__(self, memo: Any) -> "FrozenMap":
        return self


def freeze(value: Any) -> Any:
    """JSON-shaped data made immutable: dicts become FrozenMaps and lists tuples, all the way
    down (for the free-form parts of a typed record: an error body's shape, a setting's value)."""
    if isinstance(value, dict):
        return value if type(value) is FrozenMap else FrozenMap((key, freeze(item)) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return tuple(freeze(item) for item in value)
    return value


EMPTY_MAP = FrozenMap()


def code_start(text: str) -> int:
    """Where the text of a Python file begins after its leading comment lines and blank lines
    (a shebang, an encoding line, a licence header): no string or code can start before it."""
    at = 0
    while at < len(text):
        end = text.find("\n", at)
        end = len(text) if end < 0 else end
        line = text[at:end].strip()
        if line and not line.startswith("#"):
            return at
        at = end + 1
    return len(text)


class IndexProvider:
    """Extracts one section of the project index. Subclasses set `name`, `triggers` and
    `file_kinds`, and implement `collect` and `merge`."""

    name: ClassVar[str] = ""
    triggers: ClassVar[tuple[str, ...]] = ()
    file_kinds: ClassVar[frozenset[FileKind]] = frozenset({FileKind.PYTHON, FileKind.PYTHON_MIGRATION})
    # Sections whose merged value this provider's merge reads (the routes read the project
    # symbols): they are built first and passed as `merge(facts, {name: section})`.
    reads: ClassVar[tuple[str, ...]] = ()
    # The section when no file gave facts, or the provider failed. Shared: never mutated.
    empty: ClassVar[Any] = None

    @classmethod
    def of(cls, index: Any) -> Any:
        """This provider's section of `index` (the view of the file's project root that the
        engine gives a rule), or `empty`: the one way rules and analyses read a section."""
        value = index.section(cls.name) if index is not None else None
        return cls.empty if value is None else value
    # A section that spans every project root (the module table, the roots themselves): merged
    # once from every file. Any other section is also merged per root (reviewer.project.roots).
    shared: ClassVar[bool] = False

    # Whether the facts of a Python file always come from code naming one of the `triggers`,
    # so that a file naming them only in its leading comments (a licence header: Apache's says
    # "limitations" on every file of a project) is not read. Not so for every provider: the
    # routes' facts list the classes of any module that names a framework, for instance.
    triggers_in_code: ClassVar[bool] = False

    def wants(self, kind: FileKind, text: str) -> bool:
        if kind not in self.file_kinds:
            return False
        skip = self.triggers_in_code and kind.is_python and text.startswith(("#", "\n", "\r", " ", "\t"))
        start = code_start(text) if skip else 0
        return not self.triggers or any(text.find(trigger, start) >= 0 for trigger in self.triggers)

    def collect(self, path: str, kind: FileKind, text: str, tree: ast.Module | None) -> Any:
        """Facts of one file; JSON-able. `tree` is None for SQL files."""
        raise NotImplementedError

    # A section whose facts of a file are made from another section's facts of the same file
    # (`derive` of them, after the providers that read the file), not from the file itself.
    derives: ClassVar[str] = ""
    # The shape (reviewer.cache.conforms) of the per-file facts of a section whose facts are
    # small: a file's state (reviewer.cache.FileStates) keeps them with what its index entry
    # holds, and a `--diff` scan reads them there rather than from the entry. None: not kept.
    kept: ClassVar[Any] = None

    def derive(self, facts: Any) -> Any:
        """A derived section's facts of a file, from its facts of `derives` (JSON-able)."""
        raise NotImplementedError

    # Code whose facts the section leaves out, as the scan's config says what is deployed
    # (discovery.Deployment): "non-service" (tests, examples, scripts, developer tooling),
    # "not-deployed" (tests, developer tooling), or "" (every file).
    leaves_out: ClassVar[str] = ""

    def collect_file(self, source: IndexedFile, text: str, tree: ast.Module | None, config: Any) -> Any:
        """Facts of one file under the scan's Config (None for code `leaves_out` names):
        providers whose facts a setting shapes (one of config.FACT_SETTINGS, which key the
        index cache) override this; the others implement `collect`."""
        if self.leaves_out and Deployment.of(config).leaves(self.leaves_out, source.path):
            return None
        return self.collect(source.path, source.kind, text, tree)

    def merge(self, facts: Mapping[str, Any]) -> Any:
        """One section from the facts of every file that had any (path -> facts); a provider
        with `reads` also gets those sections, as a second argument."""
        raise NotImplementedError

    def before_fork(self, section: Any) -> None:
        """Build, in the scan's process before the check's worker processes fork, what the
        queries of every worker would otherwise build for themselves from `section` (a lookup
        table over every file's facts): forked workers share the pages it lives in instead of
        each making, and holding, a copy. Nothing by default."""
