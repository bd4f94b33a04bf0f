"""Released migration history: findings on migrations that can no longer change are
summarised, one line per Django app / Alembic chain / SQL folder, instead of listed.

A migration is in one of three states:

- **released**: it has run on databases that serve traffic, so editing it changes nothing
  (the fix is a new migration). Decided by config (`migrations: {released: ...}`: a git ref,
  and/or per Django app or Alembic chain the last released migration, which releases it and
  every migration it depends on) and, when nothing is configured and the scanned tree is in a
  git work tree, by the git default: a migration file is released when it is unchanged since
  the newest tag reachable from HEAD; without a reachable tag, since the merge base of HEAD
  with origin's default branch (`origin/HEAD`, else `origin/main`, `origin/master`), since what
  is merged there is applied by everyone else. A shallow clone without tags or that branch
  has no release point (GitHub Actions: `fetch-depth: 0` or `fetch-tags: true`).
- **squashed**: a Django migration with `replaces = [...]`; it only runs on a database where
  none of the migrations it replaces has run, i.e. an empty one.
- **pending**: everything else, and everything when there is no release point (the report
  says so in one line).

Each migration rule says which of its findings this concerns (`Rule.history`): lock-safety
and backward-compatibility findings ("live") are summarised on released and on squashed
migrations; findings that hold on an empty database too ("released": irreversibility, a
down path that does not match, CONCURRENTLY inside a transaction, column type choices) are
summarised on released migrations only; graph conflicts (MIG011) are always listed.
Summarised findings are counted by rule and do not weigh on the score.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping

from reviewer import migrations as mig
from reviewer.migrations.ops import Unit
from reviewer.config import Config, ConfigError, Released
from reviewer.git import GitError, git, is_shallow, top_level
from reviewer.model import Finding

RELEASED, SQUASHED, PENDING = "released", "squashed", "pending"
UPSTREAM_BRANCHES = ("origin/main", "origin/master")
FETCH_HINT = "fetch tags and history (GitHub Actions: `fetch-depth: 0`; GitLab CI: `GIT_DEPTH: 0`)"


@dataclass(frozen=True)
class ReleasePoint:
    """Where git says released history ends: a commit, how it was found, and what to tell the user."""

    source: str  # "git-ref" (configured), "git-tag", "git-merge-base", "none", or "off" (`released: false`)
    ref: str | None = None
    commit: str | None = None
    reason: str = ""  # why there is none


@dataclass(frozen=True)
class StreamHistory:
    """One Django app, Alembic chain or SQL migration folder."""

    stream: str  # the folder, relative to the scanned root
    label: str  # "Django app `orders`"
    released: int
    squashed: int
    pending: int
    by_rule: tuple[tuple[str, int], ...]  # summarised findings per rule code

    @property
    def findings(self) -> int:
        return sum(count for _, count in self.by_rule)

    def line(self) -> str:
        states = ", ".join(f"{count} {name}" for name, count in ((RELEASED, self.released), (SQUASHED, self.squashed)) if count)
        rules = ", ".join(f"{code} ×{count}" for code, count in self.by_rule)
        return f"{self.label}: {states} migration(s); {self.findings} finding(s) not listed ({rules})"

    def to_dict(self) -> dict[str, Any]:
        return {
            "stream": self.stream, "label": self.label, "released": self.released, "squashed": self.squashed,
            "pending": self.pending, "findings": self.findings, "by_rule": dict(self.by_rule),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "StreamHistory":
        return cls(
            stream=data["stream"], label=data["label"], released=int(data["released"]), squashed=int(data["squashed"]),
            pending=int(data["pending"]), by_rule=tuple(sorted((str(code), int(count)) for code, count in data["by_rule"].items())),
        )


@dataclass(frozen=True)
class MigrationHistory:
    released_by: tuple[str, ...]  # "config", "git-ref", "git-tag", "git-merge-base"; empty: nothing
    note: str  # one line: where released history ends, or that all migrations are pending
    streams: tuple[StreamHistory, ...]
    ref: str | None = None
    commit: str | None = None
    notes: tuple[str, ...] = ()  # configured migrations that were not found

    @property
    def findings(self) -> int:
        return sum(stream.findings for stream in self.streams)

    def lines(self) -> list[str]:
        """The report's one-liners: the note, then one line per stream with summarised findings."""
        return [self.note, *self.notes, *(stream.line() for stream in self.streams if stream.findings)]

    def to_dict(self) -> dict[str, Any]:
        return {
            "released_by": list(self.released_by), "ref": self.ref, "commit": self.commit, "note": self.note,
            "notes": list(self.notes), "findings": self.findings, "streams": [s.to_dict() for s in self.streams],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "MigrationHistory":
        return cls(
            released_by=tuple(data["released_by"]), note=data["note"], streams=tuple(StreamHistory.from_dict(item) for item in data["streams"]),
            ref=data.get("ref"), commit=data.get("commit"), notes=tuple(data.get("notes", ())),
        )


# --------------------------------------------------------------------------------------------
# Where released history ends, according to git


def release_point(root: Path, config: Config) -> ReleasePoint:
    """The commit released history ends at. A configured ref that git cannot resolve is a
    configuration error (exit 2), not a silent "everything pending"."""
    released = config.migrations_released
    if not released.git:
        return ReleasePoint("off", reason="git is not asked (`released: false`)")
    top = top_level(root)
    if top is None:
        return ReleasePoint("none", reason="the scanned folder is not in a git work tree")
    if released.ref is not None:
        commit = _commit(top, released.ref)
        if commit is None:
            where = "this shallow clone" if is_shallow(top) else "this repository"
            raise ConfigError(config.source, "migrations.released.ref", f"`{released.ref}` is not a commit in {where}; {FETCH_HINT}")
        return ReleasePoint("git-ref", released.ref, commit)
    try:
        tag = git(top, "describe", "--tags", "--abbrev=0", "HEAD", check=False)
        if tag.returncode == 0 and tag.stdout.strip():
            name = tag.stdout.strip()
            commit = _commit(top, name)
            if commit:
                return ReleasePoint("git-tag", name, commit)
        for upstream in _upstreams(top):
            base = git(top, "merge-base", upstream, "HEAD", check=False)
            if base.returncode == 0 and base.stdout.strip():
                return ReleasePoint("git-merge-base", upstream, base.stdout.strip())
        shallow = is_shallow(top)
    except GitError as error:
        return ReleasePoint("none", reason=f"git failed ({error})")
    if shallow:
        return ReleasePoint("none", reason=f"this shallow clone has no tag and no origin default branch; {FETCH_HINT}")
    return ReleasePoint("none", reason="no tag is reachable from HEAD and there is no origin default branch")


def _commit(top: Path, ref: str) -> str | None:
    done = git(top, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", check=False)
    return done.stdout.strip() if done.returncode == 0 and done.stdout.strip() else None


def _upstreams(top: Path) -> list[str]:
    found = []
    head = git(top, "symbolic-ref", "--quiet", "--short", "refs/remotes/origin/HEAD", check=False)
    if head.returncode == 0 and head.stdout.strip():
        found.append(head.stdout.strip())
    found += [name for name in UPSTREAM_BRANCHES if name not in found and _commit(top, name)]
    return found


def unchanged_since(root: Path, commit: str, paths: Iterable[str]) -> set[str]:
    """Paths (relative to `root`) whose content is the same in `commit` as in the work tree."""
    top = top_level(root)
    wanted = sorted(set(paths))
    if top is None or not wanted:
        return set()
    resolved = root.resolve()
    prefix = resolved.relative_to(top).as_posix() if resolved != top else ""
    folders = sorted({(prefix + "/" if prefix else "") + (p.rsplit("/", 1)[0] if "/" in p else "") for p in wanted})
    listing = git(top, "ls-tree", "-r", "-z", "--full-tree", commit, "--", *(f or "." for f in folders), check=False)
    if listing.returncode != 0:
        return set()
    blobs: dict[str, str] = {}
    for entry in listing.stdout.split("\0"):
        meta, _, path = entry.partition("\t")
        fields = meta.split()
        if len(fields) == 3 and fields[1] == "blob":
            blobs[path] = fields[2]
    same = set()
    for rel in wanted:
        blob = blobs.get(f"{prefix}/{rel}" if prefix else rel)
        if blob is not None and _blob_id(root / rel, len(blob)) == blob:
            same.add(rel)
    return same


def _blob_id(path: Path, length: int) -> str | None:
    """git's object id of a file's content (SHA-1, or SHA-256 in repositories that use it)."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    hasher = hashlib.sha256() if length == 64 else hashlib.sha1()  # noqa: S324 - git's object id, not security
    hasher.update(b"blob %d\0" % len(data))
    hasher.update(data)
    return hasher.hexdigest()


# --------------------------------------------------------------------------------------------
# Released by config: per Django app / Alembic chain, the last released migration and its ancestors


def configured(units: list[Unit], released: Released) -> tuple[set[str], list[str]]:
    """(paths of released migrations, notes about configured names that were not found)."""
    paths: set[str] = set()
    notes: list[str] = []
    for app, last in released.django:
        members = {u.name: u for u in units if u.form == mig.DJANGO and u.app == app}
        parents = {name: [d[1] for d in [*u.dependencies, *u.replaces] if d[0] == app]
                   for name, u in members.items()}
        found = _named(members, last)
        if found is None:
            notes.append(f"migrations.released.django.{app}: no migration `{last}` in that app; its migrations are treated as pending")
            continue
        paths.update(members[name].path for name in mig.ancestors(found, parents) if name in members)
    for chain, last in released.alembic:
        members = {u.revision: u for u in units
                   if u.form == mig.ALEMBIC and u.revision and _is_chain(u.stream, chain)}
        parents = {rev: list(u.down_revision) for rev, u in members.items()}
        found = _named(members, last)
        if found is None:
            notes.append(f"migrations.released.alembic.{chain}: no revision `{last}` in that chain; its revisions are treated as pending")
            continue
        paths.update(members[rev].path for rev in mig.ancestors(found, parents) if rev in members)
    return paths, notes


def _named(members: Mapping[str, Any], name: str) -> str | None:
    """The member called `name`, or the only one it is a prefix of (`0042`, a short revision)."""
    if name in members:
        return name
    matches = [key for key in members if key.startswith(name)]
    return matches[0] if len(matches) == 1 else None


def _is_chain(stream: str, chain: str) -> bool:
    return stream == chain or stream.endswith("/" + chain)


# --------------------------------------------------------------------------------------------
# Applying it to a scan's findings


def _label(unit: Unit) -> str:
    if unit.form == mig.DJANGO:
        return f"Django app `{unit.app}`"
    if unit.form == mig.ALEMBIC:
        return f"Alembic chain `{unit.stream}`"
    return f"{unit.tool} migrations `{unit.stream}`"


def _note(point: ReleasePoint, by_config: bool) -> str:
    configured_part = "the last released migrations named in `migrations.released`"
    if point.source == "git-ref":
        where = f"migration files unchanged since `{point.ref}` (`migrations.released.ref`)"
    elif point.source == "git-tag":
        where = f"migration files unchanged since tag `{point.ref}`, the newest tag reachable from HEAD"
    elif point.source == "git-merge-base":
        where = f"migration files unchanged since the merge base of HEAD with `{point.ref}` (no tag is reachable)"
    elif by_config:
        return f"Migration history: released = {configured_part}; other migrations are pending ({point.reason})"
    elif point.source == "off":
        return "Migration history: all migrations are treated as pending (`migrations: {released: false}`)"
    else:
        return (f"Migration history: all migrations are treated as pending: {point.reason}; "
                "set `migrations: {released: REF}` to summarise released ones")
    if by_config:
        where = f"{configured_part} and {where}"
    return f"Migration history: released = {where}"


def apply(
    findings: list[Finding], kinds: Mapping[str, str], index: Any, config: Config, root: Path,
    point: ReleasePoint | None = None,
) -> tuple[list[Finding], MigrationHistory | None]:
    """(findings still listed, the history summary; None when the scan has no migrations).
    `kinds` maps a rule code to its `Rule.history`."""
    # `.sql` files outside known migration layouts have no release history: always pending.
    units = [u for u in mig.units(index) if u.form in (mig.DJANGO, mig.ALEMBIC, mig.SQL) and u.tool != "loose"]
    if not units or not any(kinds.values()):
        return findings, None
    released_config = config.migrations_released
    point = point or release_point(root, config)
    by_config, notes = configured(units, released_config)
    by_git = unchanged_since(root, point.commit, (u.path for u in units)) if point.commit else set()
    state: dict[str, str] = {}
    for unit in units:
        if unit.path in by_config or unit.path in by_git:
            state[unit.path] = RELEASED
        elif unit.form == mig.DJANGO and unit.replaces:
            state[unit.path] = SQUASHED
        else:
            state[unit.path] = PENDING
    stream_of = {unit.path: unit.stream for unit in units}
    kept: list[Finding] = []
    summarised: dict[str, Counter] = {}
    for finding in findings:
        kind = kinds.get(finding.rule, "")
        status = state.get(finding.path, PENDING)
        if kind and (status == RELEASED or status == SQUASHED and kind == "live"):
            summarised.setdefault(stream_of[finding.path], Counter())[finding.rule] += 1
        else:
            kept.append(finding)
    streams = []
    for stream in sorted({u.stream for u in units}):
        members = [u for u in units if u.stream == stream]
        counts = Counter(state[u.path] for u in members)
        if not counts[RELEASED] and not counts[SQUASHED]:
            continue
        streams.append(StreamHistory(
            stream=stream, label=_label(members[0]), released=counts[RELEASED], squashed=counts[SQUASHED],
            pending=counts[PENDING], by_rule=tuple(sorted(summarised.get(stream, Counter()).items())),
        ))
    named = bool(released_config.django or released_config.alembic)
    sources = tuple(s for s, used in (("config", named), (point.source, point.commit is not None)) if used)
    history = MigrationHistory(
        released_by=sources, note=_note(point, named),
        streams=tuple(streams), ref=point.ref, commit=point.commit, notes=tuple(notes),
    )
    return kept, history
