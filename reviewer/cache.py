"""Per-file result cache under `.reviewer_cache/`, keyed by content hash + tool version +
config hash (+ the digest of the index sections the rules read). Writes are atomic."""

from __future__ import annotations

import functools
import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

CACHE_DIR = ".reviewer_cache"
LAYOUT = "v1"


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


class ResultCache:
    def __init__(self, root: Path, enabled: bool, layout: str = LAYOUT) -> None:
        self.folder = root / CACHE_DIR / layout
        self.enabled = enabled
        self.used: set[str] = set()
        self.hits = 0
        self.misses = 0

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json"

    def get(self, key: str) -> dict[str, Any] | None:
        if not self.enabled:
            return None
        self.used.add(key)
        try:
            data = json.loads(self._path(key).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self.misses += 1
            return None
        self.hits += 1
        return data

    def put(self, key: str, value: dict[str, Any]) -> None:
        if not self.enabled:
            return
        self.used.add(key)
        try:
            if not (self.folder.parent / ".gitignore").exists():
                atomic_write(self.folder.parent / ".gitignore", "# created by reviewer\n*\n")
            atomic_write(self._path(key), json.dumps(value, separators=(",", ":")))
        except OSError:
            self.enabled = False  # a read-only tree: carry on without a cache

    def prune(self) -> int:
        """Delete entries this run did not use (call only after a scan of the whole tree)."""
        if not self.enabled or not self.folder.is_dir():
            return 0
        removed = 0
        for entry in self.folder.glob("*/*.json"):
            if entry.stem not in self.used:
                try:
                    entry.unlink()
                    removed += 1
                except OSError:
                    pass
        return removed
