"""Benchmark `reviewer scan` against bandit on the same files of one or more source trees.

    .venv/bin/python bench/bench.py [PATH ...] [--ecosystem NAME ...] [--rounds N] [--jobs N]
                                    [--diff-files N] [--no-bandit] [--json] [--save FILE]
                                    [--workdir DIR] [--reviewer-src DIR] [--keep]

PATH: a source tree; `--ecosystem NAME`: a tuned project of bench/ecosystem/projects.yml, as
`bench/ecosystem/check.py fetch --projects NAME` unpacked it (held-out projects are refused).
The three trees of docs/performance.md, of three shapes (a Django package, a FastAPI /
SQLAlchemy service, a raw-SQL codebase):

    .venv/bin/python bench/bench.py /tmp/django-5.2.8/django --ecosystem apache-airflow-core --ecosystem lnbits

For each PATH:

1. The same files for both tools: the Python files reviewer discovers in PATH (its
   .gitignore and excludes applied) are copied to a scratch folder (default
   /tmp/reviewer-bench/<name>; see --workdir), and nothing else, so `bandit -r COPY` reads
   exactly the files `reviewer scan COPY` checks (the script stops if the counts differ). The
   source tree is never touched; `.sql` files, which bandit does not read, are left out.
2. A second copy becomes a git repository for the `--diff` run: branch `bench-base` holds
   it, a warm scan of it is kept as the base's cache, and a second commit appends a small
   function to N files (--diff-files, default 10) spread over the tree.
3. Rounds (--rounds, default 3), each running, in this order, so that the tools alternate
   and a busy spell of the machine falls on both:
   reviewer cold (cache deleted, default jobs), bandit, reviewer cold `--jobs 1`, reviewer
   warm (the cache of the run before), reviewer `--diff bench-base` (the base's cache
   restored before the run, as a CI job restores it).
4. Start-up, once: `reviewer --version` and `reviewer rules` (10 runs each, after one
   unmeasured run of each), median wall and CPU.

Figures are medians over the rounds (wall and CPU), memory the largest seen. The measured
engine is compiled to bytecode first (`compile_engine`: with PYTHONDONTWRITEBYTECODE set, a
snapshot would otherwise be compiled by every run). Every run is the real command in a
subprocess (`<venv>/bin/reviewer scan COPY --format json --quiet`, or
`python -m reviewer` from a --reviewer-src snapshot); files, lines and findings come from its
JSON output.

- wall: elapsed time of the whole process (interpreter start, imports, discovery, analysis,
  report), what a user waits for;
- CPU: user + system seconds of the whole process tree (os.wait4 rusage), far less disturbed
  by other work on the machine than wall time; the 1-minute load average before each round
  is printed, with a warning when it exceeds the CPU count + 1;
- max RSS: the peak RSS of the largest single process of the tree (wait4);
- tree MiB: the peak of the sum over the process and its workers, sampled every 0.1 s from
  /proc (PSS when readable, so pages shared by forked workers count once). Linux only.

A summary table across the trees, with the ratios the issue's targets are written in (cold
over bandit in wall and CPU, warm and `--diff` over cold), ends the output. Not part of the
pytest suite: it takes minutes per tree.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

VENV_BIN = Path(sys.executable).parent
DEFAULT_WORKDIR = Path(tempfile.gettempdir()) / "reviewer-bench"
CACHE_DIR = ".reviewer_cache"


# --------------------------------------------------------------------------------------------
# Measuring one process tree


def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        # pid (comm) state ppid ...: comm may contain spaces and parentheses.
        fields = stat[stat.rfind(b")") + 2 :].split()
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    return children


def _memory_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as handle:
            for line in handle:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    try:
        with open(f"/proc/{pid}/statm", "rb") as handle:
            return int(handle.read().split()[1]) * (os.sysconf("SC_PAGE_SIZE") // 1024)
    except (OSError, ValueError, IndexError):
        return 0


class TreeSampler(threading.Thread):
    """Peak of the summed memory of a process and its descendants (Linux /proc)."""

    def __init__(self, pid: int, interval: float = 0.1) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.interval = interval
        self.peak_kib = 0
        self.available = os.path.isdir("/proc/self")
        self._halt = threading.Event()

    def run(self) -> None:
        if not self.available:
            return
        while not self._halt.is_set():
            children = _children_map()
            tree, todo = [], [self.pid]
            while todo:
                pid = todo.pop()
                tree.append(pid)
                todo.extend(children.get(pid, ()))
            self.peak_kib = max(self.peak_kib, sum(_memory_kib(pid) for pid in tree))
            self._halt.wait(self.interval)

    def stop(self) -> None:
        self._halt.set()
        self.join()


@dataclass
class Measured:
    wall: float
    cpu: float  # user + system seconds of the whole tree (wait4 rusage)
    max_rss_kib: int  # largest single process of the tree (wait4 rusage)
    tree_peak_kib: int | None  # sampled sum over the tree
    returncode: int
    stdout: str
    stderr: str


def run_measured(command: list[str], env: dict[str, str] | None = None, cwd: Path | None = None) -> Measured:
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=env, cwd=cwd)
        sampler = TreeSampler(process.pid)
        sampler.start()
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)  # so Popen does not wait again
        sampler.stop()
        out.seek(0)
        err.seek(0)
        return Measured(
            wall=wall,
            cpu=usage.ru_utime + usage.ru_stime,
            max_rss_kib=usage.ru_maxrss,  # KiB on Linux
            tree_peak_kib=sampler.peak_kib if sampler.available else None,
            returncode=process.returncode,
            stdout=out.read().decode("utf-8", "replace"),
            stderr=err.read().decode("utf-8", "replace"),
        )


# --------------------------------------------------------------------------------------------
# The runs

GIT_ENV = {"GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@localhost", "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@localhost"}
DIFF_BASE = "bench-base"


@dataclass(frozen=True)
class Sample:
    """One run of one command."""

    wall: float
    cpu: float
    max_rss_kib: int
    tree_peak_kib: int | None
    load_before: float | None
    report: dict = field(compare=False, repr=False)


@dataclass
class RunFigures:
    label: str
    command: str
    wall: float  # median over the rounds
    cpu: float  # median over the rounds
    walls: list[float]
    cpus: list[float]
    loads: list[float | None]
    max_rss_mib: float | None
    tree_peak_mib: float | None
    files: int
    lines: int
    findings: int
    errors: int
    error_kinds: dict[str, int] = field(default_factory=dict)


def _load() -> float | None:
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None


def _mib(kib: int | None) -> float | None:
    return None if kib is None else round(kib / 1024, 1)


def reviewer_command(source: Path | None) -> tuple[list[str], dict[str, str] | None, Path | None]:
    """(argv, env, cwd) of the installed `reviewer` script, or of `python -m reviewer` from a
    source snapshot (a folder holding reviewer/ and rules/, e.g. `git archive HEAD reviewer
    rules | tar -x -C DIR`). The snapshot runs with the snapshot as its working folder: `-m`
    puts the working folder first on sys.path, so run from a checkout it would silently import
    the checkout's reviewer/ instead."""
    if source is None:
        return [str(VENV_BIN / "reviewer")], None, None
    source = source.resolve()
    env = dict(os.environ)
    env["PYTHONPATH"] = str(source) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    command = [sys.executable, "-m", "reviewer"]
    probe = subprocess.run(
        [sys.executable, "-c", "import reviewer; print(reviewer.__file__)"],
        env=env, cwd=source, capture_output=True, text=True,
    )
    imported = Path(probe.stdout.strip() or "?").resolve()
    if source not in imported.parents:
        sys.exit(f"bench: --reviewer-src {source} is not what gets imported ({imported}; {probe.stderr.strip()[-500:]})")
    return command, env, source


@dataclass(frozen=True)
class Reviewer:
    """How to run reviewer on one tree: the command (installed or a snapshot) and its jobs."""

    source: Path | None
    jobs: int | None

    def command(self, tree: Path, jobs: int | None, extra: tuple[str, ...] = ()) -> tuple[list[str], dict[str, str], Path | None]:
        base, env, cwd = reviewer_command(self.source)
        # The cache is kept in the copy's own folder (which discovery skips by name), so that
        # a cold run can delete it.
        env = dict(env if env is not None else os.environ)
        env["REVIEWER_CACHE_DIR"] = str(tree / CACHE_DIR)
        command = [*base, "scan", str(tree), "--format", "json", "--quiet", *extra]
        if jobs is not None:
            command += ["--jobs", str(jobs)]
        return command, env, cwd

    def run(self, tree: Path, jobs: int | None, cold: bool, extra: tuple[str, ...] = (), reset: Callable[[], None] | None = None) -> Sample:
        command, env, cwd = self.command(tree, jobs, extra)
        if cold:
            shutil.rmtree(tree / CACHE_DIR, ignore_errors=True)
        if reset is not None:
            reset()
        load = _load()
        measured = run_measured(command, env, cwd)
        if measured.returncode not in (0, 1):
            sys.exit(f"bench: reviewer exited {measured.returncode}\n{measured.stderr[-4000:]}")
        report = json.loads(measured.stdout)
        if report["summary"]["files"] == 0:
            sys.exit(f"bench: reviewer found no files in {tree}; is --workdir inside a git repository that ignores it?")
        return Sample(measured.wall, measured.cpu, measured.max_rss_kib, measured.tree_peak_kib, load, report)


def compile_engine(source: Path | None) -> None:
    """Compile the measured engine (the package and its built-in rule pack) to bytecode before
    any run, as an installed tool has it (pip compiles a wheel's files): with
    PYTHONDONTWRITEBYTECODE set, a source snapshot or an editable install would otherwise be
    compiled from source by every run, and the start-up measured would be the compiler's."""
    command, env, cwd = reviewer_command(source)
    probe = "import os; from reviewer.config import builtin_pack, __file__ as f; print(os.path.dirname(f)); print(builtin_pack())"
    found = subprocess.run([sys.executable, "-c", probe], env=env, cwd=cwd, capture_output=True, text=True, check=True)
    folders = found.stdout.split("\n")[:2]
    subprocess.run([sys.executable, "-m", "compileall", "-q", *folders], env=env, cwd=cwd, capture_output=True, check=True)


def bandit_command(tree: Path) -> list[str]:
    return [str(VENV_BIN / "bandit"), "-r", str(tree), "-q", "-f", "json"]


def bandit_run(tree: Path) -> Sample:
    load = _load()
    measured = run_measured(bandit_command(tree))
    if measured.returncode not in (0, 1):
        sys.exit(f"bench: bandit exited {measured.returncode}\n{measured.stderr[-4000:]}")
    return Sample(measured.wall, measured.cpu, measured.max_rss_kib, measured.tree_peak_kib, load, json.loads(measured.stdout))


def figures(label: str, command: str, samples: list[Sample], bandit: bool = False) -> RunFigures:
    """Medians of the samples' times, the largest memory, counts from the last report."""
    report = samples[-1].report
    peaks = [sample.tree_peak_kib for sample in samples]
    if bandit:
        metrics = {name: value for name, value in report.get("metrics", {}).items() if name != "_totals"}
        files, lines = len(metrics), sum(int(value.get("loc", 0)) for value in metrics.values())
        findings, errors, kinds = len(report.get("results", [])), len(report.get("errors", [])), {}
    else:
        summary = report["summary"]
        files, lines, findings, errors = summary["files"], summary["lines"], summary["findings"], len(report["errors"])
        kinds: dict[str, int] = {}
        for error in report["errors"]:
            kinds[error["kind"]] = kinds.get(error["kind"], 0) + 1
    return RunFigures(
        label=label,
        command=command,
        wall=round(statistics.median(sample.wall for sample in samples), 3),
        cpu=round(statistics.median(sample.cpu for sample in samples), 2),
        walls=[round(sample.wall, 2) for sample in samples],
        cpus=[round(sample.cpu, 2) for sample in samples],
        loads=[sample.load_before for sample in samples],
        max_rss_mib=_mib(max(sample.max_rss_kib for sample in samples)),
        tree_peak_mib=_mib(max(peaks)) if None not in peaks else None,
        files=files,
        lines=lines,  # bandit's: its own count of code lines (no blanks or comments)
        findings=findings,
        errors=errors,
        error_kinds=dict(sorted(kinds.items())),
    )


def _git(tree: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=tree, env={**os.environ, **GIT_ENV}, check=True, capture_output=True)


def change_files(tree: Path, count: int) -> list[Path]:
    """`count` Python files spread over the tree (every len/count-th in path order), each with a
    small function appended: the change a pull request makes."""
    python = sorted(path for path in tree.rglob("*.py") if ".git" not in path.parts and CACHE_DIR not in path.parts)
    step = max(1, len(python) // count)
    chosen = python[::step][:count]
    for path in chosen:
        with path.open("a", encoding="utf-8") as handle:
            handle.write("\n\ndef _bench_change(value):\n    return value\n")
    return chosen


# reviewer.cache.SETTLED_NS, with a margin (the benchmark may run another engine's snapshot).
SETTLED_S = 3.5


def prepare_diff(tree: Path, reviewer: Reviewer, count: int) -> Callable[[], None]:
    """Turn `tree` into a repository whose branch DIFF_BASE holds it and whose checked-out
    branch changes `count` files; keep the base's cache (a cold then warm scan of the base).
    Returns what restores that cache before a run."""
    _git(tree, "init", "-q", "-b", DIFF_BASE)
    _git(tree, "add", "-A", "--", ".", f":!{CACHE_DIR}")
    _git(tree, "commit", "-q", "-m", "base")
    # A CI job scans a checkout made before its set-up steps; the copy here was just made. A
    # file changed less than 3 s before a scan has its state not kept (reviewer.cache.SETTLED_NS),
    # and then neither what its index entry holds: the `--diff` run would read every such entry.
    time.sleep(SETTLED_S)
    reviewer.run(tree, reviewer.jobs, cold=True)
    reviewer.run(tree, reviewer.jobs, cold=False)
    base_cache = tree.parent / f"{tree.name}-base-cache"
    shutil.rmtree(base_cache, ignore_errors=True)
    shutil.copytree(tree / CACHE_DIR, base_cache)
    _git(tree, "checkout", "-q", "-b", "bench-change")
    change_files(tree, count)
    _git(tree, "commit", "-q", "-a", "-m", "change")

    def restore() -> None:
        shutil.rmtree(tree / CACHE_DIR, ignore_errors=True)
        shutil.copytree(base_cache, tree / CACHE_DIR)

    return restore


def startup_run(source: Path | None, arguments: tuple[str, ...], repeat: int = 10) -> dict[str, object]:
    """Median wall and CPU seconds of `reviewer ARGUMENTS` over `repeat` runs, after one
    unmeasured run (which fills `reviewer rules`' table cache, as any earlier use does)."""
    base, env, cwd = reviewer_command(source)
    run_measured([*base, *arguments], env, cwd)
    walls, cpus = [], []
    load = _load()
    for _ in range(repeat):
        measured = run_measured([*base, *arguments], env, cwd)
        if measured.returncode != 0:
            sys.exit(f"bench: reviewer {' '.join(arguments)} exited {measured.returncode}\n{measured.stderr[-2000:]}")
        walls.append(measured.wall)
        cpus.append(measured.cpu)
    return {"command": " ".join(["reviewer", *arguments]), "median_wall": round(statistics.median(walls), 3),
            "min_wall": round(min(walls), 3), "median_cpu": round(statistics.median(cpus), 3), "load_before": load, "runs": repeat}


# --------------------------------------------------------------------------------------------


def machine(source: Path | None) -> dict[str, object]:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    versions = {}
    for package in ("reviewer", "libcst", "sqlglot", "bandit"):
        try:
            from importlib.metadata import version

            versions[package] = version(package)
        except Exception:  # noqa: BLE001
            versions[package] = "?"
    return {
        "reviewer_commit": _commit() if source is None else f"source snapshot {source}",
        "cpus": os.cpu_count(),
        "usable_cpus": affinity,
        "cpu_model": model,
        "python": platform.python_version(),
        "platform": platform.platform(),
        **versions,
    }


def _commit() -> str:
    """HEAD of the reviewer checkout, "+dirty" when reviewer/ or rules/ have local edits
    (read-only git commands; "?" outside a checkout)."""
    repo = Path(__file__).resolve().parent.parent
    try:
        head = subprocess.run(["git", "-C", str(repo), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(repo), "status", "--porcelain", "--", "reviewer", "rules"], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"
    return head + ("+dirty" if dirty else "")


def copy_python_files(source: Path, target: Path) -> int:
    """Copy the Python files reviewer discovers in `source` (and nothing else) to `target`;
    returns how many."""
    from reviewer.discovery import discover

    root = source.resolve()
    if target.exists():
        shutil.rmtree(target)
    count = 0
    for found in discover(root, [root], (), True):
        if not found.kind.is_python:
            continue
        destination = target / found.rel
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(found.path, destination)
        count += 1
    return count


def _fmt_mib(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}"


def _format(rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for index, row in enumerate(rows):
        lines.append("  ".join(cell.ljust(widths[0]) if i == 0 else cell.rjust(widths[i]) for i, cell in enumerate(row)))
        if index == 0:
            lines.append("  ".join("-" * width for width in widths))
    return "\n".join(lines)


def table(runs: list[RunFigures]) -> str:
    rows = [("run", "files", "lines", "wall s", "CPU s", "walls", "max RSS MiB", "tree MiB", "findings", "errors", "loads")]
    for run in runs:
        rows.append(
            (
                run.label, f"{run.files:,}", f"{run.lines:,}", f"{run.wall:.2f}", f"{run.cpu:.1f}",
                " ".join(f"{wall:.1f}" for wall in run.walls), _fmt_mib(run.max_rss_mib), _fmt_mib(run.tree_peak_mib),
                f"{run.findings:,}", f"{run.errors:,}", " ".join("-" if load is None else f"{load:.1f}" for load in run.loads),
            )
        )
    return _format(rows)


def ratios_of(runs: dict[str, RunFigures]) -> dict[str, float | None]:
    cold, warm = runs["cold"], runs["warm"]
    ratios: dict[str, float | None] = {"warm_over_cold": round(warm.wall / cold.wall, 3), "cpu_warm_over_cold": round(warm.cpu / cold.cpu, 3)}
    if "diff" in runs:
        ratios["diff_over_cold"] = round(runs["diff"].wall / cold.wall, 3)
        ratios["cpu_diff_over_cold"] = round(runs["diff"].cpu / cold.cpu, 3)
    if "bandit" in runs:
        bandit = runs["bandit"]
        ratios["cold_over_bandit"] = round(cold.wall / bandit.wall, 2)
        ratios["cpu_cold_over_bandit"] = round(cold.cpu / bandit.cpu, 2) if bandit.cpu else None
        ratios["jobs1_over_bandit"] = round(runs["jobs1"].wall / bandit.wall, 2)
        ratios["cpu_jobs1_over_bandit"] = round(runs["jobs1"].cpu / bandit.cpu, 2) if bandit.cpu else None
    return ratios


def bench_tree(path: Path, args: argparse.Namespace) -> dict[str, object]:
    reviewer = Reviewer(args.reviewer_src, args.jobs)
    workdir = args.workdir.resolve()
    tree = workdir / path.resolve().name
    copied = copy_python_files(path, tree)
    difftree = workdir / f"{tree.name}-diff"
    restore = None
    if args.diff_files > 0:
        copy_python_files(path, difftree)
        restore = prepare_diff(difftree, reviewer, args.diff_files)
    jobs_label = f"jobs={args.jobs}" if args.jobs is not None else f"jobs=default({os.cpu_count()})"
    labels = {
        "cold": f"reviewer cold {jobs_label}",
        "bandit": "bandit -r",
        "jobs1": "reviewer cold jobs=1",
        "warm": f"reviewer warm {jobs_label}",
        "diff": f"reviewer --diff, {args.diff_files} files changed, base cache",
    }
    samples: dict[str, list[Sample]] = {key: [] for key in labels}
    try:
        for _ in range(args.rounds):
            samples["cold"].append(reviewer.run(tree, args.jobs, cold=True))
            if not args.no_bandit:
                samples["bandit"].append(bandit_run(tree))
            samples["jobs1"].append(reviewer.run(tree, 1, cold=True))
            samples["warm"].append(reviewer.run(tree, args.jobs, cold=False))
            if restore is not None:
                samples["diff"].append(reviewer.run(difftree, args.jobs, cold=False, extra=("--diff", DIFF_BASE), reset=restore))
    finally:
        if not args.keep:
            for folder in (tree, difftree, workdir / f"{difftree.name}-base-cache"):
                shutil.rmtree(folder, ignore_errors=True)
    commands = {
        "cold": " ".join(reviewer.command(tree, args.jobs)[0]),
        "bandit": " ".join(bandit_command(tree)),
        "jobs1": " ".join(reviewer.command(tree, 1)[0]),
        "warm": " ".join(reviewer.command(tree, args.jobs)[0]),
        "diff": " ".join(reviewer.command(difftree, args.jobs, ("--diff", DIFF_BASE))[0]),
    }
    runs = {key: figures(labels[key], commands[key], found, bandit=key == "bandit") for key, found in samples.items() if found}
    if "bandit" in runs and runs["bandit"].files != runs["cold"].files:
        sys.exit(f"bench: bandit read {runs['bandit'].files} files of {path}, reviewer {runs['cold'].files}: not the same file set")
    return {"path": str(path), "python_files": copied, "runs": {key: asdict(run) for key, run in runs.items()},
            "ratios": ratios_of(runs), "_figures": runs}


def summary(results: list[dict[str, object]]) -> str:
    rows = [("tree", "files", "cold wall / bandit", "cold CPU / bandit", "jobs=1 CPU / bandit", "warm / cold", "--diff / cold",
             "cold CPU s", "bandit CPU s", "peak MiB (tree)")]
    for result in results:
        runs, ratios = result["_figures"], result["ratios"]

        def ratio(name: str, digits: int = 2) -> str:
            value = ratios.get(name)
            return "-" if value is None else f"{value:.{digits}f}x"

        rows.append(
            (
                Path(str(result["path"])).name, f"{runs['cold'].files:,}", ratio("cold_over_bandit"), ratio("cpu_cold_over_bandit"),
                ratio("cpu_jobs1_over_bandit"), ratio("warm_over_cold", 3), ratio("diff_over_cold", 3), f"{runs['cold'].cpu:.1f}",
                f"{runs['bandit'].cpu:.1f}" if "bandit" in runs else "-",
                _fmt_mib(max((run.tree_peak_mib or 0) for key, run in runs.items() if key != "bandit")),
            )
        )
    return _format(rows)


def ecosystem_tree(name: str) -> Path:
    """The unpacked source of the tuned ecosystem project `name` (its one `scan` folder when it
    names one). Held-out projects are never benchmarked: nobody reads or scans them."""
    sys.path.insert(0, str(Path(__file__).resolve().parent / "ecosystem"))
    try:
        import check  # bench/ecosystem/check.py
    finally:
        sys.path.pop(0)
    projects = {project.name: project for project in check.load_projects()}
    project = projects.get(name)
    if project is None:
        sys.exit(f"bench: {name} is not in bench/ecosystem/projects.yml")
    if project.held_out:
        sys.exit(f"bench: {name} is held out: it is never read, scanned or benchmarked")
    root = check.source_root(check.cache_dir(), project)
    if not root.is_dir():
        sys.exit(f"bench: {root} is missing; run: .venv/bin/python bench/ecosystem/check.py fetch --projects {name}")
    if len(project.scan) > 1:
        sys.exit(f"bench: {name} is scanned as {len(project.scan)} folders; name one of them as a PATH")
    return root / project.scan[0] if project.scan else root


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", type=Path, nargs="*", metavar="PATH", help="source trees to scan (never modified: copies are scanned)")
    parser.add_argument("--ecosystem", action="append", default=[], metavar="NAME",
                        help="also a tuned ecosystem project, as `check.py fetch` unpacked it (repeatable)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of alternating runs; figures are medians over them (default 3)")
    parser.add_argument("--jobs", type=int, default=None, help="--jobs for the default-jobs runs (default: reviewer's own, one per core)")
    parser.add_argument("--no-bandit", action="store_true", help="skip the bandit runs")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON instead of tables")
    parser.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR, help=f"where the copies go (default {DEFAULT_WORKDIR})")
    parser.add_argument(
        "--reviewer-src",
        type=Path,
        help="run `python -m reviewer` from this source snapshot (a folder with reviewer/ and rules/) instead of the installed one",
    )
    parser.add_argument("--diff-files", type=int, default=10, help="files the `--diff` run changes (0: no --diff run; needs git)")
    parser.add_argument("--save", type=Path, help="also write the JSON figures to FILE")
    parser.add_argument("--keep", action="store_true", help="keep the copies (and their caches) afterwards")
    args = parser.parse_args(argv)
    args.paths = [*args.paths, *(ecosystem_tree(name) for name in args.ecosystem)]
    if not args.paths:
        parser.error("name at least one PATH or --ecosystem NAME")
    for path in args.paths:
        if not path.is_dir():
            parser.error(f"{path} is not a directory")
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")

    info = machine(args.reviewer_src)
    compile_engine(args.reviewer_src)
    if not args.json:
        print(
            f"reviewer {info['reviewer_commit']}; machine: {info['cpus']} CPUs ({info['cpu_model']}), Python {info['python']}; "
            f"reviewer {info['reviewer']}, libcst {info['libcst']}, sqlglot {info['sqlglot']}, bandit {info['bandit']}; "
            f"{args.rounds} round(s), medians"
        )
    results = []
    for path in args.paths:
        result = bench_tree(path, args)
        results.append(result)
        if not args.json:
            print()
            print(f"{path}: {result['python_files']:,} Python files (the same copy for both tools)")
            print(table(list(result["_figures"].values())))
            sys.stdout.flush()
    startup = [startup_run(args.reviewer_src, arguments) for arguments in (("--version",), ("rules",))]
    report = {
        "machine": info,
        "rounds": args.rounds,
        "trees": [{key: value for key, value in result.items() if key != "_figures"} for result in results],
        "startup": startup,
    }
    if args.save:
        args.save.parent.mkdir(parents=True, exist_ok=True)
        args.save.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print()
    print(summary(results))
    print()
    for figures_ in startup:
        print(f"{figures_['command']}: median wall {figures_['median_wall']:.3f} s (min {figures_['min_wall']:.3f}), median CPU {figures_['median_cpu']:.3f} s over {figures_['runs']} runs, load {figures_['load_before']}")
    print("wall = elapsed time of the whole command; CPU = user+system seconds of the process tree; medians over the rounds")
    print("max RSS = largest single process (wait4); tree = summed PSS of process + workers, sampled at 10 Hz")
    print("bandit lines = its own count of code lines (no blanks or comments); reviewer lines = all lines")
    print("loads = 1-minute load average before each round's run (it still counts the run before)")
    loads = [load for result in results for run in result["_figures"].values() for load in run.loads if load is not None]
    if loads and max(loads) > (os.cpu_count() or 1) + 1:
        print(f"WARNING: load average reached {max(loads):.1f} on {os.cpu_count()} CPUs: the machine was busy, wall times are unreliable")
    return 0


if __name__ == "__main__":
    sys.exit(main())
