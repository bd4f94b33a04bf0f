"""Ecosystem check: real backends from PyPI, scanned by reviewer, judged, field precision per rule.

    python bench/ecosystem/check.py fetch [--projects NAME ...]
    python bench/ecosystem/check.py scan [--label L] [--projects NAME ...] [--jobs N]
    python bench/ecosystem/check.py sample --label L --rules SQL001,MIG --per-rule 12 --seed 1 --out FILE
    python bench/ecosystem/check.py add-verdicts FILE
    python bench/ecosystem/check.py report --label L [--compare OLD] [--format text|md|json]
                                                     [--write-precision]

The projects are pinned in projects.yml (name, version, sha256 of the file fetched); the judged
findings live in verdicts.tsv. Downloads, extracted sources and scan results go to a cache folder
outside the repository: $REVIEWER_ECOSYSTEM_DIR, default ~/.cache/reviewer-ecosystem. See
docs/ecosystem.md for the workflow, the judging rubric and the precision definitions.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import tarfile
import time
import zipfile
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Iterable, Sequence
from urllib.parse import urljoin

import requests
import yaml

from reviewer.precision import MIN_EVIDENCE, MIN_JUDGED, contract_status, precision_of

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
PROJECTS_FILE = HERE / "projects.yml"
VERDICTS_FILE = HERE / "verdicts.tsv"
PRECISION_FILE = REPO / "reviewer" / "field_precision.json"
INDEX_URL = "https://pypi.org/simple/"
INDEX_ACCEPT = "application/vnd.pypi.simple.v1+json"
GENERATED_BY = "python bench/ecosystem/check.py report --write-precision"

VERDICTS = ("true", "false", "debatable")
VERDICT_COLUMNS = ("project", "version", "path", "line", "rule", "verdict", "reason")
THRESHOLD = 0.85
CONTEXT_LINES = 5


class EcosystemError(Exception):
    """A problem the user can fix (bad input, missing download, failed check): exit 2."""


# --------------------------------------------------------------------------------------------
# Data


@dataclass(frozen=True)
class Project:
    name: str
    version: str
    sha256: str
    frameworks: tuple[str, ...]
    held_out: bool
    dist: str = "sdist"  # or "wheel" for projects that publish no sdist
    scan: tuple[str, ...] = ()  # subfolders of the extracted top folder; empty: all of it
    cohort: int = 1  # held-out projects: the round in which they were added (reported apart)


@dataclass(frozen=True, order=True)
class Key:
    """What a verdict is attached to: one rule on one line of one file of one release."""

    project: str
    version: str
    path: str
    line: int
    rule: str


@dataclass(frozen=True)
class Verdict:
    key: Key
    verdict: str
    reason: str


@dataclass(frozen=True)
class Finding:
    key: Key
    severity: str
    message: str
    fix: str


@dataclass(frozen=True)
class ProjectResult:
    project: Project
    findings: tuple[Finding, ...]
    errors: tuple[dict, ...]
    files: int
    lines: int
    wall_seconds: float | None
    cpu_seconds: float | None
    status: str  # "ok", "timeout (...)" or "failed (...)"


@dataclass(frozen=True)
class Tally:
    findings: int = 0
    true: int = 0
    false: int = 0
    debatable: int = 0

    @property
    def judged(self) -> int:
        return self.true + self.false + self.debatable

    @property
    def precision(self) -> float | None:
        return precision_of(self.true, self.debatable, self.judged)

    @property
    def strict(self) -> float | None:
        return self.true / self.judged if self.judged else None

    def __add__(self, other: Tally) -> Tally:
        return Tally(
            self.findings + other.findings,
            self.true + other.true,
            self.false + other.false,
            self.debatable + other.debatable,
        )


@dataclass(frozen=True)
class Weighted:
    """Finding-weighted precision of a set of rules: sum(findings x precision) / sum(findings)
    over the rules that have a precision; rules with findings and no verdict are left out."""

    value: float | None
    unjudged_rules: int
    unjudged_findings: int


def tally(findings: Iterable[Finding], verdicts: dict[Key, Verdict]) -> Tally:
    counts: Counter[str] = Counter()
    total = 0
    for finding in findings:
        total += 1
        verdict = verdicts.get(finding.key)
        if verdict is not None:
            counts[verdict.verdict] += 1
    return Tally(total, counts["true"], counts["false"], counts["debatable"])


def weighted(findings_by_rule: dict[str, int], precision_by_rule: dict[str, float | None]) -> Weighted:
    numerator = 0.0
    denominator = 0
    unjudged_rules = unjudged_findings = 0
    for rule, count in findings_by_rule.items():
        if not count:
            continue
        precision = precision_by_rule.get(rule)
        if precision is None:
            unjudged_rules += 1
            unjudged_findings += count
            continue
        numerator += count * precision
        denominator += count
    return Weighted(numerator / denominator if denominator else None, unjudged_rules, unjudged_findings)


def field_status(rule_tally: Tally, code: str = "") -> str:
    """What the default contract (docs/ecosystem.md, Precision; reviewer.precision.contract_status)
    says the rule's default should be, from its tuned-project figures. A rule exempt from the
    evidence minimum (a match that is the defect by itself) may stay on until evidence says otherwise."""
    return contract_status(code, rule_tally.findings, rule_tally.judged, rule_tally.precision, THRESHOLD)


# --------------------------------------------------------------------------------------------
# Files in the repository: projects.yml and verdicts.tsv


def load_projects(path: Path = PROJECTS_FILE) -> list[Project]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise EcosystemError(f"{path}: cannot read: {error}") from None
    entries = data.get("projects") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not entries:
        raise EcosystemError(f"{path}: expected a top-level `projects:` list")
    projects: list[Project] = []
    seen: set[str] = set()
    for index, entry in enumerate(entries, 1):
        where = f"{path}: project #{index}"
        if not isinstance(entry, dict):
            raise EcosystemError(f"{where}: expected a mapping")
        unknown = set(entry) - {"name", "version", "sha256", "frameworks", "held_out", "dist", "scan", "cohort"}
        if unknown:
            raise EcosystemError(f"{where}: unknown keys {sorted(unknown)}")
        for text_key in ("name", "version", "sha256"):
            if not isinstance(entry.get(text_key), str):
                raise EcosystemError(f"{where}: `{text_key}` must be a quoted string (YAML reads 1.10 as a number)")
        name, version, sha = (entry[k].strip() for k in ("name", "version", "sha256"))
        if not name or not version:
            raise EcosystemError(f"{where}: `name` and `version` are required")
        where = f"{path}: {name}"
        if name in seen:
            raise EcosystemError(f"{where}: listed twice")
        seen.add(name)
        if len(sha) != 64 or any(c not in "0123456789abcdef" for c in sha):
            raise EcosystemError(f"{where}: `sha256` must be 64 lowercase hex digits")
        if not isinstance(entry.get("held_out"), bool):
            raise EcosystemError(f"{where}: `held_out` must be true or false")
        dist = entry.get("dist", "sdist")
        if dist not in ("sdist", "wheel"):
            raise EcosystemError(f"{where}: `dist` must be sdist or wheel")
        scan = entry.get("scan") or []
        frameworks = entry.get("frameworks") or []
        if not isinstance(scan, list) or not isinstance(frameworks, list):
            raise EcosystemError(f"{where}: `scan` and `frameworks` must be lists")
        for sub in scan:
            parts = PurePosixPath(str(sub)).parts
            if not parts or str(sub).startswith("/") or ".." in parts:
                raise EcosystemError(f"{where}: scan folder {sub!r} must be relative, inside the top folder")
        cohort = entry.get("cohort", 1)
        if not isinstance(cohort, int) or isinstance(cohort, bool) or cohort < 1 or (cohort > 1 and not entry["held_out"]):
            raise EcosystemError(f"{where}: `cohort` must be a positive whole number, and only on held-out projects")
        projects.append(
            Project(name, version, sha, tuple(map(str, frameworks)), entry["held_out"], dist, tuple(map(str, scan)),
                    cohort)
        )  # fmt: skip
    return projects


def choose(projects: list[Project], names: Sequence[str] | None) -> list[Project]:
    if not names:
        return projects
    by_name = {p.name: p for p in projects}
    unknown = [n for n in names if n not in by_name]
    if unknown:
        raise EcosystemError(f"unknown project(s) {', '.join(unknown)}; known: {', '.join(by_name)}")
    return [by_name[n] for n in names]


def _read_tsv(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Header and (line number, fields) rows of a tab-separated file; blank lines skipped."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise EcosystemError(f"{path}: cannot read: {error}") from None
    lines = text.splitlines()
    if not lines:
        raise EcosystemError(f"{path}: empty file (expected a header line)")
    header = lines[0].split("\t")
    rows = [(number, line.split("\t")) for number, line in enumerate(lines[1:], 2) if line.strip()]
    return header, rows


def parse_verdict_rows(
    path: Path, projects: list[Project], *, skip_unfilled: bool
) -> tuple[list[Verdict], int]:
    """Verdicts of a TSV file that has at least the verdict columns (extra columns are ignored).
    Returns the verdicts and how many rows were skipped as not filled in. Raises with every
    problem found, each with its line number."""
    header, rows = _read_tsv(path)
    missing = [c for c in VERDICT_COLUMNS if c not in header]
    if missing:
        raise EcosystemError(f"{path}: header lacks column(s) {', '.join(missing)}")
    column = {name: header.index(name) for name in VERDICT_COLUMNS}
    versions = {(p.name, p.version) for p in projects}
    names = {p.name for p in projects}
    problems: list[str] = []
    verdicts: list[Verdict] = []
    skipped = 0
    for number, fields in rows:
        where = f"{path}:{number}"
        if len(fields) != len(header):
            problems.append(f"{where}: {len(fields)} fields, the header has {len(header)} (a tab inside a reason?)")
            continue
        value = {name: fields[index].strip() for name, index in column.items()}
        if skip_unfilled and not value["verdict"] and not value["reason"]:
            skipped += 1
            continue
        line_problems = []
        if (value["project"], value["version"]) not in versions:
            known = "unknown project" if value["project"] not in names else "version not pinned in projects.yml"
            line_problems.append(f"{known}: {value['project']} {value['version']}")
        path_text = value["path"]
        if not path_text or path_text.startswith("/") or "\\" in path_text or ".." in PurePosixPath(path_text).parts:
            line_problems.append(f"path must be relative and /-separated: {path_text!r}")
        if not value["line"].isdigit() or int(value["line"]) < 1:
            line_problems.append(f"line must be a positive number: {value['line']!r}")
        if not value["rule"]:
            line_problems.append("rule is empty")
        verdict = value["verdict"].lower()
        if verdict not in VERDICTS:
            line_problems.append(f"verdict must be one of {', '.join(VERDICTS)}: {value['verdict']!r}")
        if not value["reason"]:
            line_problems.append("reason is empty (say why, as a senior reviewer would)")
        if line_problems:
            problems.extend(f"{where}: {problem}" for problem in line_problems)
            continue
        key = Key(value["project"], value["version"], path_text, int(value["line"]), value["rule"].upper())
        verdicts.append(Verdict(key, verdict, value["reason"]))
    if problems:
        raise EcosystemError("\n".join(problems))
    return verdicts, skipped


def load_verdicts(path: Path = VERDICTS_FILE, projects: list[Project] | None = None) -> dict[Key, Verdict]:
    """The committed verdicts. Verdicts for versions no longer pinned are kept in the file (they
    match nothing) and do not fail loading."""
    if not path.exists():
        return {}
    header, rows = _read_tsv(path)
    if tuple(header) != VERDICT_COLUMNS:
        raise EcosystemError(f"{path}: header must be {' '.join(VERDICT_COLUMNS)} (tab-separated)")
    verdicts: dict[Key, Verdict] = {}
    for number, fields in rows:
        if len(fields) != len(VERDICT_COLUMNS) or not fields[3].isdigit() or fields[5] not in VERDICTS:
            raise EcosystemError(f"{path}:{number}: malformed verdict line")
        key = Key(fields[0], fields[1], fields[2], int(fields[3]), fields[4])
        if key in verdicts:
            raise EcosystemError(f"{path}:{number}: a second verdict for {format_key(key)}")
        verdicts[key] = Verdict(key, fields[5], fields[6])
    return verdicts


def write_verdicts(verdicts: Iterable[Verdict], path: Path = VERDICTS_FILE) -> None:
    lines = ["\t".join(VERDICT_COLUMNS)]
    for verdict in sorted(verdicts, key=lambda v: v.key):
        k = verdict.key
        lines.append("\t".join([k.project, k.version, k.path, str(k.line), k.rule, verdict.verdict, verdict.reason]))
    _write_atomic(path, "\n".join(lines) + "\n")


def merge_verdicts(
    existing: dict[Key, Verdict], new: Iterable[Verdict]
) -> tuple[dict[Key, Verdict], list[str]]:
    """Existing verdicts with the new ones merged in (a later one for a key wins), and a note for
    every verdict that replaced a different one."""
    merged = dict(existing)
    notes: list[str] = []
    for verdict in new:
        old = merged.get(verdict.key)
        if old is not None and (old.verdict, old.reason) != (verdict.verdict, verdict.reason):
            notes.append(
                f"replaces {format_key(verdict.key)}: {old.verdict} ({old.reason}) -> {verdict.verdict} ({verdict.reason})"
            )
        merged[verdict.key] = verdict
    return merged, notes


def format_key(key: Key) -> str:
    return f"{key.project} {key.version} {key.path}:{key.line} {key.rule}"


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


# --------------------------------------------------------------------------------------------
# Cache folder


def cache_dir() -> Path:
    configured = os.environ.get("REVIEWER_ECOSYSTEM_DIR")
    return Path(configured).expanduser() if configured else Path.home() / ".cache" / "reviewer-ecosystem"


def source_root(cache: Path, project: Project) -> Path:
    return cache / "src" / f"{project.name}-{project.version}"


def _marker(cache: Path, project: Project) -> Path:
    return cache / "src" / f"{project.name}-{project.version}.sha256"


def results_dir(cache: Path, label: str) -> Path:
    if not label or "/" in label or label.startswith("."):
        raise EcosystemError(f"bad label {label!r}: no '/', must not start with '.'")
    return cache / "results" / label


# --------------------------------------------------------------------------------------------
# fetch


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def index_entry(session: requests.Session, index_url: str, project: Project) -> dict:
    """The index's file entry whose sha256 is the pinned one."""
    normalized = re.sub(r"[-_.]+", "-", project.name).lower()  # PEP 503
    url = f"{index_url.rstrip('/')}/{normalized}/"
    try:
        response = session.get(url, headers={"Accept": INDEX_ACCEPT}, timeout=60)
        response.raise_for_status()
        files = response.json()["files"]
    except (requests.RequestException, ValueError, KeyError, TypeError) as error:
        raise EcosystemError(f"{project.name}: cannot read the index at {url}: {error}") from None
    for entry in files:
        if entry.get("hashes", {}).get("sha256") == project.sha256:
            return {**entry, "url": urljoin(url, entry.get("url", ""))}  # PEP 691 allows relative URLs
    of_version = [e.get("filename", "?") for e in files if f"-{project.version}" in e.get("filename", "")]
    raise EcosystemError(
        f"{project.name} {project.version}: no file with the pinned sha256 {project.sha256} in the index; "
        f"files of that version: {', '.join(of_version) or 'none'}"
    )


def download(session: requests.Session, url: str, destination: Path, sha256: str) -> None:
    """Download url to destination, checking the sha256; nothing is left behind on a mismatch."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(destination.name + ".part")
    digest = hashlib.sha256()
    try:
        with session.get(url, stream=True, timeout=120) as response:
            response.raise_for_status()
            with partial.open("wb") as handle:
                for block in response.iter_content(1 << 20):
                    digest.update(block)
                    handle.write(block)
    except requests.RequestException as error:
        partial.unlink(missing_ok=True)
        raise EcosystemError(f"cannot download {url}: {error}") from None
    if digest.hexdigest() != sha256:
        partial.unlink(missing_ok=True)
        raise EcosystemError(
            f"sha256 mismatch for {destination.name}: expected {sha256}, got {digest.hexdigest()}; "
            "the file was not kept"
        )
    os.replace(partial, destination)


def extract(archive: Path, destination: Path) -> None:
    """Extract a .tar.gz / .zip / .whl into destination, refusing members that would land outside
    it (absolute paths, `..`, links pointing out, device files)."""
    destination.mkdir(parents=True)
    name = archive.name
    try:
        if name.endswith((".tar.gz", ".tgz", ".tar.bz2", ".tar")):
            if not hasattr(tarfile, "data_filter"):
                raise EcosystemError("this Python's tarfile has no `data` filter; use Python >= 3.10.12 / 3.11.4")
            with tarfile.open(archive) as bundle:
                bundle.extractall(destination, filter="data")
        elif name.endswith((".zip", ".whl")):
            root = destination.resolve()
            with zipfile.ZipFile(archive) as bundle:
                for member in bundle.infolist():
                    target = (root / member.filename).resolve()
                    if member.filename.startswith(("/", "\\")) or not target.is_relative_to(root):
                        raise EcosystemError(f"{name}: member {member.filename!r} would land outside the folder")
                    is_link = (member.external_attr >> 16) & 0o170000 == 0o120000
                    if is_link:
                        raise EcosystemError(f"{name}: member {member.filename!r} is a symbolic link")
                bundle.extractall(destination)
        else:
            raise EcosystemError(f"{name}: unknown archive type")
    except (tarfile.TarError, zipfile.BadZipFile, OSError) as error:
        raise EcosystemError(f"{name}: cannot extract safely: {error}") from None


def fetch_project(session: requests.Session, cache: Path, project: Project, index_url: str) -> str:
    """Make source_root(project) hold the pinned release; returns what was done."""
    root, marker = source_root(cache, project), _marker(cache, project)
    if root.is_dir() and marker.exists() and marker.read_text().strip() == project.sha256:
        return "cached"
    downloads = cache / "downloads" / project.sha256
    archives = [p for p in downloads.glob("*") if not p.name.endswith(".part")] if downloads.is_dir() else []
    action = "extracted from the download cache"
    if not archives or _sha256_file(archives[0]) != project.sha256:
        shutil.rmtree(downloads, ignore_errors=True)
        entry = index_entry(session, index_url, project)
        filename = Path(entry["filename"]).name
        download(session, entry["url"], downloads / filename, project.sha256)
        archives = [downloads / filename]
        action = f"downloaded {filename}"
    scratch = cache / "src" / f".{project.name}-{project.version}.partial"
    shutil.rmtree(scratch, ignore_errors=True)
    shutil.rmtree(root, ignore_errors=True)
    marker.unlink(missing_ok=True)
    try:
        extract(archives[0], scratch)
        entries = list(scratch.iterdir())
        if len(entries) == 1 and entries[0].is_dir() and project.dist == "sdist":
            entries[0].rename(root)
            scratch.rmdir()
        else:
            scratch.rename(root)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    marker.write_text(project.sha256 + "\n")
    return action


def cmd_fetch(args: argparse.Namespace) -> int:
    cache = cache_dir()
    projects = choose(load_projects(args.projects_file), args.projects)
    session = requests.Session()
    for project in projects:
        started = time.monotonic()
        action = fetch_project(session, cache, project, args.index_url)
        root = source_root(cache, project)
        files = sum(1 for p in root.rglob("*") if p.is_file())
        print(f"{project.name} {project.version}: {action} ({files} files, {time.monotonic() - started:.1f} s) -> {root}")
    return 0


# --------------------------------------------------------------------------------------------
# scan


def reviewer_executable(explicit: str | None) -> str:
    if explicit:
        return explicit
    beside = Path(sys.executable).parent / "reviewer"
    if beside.exists():
        return str(beside)
    found = shutil.which("reviewer")
    if not found:
        raise EcosystemError("no `reviewer` executable beside this Python or on PATH; pass --reviewer")
    return found


def rule_registry(reviewer: str) -> dict[str, dict]:
    """`reviewer rules --format json` of the reviewer that scans, keyed by code."""
    try:
        completed = subprocess.run([reviewer, "rules", "--format", "json"], capture_output=True, text=True, check=True)
        return {rule["code"]: rule for rule in json.loads(completed.stdout)}
    except (OSError, subprocess.CalledProcessError, ValueError, KeyError) as error:
        raise EcosystemError(f"cannot list the rules with `{reviewer} rules --format json`: {error}") from None


def select_everything(registry: dict[str, dict]) -> str:
    """`--select` naming every rule: `ALL` selects only the default-on ones; an opt-in rule runs
    only when named by its exact code."""
    return ",".join(["ALL", *sorted(code for code, rule in registry.items() if not rule.get("default", True))])


def select_some(registry: dict[str, dict], text: str) -> str:
    """`--select` naming only the rules asked for (exact codes or prefixes, opt-in ones included):
    a quick scan while working on a few rules. Its results hold no other rule's findings, so a
    report of them says nothing about the others."""
    selectors = parse_selectors(text)
    codes = sorted(code for code in registry if selector_matches(selectors, code))
    if not codes:
        raise EcosystemError(f"--rules {text!r} names no rule of `reviewer rules`")
    return ",".join(codes)


def git_describe() -> str:
    try:
        completed = subprocess.run(
            ["git", "describe", "--always", "--dirty"], cwd=REPO, capture_output=True, text=True, check=True
        )
    except (OSError, subprocess.CalledProcessError) as error:
        raise EcosystemError(f"cannot name the results with `git describe` ({error}); pass --label") from None
    return completed.stdout.strip()


@dataclass(frozen=True)
class ScanSettings:
    reviewer: str  # the executable
    select: str  # --select naming every rule
    jobs: int
    timeout: float  # seconds for one project's whole scan
    config: Path  # the reviewer config every project is scanned with (file-timeout)


def write_scan_config(folder: Path, file_timeout: float) -> Path:
    """The config every project is scanned with. reviewer's file-timeout is wall-clock time, so
    on a loaded machine its default (20 s) drops large files at random; a generous one keeps
    the results of two runs comparable. It also keeps a config shipped in an sdist out."""
    path = folder / "reviewer.yml"
    _write_atomic(path, f"# written by bench/ecosystem/check.py scan\nfile-timeout: {file_timeout:g}\n")
    return path


def _stderr_excerpt(stderr: str, keep: int = 3000) -> str:
    """The start (where a traceback begins) and the end (the exception) of a long stderr."""
    if len(stderr) <= 2 * keep:
        return stderr
    return f"{stderr[:keep]}\n[... {len(stderr) - 2 * keep} characters left out ...]\n{stderr[-keep:]}"


def scan_project(cache: Path, project: Project, settings: ScanSettings, out: Path) -> dict:
    """Scan one project into `out` (reviewer's JSON report with paths made relative to the
    extracted top folder, plus an `ecosystem` block); returns that block."""
    root = source_root(cache, project)
    if not root.is_dir():
        raise EcosystemError(f"{project.name} {project.version} is not fetched: run `check.py fetch` first")
    targets = [root / sub for sub in project.scan] or [root]
    missing = [str(t) for t in targets if not t.is_dir()]
    if missing:
        raise EcosystemError(f"{project.name}: scan folder(s) missing in the sdist: {', '.join(missing)}")
    # reviewer reports paths relative to the common folder of its targets (see runner.scan_root).
    common = Path(os.path.commonpath([str(t) for t in targets]))
    prefix = "" if common == root else common.relative_to(root).as_posix() + "/"
    raw = out.with_name(out.name + ".raw")
    command = [settings.reviewer, "scan", *map(str, targets), "--format", "json", "--no-cache", "--quiet",
               "--config", str(settings.config), "--select", settings.select, "--jobs", str(settings.jobs),
               "--output", str(raw)]  # fmt: skip
    started = time.monotonic()
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    status = "ok"
    stderr = ""
    exit_code = None
    try:
        completed = subprocess.run(command, capture_output=True, text=True, timeout=settings.timeout, cwd=root)
        stderr, exit_code = completed.stderr, completed.returncode
        if exit_code not in (0, 1):
            status = f"failed (exit {exit_code})"
    except subprocess.TimeoutExpired:
        status = f"timeout (over {settings.timeout:g} s)"
    wall = time.monotonic() - started
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
    report: dict = {}
    if status == "ok":
        try:
            report = json.loads(raw.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            status = f"failed (exit {exit_code}, no JSON report; see stderr in the result file)"
    raw.unlink(missing_ok=True)
    # reviewer names files from the current folder (the top folder, outside git) since it
    # reports repository paths; an older reviewer named them from the scanned folder.
    for entry in [*report.get("findings", []), *report.get("errors", [])]:
        if "path" in entry and not str(entry["path"]).startswith(("/", prefix)):
            entry["path"] = prefix + entry["path"]
    block = {
        "project": project.name,
        "version": project.version,
        "held_out": project.held_out,
        "scanned": [t.relative_to(root).as_posix() or "." for t in targets],
        "wall_seconds": round(wall, 2),
        "cpu_seconds": round(cpu, 2),  # user + system of the reviewer process tree
        "status": status,
        "exit_code": exit_code,
        "stderr": _stderr_excerpt(stderr),
        "command": command,
    }
    report["ecosystem"] = block
    _write_atomic(out, json.dumps(report, indent=1) + "\n")
    return block


def load_results(cache: Path, label: str, projects: list[Project]) -> dict[str, ProjectResult]:
    """Results of `label` for the pinned projects that have them (a result of another version
    than the pinned one is ignored)."""
    folder = results_dir(cache, label)
    if not folder.is_dir():
        raise EcosystemError(f"no results labelled {label!r} in {folder.parent}; run `check.py scan --label {label}`")
    results: dict[str, ProjectResult] = {}
    for project in projects:
        path = folder / f"{project.name}.json"
        if not path.exists():
            continue
        try:
            report = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise EcosystemError(f"{path}: unreadable result: {error}") from None
        block = report.get("ecosystem", {})
        if block.get("version") != project.version:
            continue
        findings = tuple(
            Finding(
                Key(project.name, project.version, f["path"], int(f["line"]), f["rule"]),
                f.get("severity", ""),
                f.get("message", ""),
                f.get("fix", ""),
            )
            for f in report.get("findings", [])
        )
        summary = report.get("summary", {})
        results[project.name] = ProjectResult(
            project,
            findings,
            tuple(report.get("errors", [])),
            int(summary.get("files", 0)),
            int(summary.get("lines", 0)),
            block.get("wall_seconds"),
            block.get("cpu_seconds"),
            block.get("status", "ok"),
        )
    return results


def counts_table(results: dict[str, ProjectResult]) -> tuple[list[str], list[list[str]]]:
    """Per-rule counts: tuned total, held-out total, then one column per project."""
    names = list(results)
    per_project = {name: Counter(f.key.rule for f in result.findings) for name, result in results.items()}
    rules = sorted({rule for counts in per_project.values() for rule in counts})
    header = ["rule", "tuned", "held_out", *names]
    rows = []
    for rule in rules:
        tuned = sum(per_project[n][rule] for n in names if not results[n].project.held_out)
        held = sum(per_project[n][rule] for n in names if results[n].project.held_out)
        rows.append([rule, str(tuned), str(held), *(str(per_project[n][rule]) for n in names)])
    totals = [sum(len(r.findings) for r in results.values() if not r.project.held_out),
              sum(len(r.findings) for r in results.values() if r.project.held_out)]  # fmt: skip
    rows.append(["total", *map(str, totals), *(str(len(results[n].findings)) for n in names)])
    return header, rows


def runs_table(results: dict[str, ProjectResult]) -> tuple[list[str], list[list[str]]]:
    header = ["project", "version", "set", "files", "lines", "findings", "errors", "wall_s", "cpu_s", "status"]
    rows = []
    for result in results.values():
        rows.append([
            result.project.name, result.project.version, "held-out" if result.project.held_out else "tuned",
            str(result.files), str(result.lines), str(len(result.findings)), _error_kinds(result.errors),
            _seconds(result.wall_seconds), _seconds(result.cpu_seconds), result.status,
        ])  # fmt: skip
    return header, rows


def _error_kinds(errors: Sequence[dict]) -> str:
    """`3 (syntax-error 2, too-large 1)`: the count of error entries, by kind."""
    kinds = Counter(str(error.get("kind", "?")) for error in errors)
    detail = ", ".join(f"{kind} {count}" for kind, count in sorted(kinds.items()))
    return f"{len(errors)} ({detail})" if errors else "0"


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def cmd_scan(args: argparse.Namespace) -> int:
    cache = cache_dir()
    all_projects = load_projects(args.projects_file)
    projects = choose(all_projects, args.projects)
    if args.jobs < 1 or args.timeout <= 0 or args.file_timeout <= 0:
        raise EcosystemError("--jobs, --timeout and --file-timeout must be positive")
    label = args.label or git_describe()
    folder = results_dir(cache, label)
    folder.mkdir(parents=True, exist_ok=True)
    reviewer = reviewer_executable(args.reviewer)
    registry = rule_registry(reviewer)
    settings = ScanSettings(reviewer, select_some(registry, args.rules) if args.rules else select_everything(registry),
                            args.jobs, args.timeout,
                            write_scan_config(folder, args.file_timeout))  # fmt: skip
    print(f"label {label}: {reviewer} scan --config {settings.config} --select {settings.select} "
          f"--jobs {args.jobs} -> {folder}", flush=True)  # fmt: skip
    for project in projects:
        block = scan_project(cache, project, settings, folder / f"{project.name}.json")
        print(f"  {project.name} {project.version}: {block['status']}, {block['wall_seconds']:.1f} s wall, "
              f"{block['cpu_seconds']:.1f} s CPU", flush=True)
    results = load_results(cache, label, all_projects)
    header, rows = counts_table(results)
    _write_atomic(folder / "counts.tsv", "\n".join("\t".join(r) for r in [header, *rows]) + "\n")
    run_header, run_rows = runs_table(results)
    _write_atomic(folder / "runs.tsv", "\n".join("\t".join(r) for r in [run_header, *run_rows]) + "\n")
    print()
    print(render_text([Table("Scans", run_header, run_rows), Table("Findings per rule", header, rows)]))
    print(f"written: {folder / 'counts.tsv'}, {folder / 'runs.tsv'}")
    return 0


# --------------------------------------------------------------------------------------------
# sample


def selector_matches(selectors: Sequence[str], rule: str) -> bool:
    return any(rule == s or rule.startswith(s) for s in selectors)


def parse_selectors(text: str) -> list[str]:
    selectors = [s.strip().upper() for s in text.split(",") if s.strip()]
    if not selectors:
        raise EcosystemError("--rules names no rule (codes or prefixes, comma-separated)")
    return selectors


def draw_sample(
    findings: Iterable[Finding], verdicts: dict[Key, Verdict], selectors: Sequence[str], per_rule: int, seed: int
) -> list[Finding]:
    """Up to per_rule unjudged findings of each selected rule, drawn at random with a seed per
    (seed, rule): the same inputs always give the same sample, and a rule's draw does not depend
    on which other rules were asked for."""
    pools: dict[str, dict[Key, Finding]] = defaultdict(dict)
    for finding in findings:
        if finding.key not in verdicts and selector_matches(selectors, finding.key.rule):
            pools[finding.key.rule].setdefault(finding.key, finding)
    chosen: list[Finding] = []
    for rule in sorted(pools):
        pool = [pools[rule][key] for key in sorted(pools[rule])]
        rng = random.Random(f"{seed}/{rule}")
        chosen.extend(sorted(rng.sample(pool, min(per_rule, len(pool))), key=lambda f: f.key))
    return chosen


def source_context(root: Path, finding: Finding, around: int = CONTEXT_LINES) -> str:
    path = root / finding.key.path
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError as error:
        return f"(source not readable: {error})"
    start = max(1, finding.key.line - around)
    end = min(len(lines), finding.key.line + around)
    width = len(str(end))
    return "\n".join(
        f"{'>>' if number == finding.key.line else '  '} {number:>{width}} | {lines[number - 1]}"
        for number in range(start, end + 1)
    )


def _one_line(text: str) -> str:
    return " ".join(text.split())


def write_review(findings: list[Finding], roots: dict[str, Path], out: Path, header_note: str) -> Path:
    """The review TSV (number, key, verdict and reason to fill in, then severity and message) and
    a companion .md with the source context of each finding, under the same number. Returns the
    .md path."""
    rows = ["\t".join(["n", *VERDICT_COLUMNS, "severity", "message"])]
    sections = [f"# Review sample\n\n{header_note}\n\nFill in `verdict` (true / false / debatable) and "
                f"`reason` in `{out.name}`, then run `python bench/ecosystem/check.py add-verdicts {out}`.\n"]  # fmt: skip
    for number, finding in enumerate(findings, 1):
        k = finding.key
        rows.append("\t".join([str(number), k.project, k.version, k.path, str(k.line), k.rule, "", "",
                               finding.severity, _one_line(finding.message)]))  # fmt: skip
        sections.append(
            f"## {number}. {k.rule} {k.project} `{k.path}:{k.line}`\n\n"
            f"- {finding.severity}: {finding.message}\n- fix: {finding.fix}\n- file: {roots[k.project] / k.path}\n\n"
            f"```\n{source_context(roots[k.project], finding)}\n```\n"
        )
    _write_atomic(out, "\n".join(rows) + "\n")
    markdown = out.with_suffix(".md")
    _write_atomic(markdown, "\n".join(sections))
    return markdown


def cmd_sample(args: argparse.Namespace) -> int:
    cache = cache_dir()
    projects = load_projects(args.projects_file)
    results = load_results(cache, args.label, projects)
    chosen_set = [r for r in results.values() if r.project.held_out == args.held_out]
    if args.held_out:
        print("warning: sampling held-out projects; do not tune rules on what you read", file=sys.stderr)
    verdicts = load_verdicts(args.verdicts_file)
    selectors = parse_selectors(args.rules)
    sample = draw_sample((f for r in chosen_set for f in r.findings), verdicts, selectors, args.per_rule, args.seed)
    if not sample:
        print(f"no unjudged findings of {','.join(selectors)} in label {args.label}")
        return 0
    roots = {r.project.name: source_root(cache, r.project) for r in chosen_set}
    note = (f"label `{args.label}`, rules `{','.join(selectors)}`, {args.per_rule} per rule, seed {args.seed}, "
            f"{'held-out' if args.held_out else 'tuned'} projects: {len(sample)} findings")  # fmt: skip
    markdown = write_review(sample, roots, Path(args.out), note)
    per_rule = Counter(f.key.rule for f in sample)
    print(f"{len(sample)} findings ({', '.join(f'{r} {n}' for r, n in sorted(per_rule.items()))})")
    print(f"written: {args.out} (fill in verdict and reason), {markdown} (source context)")
    return 0


# --------------------------------------------------------------------------------------------
# add-verdicts


def cmd_add_verdicts(args: argparse.Namespace) -> int:
    projects = load_projects(args.projects_file)
    new, skipped = parse_verdict_rows(Path(args.file), projects, skip_unfilled=True)
    existing = load_verdicts(args.verdicts_file)
    merged, notes = merge_verdicts(existing, new)
    if notes and not args.replace:
        # A judged finding keeps its verdict: a second reading that disagrees is a decision to
        # take on purpose (`--replace`), not a side effect of judging a sample again.
        for note in notes:
            print(f"{args.file}: {note}", file=sys.stderr)
        raise EcosystemError(
            f"{len(notes)} verdicts would replace a different existing one; nothing written. Drop those rows, "
            "or pass --replace to change the existing verdicts"
        )
    for note in notes:
        print(note)
    write_verdicts(merged.values(), args.verdicts_file)
    added = len(merged) - len(existing)
    print(f"{len(new)} verdicts read ({added} new, {len(notes)} replaced), {skipped} rows not filled in skipped; "
          f"{args.verdicts_file} has {len(merged)} verdicts")  # fmt: skip
    return 0


# --------------------------------------------------------------------------------------------
# report


@dataclass(frozen=True)
class Table:
    title: str
    header: list[str]
    rows: list[list[str]]
    notes: list[str] = field(default_factory=list)


def pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def render_text(tables: list[Table]) -> str:
    out: list[str] = []
    for table in tables:
        out.append(f"== {table.title} ==")
        widths = [max(len(str(c)) for c in column) for column in zip(table.header, *table.rows)]
        for row in [table.header, *table.rows]:
            out.append("  ".join(str(c).ljust(w) for c, w in zip(row, widths)).rstrip())
        out.extend(table.notes)
        out.append("")
    return "\n".join(out)


def render_markdown(tables: list[Table]) -> str:
    out: list[str] = []
    for table in tables:
        out.append(f"### {table.title}\n")
        out.append("| " + " | ".join(table.header) + " |")
        out.append("|" + "|".join("---" for _ in table.header) + "|")
        out.extend("| " + " | ".join(str(c).replace("|", "\\|") for c in row) + " |" for row in table.rows)
        if table.notes:
            out.append("")
            out.extend(table.notes)
        out.append("")
    return "\n".join(out)


@dataclass(frozen=True)
class Figures:
    """Everything the report shows, computed from results + verdicts + the registry."""

    rule_tuned: dict[str, Tally]
    rule_held: dict[str, Tally]
    defaults: dict[str, bool | None]  # None: not in the current registry
    projects: dict[str, dict]
    overall: dict[str, dict]
    critical_false: dict[str, int]


def _rule_tallies(results: Iterable[ProjectResult], verdicts: dict[Key, Verdict]) -> dict[str, Tally]:
    by_rule: dict[str, list[Finding]] = defaultdict(list)
    for result in results:
        for finding in result.findings:
            by_rule[finding.key.rule].append(finding)
    return {rule: tally(found, verdicts) for rule, found in sorted(by_rule.items())}


def _summary(
    findings: list[Finding], verdicts: dict[Key, Verdict], precision: dict[str, float | None], rules: set[str] | None
) -> dict:
    """Plain and finding-weighted precision of findings, restricted to `rules` when given."""
    kept = [f for f in findings if rules is None or f.key.rule in rules]
    plain = tally(kept, verdicts)
    w = weighted(Counter(f.key.rule for f in kept), precision)
    return {
        "findings": plain.findings, "judged": plain.judged, "true": plain.true, "false": plain.false,
        "debatable": plain.debatable, "precision": plain.precision, "strict": plain.strict,
        "weighted": w.value, "unjudged_rules": w.unjudged_rules, "unjudged_findings": w.unjudged_findings,
    }  # fmt: skip


def compute(results: dict[str, ProjectResult], verdicts: dict[Key, Verdict], registry: dict[str, dict]) -> Figures:
    tuned = [r for r in results.values() if not r.project.held_out]
    held = [r for r in results.values() if r.project.held_out]
    rule_tuned, rule_held = _rule_tallies(tuned, verdicts), _rule_tallies(held, verdicts)
    every_rule = set(rule_tuned) | set(rule_held) | set(registry)
    defaults = {rule: (bool(registry[rule].get("default", True)) if rule in registry else None) for rule in every_rule}
    default_rules = {rule for rule, on in defaults.items() if on}
    precision = {"tuned": {r: t.precision for r, t in rule_tuned.items()},
                 "held-out": {r: t.precision for r, t in rule_held.items()}}  # fmt: skip
    projects = {}
    for name, result in results.items():
        which = "held-out" if result.project.held_out else "tuned"
        projects[name] = {
            "set": f"held-out {result.project.cohort}" if result.project.held_out else which,
            "default": _summary(list(result.findings), verdicts, precision[which], default_rules),
            "all": _summary(list(result.findings), verdicts, precision[which], None),
        }
    overall = {}
    critical_false = {}
    sets = [("tuned", tuned, precision["tuned"]), ("held-out", held, precision["held-out"])]
    cohorts = sorted({r.project.cohort for r in held})
    if len(cohorts) > 1:  # each cohort apart too, weighted by its own per-rule precision
        for cohort in cohorts:
            members = [r for r in held if r.project.cohort == cohort]
            own = {rule: t.precision for rule, t in _rule_tallies(members, verdicts).items()}
            sets.append((f"held-out {cohort}", members, own))
    for which, members, rule_precision in sets:
        findings = [f for r in members for f in r.findings]
        overall[which] = {
            "projects": len(members),
            "default": _summary(findings, verdicts, rule_precision, default_rules),
            "all": _summary(findings, verdicts, rule_precision, None),
        }
        critical_false[which] = sum(
            1 for f in findings if f.severity == "critical" and getattr(verdicts.get(f.key), "verdict", "") == "false"
        )
    return Figures(rule_tuned, rule_held, defaults, projects, overall, critical_false)


def report_tables(figures: Figures) -> list[Table]:
    rule_rows = []
    for rule in sorted(set(figures.rule_tuned) | set(figures.rule_held)):
        t = figures.rule_tuned.get(rule, Tally())
        h = figures.rule_held.get(rule, Tally())
        on = figures.defaults.get(rule)
        current = "default" if on else ("opt-in" if on is False else "not registered")
        rule_rows.append([rule, current, str(t.findings), str(h.findings), str(t.judged), str(t.true), str(t.false),
                          str(t.debatable), pct(t.precision), pct(t.strict), field_status(t, rule),
                          str(h.judged), pct(h.precision)])  # fmt: skip
    rule_table = Table(
        "Rules (judged / true / false / debatable / precision / strict: tuned projects)",
        ["rule", "now", "tuned", "held_out", "judged", "true", "false", "debatable", "precision", "strict",
         "field says", "ho_judged", "ho_precision"],
        rule_rows,
        ["precision = (true + 0.5 debatable) / judged; strict = true / judged. 'field says': the default "
         f"contract gives from the tuned figures (precision >= {THRESHOLD} over >= {MIN_JUDGED} judged, "
         f"or all findings when fewer, and never fewer than {MIN_EVIDENCE} judged)."],
    )  # fmt: skip
    project_rows = []
    for name, figures_of in figures.projects.items():
        d, a = figures_of["default"], figures_of["all"]
        project_rows.append([name, figures_of["set"], str(a["findings"]), str(a["judged"]), str(d["findings"]),
                             pct(d["precision"]), pct(d["weighted"]), str(d["unjudged_rules"]),
                             pct(a["precision"]), pct(a["weighted"]), str(a["unjudged_rules"])])  # fmt: skip
    project_table = Table(
        "Projects",
        ["project", "set", "findings", "judged", "default_findings", "default_plain", "default_weighted",
         "default_unjudged_rules", "all_plain", "all_weighted", "all_unjudged_rules"],
        project_rows,
        ["plain: precision of the project's judged findings; weighted: sum over rules of findings x the rule's "
         "precision on the project's set (tuned or held-out) / those findings; rules with findings and no "
         "verdict are left out of the weighted figure and counted as unjudged."],
    )  # fmt: skip
    overall_rows = []
    for which, figures_of in figures.overall.items():
        for scope in ("default", "all"):
            s = figures_of[scope]
            overall_rows.append([which, scope, str(figures_of["projects"]), str(s["findings"]), str(s["judged"]),
                                 str(s["true"]), str(s["false"]), str(s["debatable"]), pct(s["precision"]),
                                 pct(s["strict"]), pct(s["weighted"]),
                                 f"{s['unjudged_rules']} ({s['unjudged_findings']} findings)"])  # fmt: skip
    overall_table = Table(
        "Overall",
        ["set", "rules", "projects", "findings", "judged", "true", "false", "debatable", "precision", "strict",
         "weighted", "unjudged rules"],
        overall_rows,
        [f"critical findings judged false: tuned {figures.critical_false.get('tuned', 0)}, "
         f"held-out {figures.critical_false.get('held-out', 0)}"],
    )  # fmt: skip
    return [rule_table, project_table, overall_table]


def figures_json(figures: Figures) -> dict:
    def tally_json(t: Tally) -> dict:
        return {"findings": t.findings, "judged": t.judged, "true": t.true, "false": t.false,
                "debatable": t.debatable, "precision": t.precision, "strict": t.strict}  # fmt: skip

    rules = {}
    for rule in sorted(set(figures.rule_tuned) | set(figures.rule_held)):
        t = figures.rule_tuned.get(rule, Tally())
        rules[rule] = {"default": figures.defaults.get(rule), "tuned": tally_json(t),
                       "held_out": tally_json(figures.rule_held.get(rule, Tally())), "field_says": field_status(t, rule)}  # fmt: skip
    return {"rules": rules, "projects": figures.projects, "overall": figures.overall,
            "critical_judged_false": figures.critical_false}  # fmt: skip


def precision_json(label: str, rule_tuned: dict[str, Tally]) -> dict:
    """reviewer/field_precision.json in the format reviewer/precision.py reads (tuned projects only)."""

    def rounded(value: float | None) -> float | None:
        return None if value is None else round(value, 4)

    return {
        "generated_by": GENERATED_BY,
        "results": label,
        "threshold": THRESHOLD,
        "rules": {
            rule: {"findings": t.findings, "judged": t.judged, "true": t.true, "false": t.false,
                   "debatable": t.debatable, "precision": rounded(t.precision), "strict": rounded(t.strict)}
            for rule, t in sorted(rule_tuned.items()) if t.findings
        },
    }  # fmt: skip


@dataclass(frozen=True)
class Comparison:
    appeared: list[tuple[Finding, Verdict]]
    disappeared: list[tuple[Finding, Verdict]]
    unjudged_appeared: int
    unjudged_disappeared: int
    only_in_one: list[str]


def compare(
    old: dict[str, ProjectResult], new: dict[str, ProjectResult], verdicts: dict[Key, Verdict]
) -> Comparison:
    """Findings (by key) that appeared or disappeared between two result sets, on the projects
    both have."""
    appeared: list[tuple[Finding, Verdict]] = []
    disappeared: list[tuple[Finding, Verdict]] = []
    unjudged_appeared = unjudged_disappeared = 0
    for name in sorted(set(old) & set(new)):
        old_keys = {f.key: f for f in old[name].findings}
        new_keys = {f.key: f for f in new[name].findings}
        for key in sorted(new_keys.keys() - old_keys.keys()):
            if key in verdicts:
                appeared.append((new_keys[key], verdicts[key]))
            else:
                unjudged_appeared += 1
        for key in sorted(old_keys.keys() - new_keys.keys()):
            if key in verdicts:
                disappeared.append((old_keys[key], verdicts[key]))
            else:
                unjudged_disappeared += 1
    only = sorted(set(old) ^ set(new))
    return Comparison(appeared, disappeared, unjudged_appeared, unjudged_disappeared, only)


def comparison_table(comparison: Comparison, old_label: str, new_label: str) -> Table:
    rows = [["appeared", f.key.project, f"{f.key.path}:{f.key.line}", f.key.rule, v.verdict, v.reason]
            for f, v in comparison.appeared]  # fmt: skip
    rows += [["disappeared", f.key.project, f"{f.key.path}:{f.key.line}", f.key.rule, v.verdict, v.reason]
             for f, v in comparison.disappeared]  # fmt: skip
    gone = Counter(v.verdict for _, v in comparison.disappeared)
    came = Counter(v.verdict for _, v in comparison.appeared)
    notes = [
        f"judged findings appeared: {sum(came.values())} ({_verdict_counts(came)}); "
        f"disappeared: {sum(gone.values())} ({_verdict_counts(gone)})",
        f"unjudged findings appeared: {comparison.unjudged_appeared}; disappeared: {comparison.unjudged_disappeared}",
    ]
    if comparison.only_in_one:
        notes.append(f"projects in only one of the two result sets (not compared): {', '.join(comparison.only_in_one)}")
    return Table(f"Compare {old_label} -> {new_label}", ["change", "project", "where", "rule", "verdict", "reason"],
                 rows, notes)  # fmt: skip


def _verdict_counts(counts: Counter[str]) -> str:
    return ", ".join(f"{v} {counts[v]}" for v in VERDICTS)


def cmd_report(args: argparse.Namespace) -> int:
    cache = cache_dir()
    projects = load_projects(args.projects_file)
    results = load_results(cache, args.label, projects)
    if not results:
        raise EcosystemError(f"label {args.label!r} has no result for the pinned project versions")
    verdicts = load_verdicts(args.verdicts_file)
    registry = rule_registry(reviewer_executable(args.reviewer))
    figures = compute(results, verdicts, registry)
    tables = report_tables(figures)
    data = figures_json(figures)
    pinned = {(p.name, p.version) for p in projects}
    stale = sum(1 for k in verdicts if (k.project, k.version) not in pinned)
    if stale:
        tables[-1].notes.append(f"{stale} verdicts are for versions no longer pinned (they match nothing)")
    missing = [p.name for p in projects if p.name not in results]
    if missing:
        tables[-1].notes.append(f"no result in this label for: {', '.join(missing)}")
    broken = [f"{r.project.name} ({r.status})" for r in results.values() if r.status != "ok"]
    if broken:
        tables[-1].notes.append(f"scans that did not finish (no findings counted): {'; '.join(broken)}")
    silent = sorted(code for code in registry if code not in figures.rule_tuned and code not in figures.rule_held)
    if silent:
        tables[0].notes.append(f"{len(silent)} registered rules with no finding on any project: {' '.join(silent)}")
    if args.compare:
        comparison = compare(load_results(cache, args.compare, projects), results, verdicts)
        tables.append(comparison_table(comparison, args.compare, args.label))
        data["compare"] = {
            "old": args.compare,
            "appeared": [[*_key_list(f.key), v.verdict, v.reason] for f, v in comparison.appeared],
            "disappeared": [[*_key_list(f.key), v.verdict, v.reason] for f, v in comparison.disappeared],
            "unjudged_appeared": comparison.unjudged_appeared,
            "unjudged_disappeared": comparison.unjudged_disappeared,
            "only_in_one": comparison.only_in_one,
        }
    if args.format == "json":
        print(json.dumps({"label": args.label, **data}, indent=1))
    elif args.format == "md":
        print(render_markdown(tables))
    else:
        print(render_text(tables))
    if args.write_precision:
        _write_atomic(args.precision_file, json.dumps(precision_json(args.label, figures.rule_tuned), indent=2) + "\n")
        print(f"written: {args.precision_file}", file=sys.stderr)
    return 0


def _key_list(key: Key) -> list:
    return [key.project, key.version, key.path, key.line, key.rule]


# --------------------------------------------------------------------------------------------
# Command line


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="check.py",
        description="Ecosystem check: pinned PyPI backends scanned by reviewer, judged findings, field precision. "
        f"Cache folder: $REVIEWER_ECOSYSTEM_DIR (now {cache_dir()}). See docs/ecosystem.md.",
    )
    parser.add_argument("--projects-file", type=Path, default=PROJECTS_FILE, help=argparse.SUPPRESS)
    parser.add_argument("--verdicts-file", type=Path, default=VERDICTS_FILE, help=argparse.SUPPRESS)
    sub = parser.add_subparsers(dest="command", required=True)

    fetch = sub.add_parser("fetch", help="download, verify and extract the pinned releases (cached)")
    fetch.add_argument("--projects", nargs="+", metavar="NAME", help="only these projects")
    fetch.add_argument("--index-url", default=INDEX_URL, help=f"PyPI simple index (default {INDEX_URL})")
    fetch.set_defaults(run=cmd_fetch)

    scan = sub.add_parser("scan", help="scan the fetched projects with every rule, opt-in ones included")
    scan.add_argument("--label", help="name of this result set (default: `git describe --always --dirty`)")
    scan.add_argument("--projects", nargs="+", metavar="NAME", help="only these projects")
    scan.add_argument("--jobs", type=int, default=2, help="reviewer --jobs (default 2)")
    scan.add_argument("--timeout", type=float, default=900, help="seconds per project before giving up (default 900)")
    scan.add_argument("--file-timeout", type=float, default=120,
                      help="reviewer's file-timeout, wall-clock seconds per file (default 120; reviewer's own is 20)")  # fmt: skip
    scan.add_argument("--reviewer", help="reviewer executable (default: the one beside this Python, else PATH)")
    scan.add_argument("--rules", help="only these rules (codes or prefixes, comma-separated; opt-in ones included): "
                                      "a quick scan while working on them, not a result set to report")  # fmt: skip
    scan.set_defaults(run=cmd_scan)

    sample = sub.add_parser("sample", help="draw a seeded sample of unjudged findings to judge")
    sample.add_argument("--label", required=True)
    sample.add_argument("--rules", required=True, help="codes or prefixes, comma-separated: SQL001,MIG")
    sample.add_argument("--per-rule", type=int, default=12, help="findings per rule (default 12)")
    sample.add_argument("--seed", type=int, default=1)
    which = sample.add_mutually_exclusive_group()
    which.add_argument("--tuned", dest="held_out", action="store_false", help="tuned projects (the default)")
    which.add_argument("--held-out", dest="held_out", action="store_true", help="held-out projects only")
    sample.add_argument("--out", required=True, help="review TSV to write; a .md with the source context goes beside it")
    sample.set_defaults(run=cmd_sample, held_out=False)

    add = sub.add_parser("add-verdicts", help="validate a filled review TSV and merge it into verdicts.tsv")
    add.add_argument("file")
    add.add_argument("--replace", action="store_true", help="let a row change a verdict already in verdicts.tsv")
    add.set_defaults(run=cmd_add_verdicts)

    report = sub.add_parser("report", help="precision per rule, per project and overall")
    report.add_argument("--label", required=True)
    report.add_argument("--compare", metavar="OLD_LABEL", help="list judged findings that appeared or disappeared")
    report.add_argument("--format", choices=["text", "md", "json"], default="text")
    report.add_argument("--write-precision", action="store_true", help=f"write {PRECISION_FILE.relative_to(REPO)}")
    report.add_argument("--precision-file", type=Path, default=PRECISION_FILE, help=argparse.SUPPRESS)
    report.add_argument("--reviewer", help="reviewer executable whose registry says default / opt-in")
    report.set_defaults(run=cmd_report)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except EcosystemError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
