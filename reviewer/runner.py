"""The scan pipeline: discover -> index -> check (cached, in worker processes) -> project
rules -> merge (one problem, one finding) -> suppressions -> fingerprints -> score. Errors are collected, never raised."""

from __future__ import annotations

import gc
import hashlib
import json
import os
import time
from contextlib import contextmanager
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Mapping

from reviewer import __version__, astfacts, registry as registry_module
from reviewer.bounds import FileTimeout, run_bounded, stop_threads, timed_out
from reviewer.cache import (
    FILE_ERROR, FILE_RESULT, FINDING, FileStates, Keyed, ResultCache, Writes, cache_home, conforms, content_key, file_digest, index_entry,
    toolchain,
)
from reviewer.config import FACT_SETTINGS, Config
from reviewer.discovery import SourceFile, discover, outside_root, shadowed_modules
from reviewer.index import PROVIDERS, IndexedFile, IndexProvider, LazySections, ProjectIndex, first_sections, kept_sections, root_sections
from reviewer.fixes import place
from reviewer.merge import merge
from reviewer.lines import count_lines, split_lines
from reviewer.meta import SuppressionUnknownCode, SuppressionWithoutReason, UnusedSuppression
from reviewer.model import Edit, FileError, Finding, Location
from reviewer.plan import FileResult, Plan, _named, internal_error, make_finding, path_ignores, read_text
from reviewer.registry import Registry, engine_digest
from reviewer.rule import Autofix, Change, ProjectRule, PythonRule, Rule, SqlRule
from reviewer.scoring import Score, checked_categories, score
from reviewer.suppress import Directive, covers, removal

if TYPE_CHECKING:  # pragma: no cover
    from concurrent.futures import Future, ProcessPoolExecutor

    from reviewer.analyse import AstPass
    from reviewer.model import FileKind
    from reviewer.migrations.history import MigrationHistory

# What an index worker hands a Python file's check: its `ast` stage, or (when that stage left
# libcst nothing to do) the whole check result (reviewer.analyse.finished).
Staged = "AstPass | FileResult"

# reviewer.analyse parses (libcst, sqlglot): it is imported in the functions that analyse or
# index a file, so that a scan whose every result comes from the cache never loads it.

# Below this many files to analyse, worker start-up costs more than it saves.
PARALLEL_THRESHOLD = 24
# Per-file index facts are cached beside the check results, in a folder of their own.
INDEX_LAYOUT = "v3-index"
# What a scan derived from the whole project index (reviewer.runner.Snapshots), in another.
SNAPSHOT_LAYOUT = "v3-snapshot"
CHUNK = 8


@dataclass(frozen=True)
class ScanResult:
    root: str
    files: int
    lines: int
    findings: tuple[Finding, ...]
    suppressed: int
    baselined: int
    errors: tuple[FileError, ...]
    score: Score
    rules: tuple[type[Rule], ...]
    cache_hits: int = 0
    # Suppressed findings with the suppression's reason (SARIF reports them as suppressions).
    suppressions: tuple[tuple[Finding, str], ...] = ()
    # Baseline entries that no longer match any finding (reviewer.baseline fills this in).
    fixed: tuple[Any, ...] = ()
    # `--diff BASE`: the base and how many findings were left out as outside the change.
    diff_base: str | None = None
    outside_diff: int = 0
    # The findings a baseline or `--diff` took out of `findings`: what already existed, which
    # the HTML report charts against the new ones.
    hidden: tuple[Finding, ...] = ()
    # Findings on released and squashed migrations, summarised per app / chain (reviewer.migrations.history);
    # None when the scan has no migrations.
    migration_history: MigrationHistory | None = None
    # Files bandit's tests applied to and skipped: syntax newer than the interpreter's `ast`.
    bandit_skipped: int = 0
    # `--shard K/N`: (K, N); the report is one part of a scan that `reviewer merge` joins.
    shard: tuple[int, int] | None = None
    # The folder that was scanned, when the paths are named from another one (`root` is then
    # the repository's top: reviewer.gitdiff.with_path_prefix).
    scanned: str = ""
    # Problems the scan worked around, for the command line to print (a damaged cache snapshot).
    warnings: tuple[str, ...] = ()

    @property
    def by_severity(self) -> dict[str, int]:
        from reviewer.model import Severity

        counts = Counter(finding.severity for finding in self.findings)
        return {severity.value: counts.get(severity, 0) for severity in reversed(list(Severity))}


@dataclass(frozen=True)
class Selection:
    """The files whose check pass a scan runs; the index (the project model) always covers the
    whole tree. `--diff BASE` checks the changed files (`paths`), and the score still weighs the
    whole tree's lines; `--shard K/N` checks the files whose path hashes to shard K, and counts
    only those files and lines, so that the shards' reports add up (reviewer.cli.shards)."""

    paths: frozenset[str] | None = None
    shard: tuple[int, int] | None = None  # (K, N), 1 <= K <= N

    def checks(self, path: str) -> bool:
        if self.paths is not None and path not in self.paths:
            return False
        return self.shard is None or shard_of(path, self.shard[1]) == self.shard[0]

    @property
    def counts_every_file(self) -> bool:
        return self.shard is None

    @property
    def keyed_by_tree(self) -> bool:
        """Whether the checked files' results may be keyed by the whole tree's facts rather than
        by the digest of the index sections the rules read (Snapshots.by_tree): the changed
        files of `--diff`, whose results a change of their content voids anyway. A shard
        checks files most of which are unchanged since the last run, whose results the section
        digest keeps valid."""
        return self.paths is not None and self.shard is None


def shard_of(path: str, count: int) -> int:
    """The shard (1..count) a path belongs to: a stable hash of the path, the same on every
    machine and Python (not `hash()`, which is salted per process)."""
    digest = hashlib.blake2b(path.encode("utf-8", "surrogateescape"), digest_size=8).digest()
    return int.from_bytes(digest, "big") % count + 1


@dataclass
class Progress:
    """Callbacks the CLI uses to draw a progress bar; silent by default."""

    start: Callable[[int], None] = lambda total: None
    advance: Callable[[int], None] = lambda count: None
    finish: Callable[[], None] = lambda: None


def scan_root(targets: list[Path]) -> Path:
    absolute = [target.absolute() for target in targets]
    if len(absolute) == 1:
        return absolute[0] if absolute[0].is_dir() else absolute[0].parent
    common = Path(os.path.commonpath([str(p) for p in absolute]))
    return common if common.is_dir() else common.parent


def scan(
    targets: list[Path],
    config: Config,
    registry: Registry,
    enabled: list[type[Rule]],
    jobs: int | None = None,
    use_cache: bool = True,
    progress: Progress | None = None,
    cache_dir: Path | None = None,
    selection: Selection | None = None,
) -> ScanResult:
    """Scan `targets`. The cache lives in `cache_dir` (--cache-dir) or its default outside the
    tree (reviewer.cache.cache_home). With a `selection`, only its files are checked."""
    global _SCAN_REGISTRY
    # Cache entries are written in the background (Writes), and all of them before it returns.
    _SCAN_REGISTRY = (config, registry)
    try:
        with collecting_less(), Writes() as writes:
            return _scan(targets, config, registry, enabled, jobs, use_cache, progress, cache_dir, selection, writes)
    finally:
        _SCAN_REGISTRY = None


# The config and registry of the scan running in this process (its workers: _worker_registry).
_SCAN_REGISTRY: tuple[Config, Registry] | None = None


def _worker_registry(packs: tuple[str, ...]) -> Registry:
    """The registry a worker of a scan runs: its parent's (a forked worker inherits it: the
    rule classes, known from the rule catalogue, and the rule modules the parent imported
    before the fork), else the packs loaded. Loading them in each worker would import every
    rule module of the packs there, where a scan with the catalogue imports those of the
    enabled rules."""
    if _SCAN_REGISTRY is not None and tuple(_SCAN_REGISTRY[0].rule_packs) == tuple(packs):
        return _SCAN_REGISTRY[1]
    return registry_module.load(packs)


# Allocations between two collections of the youngest generation while a scan runs (Python's
# default is 700); the older generations keep their default ratios.
GC_YOUNG = 10_000


@contextmanager
def collecting_less() -> Iterator[None]:
    """Fewer runs of the cyclic garbage collector while the body runs, as it was after.

    A scan builds a few hundred thousand objects per file (its `ast` and libcst trees, the
    index facts) and keeps the project model: with Python's defaults the collector runs every
    700 allocations and keeps walking the same long-lived objects, a fifth of a cold scan's
    CPU on Django's package. Here the objects alive at the start (imported modules, loaded
    rules) are set aside (gc.freeze: never examined again; the worker processes forked
    during the scan inherit that) and the youngest generation is collected every GC_YOUNG
    allocations. Trees freed by reference counting are unaffected; only garbage in cycles
    waits longer (the peak memory of a scan grows a little)."""
    threshold = gc.get_threshold()
    _collect_less()
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()


def _collect_less() -> None:
    """collecting_less's settings, for the life of a worker process (its initializer: a
    process started by spawning rather than forking does not inherit them), and for a scan."""
    gc.freeze()
    gc.set_threshold(GC_YOUNG, *gc.get_threshold()[1:])


def _scan(
    targets: list[Path],
    config: Config,
    registry: Registry,
    enabled: list[type[Rule]],
    jobs: int | None,
    use_cache: bool,
    progress: Progress | None,
    cache_dir: Path | None,
    selection: Selection | None,
    writes: Writes,
) -> ScanResult:
    progress = progress or Progress()
    root = scan_root(targets)
    config = replace(config, scan_prefix=_prefix(Path(config.root), root))
    # Asked first: a configured release ref that git cannot resolve should fail before a long scan.
    # Without one, git is asked where released history ends only when the history is summarised
    # (a rule with a `history` kind is enabled; none of the default set is), and the summary's
    # module (with the migration model) is imported only then.
    point = None
    if config.migrations_released.ref is not None:
        from reviewer.migrations.history import release_point

        point = release_point(root, config)
    home = cache_home(root, os.environ, cache_dir)
    # Each file's content hash and template test, kept with its status for the next scan.
    states = FileStates(home, use_cache, content_key(__version__, engine_digest(), toolchain()) if use_cache else "")
    sources, escaped = outside_root(root, discover(
        root, targets, config.exclude, config.respect_gitignore, config.scan_prefix, config.migrations_runner, states
    ))
    sources, shadowed = shadowed_modules(sources)
    cache = ResultCache(home, use_cache, FILE_RESULT)
    index_cache = index_result_cache(home, use_cache)
    index_errors: list[FileError] = [
        FileError(source.rel, "outside-root", "symlink to a file outside the scanned folder; not followed") for source in escaped
    ] + [
        FileError(source.rel, "shadowed", f"the package `{source.rel[:-3]}/` of the same name shadows this module: "
                  "imports load the package, so this file never runs; not analysed")
        for source in shadowed
    ]
    # Content hashes key both caches; each file is read for them once.
    digests = {source.rel: states.digest(source.path, source.rel) for source in sources} if use_cache else {}
    checked = [source for source in sources if selection is None or selection.checks(source.rel)]
    # The index worker that parses a file for the project model also runs its check's `ast`
    # stage (syntax gate, bandit's tests): each file is parsed with `ast` once.
    staged = CheckStage(config.rule_packs, tuple(enabled), frozenset(source.rel for source in checked))
    snapshots = Snapshots(
        ResultCache(home, use_cache, SNAPSHOT, SNAPSHOT_LAYOUT),
        (str(root), config.root, config.digest(), registry.digest, ",".join(rule.code for rule in enabled)),
    )
    lazy = selection is not None and selection.keyed_by_tree
    index, first = index_and_stage(root, sources, config, index_cache, jobs, index_errors, digests, staged, snapshots, lazy, writes, states)
    plan = Plan(
        config=config,
        python_rules=tuple(rule for rule in enabled if issubclass(rule, PythonRule)),
        sql_rules=tuple(rule for rule in enabled if issubclass(rule, SqlRule)),
        index=index,
    )
    saved = snapshots.saved
    if saved is not None:
        index_digest = saved["digest"]
    elif snapshots.by_tree:
        index_digest = f"tree {snapshots.key}"
    else:
        index_digest = index.digest(read_sections(enabled))
    results = check_files(checked, plan, registry, enabled, cache, jobs, progress, digests, first, index_digest, writes)
    writes.close()  # every entry is on the disk before the cache is pruned and the scan ends
    whole = selection is None and all(target.is_dir() for target in targets)
    states.save(whole)
    if whole and use_cache:
        cache.prune()
        index_cache.prune()
        snapshots.cache.prune()
    if saved is not None:
        project_findings = [Finding.from_cache(item) for item in saved["findings"]]
        project_errors = [FileError(**item) for item in saved["errors"]]
    else:
        project_findings, project_errors = run_project_rules(enabled, index, config, root)
        snapshots.store(index_digest, project_findings, project_errors)
    if selection is not None:
        # Project rules see the whole model; a selection reports what falls in its files.
        project_findings = [finding for finding in project_findings if selection.checks(finding.path)]
        if selection.shard is not None:  # every shard meets the whole tree's index errors
            project_errors = [error for error in project_errors if selection.checks(error.path)]
            index_errors = [error for error in index_errors if selection.checks(error.path)]
            escaped = [source for source in escaped if selection.checks(source.rel)]
            shadowed = [source for source in shadowed if selection.checks(source.rel)]
            sources = checked
    hidden: list[tuple[Finding, str]] = []
    findings, suppressed, meta = apply_suppressions(results, project_findings, registry, enabled, config, hidden, root, index.owner)
    visible = assign_fingerprints([*findings, *meta])
    kinds = {rule.code: rule.history for rule in enabled}
    history: MigrationHistory | None = None
    if any(kinds.values()):
        from reviewer.migrations.history import apply as summarise_history

        visible, history = summarise_history(visible, kinds, index, config, root, point)
    hidden.sort(key=lambda item: item[0].sort_key())  # the order assign_fingerprints returns
    suppressions = tuple(zip(assign_fingerprints(f for f, _ in hidden), (reason for _, reason in hidden)))
    if snapshots.by_tree:  # the sections merged as the check, the project rules and the history read them
        index_errors.extend(FileError(".", "index-error", message) for message in snapshots.failures)
    # A file both passes failed on (a timeout while indexing and while checking) is listed once.
    unique: dict[tuple[str, str], FileError] = {}
    for error in [e for r in results for e in r.errors] + project_errors + index_errors:
        unique.setdefault((error.path, error.kind), error)
    errors = sorted(unique.values(), key=lambda e: (e.path, e.kind, e.message))
    lines = sum(result.lines for result in results)
    if selection is not None and selection.counts_every_file:
        # The score weighs the whole tree, as a scan of every file would.
        lines += sum(_line_count(source, config, index) for source in sources if not selection.checks(source.rel))
    for used in (cache, index_cache, snapshots.cache):
        used.close()  # this thread's connections: the scan reads no more entries
    return ScanResult(
        root=str(root),
        files=len(sources) + len(escaped) + len(shadowed),  # an escaped link or a shadowed module is a file listed under errors
        lines=lines,
        findings=tuple(visible),
        suppressed=suppressed,
        baselined=0,
        errors=tuple(errors),
        score=score(visible, lines, config.weight_map, checked_categories(enabled)),
        rules=tuple(enabled),
        cache_hits=cache.hits,
        suppressions=suppressions,
        migration_history=history,
        bandit_skipped=sum(result.bandit_skipped for result in results),
        shard=selection.shard if selection is not None else None,
        warnings=tuple(snapshots.warnings),
    )


def _line_count(source: SourceFile, config: Config, index: ProjectIndex) -> int:
    """The lines a check of the file would count (none when it cannot be read): as the index
    pass counted them, else read again."""
    if source.rel in index.lines:
        return index.lines[source.rel]
    text = read_text(source, config, FileResult(source.rel))
    return 0 if text is None else count_lines(text)


def _prefix(config_root: Path, root: Path) -> str:
    """The scanned folder relative to the config file's folder, as a glob prefix."""
    try:
        inner = root.resolve().relative_to(config_root.resolve()).as_posix()
    except (ValueError, OSError):
        return ""
    return "" if inner in ("", ".") else inner + "/"


# --------------------------------------------------------------------------------------------
# Index pass


@dataclass(frozen=True)
class CheckStage:
    """What the index workers need to run the check's `ast` stage too: the rules (worker
    processes load them from the packs, as the check's workers do) and the files the scan
    checks."""

    packs: tuple[str, ...]
    rules: tuple[type[Rule], ...]
    paths: frozenset[str]


# What a snapshot holds: the digest of the sections the rules read (a key of every check
# result), the project rules' findings and errors, the index errors of merging, the
# project roots with sections of their own (none: the roots section need not be merged), and
# for each section, the files whose index entries hold facts of it (StoredFacts reads those).
SNAPSHOT = {
    "digest": str, "findings": [FINDING], "errors": [FILE_ERROR], "failures": [str], "owners": [str],
    "holders": Keyed(frozenset(provider.name for provider in PROVIDERS), [str]),
}


class Snapshots:
    """What a scan derives from the whole project index, kept between runs: when every file's
    facts come from the cache, the index (a pure function of those facts) is the one the
    snapshot was taken from, so a warm scan takes its section digest, its project rules'
    results and its merge errors from the snapshot and merges only the sections something
    still reads (index.LazySections). Keyed by the per-file facts' keys (content hashes,
    versions, fact settings: reviewer.runner.index_and_stage) and `parts` (the scanned root,
    the config, the rule packs' digest, the enabled rules). Plain JSON checked against
    SNAPSHOT on read, like every cache entry: one that is missing, of another shape or of
    another key is a miss, and the scan merges and runs everything."""

    def __init__(self, cache: ResultCache, parts: tuple[str, ...]) -> None:
        self.cache = cache
        self.parts = parts
        self.key: str | None = None
        self.saved: dict[str, Any] | None = None
        self.failures: Iterable[str] = []
        self.owners: list[str] = []
        self.holders: dict[str, list[str]] = {}
        self.warnings: list[str] = []
        # A `--diff` scan without a snapshot (Selection.keyed_by_tree): its check results are
        # keyed by `key` (every file's facts: strictly finer than the sections' digest), so the
        # index is not merged to name them; sections are merged when something reads them, and
        # `failures` fills as they are. No snapshot is stored: its digest would be this key,
        # and a later scan of every file would find no result under it.
        self.by_tree = False

    def keyed(self, facts_key: str, look: bool) -> None:
        """The snapshot's key from the facts' key; with `look` (every file's facts came from
        the cache), the snapshot taken under it, if any, becomes `saved`."""
        self.key = content_key(SNAPSHOT_LAYOUT, __version__, engine_digest(), toolchain(), facts_key, *self.parts)
        found = self.cache.get(self.key) if look else None
        if found is not None and not _restorable(found):
            self.cache.miss()
            found = None
        if found is None and look and self.cache.holds(self.key):
            self.reject()
        self.saved = found

    def reject(self) -> None:
        """Ignore the snapshot found (with a warning): it is not one this version writes."""
        if self.saved is not None:
            self.cache.miss()
        self.saved = None
        self.warnings.append(
            f"ignored the project index snapshot {self.cache.where(str(self.key))}: it is not one this version writes "
            "(damaged or altered); the index was merged from the files' facts instead"
        )

    def store(self, digest: str, findings: list[Finding], errors: list[FileError]) -> None:
        """Keep this scan's results for the next one (when its facts had a key: lookup)."""
        if self.key is None or self.saved is not None or self.by_tree:
            return
        self.cache.put(self.key, {
            "digest": digest, "findings": [finding.to_cache() for finding in findings],
            "errors": [error.to_dict() for error in errors], "failures": list(self.failures), "owners": list(self.owners),
            "holders": self.holders,
        })


def _restorable(data: dict[str, Any]) -> bool:
    """Whether a snapshot's values (of the right shape) are ones this version writes."""
    try:
        for item in data["findings"]:
            Finding.from_cache(item)
        for item in data["errors"]:
            FileError(**item)
    except (KeyError, TypeError, ValueError, IndexError):
        return False
    return True


def read_sections(enabled: Iterable[type[Rule]]) -> tuple[str, ...]:
    """The index sections the enabled rules read (their digest keys every check result)."""
    return tuple(sorted({name for rule in enabled for name in rule.index_sections}))


def build_index(
    root: Path,
    sources: list[SourceFile],
    config: Config,
    cache: ResultCache | None = None,
    jobs: int | None = 1,
    errors: list[FileError] | None = None,
    digests: dict[str, str | None] | None = None,
) -> ProjectIndex:
    """The project index. Per-file facts are cached by content hash (like check results) and
    extracted in worker processes when many files need it; a provider that fails on a file
    loses only that file's facts (recorded in `errors` when a list is given)."""
    return index_and_stage(root, sources, config, cache, jobs, errors, digests)[0]


def index_and_stage(
    root: Path,
    sources: list[SourceFile],
    config: Config,
    cache: ResultCache | None = None,
    jobs: int | None = 1,
    errors: list[FileError] | None = None,
    digests: dict[str, str | None] | None = None,
    stage: CheckStage | None = None,
    snapshots: Snapshots | None = None,
    lazy: bool = False,
    writes: Writes | None = None,
    states: FileStates | None = None,
) -> tuple[ProjectIndex, dict[str, Staged]]:
    """The project index (build_index), and with a `stage`, the check's `ast` stage of each
    Python file of `stage.paths` that the index worker parsed (a file whose facts come from
    the cache is parsed by its check, if its check result is not cached either). With
    `snapshots`, a scan whose every file's facts come from the cache looks its snapshot up;
    on a hit, sections are merged when read (LazySections). With `lazy` (a `--diff` scan),
    they are merged when read also without a snapshot, when the facts have a key
    (Snapshots.by_tree); with the file `states` too, a file whose state records its index
    entry (FileStates.indexed) is counted from it, and its entry is read only when a section
    it holds facts of is merged (StoredFacts)."""
    first: dict[str, Staged] = {}
    files = tuple(IndexedFile(s.rel, s.kind, s.migration_tool) for s in sources)
    facts: dict[str, dict[str, Any]] = {provider.name: {} for provider in PROVIDERS}
    spent: dict[str, float] = {}
    lines: dict[str, int] = {}
    if PROVIDERS:
        cache = cache or index_result_cache(root, False)
        # Settings that shape facts (max-file-size decides whether a file is read at all).
        base = content_key(
            "index", __version__, engine_digest(), toolchain(), ",".join(p.name for p in PROVIDERS), config.digest(FACT_SETTINGS)
        )
        pending: list[tuple[SourceFile, str | None, bool]] = []
        keys: list[str | None] = []

        def keep(key: str | None, output: IndexOutput) -> None:
            """Write a file's facts to the cache (in the background with `writes`)."""
            text, problems, _, _, counted = output
            if key and not problems and counted is not None:
                entry = f'{{"facts":{text},"lines":{counted}}}'  # what cache.put writes of {"facts": ..., "lines": ...}
                _store(cache, key, entry, writes)

        for source in sources:
            digest = _digest(source, cache, digests)
            keys.append(content_key(base, source.rel, source.kind.value, source.migration_tool or "", digest) if digest else None)
        stored = None
        if snapshots is not None and cache.enabled and all(keys) and cache.holds_all(map(str, keys)):
            # Every file has its facts' entry: the snapshot, if any, says which entries the
            # sections need, and they are read when a section is merged (StoredFacts).
            snapshots.keyed(content_key(base, *map(str, keys)), look=True)
            stored = StoredFacts.of(snapshots, sources, keys, cache, config)
        # A `--diff` scan: the files whose states say what their entries hold are counted
        # from their states, and their entries read when a section needs them.
        summaries: dict[str, tuple[int, list[str], dict[str, Any]]] | None = None
        kept = kept_sections()
        if stored is None and lazy and snapshots is not None and states is not None and cache.enabled and all(keys):
            summaries = {}
            for source, key in zip(sources, keys):
                summary = states.indexed(source.rel, str(key))
                if summary is not None:
                    summaries[source.rel] = summary
        if stored is None:  # the entries of the files whose states do not say what they hold
            cache.read_ahead(str(key) for source, key in zip(sources, keys) if key and not (summaries and source.rel in summaries))
        for source, key in zip(sources if stored is None else (), keys):
            if summaries and source.rel in summaries:
                continue
            cached = cache.get(key) if key else None
            if cached is not None:
                _merge_facts(facts, source.rel, cached["facts"])
                lines[source.rel] = cached["lines"]
                if states is not None:
                    states.index(source.rel, str(key), cached["lines"], cached["facts"], _kept(cached["facts"], kept))
            else:
                pending.append((source, key, stage is not None and source.kind.is_python and source.rel in stage.paths))
        workers = worker_count(jobs)
        pooled = workers > 1 and len(pending) >= PARALLEL_THRESHOLD
        # A `--diff` scan that indexes its few changed files here extracts their facts of the
        # first sections (reviewer.index.first_sections) with their check's stage, and the
        # others' only when one of those is merged (StoredFacts._complete): a small change's
        # scan seldom merges more than the symbols, and the other providers' modules and work
        # were about a quarter of it. Their entries are written once complete. None: every section.
        extracting = first_sections() if summaries is not None and pending and not pooled else None
        # Each file's facts, read from the JSON text its worker made as its batch comes back
        # (the parent waits on the pool meanwhile), merged in the files' order below.
        loaded: dict[int, dict[str, Any]] = {}

        def arrived(at: int, output: IndexOutput) -> None:
            if extracting is None:
                keep(pending[at][1], output)
            loaded[at] = json.loads(output[0])

        if pooled:
            init = (config, stage.packs if stage else None, tuple(rule.code for rule in stage.rules) if stage else ())
            _before_fork(providers=PROVIDERS, analysis=False)
            from concurrent.futures import ProcessPoolExecutor  # a warm scan starts no pool: imported when one does

            with ProcessPoolExecutor(max_workers=workers, initializer=_init_index_worker, initargs=init) as pool:
                # The check's analysis (libcst) and rules, which the index workers do not run,
                # are imported while they work, for the check pool's workers to inherit.
                collected = _in_pool(pool, _index_batch, pending, workers, CHUNK * 4, arrived, started=lambda: _import_check(stage))
        else:
            _set_index_plan(config, stage.rules if stage else ())
            collected = _index_batch(pending, extracting)
            for at, output in enumerate(collected):
                arrived(at, output)
        # The files whose facts of `extracting` alone are known, each with its entry's key when
        # the entry can be written once complete (as `keep` writes it).
        incomplete: list[tuple[SourceFile, str | None]] = []
        for at, ((source, key, _), (_, problems, seconds, staged, counted)) in enumerate(zip(pending, collected)):
            file_facts = loaded[at]
            _merge_facts(facts, source.rel, file_facts)
            spent[source.rel] = seconds
            if counted is not None:
                lines[source.rel] = counted
            if staged is not None:
                first[source.rel] = staged
            if errors is not None:
                errors.extend(problems)
            written = key if key and not problems and counted is not None else None  # the entry's key, if it is kept
            if extracting is not None:
                incomplete.append((source, written))
            elif states is not None and written is not None:
                states.index(source.rel, written, counted, file_facts, _kept(file_facts, kept))
        # The facts are a function of their keys only when each came from the cache, or was
        # extracted without a problem (a timeout is not a property of the file's content).
        if stored is not None:
            facts, lines = stored, stored.lines
        elif snapshots is not None and cache.enabled and all(keys) and all(not output[1] for output in collected):
            if snapshots.key is None:
                snapshots.keyed(content_key(base, *map(str, keys)), look=not pending)
            if summaries is None:  # (a `--diff` scan stores no snapshot: Snapshots.by_tree)
                snapshots.holders = {name: sorted(per_file) for name, per_file in facts.items() if per_file}
        elif snapshots is not None:
            snapshots.key = None  # facts with a problem (a timeout) are not the content's: no snapshot
        if stored is None and summaries is not None:
            stored = StoredFacts.given(summaries, facts, lines, sources, keys, cache, config, incomplete, extracting, errors)
            facts, lines = stored, stored.lines
    failures: dict[str, str] = {}

    def failed(name: str, error: Exception) -> None:
        failures.setdefault(name, f"{name}: {type(error).__name__}: {error}; rules reading it ran without it")

    sections = LazySections(PROVIDERS, facts, failed)
    saved = snapshots.saved if snapshots is not None else None
    if snapshots is not None and saved is None and lazy and snapshots.key is not None:
        snapshots.by_tree = True
    elif saved is None:
        sections = dict(sections.items())  # every section merged now: its failures are this scan's errors
    if saved is not None and not saved["owners"]:
        per_root = {}  # one project root: its sections are the whole tree's
    else:
        per_root = root_sections(PROVIDERS, facts, sections, [f.path for f in files], failed)
    if snapshots is not None and snapshots.by_tree:
        snapshots.failures = failures.values()  # complete when the scan ends (_scan reports them)
    else:
        messages = list(saved["failures"]) if saved is not None else list(failures.values())
        if snapshots is not None:
            snapshots.failures = messages
            snapshots.owners = sorted(per_root)
        if errors is not None:
            errors.extend(FileError(".", "index-error", message) for message in messages)
    return ProjectIndex(str(root), files, sections, config=config, spent=spent, root_sections=per_root, lines=lines), first


class StoredFacts(Mapping[str, Mapping[str, Any]]):
    """The per-file facts (section name -> path -> facts) of a scan whose snapshot was found,
    or of a `--diff` scan whose file states say what the unchanged files' entries hold
    (`given`): each section's files are known (`holders`), and a file's entry is read from
    the index cache when its facts are first read (StoredSection); `lines` reads a file's line
    count from its entry when its state did not give it. An entry gone or damaged since the
    scan found it is extracted from the file again (the facts are a function of the entry's
    key). The files a `--diff` scan extracted the facts of the `first` sections of only
    (`partial`: reviewer.index.first_sections) have every other section's facts extracted
    when the first of those sections is read (`_complete`), and only then their entries
    written."""

    def __init__(
        self, holders: Mapping[str, list[str]], entries: Mapping[str, tuple[SourceFile, str]], cache: ResultCache, config: Config,
        known: Mapping[str, Mapping[str, Any]] | None = None, counted: Mapping[str, int] | None = None,
        kept: Mapping[str, Mapping[str, Any]] | None = None, partial: list[tuple[SourceFile, str | None]] | None = None,
        first: frozenset[str] | None = None, errors: list[FileError] | None = None,
    ) -> None:
        self._holders = dict(holders)
        self._entries = entries
        self._cache = cache
        self._config = config
        self._read: dict[str, dict[str, Any]] = {}
        self._texts: dict[str, str] = {}  # entries' text, read for `mentions` and not decoded
        self._sections: dict[str, StoredSection] = {}
        # Facts of files read or extracted by this scan already (section -> path -> facts),
        # and line counts known without the entries (the file states').
        self._known = known or {}
        self._counted = counted or {}
        # The facts of the sections a file's state keeps (path -> section -> facts), each
        # checked against its provider's shape (IndexProvider.kept) when read.
        self._kept = kept or {}
        self._shapes: dict[str, Any] = {}
        self.lines = StoredLines(self)
        # The files whose facts of the `first` sections alone are known, and where the problems
        # met extracting the others go (the scan's error list, read when the scan ends).
        self._partial = list(partial or ())
        self._first = first or frozenset()
        self._errors = errors

    @classmethod
    def given(
        cls, summaries: Mapping[str, tuple[int, list[str], Mapping[str, Any]]], facts: Mapping[str, Mapping[str, Any]], lines: Mapping[str, int],
        sources: list[SourceFile], keys: list[str | None], cache: ResultCache, config: Config,
        partial: list[tuple[SourceFile, str | None]] | None = None, first: frozenset[str] | None = None,
        errors: list[FileError] | None = None,
    ) -> "StoredFacts":
        """The facts of a `--diff` scan: `facts` and `lines` of the files read or extracted
        now (of the `first` sections only for the `partial` files), and the `summaries` (line
        count, sections, the facts of the sections a state keeps: IndexProvider.kept) of the
        others, from their states."""
        holders: dict[str, set[str]] = {name: set(per_file) for name, per_file in facts.items() if per_file}
        for path, (_, names, _) in summaries.items():
            for name in names:
                if name in facts:  # a section of this scan's providers, as _merge_facts keeps
                    holders.setdefault(name, set()).add(path)
        cache.used.update(str(key) for key in keys)
        counted = {**{path: summary[0] for path, summary in summaries.items()}, **lines}
        entries = {source.rel: (source, str(key)) for source, key in zip(sources, keys)}
        kept = {path: summary[2] for path, summary in summaries.items() if summary[2]}
        return cls({name: sorted(paths) for name, paths in holders.items()}, entries, cache, config, facts, counted, kept, partial, first, errors)

    @classmethod
    def of(cls, snapshots: Snapshots, sources: list[SourceFile], keys: list[str | None], cache: ResultCache, config: Config) -> "StoredFacts | None":
        """The facts of the snapshot found (None without one; a snapshot naming a file that is
        not scanned is rejected). Every entry counts as used: the cache keeps them."""
        saved = snapshots.saved
        if saved is None:
            return None
        entries = {source.rel: (source, str(key)) for source, key in zip(sources, keys)}
        if not all(path in entries for paths in saved["holders"].values() for path in paths):
            snapshots.reject()
            return None
        cache.used.update(str(key) for key in keys)
        return cls(saved["holders"], entries, cache, config)

    def entry(self, path: str) -> dict[str, Any]:
        if path not in self._read:
            source, key = self._entries[path]
            data = self._cache.get(key)
            if data is None:
                _set_index_plan(self._config, ())
                text, problems, _, _, counted = _index_file(source, _INDEX_PLAN)
                data = {"facts": json.loads(text), "lines": counted or 0}
                if not problems and counted is not None:
                    self._cache.put(key, data)
            self._read[path] = data
        return self._read[path]

    def mentions(self, path: str, word: str) -> bool:
        """Whether the file's facts can hold `word` (a name, in a JSON string or part of one),
        told from its entry's text without decoding it: a query that reads only the files
        naming what it looks for (ProjectSymbols.callers) reads few entries. True when the
        facts are read already, or the text is not an entry as this engine writes it (its
        facts are then extracted again when read)."""
        if path in self._read or any(path in known for known in self._known.values()):
            return True
        text = self._texts.get(path)
        if text is None:
            text = self._cache.text(self._entries[path][1])
            if text is None or not (text.startswith('{"facts":{') and text.endswith("}")):
                return True
            self._texts[path] = text
        return word in text or json.dumps(word)[1:-1] in text  # an identifier beyond ASCII is escaped

    def kind_of(self, path: str) -> FileKind:
        return self._entries[path][0].kind

    def facts_of(self, name: str, path: str) -> Any:
        """One file's facts of one section (KeyError when it holds none)."""
        known = self._known.get(name)
        if known is not None and path in known:
            return known[path]
        kept = self._kept.get(path)
        if kept is not None and name in kept and path not in self._read:
            if name not in self._shapes:
                self._shapes[name] = next((provider.kept for provider in PROVIDERS if provider.name == name), None)
            if self._shapes[name] is not None and conforms(kept[name], self._shapes[name]):
                return kept[name]
        return self.entry(path)["facts"][name]

    def _complete(self) -> None:
        """The other sections' facts of the `partial` files (the file read and parsed again),
        and their entries written whole, as a scan of every file writes them (the providers'
        order). A provider's failure is an error of the file, as when indexing."""
        if not self._partial:
            return
        _set_index_plan(self._config, ())
        later = frozenset(provider.name for provider in PROVIDERS) - self._first
        while self._partial:
            source, key = self._partial[0]
            text, problems, _, _, _ = _index_file(source, _INDEX_PLAN, sections=later)
            for name, data in json.loads(text).items():
                self._known.setdefault(name, {})[source.rel] = data
                self._holders[name] = sorted({*self._holders.get(name, ()), source.rel})
            if self._errors is not None:
                self._errors.extend(problems)
            if key is not None and not problems:
                held = {p.name: self._known[p.name][source.rel] for p in PROVIDERS if source.rel in self._known.get(p.name, {})}
                self._cache.put(key, {"facts": held, "lines": self._counted[source.rel]})
            self._partial.pop(0)

    def __getitem__(self, name: str) -> Mapping[str, Any]:
        if name not in self._first:
            self._complete()
        if name not in self._sections:
            paths = self._holders[name]  # KeyError for a section no file has facts of, as the dict
            self._sections[name] = StoredSection(self, name, paths)
        return self._sections[name]

    def __iter__(self):
        self._complete()
        return iter(self._holders)

    def __len__(self) -> int:
        self._complete()
        return len(self._holders)


class StoredSection(Mapping[str, Any]):
    """One section's per-file facts (path -> facts) of StoredFacts: its files are known, and
    each file's entry is read when its facts are (a merge that reads few of them, the symbols'
    module table, reads few entries). Pickled (for worker processes), it is a plain dict."""

    def __init__(self, facts: StoredFacts, name: str, paths: list[str]) -> None:
        self._facts = facts
        self._name = name
        self._paths = paths
        self._set = frozenset(paths)

    def __getitem__(self, path: str) -> Any:
        if path not in self._set:
            raise KeyError(path)
        return self._facts.facts_of(self._name, path)

    def __contains__(self, path: object) -> bool:
        return path in self._set

    def kind_of(self, path: str) -> FileKind:
        """The kind of a file whose facts the section holds, without reading them."""
        return self._facts.kind_of(path)

    def mentions(self, path: str, word: str) -> bool:
        """Whether the file's facts can hold `word`, without reading them (StoredFacts.mentions)."""
        return path in self._set and self._facts.mentions(path, word)

    def __iter__(self):
        return iter(self._paths)

    def __len__(self) -> int:
        return len(self._paths)

    def __reduce__(self) -> tuple[Any, ...]:
        return (dict, (dict(self.items()),))


class StoredLines(Mapping[str, int]):
    """Each file's line count, from its state or index entry (StoredFacts) when asked."""

    def __init__(self, facts: StoredFacts) -> None:
        self._facts = facts

    def __getitem__(self, path: str) -> int:
        if path not in self._facts._entries:
            raise KeyError(path)
        if path in self._facts._counted:
            return self._facts._counted[path]
        return self._facts.entry(path)["lines"]

    def __iter__(self):
        return iter(self._facts._entries)

    def __len__(self) -> int:
        return len(self._facts._entries)


def index_result_cache(home: Path, enabled: bool) -> ResultCache:
    return ResultCache(home, enabled, index_entry(tuple(p.name for p in PROVIDERS)), INDEX_LAYOUT)


def _digest(source: SourceFile, cache: ResultCache, digests: dict[str, str | None] | None) -> str | None:
    """The file's content hash (None when caching is off), computed once per scan."""
    if not cache.enabled:
        return None
    if digests is not None and source.rel in digests:
        return digests[source.rel]
    return file_digest(source.path)


def _kept(file_facts: Mapping[str, Any], kept: tuple[str, ...]) -> dict[str, Any]:
    """A file's facts of the sections its state keeps (IndexProvider.kept)."""
    return {name: file_facts[name] for name in kept if name in file_facts}


def _merge_facts(facts: dict[str, dict[str, Any]], path: str, file_facts: dict[str, Any]) -> None:
    for name, data in file_facts.items():
        if name in facts:
            facts[name][path] = data


_INDEX_PLAN: Plan | None = None


def _before_fork(
    rules: Iterable[type[Rule]] = (), index: ProjectIndex | None = None, providers: Iterable[IndexProvider] = (), analysis: bool = True
) -> None:
    """Import the analysis (libcst, sqlglot; with `analysis` False, only what the `ast` stage
    imports: index workers), the modules of the `rules` a pool's workers run and of the index
    `providers` they extract facts with (reviewer.index.ProviderRef) in this process before
    the pool starts, and build what the rules' queries of the `index` will need
    (ProjectIndex.before_fork): forked workers inherit them, and share their pages, instead of
    each making them again (the process merges the providers' sections after the pool anyway).
    No thread of ours runs while they fork (the idle file threads of reviewer.bounds end)."""
    from reviewer.analyse import import_all, import_staged

    if analysis:
        import_all()
    else:
        import_staged()
    for provider in providers:
        getattr(provider, "loaded", provider)
    stop_threads()
    if index is not None:
        index.before_fork(read_sections(rules))
    _load_rules(rules)


def _import_check(stage: CheckStage | None) -> None:
    """What the check pool's _before_fork imports (the analysis, the rules), imported while the
    index pool runs: the parent only waits on it then."""
    from reviewer.analyse import import_all

    import_all()
    _load_rules(stage.rules if stage else ())


def _load_rules(rules: Iterable[type[Rule]]) -> None:
    for rule in rules:
        try:
            rule.loaded()
        except registry_module.RegistryError:
            pass  # each worker meets it where it analyses a file, and reports it there


def _init_index_worker(config: Config, packs: tuple[str, ...] | None = None, codes: tuple[str, ...] = ()) -> None:
    """The index worker's plan: the scan's config, and the rules of the check's `ast` stage
    (none when `packs` is None)."""
    chosen = [rule for rule in _worker_registry(packs).rules if rule.code in codes] if packs is not None else []
    _set_index_plan(config, chosen)
    _collect_less()


def _set_index_plan(config: Config, chosen: Iterable[type[Rule]]) -> None:
    global _INDEX_PLAN
    chosen = list(chosen)
    _INDEX_PLAN = Plan(
        config=config,
        python_rules=tuple(rule for rule in chosen if issubclass(rule, PythonRule)),
        sql_rules=tuple(rule for rule in chosen if issubclass(rule, SqlRule)),
    )


# Facts (as JSON text), problems, seconds spent, the `ast` stage (or the check's whole result),
# the file's line count (None: not read).
IndexOutput = tuple[str, list[FileError], float, "Staged | None", "int | None"]


def _index_batch(batch: list[tuple[SourceFile, str | None, bool]], sections: frozenset[str] | None = None) -> list[IndexOutput]:
    plan = _INDEX_PLAN or Plan(Config(), (), ())
    return [_index_file(source, plan, staged, sections) for source, _, staged in batch]


def _index_file(source: SourceFile, plan: Plan, staged: bool = False, sections: frozenset[str] | None = None) -> IndexOutput:
    """Facts of one file from every provider that wants it (of the `sections` given: all when
    None), the problems met, the seconds spent (taken off the file's time budget for the check
    pass), when `staged`, the check's `ast` stage from the same tree, and the file's lines as its
    check counts them (kept with the facts: a `--diff` scan weighs the unchanged files by
    them). Runs bounded like the check pass (reviewer.bounds); whatever goes wrong is an error
    of this file."""
    config = plan.config
    problems: list[FileError] = []
    file_facts: dict[str, Any] = {}
    first: list[Staged] = []
    counted: list[int] = []
    started = time.monotonic()
    try:
        run_bounded(_collect_facts, config.file_timeout, source, plan, file_facts, problems, first if staged else None, counted, sections)
    except FileTimeout:
        first.clear()
        file_facts.clear()
        problems.append(FileError(source.rel, "timeout", f"indexing took longer than {config.file_timeout:g} s (file-timeout)"))
    except RecursionError:
        problems.append(FileError(source.rel, "too-deep", "nesting too deep to index"))
    except Exception as error:  # noqa: BLE001 - one file's failure must not stop the scan
        problems.append(internal_error(source.rel, error))
    # Facts go through JSON (the cache format) here too, so a cold and a warm run merge
    # exactly the same data: the worker hands over the JSON text (the index cache's entry is
    # made of it), cheaper to send between processes than the data.
    text = json.dumps(file_facts, default=_jsonable, separators=(",", ":"))
    return text, problems, time.monotonic() - started, first[0] if first else None, counted[0] if counted else None


def _collect_facts(
    source: SourceFile, plan: Plan, file_facts: dict[str, Any], problems: list[FileError], first: list[Staged] | None,
    counted: list[int] | None = None, sections: frozenset[str] | None = None,
) -> None:
    """Each provider's facts of the file into `file_facts` (of the providers of `sections`,
    when given: their modules alone are imported); with `first` (a list to fill), the check's
    `ast` stage from the same tree; into `counted`, its lines (_line_count)."""
    from reviewer.analyse import ast_pass, finished, parse_gate, too_many_tokens

    config = plan.config
    text = read_text(source, config, FileResult(source.rel))
    if counted is not None:
        counted.append(0 if text is None else count_lines(text))
    if text is None:
        return  # the check pass reports the file
    providers = PROVIDERS if sections is None else [provider for provider in PROVIDERS if provider.name in sections]
    wanted = [p for p in providers if p.wants(source.kind, text)]
    if not wanted and first is None:
        return
    tree = parsed = None
    gate: list[FileError] = []
    tokens = None
    if source.kind.is_python:
        beyond, tokens = too_many_tokens(source, text, gate)
        parsed = None if beyond else parse_gate(source, text, gate)[0]
        if parsed is None:
            wanted = []  # the check reports the file
        else:
            tree = parsed.tree
    for provider in wanted:
        try:
            data = provider.collect_file(IndexedFile(source.rel, source.kind, source.migration_tool), text, tree, config)
        except Exception as error:  # noqa: BLE001 - a provider bug must not stop the scan
            if timed_out(error):  # the timeout, replaced on its way out (bounds.timed_out)
                raise
            problems.append(FileError(source.rel, "index-error", f"{provider.name}: {type(error).__name__}: {error}"))
            continue
        if data is not None:
            file_facts[provider.name] = data
    for provider in providers:
        if provider.derives and provider.derives in file_facts:
            try:
                file_facts[provider.name] = provider.derive(file_facts[provider.derives])
            except Exception as error:  # noqa: BLE001 - a provider bug must not stop the scan
                if timed_out(error):
                    raise
                problems.append(FileError(source.rel, "index-error", f"{provider.name}: {type(error).__name__}: {error}"))
    if first is not None:  # after the providers: bandit's visitor annotates the tree's nodes
        stage = ast_pass(source, text, plan, parsed, gate, tokens)
        try:
            done = finished(source, text, config, stage)
        except Exception as error:  # noqa: BLE001 - the check meets it again, and reports it as its own
            if timed_out(error):  # the timeout, replaced on its way out (bounds.timed_out)
                raise
            done = None
        first.append(stage if done is None else done)
    if tree is not None:
        astfacts.release(tree)


def _jsonable(value: Any) -> Any:
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    raise TypeError(f"{type(value).__name__} is not JSON-able")


# --------------------------------------------------------------------------------------------
# Check pass


def check_files(
    sources: list[SourceFile],
    plan: Plan,
    registry: Registry,
    enabled: list[type[Rule]],
    cache: ResultCache,
    jobs: int | None,
    progress: Progress,
    digests: dict[str, str | None] | None = None,
    first: dict[str, Staged] | None = None,
    index_digest: str | None = None,
    writes: Writes | None = None,
) -> list[FileResult]:
    """Each file's result: from the cache, else analysed (with the `ast` stage the index
    workers ran, from `first`). `index_digest`: the digest of the sections the rules read,
    when known (from the index snapshot)."""
    first = first or {}
    run_key = content_key(
        __version__,
        engine_digest(),
        toolchain(),
        registry.digest,
        plan.config.digest(),
        ",".join(rule.code for rule in enabled),
        index_digest if index_digest is not None else plan.index.digest(read_sections(enabled)),
    )
    results: dict[str, FileResult] = {}
    pending: list[Work] = []
    fresh: list[tuple[FileResult, str | None]] = []
    keys: list[str | None] = []
    for source in sources:
        digest = _digest(source, cache, digests)
        keys.append(content_key(run_key, source.rel, source.kind.value, digest) if digest else None)
    cache.read_ahead(key for key in keys if key)
    for source, key in zip(sources, keys):
        cached = cache.get(key) if key else None
        restored = _restore(cached, source.rel) if cached is not None else None
        if restored is not None:
            results[source.rel] = restored
            continue
        if cached is not None:
            cache.miss()
        staged = first.get(source.rel)
        if isinstance(staged, FileResult):
            # The index worker finished the check (analyse.finished), within the file's budget
            # (a check with none left is a timeout: analyse meets it).
            if plan.index is None or plan.index.spent.get(source.rel, 0.0) < plan.config.file_timeout:
                fresh.append((staged, key))
                continue
            staged = None
        pending.append((source, key, staged))
    progress.start(len(sources))
    progress.advance(len(results) + len(fresh))

    def keep(done: list[tuple[FileResult, str | None]]) -> None:
        for result, key in done:
            results[result.path] = result
            if key and not any(error.kind in ("timeout", "crash") for error in result.errors):
                _store(cache, key, result.to_cache(), writes)

    workers = worker_count(jobs)
    if workers > 1 and len(pending) >= PARALLEL_THRESHOLD:
        if writes is not None:
            writes.close()  # no thread of ours runs while the pool's workers fork
        # The index workers' results are written while the pool analyses the others.
        keep(_parallel(pending, plan, enabled, registry, workers, progress, lambda: keep(fresh)))
    elif pending:
        keep(fresh)
        from reviewer.analyse import analyse

        analysed = []
        for source, key, staged in pending:
            analysed.append((analyse(source, plan, staged), key))
            progress.advance(1)
        keep(analysed)
    else:
        keep(fresh)
    progress.finish()
    return [results[source.rel] for source in sources if source.rel in results]


def worker_count(jobs: int | None) -> int:
    """Worker processes for `--jobs`: one per core by default, never more than the cores
    (more only compete for them and multiply memory)."""
    cores = os.cpu_count() or 1
    return min(jobs, cores) if jobs and jobs > 0 else cores


def _restore(data: dict, path: str) -> FileResult | None:
    """A cached result (of the shape FILE_RESULT) for `path`, or None when its values are not
    ones this version writes (an unknown severity, another file's result)."""
    try:
        result = FileResult.from_cache(data)
    except (KeyError, TypeError, ValueError, IndexError):
        return None
    return result if result.path == path else None


_WORKER_PLAN: Plan | None = None


def _init_worker(config: Config, packs: tuple[str, ...], codes: tuple[str, ...], index: ProjectIndex) -> None:
    global _WORKER_PLAN
    loaded = _worker_registry(packs)
    chosen = [rule for rule in loaded.rules if rule.code in codes]
    _WORKER_PLAN = Plan(
        config=config,
        python_rules=tuple(rule for rule in chosen if issubclass(rule, PythonRule)),
        sql_rules=tuple(rule for rule in chosen if issubclass(rule, SqlRule)),
        index=index,
    )
    _collect_less()


# A file to check: its source, its cache key, and its `ast` stage when the index worker ran it.
Work = tuple[SourceFile, "str | None", "AstPass | None"]


def _work(batch: list[Work]) -> list[tuple[FileResult, str | None]]:
    from reviewer.analyse import analyse

    assert _WORKER_PLAN is not None
    return [(analyse(source, _WORKER_PLAN, staged), key) for source, key, staged in batch]


def _parallel(
    pending: list[Work],
    plan: Plan,
    enabled: list[type[Rule]],
    registry: Registry,
    workers: int,
    progress: Progress,
    started: Callable[[], None] = lambda: None,
) -> list[tuple[FileResult, str | None]]:
    """Analyse in worker processes. A worker that dies (a native crash in a parser) costs
    only the file it was on: the rest is retried one file per task in a fresh pool.
    `started` is called once the first pool's workers run (forked)."""
    init = (plan.config, plan.config.rule_packs, tuple(rule.code for rule in enabled), plan.index)
    # Largest files first, in batches small enough that the workers finish together.
    batches = [[pending[position] for position in batch] for batch in _largest_first(pending, workers, CHUNK)]
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    done: list[tuple[FileResult, str | None]] = []
    suspects: list[Work] = []
    _before_fork(enabled, plan.index)
    while batches:
        retry: list[list[Work]] = []
        with ProcessPoolExecutor(max_workers=workers, initializer=_init_worker, initargs=init) as pool:
            futures: dict[Future, list] = {pool.submit(_work, batch): batch for batch in batches}
            started()
            started = lambda: None  # noqa: E731 - once
            remaining = set(futures)
            while remaining:
                finished, remaining = wait(remaining, return_when=FIRST_COMPLETED)
                for future in finished:
                    batch = futures[future]
                    try:
                        output = future.result()
                    except BrokenProcessPool:
                        if len(batch) == 1:
                            suspects.extend(batch)
                        else:
                            retry.extend([item] for item in batch)
                        continue
                    done.extend(output)
                    progress.advance(len(output))
        batches = retry
    # A dying worker breaks the whole pool, so every file in flight fails with it: only a file
    # that also kills a pool of its own is the one that crashed.
    for source, key, staged in suspects:
        with ProcessPoolExecutor(max_workers=1, initializer=_init_worker, initargs=init) as pool:
            try:
                done.extend(pool.submit(_work, [(source, key, staged)]).result())
            except BrokenProcessPool:
                crashed = FileResult(source.rel)
                crashed.errors.append(FileError(source.rel, "crash", "the analyser crashed on this file"))
                done.append((crashed, None))
        progress.advance(1)
    return done


def _in_pool(
    pool: ProcessPoolExecutor, function: Callable[[list], list], items: list, workers: int, most: int,
    each: Callable[[int, Any], None] | None = None, started: Callable[[], None] = lambda: None,
) -> list:
    """`function` over `items` (whose first element is a SourceFile) in batches in the pool's
    workers, the outputs in the items' order. The largest files go first, in small batches
    (_largest_first), so that the workers finish together: a batch of large files taken last
    would leave the other cores idle while it runs. `each(position, output)` is called as each
    batch is done, in the order they end; `started()` once every batch is handed over (the
    workers forked), before waiting on them."""
    from concurrent.futures import as_completed

    batches = {pool.submit(function, [items[position] for position in batch]): batch for batch in _largest_first(items, workers, most)}
    started()
    outputs: list = [None] * len(items)
    for future in as_completed(batches):
        for position, output in zip(batches[future], future.result()):
            outputs[position] = output
            if each is not None:
                each(position, output)
    return outputs


def _largest_first(items: list, workers: int, most: int) -> list[list[int]]:
    """The positions of `items` (whose first element is a SourceFile) in batches, the largest
    files first; at most `most` a batch, and about 32 batches per worker, so that the last
    batches (of the smallest files, which go last) are a small share of the work."""
    order = sorted(range(len(items)), key=lambda position: -_size(items[position][0].path))
    size = max(1, min(most, len(items) // (workers * 32)))
    return [order[i : i + size] for i in range(0, len(order), size)]


def _store(cache: ResultCache, key: str, value: str | dict[str, Any], writes: Writes | None) -> None:
    """Write a cache entry: in the background with `writes`, else now."""
    if writes is None:
        cache.put(key, value)
    else:
        writes.put(cache, key, value)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


# --------------------------------------------------------------------------------------------
# Project rules


def run_project_rules(
    enabled: list[type[Rule]], index: ProjectIndex, config: Config, root: Path
) -> tuple[list[Finding], list[FileError]]:
    findings: list[Finding] = []
    errors: list[FileError] = []
    lines_of: dict[str, list[str]] = {}
    views = index.views()
    for listed in enabled:
        if not issubclass(listed, ProjectRule):
            continue
        rule = listed.loaded()  # a rule of the rule catalogue loads its module now
        reports = []
        for owner, view in views:  # each project root's sections, then the whole tree's
            instance = rule(rule.settings_from(config))
            try:
                instance.check(view)
            except Exception as error:  # noqa: BLE001 - a rule bug must not stop the scan
                failure = FileError(".", "rule-error", f"{rule.code} failed: {type(error).__name__}: {error}")
                if failure not in errors:
                    errors.append(failure)
                continue
            # A finding is its file's root's: the view of another root sees that file too
            # (shared code, a library around an example app) but with other sections.
            reports.extend(report for report in instance.reports if view.keeps(report.path))
        for report in reports:
            path = report.path
            if _named(path_ignores(config, path), rule):
                continue
            if path not in lines_of:
                lines_of[path] = _lines(root / path)
            location = report.target if isinstance(report.target, Location) else Location(1, 1, 1, 1)
            findings.append(make_finding(rule, report, path, location, lines_of[path], config, autofix=place(report.autofix, path)))
    return findings, errors


def _text(path: Path) -> str | None:
    """A scanned file's text as the analysis read it (positions are in it), or None."""
    try:
        return path.read_bytes().decode("utf-8").lstrip("\ufeff")
    except (OSError, UnicodeError):
        return None


def _lines(path: Path) -> list[str]:
    try:
        return split_lines(path.read_text(encoding="utf-8", errors="replace"))
    except OSError:
        return []


# --------------------------------------------------------------------------------------------
# Suppressions and fingerprints


def apply_suppressions(
    results: list[FileResult],
    project_findings: list[Finding],
    registry: Registry,
    enabled: list[type[Rule]],
    config: Config,
    collected: list[tuple[Finding, str]] | None = None,
    root: Path | None = None,
    owner: Callable[[str], str | None] = lambda path: None,
) -> tuple[list[Finding], int, list[Finding]]:
    """(unsuppressed findings, number suppressed, meta findings about the directives).
    `collected`, when given, receives each suppressed finding with the suppression's reason.
    With the scanned `root`, an unused suppression carries the fix that removes it. Project
    findings merge within the project root `owner` names for their file."""
    directives: dict[str, list[Directive]] = {r.path: r.directives for r in results}
    broken = {r.path for r in results if r.errors}
    lines_of: dict[str, list[str]] = {}
    known = {rule.code for rule in registry.rules}
    enabled_codes = {rule.code for rule in enabled}
    used: set[tuple[str, int, str]] = set()
    kept: list[Finding] = []
    suppressed = 0
    every = [finding for result in results for finding in result.findings] + project_findings
    # Merge first (one problem, one finding): a directive naming the reported code or any
    # code merged into it suppresses the whole finding.
    for group in merge(every, registry.by_code(), owner):
        finding = group.finding
        match = next(
            (
                (d, member.rule)
                for member in group.members
                for d in directives.get(member.path, ())
                if covers(d, member.rule, member.location.line)
            ),
            None,
        )
        if match is None:
            kept.append(finding)
        else:
            suppressed += 1
            used.add((finding.path, match[0].line, match[1]))
            if collected is not None:
                collected.append((finding, match[0].reason))
    meta: list[Finding] = []
    texts: dict[str, str | None] = {}

    def report(
        rule: type[Rule], path: str, directive: Directive, message: str | None = None, edit: Edit | None = None, **fields: Any
    ) -> None:
        if rule.code not in enabled_codes or _named(path_ignores(config, path), rule):
            return
        instance = rule()
        autofix = Autofix(f"Remove the suppression of `{fields['code']}`", (Change(edit),), safe=True) if edit else None
        instance.report(None, message, autofix=autofix, **fields)
        location = Location(directive.line, directive.column, directive.line, directive.column)
        if path not in lines_of:
            lines_of[path] = []
        meta.append(make_finding(rule, instance.reports[0], path, location, lines_of[path], config, autofix=place(autofix, path)))

    for path, items in sorted(directives.items()):
        for directive in items:
            codes = ",".join(directive.codes) or "?"
            if not directive.reason:
                report(SuppressionWithoutReason, path, directive, codes=codes)
            if not directive.codes:
                report(SuppressionUnknownCode, path, directive, "Suppression names no rule code")
            for code in directive.codes:
                if code not in known:
                    report(SuppressionUnknownCode, path, directive, code=code)
                elif code in enabled_codes and path not in broken and (path, directive.line, code) not in used:
                    rule = registry.get(code)
                    if rule is not None and not _named(path_ignores(config, path), rule):
                        if path not in texts:
                            texts[path] = _text(root / path) if root is not None else None
                        edit = removal(texts[path], directive, code) if texts[path] is not None else None
                        report(UnusedSuppression, path, directive, edit=edit, code=code)
    return kept, suppressed, meta


def assign_fingerprints(findings: Iterable[Finding]) -> list[Finding]:
    """Fingerprint = rule + path + normalised text of the flagged line + occurrence number
    among identical triples, so it survives moves of the line and stays distinct for two
    identical findings in one file."""
    from dataclasses import replace

    ordered = sorted(findings, key=Finding.sort_key)
    seen: Counter = Counter()
    out = []
    for finding in ordered:
        triple = (finding.rule, finding.path, finding.context)
        occurrence = seen[triple]
        seen[triple] += 1
        digest = hashlib.blake2b(
            "\0".join([*triple, str(occurrence)]).encode("utf-8", "surrogateescape"), digest_size=10
        ).hexdigest()
        out.append(replace(finding, fingerprint=digest))
    return out
