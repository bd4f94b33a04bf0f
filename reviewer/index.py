"""The project index: facts that span files, built once per scan before any rule runs.

Each IndexProvider extracts plain, JSON-able facts from one file (with the stdlib `ast`
parser, about 12x cheaper than libcst, and only for files whose text matches its triggers),
and merges the per-file facts into one read-only section. Per-file facts are cached by
content hash; rules read sections, and the digest of the sections a rule reads is part of
that rule's result-cache key, so editing a model file re-checks only what depends on models.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from reviewer.discovery import Deployment
from reviewer.provider import IndexedFile, IndexProvider  # noqa: F401 - the index's types, re-exported


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
    # The sections of each project root (reviewer.project.roots) whose files are not the whole
    # tree, by root folder: merged from its files, the roots around it and the files outside
    # every root, with the shared sections (symbols, roots) of the whole tree.
    root_sections: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    # In the view of one root (`view`): that root's folder (None: the whole tree's view), and
    # the roots that have a view of their own, so that the view can tell its own files.
    home: str | None = None
    viewed: frozenset[str] = frozenset()
    # Each file's lines as its check counts them, when the index pass read the file (or its
    # cache entry holds them).
    lines: Mapping[str, int] = field(default_factory=dict)
    _views: dict = field(default_factory=dict, compare=False, repr=False)

    def section(self, name: str) -> Any:
        return self.sections.get(name)

    @property
    def deployment(self) -> Deployment:
        """Which code the deployed service runs, under the scan's config (`not-deployed`)."""
        return Deployment.of(self.config)

    def owner(self, path: str) -> str | None:
        """The folder of the root whose sections a file gets; None for the whole tree's."""
        viewed = self.viewed or frozenset(self.root_sections)
        if not viewed:
            return None  # one view: the roots section need not be merged (index.LazySections)
        roots = self.sections.get(ROOTS)
        root = roots.root_of(path) if roots is not None else None
        return root.path if root is not None and root.path in viewed else None

    def keeps(self, path: str) -> bool:
        """Whether a project rule's finding in `path` belongs to this view: the engine keeps a
        view's findings in the files of its own root only (the whole tree's view: the files
        of no root with a view of its own), so a rule that reports once per service picks its
        anchor among these (a nested service's view also sees the service around it)."""
        return self.owner(path) == self.home

    def local(self, path: str) -> bool:
        """Whether `path` can hold this view's service (its apps, settings and the routes it
        serves): a file of the view's own root, or of no root; not one of a root around it."""
        roots = self.sections.get(ROOTS)
        return roots is None or roots.root_of(path) is None or self.keeps(path)

    def for_path(self, path: str) -> "ProjectIndex":
        """The index as a file sees it: the sections of its project root."""
        return self.view(self.owner(path))

    def view(self, owner: str | None) -> "ProjectIndex":
        """The index of one root (by folder; None: the whole tree), with its sections."""
        if owner is None:
            return self
        if owner not in self._views:
            self._views[owner] = replace(self, sections=self.root_sections[owner], root_sections={}, home=owner,
                                         viewed=frozenset(self.root_sections), _views={})
        return self._views[owner]

    def views(self) -> list[tuple[str | None, "ProjectIndex"]]:
        """The whole tree's index, then each root's that differs from it."""
        return [(None, self), *((owner, self.view(owner)) for owner in sorted(self.root_sections))]

    def text(self, path: str) -> str | None:
        """A file's text as the analysis reads it (UTF-8, no byte-order mark), for project
        rules that place a fix in it; None when it cannot be read. The engine reads it, so
        rules still do no I/O of their own."""
        try:
            return (Path(self.root) / path).read_bytes().decode("utf-8").lstrip("\ufeff")
        except (OSError, UnicodeError):
            return None

    def before_fork(self, names: Iterable[str]) -> None:
        """Each merged section of `names` builds what its queries will need in every worker
        (IndexProvider.before_fork); a section not merged yet (LazySections) is left to the
        worker that reads it."""
        merged = self.sections.merged if isinstance(self.sections, LazySections) else self.sections
        for provider in PROVIDERS:
            section = merged.get(provider.name) if provider.name in names else None
            if section is not None:
                provider.before_fork(section)

    def digest(self, names: tuple[str, ...]) -> str:
        """Hash of the named sections; the pseudo-section "files" stands for the file list.
        Adding a file therefore re-checks only files whose rules read the file list."""
        data = {name: self.sections.get(name) for name in sorted(names) if name != "files"}
        if "files" in names:
            data["__files__"] = [(f.path, f.kind.value, f.migration_tool) for f in self.files]
        for owner, sections in sorted(self.root_sections.items()):
            data[f"__root__{owner}"] = {name: sections.get(name) for name in sorted(names) if name != "files"}
        return hashlib.blake2b(json.dumps(data, sort_keys=True, default=_digestible).encode(), digest_size=12).hexdigest()


def _digestible(section: Any) -> str:
    """A typed section (the project symbols) stands for itself by its own fingerprint; any
    other value by a text in which sets are sorted: their iteration order, and so their
    `str()`, changes with each process's hash seed, and the digest must not, or no cached
    result would survive to the next run."""
    return getattr(section, "fingerprint", None) or _stable(section)


def _stable(value: Any) -> str:
    if isinstance(value, (set, frozenset)):
        return "{" + ", ".join(sorted(_stable(item) for item in value)) + "}"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_stable(key)}: {_stable(item)}" for key, item in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_stable(item) for item in value) + "]"
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        inner = ", ".join(f"{item.name}={_stable(getattr(value, item.name))}" for item in dataclasses.fields(value))
        return f"{type(value).__name__}({inner})"
    return repr(value)


def merge_order(providers: list[IndexProvider]) -> list[IndexProvider]:
    """Providers in the order their sections are merged: shared sections first, then those that
    read other sections last."""
    return sorted(providers, key=lambda provider: (not provider.shared, bool(provider.reads)))


def merge_sections(
    providers: list[IndexProvider], facts: Mapping[str, Mapping[str, Any]], given: Mapping[str, Any], failed: Callable[[str, Exception], None],
    known: Mapping[str, tuple[frozenset[str], Any]] | None = None,
) -> dict[str, Any]:
    """Each provider's section from the facts of its files (path -> facts), in merge order;
    sections in `given` are taken as they are, and so is a section of `known` (name -> (the
    files it was merged from, section)) merged from the same files. A provider that fails
    gives None (`failed` is told) and rules reading it run without it."""
    sections = dict(given)
    for provider in merge_order(providers):
        if provider.name in given:
            continue
        per_file = facts.get(provider.name, {})
        if known is not None and provider.name in known and known[provider.name][0] == per_file.keys():
            sections[provider.name] = known[provider.name][1]
            continue
        sections[provider.name] = merge_one(provider, per_file, sections, failed)
    return sections


def merge_one(
    provider: IndexProvider, per_file: Mapping[str, Any], sections: Mapping[str, Any], failed: Callable[[str, Exception], None]
) -> Any:
    """One provider's section from its files' facts, given the sections it `reads`; None
    (and `failed` told) when the provider fails."""
    try:
        if provider.reads:
            return provider.merge(per_file, {name: sections.get(name) for name in provider.reads})
        return provider.merge(per_file)
    except Exception as error:  # noqa: BLE001 - a provider bug must not stop the scan
        failed(provider.name, error)
        return None


class LazySections(Mapping[str, Any]):
    """The whole tree's sections, each merged from the per-file facts when first read (and the
    sections it reads before it), in a scan whose project-level results came from the index
    snapshot (reviewer.runner.Snapshots): a warm scan then merges only the sections something
    still reads. Merged, the values are those merge_sections gives. Pickled (for worker
    processes), it is a plain dict of every section."""

    def __init__(self, providers: list[IndexProvider], facts: Mapping[str, Mapping[str, Any]], failed: Callable[[str, Exception], None]) -> None:
        # By name; ordered (merge_order reads each provider's class) only when iterated.
        self._providers = {provider.name: provider for provider in providers}
        self._facts = facts
        self._failed = failed
        self._merged: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        if name not in self._merged:
            provider = self._providers[name]  # KeyError for a name no provider has, as a dict
            self._merged[name] = merge_one(provider, self._facts.get(name, {}), self, self._failed)
        return self._merged[name]

    @property
    def merged(self) -> Mapping[str, Any]:
        """The sections merged so far."""
        return self._merged

    def __iter__(self):
        return iter([provider.name for provider in merge_order(list(self._providers.values()))])

    def __len__(self) -> int:
        return len(self._providers)

    def __reduce__(self) -> tuple[Any, ...]:
        return (dict, (dict(self.items()),))


def root_sections(
    providers: list[IndexProvider], facts: Mapping[str, Mapping[str, Any]], sections: Mapping[str, Any], paths: list[str],
    failed: Callable[[str, Exception], None],
) -> dict[str, dict[str, Any]]:
    """The sections of each project root whose member files are not every file: per-root
    sections merged from its members' facts, the shared ones as the whole tree has them. A
    section whose facts all come from the root's members is the whole tree's (a root reads
    only shared sections besides its own), so only what differs is merged again. Sections
    merged when read (LazySections) do not merge the roots when the tree cannot have two
    (RootsProvider.one_at_most): deciding which callees build apps reads other modules'
    symbols."""
    unmerged = isinstance(sections, LazySections) and ROOTS not in sections.merged
    provider = next((provider for provider in providers if provider.name == ROOTS), None)
    if unmerged and provider is not None and provider.one_at_most(facts.get(ROOTS, {}), sections):
        return {}
    roots = sections.get(ROOTS)
    if roots is None or len(roots.roots) < 2:
        return {}
    shared = {provider.name: sections.get(provider.name) for provider in providers if provider.shared}
    known = {name: (frozenset(per_file), sections.get(name)) for name, per_file in facts.items() if name not in shared}
    found = {}
    for root, members in roots.members(paths).items():
        if len(members) == len(paths):
            continue
        subset = {name: {path: data for path, data in per_file.items() if path in members} for name, per_file in facts.items()}
        found[root.path] = merge_sections(providers, subset, shared, failed, known)
    return found


class ProviderRef:
    """A built-in index provider named by its section, module and class, and imported when
    first used (a method or any other attribute than `name`): a warm scan whose project-level
    results come from the index snapshot names every section (cache keys, the snapshot's
    shape) but merges few, and importing every provider's module (their dataclasses, about
    0.08 s) would be most of its start-up. `tests/test_index_snapshot.py` checks each reference's
    name against its class."""

    def __init__(self, name: str, module: str, cls: str, kept: bool = False, derives: str = "") -> None:
        self.name = name
        self.module = module
        self.cls = cls
        # Whether a file's state keeps the section's facts (IndexProvider.kept), and the section
        # its facts are made from (IndexProvider.derives), told without importing the provider:
        # a warm scan records the states of every file, and a `--diff` scan extracts the changed
        # files' facts of the kept sections (and of those they derive from) first.
        self.kept_facts = kept
        self.derives = derives
        self._loaded: IndexProvider | None = None

    @property
    def loaded(self) -> IndexProvider:
        if self._loaded is None:
            import importlib

            provider = getattr(importlib.import_module(self.module), self.cls)()
            if provider.name != self.name:
                raise RuntimeError(f"{self.module}.{self.cls} provides {provider.name!r}, listed as {self.name!r}")
            if (provider.kept is not None) != self.kept_facts:
                raise RuntimeError(f"{self.module}.{self.cls}'s facts are {'' if provider.kept is not None else 'not '}kept in file states")
            if provider.derives != self.derives:
                raise RuntimeError(f"{self.module}.{self.cls} derives {provider.derives!r}, listed as {self.derives!r}")
            self._loaded = provider
        return self._loaded

    def __getattr__(self, attribute: str) -> Any:
        if attribute.startswith("__") or attribute == "_loaded":
            raise AttributeError(attribute)
        return getattr(self.loaded, attribute)

    def __repr__(self) -> str:
        return f"ProviderRef({self.name!r}, {self.module}.{self.cls})"


# Providers of the built-in index, in the order their sections are built, each imported when
# first used (ProviderRef). Each lives with the facts it extracts; this module knows them, they
# do not know it (reviewer.provider holds the base class), so the index and its providers
# import no cycle.
ROOTS = "roots"  # reviewer.project.roots.SECTION (not imported: it imports the symbols)

PROVIDERS: list[IndexProvider] = [
    ProviderRef("orm_models", "reviewer.orm.modelgraph", "ModelGraphProvider"),  # the ORM model graph (issue 5)
    ProviderRef("drf_serializers", "reviewer.orm.modelgraph", "DrfSerializerProvider"),
    ProviderRef("migrations", "reviewer.migrations", "MigrationProvider"),  # Alembic, Django and SQL migrations (issue 4)
    ProviderRef("model_tables", "reviewer.orm.indexes", "ModelTablesProvider"),  # the tables models declare, with their keys (ORM008, issue 16)
    ProviderRef("query_sites", "reviewer.orm.querysites", "QuerySitesProvider"),  # columns queries filter and order by (ORM013, issue 16)
    ProviderRef("routes", "reviewer.web.routes", "RoutesProvider"),  # routes and error-shape sites (API rules, issue 6)
    ProviderRef("error_shapes", "reviewer.web.errorshape", "ErrorShapesProvider"),
    ProviderRef("logging", "reviewer.ops.logfacts", "LoggingProvider"),  # logging configuration (OPS005, issue 7)
    ProviderRef("request_ids", "reviewer.web.requestids", "RequestIdsProvider"),  # request / correlation id evidence (OPS008, issue 16)
    ProviderRef("shutdown", "reviewer.ops.shutdown", "ShutdownProvider"),  # worker loops, app-scoped clients, closes (OPS009, issue 16)
    ProviderRef("ratelimit", "reviewer.web.ratelimit", "RateLimitProvider"),  # limiters, throttles and 429 responses (SEC007, issue 16)
    ProviderRef("flask-cors-config", "reviewer.web.corsconfig", "CorsConfigProvider"),  # the app config's CORS_* keys flask-cors merges (SEC005, issue 11)
    ProviderRef("rls", "reviewer.migrations.rls", "RlsProvider"),  # RLS of the tables a Supabase / PostgREST project exposes (SEC009, issue 16)
    ProviderRef("symbols", "reviewer.project.symbols", "SymbolsProvider"),  # module table, constants, class hierarchy, summaries (issue 12)
    ProviderRef("sql_text", "reviewer.sql.words", "SqlTextProvider", kept=True, derives="symbols"),  # the model's text, for the SQL words' gate (reviewer.sql.words)
    ProviderRef(ROOTS, "reviewer.project.roots", "RootsProvider", kept=True),  # the project roots (services) each other section is merged per (issue 12)
    ProviderRef("graphql_schemas", "reviewer.web.graphqlfacts", "GraphqlSchemaProvider"),  # Strawberry schemas and their query limits (API013, issue 16)
]  # fmt: skip


def first_sections() -> frozenset[str]:
    """The sections a `--diff` scan extracts the changed files' facts of with their check's
    `ast` stage (reviewer.runner.StoredFacts): the kept ones (a file's state holds them, and
    the SQL words' gate and the roots merge read them), those they are made from, and those
    made from any of these (so that the others' facts are made without them). The other
    sections' facts of those files are extracted when the first of them is merged, which a
    small change's scan often never does. Told without importing the providers."""
    chosen = set(kept_sections())
    derived = {provider.name: provider.derives for provider in PROVIDERS}
    while True:
        more = {derived[name] for name in chosen if derived.get(name)} | {name for name, source in derived.items() if source in chosen}
        if more <= chosen:
            return frozenset(chosen)
        chosen |= more


def kept_sections() -> tuple[str, ...]:
    """The sections whose per-file facts a file's state keeps (IndexProvider.kept), without
    importing their providers."""
    return tuple(
        provider.name for provider in PROVIDERS if (provider.kept_facts if isinstance(provider, ProviderRef) else provider.kept is not None)
    )
