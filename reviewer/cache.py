"""Per-file result cache, keyed by content hash + tool and library versions + config hash
(+ the digest of the index sections the rules read), kept in one SQLite database per kind of
entry (ResultCache). Writes are atomic.

The cache lives outside the scanned tree: a repository (a pull request) must not be able to
supply results, so a `.reviewer_cache/` committed in it is never read. By default it is
`$XDG_CACHE_HOME/reviewer/<hash of the scanned root>` (`~/.cache/...` without the variable);
`--cache-dir` or REVIEWER_CACHE_DIR name another base folder. Every entry is checked against
the shape this version writes before it is used; an entry of any other shape is a miss.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import queue
import stat
import sys
import tempfile
import threading
import time
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping

from reviewer import installed_version

CACHE_DIR_ENV = "REVIEWER_CACHE_DIR"
LAYOUT = "v2"


def cache_home(root: Path, env: Mapping[str, str], override: Path | None = None) -> Path:
    """The cache folder of one scanned root: under --cache-dir, else REVIEWER_CACHE_DIR, else
    the user cache folder, in a subfolder named by a hash of the root's absolute path."""
    base = override if override is not None else cache_base(env)
    tree = hashlib.blake2b(str(root.absolute()).encode("utf-8", "surrogateescape"), digest_size=10).hexdigest()
    return base.absolute() / tree


def cache_base(env: Mapping[str, str]) -> Path:
    """REVIEWER_CACHE_DIR, else the user cache folder's `reviewer/`."""
    if env.get(CACHE_DIR_ENV):
        return Path(env[CACHE_DIR_ENV])
    return Path(env.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "reviewer"


@lru_cache(maxsize=1)
def toolchain() -> str:
    """Versions of everything whose behaviour shapes results besides reviewer's own source:
    Python (its parser decides what is a syntax error) and the parsing and checking libraries."""
    parts = [sys.implementation.name, sys.version]
    for distribution in ("libcst", "sqlglot", "sqlglotc", "bandit"):
        parts.append(f"{distribution} {installed_version(distribution) or '-'}")
    return " | ".join(parts)


# ----------------------------------------------------------------------------------------------
# Entry shapes. A schema is a type (exact: a bool is not an int), a one-item list (a list of
# that), a tuple (a list of fixed length), a dict (exactly those keys), Keyed, Nullable or AnyOf.


class Keyed:
    """A JSON object whose keys are among `names` and whose values all match `value`."""

    def __init__(self, names: frozenset[str], value: Any) -> None:
        self.names = names
        self.value = value


class Nullable:
    """A value that is either null or matches `schema`."""

    def __init__(self, schema: Any) -> None:
        self.schema = schema


class AnyOf:
    """A value that matches one of `schemas`."""

    def __init__(self, *schemas: Any) -> None:
        self.schemas = schemas


def conforms(value: Any, schema: Any) -> bool:
    if isinstance(schema, Nullable):
        return value is None or conforms(value, schema.schema)
    if isinstance(schema, type):
        return type(value) is schema
    if isinstance(schema, list):
        return type(value) is list and all(conforms(item, schema[0]) for item in value)
    if isinstance(schema, tuple):
        return type(value) is list and len(value) == len(schema) and all(map(conforms, value, schema))
    if isinstance(schema, dict):
        return type(value) is dict and value.keys() == schema.keys() and all(conforms(value[k], schema[k]) for k in schema)
    if isinstance(schema, Keyed):
        return type(value) is dict and value.keys() <= schema.names and all(conforms(v, schema.value) for v in value.values())
    if isinstance(schema, AnyOf):
        return any(conforms(value, option) for option in schema.schemas)
    raise TypeError(f"not a schema: {schema!r}")


EDIT = {"path": str, "line": int, "column": int, "end_line": int, "end_column": int, "replacement": str}
FIX = {"description": str, "safe": bool, "edits": [EDIT]}
FINDING = {
    "rule": str, "name": str, "category": str, "severity": str, "confidence": str, "path": str,
    "line": int, "column": int, "end_line": int, "end_column": int, "message": str, "fix": str,
    "fingerprint": str, "context": str, "also": [str], "operation": str, "autofix": Nullable(FIX),
}
DIRECTIVE = (int, int, [str], str, int)
FILE_ERROR = {"path": str, "kind": str, "message": str}
FILE_RESULT = {
    "path": str, "lines": int, "findings": [FINDING], "directives": [DIRECTIVE], "errors": [FILE_ERROR], "bandit_skipped": bool,
}


def index_entry(providers: tuple[str, ...]) -> dict[str, Any]:
    """An index entry: the facts (a JSON object) of each provider that had any for the file,
    and the file's line count."""
    return {"facts": Keyed(frozenset(providers), dict), "lines": int}


def read_kept(folder: str, key: str, env: Mapping[str, str]) -> Any:
    """A JSON value `keep` wrote under the user cache folder's `folder/` with this key; None when
    there is none or it cannot be read (the caller checks its shape)."""
    try:
        return json.loads((cache_base(env) / folder / f"{key}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return None


def keep(folder: str, key: str, value: Any, env: Mapping[str, str]) -> None:
    """Keep a JSON value for the next run (`read_kept`); a cache that cannot be written is skipped."""
    try:
        atomic_write(cache_base(env) / folder / f"{key}.json", json.dumps(value))
    except OSError:
        pass


def sources_key(layout: str, folders: Iterable[Path]) -> str:
    """A key for what is derived from the rule packs (the rule catalogue, `reviewer rules`'
    table): `layout`, reviewer's and bandit's versions, and each folder's Python files (path,
    size and modification time, as `make` judges them). A change to any of them makes a new key."""
    from reviewer import __version__

    hasher = hashlib.blake2b(digest_size=12)
    hasher.update(f"{layout} {__version__}".encode())
    hasher.update(f"bandit {installed_version('bandit') or '-'}".encode())
    for folder in folders:
        hasher.update(str(folder.resolve()).encode("utf-8", "surrogateescape"))
        for path in sorted(folder.rglob("*.py")):
            try:
                status = path.stat()
            except OSError:
                continue
            hasher.update(f"{path.relative_to(folder).as_posix()} {status.st_size} {status.st_mtime_ns}".encode("utf-8", "surrogateescape"))
    return hasher.hexdigest()


def atomic_write(path: Path, text: str) -> None:
    """Write via a temporary file in the same folder and rename it into place, so an
    interrupted run never leaves a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        # mkstemp creates the file 0600; give it the mode a plain write would (an existing
        # file's mode, else 0666 less the umask), so reports stay readable to CI and containers.
        os.chmod(temporary, _mode_for(path))
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise


def _mode_for(path: Path) -> int:
    try:
        return path.stat().st_mode & 0o7777
    except OSError:
        return 0o666 & ~_umask()


@functools.cache
def _umask() -> int:
    """The process's umask (read once: reading it means setting it)."""
    umask = os.umask(0o022)
    os.umask(umask)
    return umask


def content_key(*parts: str) -> str:
    hasher = hashlib.blake2b(digest_size=20)
    for part in parts:
        hasher.update(part.encode("utf-8", "surrogateescape"))
        hasher.update(b"\0")
    return hasher.hexdigest()


def file_digest(path: Path) -> str | None:
    """Content hash of a regular file; None (not cacheable) for anything else."""
    if not path.is_file():
        return None  # reading a FIFO or a device would block
    try:
        return hashlib.blake2b(path.read_bytes(), digest_size=20).hexdigest()
    except OSError:
        return None


# How long after its last change a file's status is trusted to stand for its content: a file
# changed again within the file system's timestamp granularity (a few milliseconds on Linux,
# whose clock for file times is coarse; two seconds on FAT) can keep its size and times. As
# git does with "racily clean" entries, a file changed this recently is read again next time.
SETTLED_NS = 3_000_000_000
# A file's index entry as a scan met it: its key, the file's line count, the sections the
# entry holds facts of, and its facts of the sections a state keeps (section -> facts, each
# checked against its provider's shape when read: reviewer.index.IndexProvider.kept).
INDEXED = (str, int, [str], dict)
FILE_STATE = (int, int, int, int, Nullable(str), Nullable(bool), Nullable(INDEXED))


class FileStates:
    """What a scan learnt by reading each file of one scanned root, kept for the next scan
    with the file's status (size, modification and change times in nanoseconds, inode): its
    content hash, for a `.sql` file whether it is a template (reviewer.discovery), and what
    its project-index entry holds (`indexed`: its key, line count and sections, and its facts
    of the sections whose providers keep them: IndexProvider.kept). A warm scan then stats each
    file instead of reading and hashing it, and a `--diff` scan reads the index entries of the
    sections it merges only, and none for a kept section. A file whose status
    differs in any of those is read again: an edit that keeps the size changes the times, a
    restored modification time (`touch -d`, an archive) still changes the change time (which
    no program sets), and an editor that writes a new file changes the inode. Statuses taken
    less than SETTLED_NS after the file last changed are not kept. One plain-JSON file in the
    root's cache folder (`v2-files.json`), checked against its shape when read; anything else
    is ignored and rebuilt."""

    NAME = "v2-files.json"

    def __init__(self, home: Path, enabled: bool, version: str) -> None:
        """`version`: what the kept facts depend on besides the file's content (the engine's
        code, the toolchain: sqlglot's tokenizer decides what a template is)."""
        self.path = home / self.NAME
        self.version = version
        self.enabled = enabled
        self.now = time.time_ns()
        self.known: dict[str, list[Any]] = {}
        self.seen: dict[str, list[Any]] = {}
        if enabled:
            try:
                with open(self.path, encoding="utf-8") as handle:
                    data = json.loads(handle.read())
            except (OSError, ValueError, RecursionError):
                data = None
            if isinstance(data, dict) and data.get("version") == version and isinstance(data.get("files"), dict):
                self.known = {rel: entry for rel, entry in data["files"].items() if conforms(entry, FILE_STATE)}

    def _state(self, path: Path, rel: str) -> list[Any] | None:
        """The file's entry for this scan: the known one when its status is unchanged, else a
        fresh one (None when the file is not a regular file or cannot be stated)."""
        if rel in self.seen:
            return self.seen[rel]
        try:
            status = os.stat(path)
        except OSError:
            return None
        if not stat.S_ISREG(status.st_mode):
            return None
        stamp = [status.st_size, status.st_mtime_ns, status.st_ctime_ns, status.st_ino]
        known = self.known.get(rel)
        if known is not None and known[:4] == stamp:
            entry = known
        else:  # read again; what its index entry held is kept: it is trusted only under its key
            entry = [*stamp, None, None, known[6] if known is not None else None]
        self.seen[rel] = entry
        return entry

    def digest(self, path: Path, rel: str) -> str | None:
        """file_digest(path), from the kept state when the file is unchanged."""
        entry = self._state(path, rel) if self.enabled else None
        if entry is None:
            return file_digest(path)
        if entry[4] is None:
            entry[4] = file_digest(path)
        return entry[4]

    def templated(self, path: Path, rel: str, decide: Callable[[], bool]) -> bool:
        """Whether a `.sql` file is a template (`decide()` reads it), from the kept state when
        the file is unchanged."""
        entry = self._state(path, rel) if self.enabled else None
        if entry is None:
            return decide()
        if entry[5] is None:
            entry[5] = decide()
        return entry[5]

    def indexed(self, rel: str, key: str) -> tuple[int, list[str], dict[str, Any]] | None:
        """(line count, sections held, the facts kept of some) of the file's index entry under
        `key`, as a scan that read or wrote that entry recorded it; None when the file's state
        records another key or none. The entry is a function of its key (the file's content hash, the versions,
        the fact settings: reviewer.runner.index_and_stage), so a matching key is all that is
        trusted: a file changed since has another content hash, and so another key."""
        entry = self.seen.get(rel) if self.enabled else None
        if entry is None or entry[6] is None or entry[6][0] != key:
            return None
        return entry[6][1], entry[6][2], entry[6][3]

    def index(self, rel: str, key: str, lines: int, sections: Iterable[str], kept: Mapping[str, Any] | None = None) -> None:
        """Record what the file's index entry under `key` holds (read or written by this scan),
        with its facts of the sections `kept` gives (small: IndexProvider.kept)."""
        entry = self.seen.get(rel) if self.enabled else None
        if entry is not None:
            entry[6] = [key, lines, sorted(sections), dict(kept or {})]

    def save(self, whole: bool) -> None:
        """Keep the states of the files this scan saw whose last change has settled; with
        `whole` (a scan of every file of the root), only those, else the others too."""
        if not self.enabled:
            return
        settled = self.now - SETTLED_NS
        files = {} if whole else dict(self.known)
        files.update((rel, entry) for rel, entry in self.seen.items() if entry[1] < settled and entry[2] < settled)
        if files == self.known:
            return
        try:
            atomic_write(self.path, json.dumps({"version": self.version, "files": files}, separators=(",", ":")))
        except OSError:
            pass


class Writes:
    """Cache entries written by one background thread, so that a scan goes on while they
    reach the disk: a cold scan writes two entries per file (its index facts and its check
    result). The thread writes what has arrived since its last write in one transaction per
    cache (ResultCache.store_all). Each entry is JSON text, or a dict dumped in that thread
    (which must not be changed once handed over). `close` waits for every write; use it as a
    context manager."""

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[tuple[ResultCache, str, str | dict[str, Any]] | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None

    def put(self, cache: "ResultCache", key: str, value: str | dict[str, Any]) -> None:
        if not cache.enabled:
            return
        cache.used.add(key)  # now: a prune after close keeps it whatever the order
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="reviewer-cache-writes", daemon=True)
            self._thread.start()
        self._queue.put((cache, key, value))

    def _run(self) -> None:
        closing = False
        written: dict[int, ResultCache] = {}
        while not closing:
            arrived = [self._queue.get()]
            while True:
                try:
                    arrived.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            by_cache: dict[int, tuple[ResultCache, list[tuple[str, str | dict[str, Any]]]]] = {}
            for item in arrived:
                if item is None:
                    closing = True
                    continue
                cache, key, value = item
                by_cache.setdefault(id(cache), (cache, []))[1].append((key, value))
            for cache, entries in by_cache.values():
                cache.store_all(entries)
                written[id(cache)] = cache
        for cache in written.values():
            cache.close()  # this thread's connections

    def close(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None

    def __enter__(self) -> "Writes":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class ResultCache:
    """Entries of one kind (`layout`): JSON texts by key, kept in one SQLite database in
    `home` (`<layout>.sqlite3`), each checked against `schema` when read.

    One database rather than a file per entry: creating a file costs about 0.6 ms of system
    time on the 2-core machine the benchmark runs on (a cold scan of Django's package writes
    1,770 entries: 1-2 s of CPU, and as much wall time taken from the workers), and a warm
    scan opens one file instead of thousands. SQLite (Python's standard library) keeps the
    entries whole when a run is interrupted (its journal), lets several processes read and
    write (a worker process reads entries while the scan's writer thread writes), and a file
    that is not a database (damaged, or left by something else) is replaced. Each process and
    thread opens its own connection (SQLite's connections must not cross a fork), and a fork
    waits for the transaction being written (_WRITING). The database is not synced to the disk
    at each write (a cache: an entry lost in a power cut is a miss, and a damaged database is
    replaced)."""

    def __init__(self, home: Path, enabled: bool, schema: Any, layout: str = LAYOUT) -> None:
        self.path = home / f"{layout}.sqlite3"
        self.layout = layout
        self.enabled = enabled
        self.schema = schema
        self.used: set[str] = set()
        self.hits = 0
        self.misses = 0
        self._connections: dict[tuple[int, int], Any] = {}
        self._ahead: dict[str, str] = {}  # entries read ahead (read_ahead), each handed out once

    def _db(self, create: bool) -> Any:
        """This thread's connection to the database; None when there is no database and
        `create` is false, or it cannot be opened (the cache is then off for this run)."""
        owner = (_PROCESS[0], threading.get_ident())
        db = self._connections.get(owner)
        if db is not None or not self.enabled:
            return db
        if not create and not os.path.isfile(self.path):
            return None
        import sqlite3

        for attempt in range(2):
            try:
                db = _open_entries(self.path)
                break
            except sqlite3.DatabaseError as error:
                if attempt or isinstance(error, sqlite3.OperationalError):
                    db = None  # locked past the timeout, read-only, or not replaceable
                    break
                _remove_database(self.path)  # not a database of entries: replaced
            except OSError:
                db = None
                break
        if db is None:
            self.enabled = False  # a read-only or unusable cache folder: carry on without a cache
            return None
        self._connections[owner] = db
        return db

    def close(self) -> None:
        """Close this thread's connection (another process's are left to it)."""
        db = self._connections.pop((_PROCESS[0], threading.get_ident()), None)
        if db is not None:
            db.close()

    def _read(self, key: str) -> str | None:
        ahead = self._ahead.pop(key, None)
        if ahead is not None:
            return ahead
        return self._query("SELECT value FROM entries WHERE key = ?", key)

    def _fetch(self, query: str, parameters: tuple[Any, ...] | list[Any] = ()) -> list[tuple[Any, ...]]:
        """The rows of `query`; none when there is no database or it cannot be read."""
        import sqlite3

        db = self._db(create=False) if self.enabled else None
        if db is None:
            return []
        try:
            return db.execute(query, parameters).fetchall()
        except sqlite3.Error:
            return []

    def _query(self, query: str, key: str) -> Any:
        """The first column of the row `query` finds for `key`; None when there is none."""
        rows = self._fetch(query, (key,))
        return rows[0][0] if rows else None

    def _rows(self, query: str, keys: Iterable[str]) -> Iterator[tuple[Any, ...]]:
        """The rows of `query` (`... WHERE key IN ({})`) for `keys`, asked a chunk at a time:
        one query for hundreds of keys rather than one each (each takes and releases the
        database's lock: a warm scan of Django's package made 7,000 fcntl calls)."""
        chosen = list(dict.fromkeys(keys))
        for start in range(0, len(chosen), _CHUNK):
            chunk = chosen[start : start + _CHUNK]
            yield from self._fetch(query.format(",".join("?" * len(chunk))), chunk)

    def read_ahead(self, keys: Iterable[str]) -> None:
        """Read the entries of `keys` now, in a few queries, for the get or text of each that
        follows (each is handed out once; a key read again is looked up again)."""
        self._ahead.update(self._rows("SELECT key, value FROM entries WHERE key IN ({})", keys))

    def holds_all(self, keys: Iterable[str]) -> bool:
        """Whether an entry exists under each of `keys` (whatever it holds)."""
        wanted = set(keys)
        return self.enabled and wanted <= {key for (key,) in self._rows("SELECT key FROM entries WHERE key IN ({})", wanted)}

    def get(self, key: str) -> dict[str, Any] | None:
        """The entry, or None (a miss) when there is none or it is not of the expected shape."""
        if not self.enabled:
            return None
        self.used.add(key)
        text = self._read(key)
        try:
            data = json.loads(text) if text is not None else None
        except (ValueError, RecursionError):
            data = None
        if data is None or not conforms(data, self.schema):
            self.misses += 1
            return None
        self.hits += 1
        return data

    def text(self, key: str) -> str | None:
        """An entry's text as it is stored, neither decoded nor checked (None when there is
        none): for a reader that looks for a word before decoding (reviewer.runner.StoredFacts)."""
        if not self.enabled:
            return None
        self.used.add(key)
        return self._read(key)

    def holds(self, key: str) -> bool:
        """Whether an entry exists under `key` (whatever it holds)."""
        return self.enabled and (key in self._ahead or self._query("SELECT 1 FROM entries WHERE key = ?", key) is not None)

    def where(self, key: str) -> str:
        """Where the entry under `key` is kept, for a message."""
        return f"{key} in {self.path}"

    def keys(self) -> list[str]:
        """Every key the database holds, sorted (for tests and inspection)."""
        return [key for (key,) in self._fetch("SELECT key FROM entries ORDER BY key")]

    def miss(self) -> None:
        """Count an entry of the right shape whose values turned out unusable as a miss."""
        self.hits -= 1
        self.misses += 1

    def put(self, key: str, value: str | dict[str, Any]) -> None:
        """Write an entry: JSON text, or a dict to dump."""
        self.store_all([(key, value)])

    def store_all(self, entries: Iterable[tuple[str, str | dict[str, Any]]]) -> None:
        """Write entries (JSON text, or a dict to dump) in one transaction."""
        if not self.enabled:
            return
        rows = [(key, value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))) for key, value in entries]
        self.used.update(key for key, _ in rows)
        import sqlite3

        db = self._db(create=True)
        if db is None:
            return
        try:
            _transaction(db, lambda: db.executemany("INSERT OR REPLACE INTO entries (key, value) VALUES (?, ?)", rows))
        except sqlite3.Error:
            self.enabled = False  # a full disk or a read-only database: carry on without a cache

    def prune(self) -> int:
        """Delete entries this run did not use (call only after a scan of the whole tree), and
        the folder of entry files an earlier version kept (`<layout>/`)."""
        if not self.enabled:
            return 0
        _remove_entry_files(self.path.parent / self.layout)
        db = self._db(create=False)
        if db is None:
            return 0
        import sqlite3

        def delete_unused() -> int:
            db.execute("CREATE TEMP TABLE IF NOT EXISTS used (key TEXT PRIMARY KEY)")
            db.execute("DELETE FROM temp.used")
            db.executemany("INSERT OR IGNORE INTO temp.used (key) VALUES (?)", ((key,) for key in self.used))
            return db.execute("DELETE FROM entries WHERE key NOT IN (SELECT key FROM temp.used)").rowcount

        try:
            removed = _transaction(db, delete_unused)
            if removed:
                db.execute("PRAGMA incremental_vacuum")  # the freed pages go back to the file system
        except sqlite3.Error:
            return 0
        return removed


def _open_entries(path: Path) -> Any:
    """A connection to the entries database at `path`, made when there is none."""
    import sqlite3

    path.parent.mkdir(parents=True, exist_ok=True)
    # Autocommit (isolation_level None) outside _transaction; a writer waits up to 30 s for
    # another process's transaction.
    db = sqlite3.connect(str(path), timeout=30, isolation_level=None, check_same_thread=False)
    try:
        db.execute("PRAGMA synchronous = OFF")
        db.execute("PRAGMA journal_mode = TRUNCATE")  # no journal file created per transaction
        if not db.execute("SELECT 1 FROM sqlite_master WHERE name = 'entries'").fetchall():
            db.execute("PRAGMA auto_vacuum = INCREMENTAL")  # before the first table: prune shrinks the file
            db.execute("CREATE TABLE IF NOT EXISTS entries (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID")
    except BaseException:
        db.close()
        raise
    return db


# Keys a query names at most (SQLite's default limit of host parameters is 32,766 since 3.32,
# 999 before).
_CHUNK = 900
# This process's id, kept (os.getpid is a system call, and each read asks whose connection it
# is): a forked child sets its own.
_PROCESS = [os.getpid()]


def _forked() -> None:
    _PROCESS[0] = os.getpid()


os.register_at_fork(after_in_child=_forked)

# Held while a transaction is open, and by a fork: a process forks (a pool's worker starts)
# between transactions, never with one open (SQLite's lock state must not be inherited
# mid-transaction; the child opens connections of its own).
_WRITING = threading.Lock()
os.register_at_fork(before=_WRITING.acquire, after_in_parent=_WRITING.release, after_in_child=_WRITING.release)


def _transaction(db: Any, work: Callable[[], Any]) -> Any:
    """work() in one transaction of `db` (a connection in autocommit mode): committed, or
    rolled back when it raises."""
    with _WRITING:
        db.execute("BEGIN IMMEDIATE")  # the write lock first: a reader's lock never turns into a deadlock
        try:
            result = work()
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
        return result


def _remove_database(path: Path) -> None:
    for name in (path, path.with_name(path.name + "-journal")):
        try:
            os.unlink(name)
        except FileNotFoundError:
            pass
        except OSError:
            return  # left as it is: opening it again fails, and the cache is off


def _remove_entry_files(folder: Path) -> None:
    """An earlier version's entry files (`<shard>/<key>.json` under `folder`), and the folder."""
    if not os.path.isdir(folder):
        return
    import shutil

    shutil.rmtree(folder, ignore_errors=True)
