"""Benchmark `reviewer scan` against bandit on a source tree.

    .venv/bin/python bench/bench.py PATH [--jobs N] [--no-bandit] [--json] [--repeat N]
                                         [--workdir DIR] [--save FILE] [--keep]
                                         [--reviewer-src DIR] [--diff-files N]

What it does, in order:

1. Copies PATH to a scratch folder (default /tmp/reviewer-bench/<name>; see --workdir) so the
   source tree is never touched and the `.reviewer_cache/` the scan writes lands in the copy.
   The copy is *always* made, writable source or not, so every figure comes from the same
   kind of tree. The scratch folder must not sit inside a git repository whose .gitignore
   ignores it (reviewer honours .gitignore files up to the repository root: a copy under this
   repo's bench/_work/, which is gitignored, would scan 0 files); the script stops if the
   scan sees no files.
2. reviewer, COLD, default jobs: `.reviewer_cache/` deleted first.
3. reviewer, WARM, default jobs: the same command again, reading the cache from step 2.
4. reviewer, COLD, `--jobs 1` (cache deleted first).
5. bandit `-r COPY -q -f json` on the same copy (skipped with --no-bandit).
6. reviewer `--diff` (skipped with --diff-files 0): the copy becomes a git repository whose
   branch `bench-base` holds it, the cache of step 4 is kept as the base's cache, a second
   commit appends a small function to N files (default 10) spread over the tree, and
   `scan COPY --diff bench-base` runs with the base's cache restored before each run, as a
   CI job restores it.
7. Start-up: `reviewer --version` and `reviewer rules`, 10 runs each, median wall and CPU.

Every reviewer run is the real CLI in a subprocess:
`<venv>/bin/reviewer scan COPY --format json --quiet [--jobs N]`; the figures (files, lines,
findings, errors) come from its JSON output. Wall time is measured around the whole process
(interpreter start, imports, discovery, analysis, report), i.e. what a user waits for.

Memory, two figures per run:
- max RSS: `os.wait4` rusage of the process tree, which Linux reports as the peak RSS of the
  single largest process in it (the main process or one worker), not a sum;
- tree peak: the sum over the process and all its descendants, sampled every 0.1 s from
  /proc (PSS from smaps_rollup when readable, so pages shared by forked workers are counted
  once; RSS otherwise). Linux only; "-" elsewhere. Short peaks between samples can be missed.

Time, two figures per run: wall (elapsed, what a user waits for) and CPU (user + system
seconds of the whole process tree, from the same wait4 rusage). CPU time is far less disturbed
by other work on the machine; the 1-minute load average before each run is printed, with a
warning when it exceeds the CPU count + 1 (the average still counts the previous run).

With --repeat N every run is repeated N times and the best (lowest) wall and CPU times are
reported, the usual choice on a noisy machine (memory: the maximum seen). Not part of the
pytest suite: it lives outside tests/ and takes minutes on a large tree.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
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


@dataclass
class RunFigures:
    label: str
    command: str
    wall: float
    walls: list[float]
    cpu: float
    load_before: float | None
    max_rss_mib: float
    tree_peak_mib: float | None
    files: int
    lines: int
    findings: int
    errors: int
    lines_per_s: float
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


def reviewer_run(
    label: str, tree: Path, jobs: int | None, cold: bool, repeat: int, source: Path | None = None,
    extra: tuple[str, ...] = (), reset: "Callable[[], None] | None" = None,
) -> RunFigures:
    base, env, cwd = reviewer_command(source)
    # The cache lives outside the scanned tree by default; here it is kept in the copy's own
    # folder (which discovery skips by name), so that a cold run can delete it, for older
    # snapshots (which write it there) and newer ones alike.
    env = dict(env if env is not None else os.environ)
    env["REVIEWER_CACHE_DIR"] = str(tree / CACHE_DIR)
    command = [*base, "scan", str(tree), "--format", "json", "--quiet", *extra]
    if jobs is not None:
        command += ["--jobs", str(jobs)]
    walls, cpus, rss, peaks, data = [], [], [], [], {}
    load = _load()
    for _ in range(repeat):
        if cold:
            shutil.rmtree(tree / CACHE_DIR, ignore_errors=True)
        if reset is not None:
            reset()
        measured = run_measured(command, env, cwd)
        if measured.returncode not in (0, 1):
            sys.exit(f"bench: reviewer exited {measured.returncode}\n{measured.stderr[-4000:]}")
        data = json.loads(measured.stdout)
        walls.append(measured.wall)
        cpus.append(measured.cpu)
        rss.append(measured.max_rss_kib)
        peaks.append(measured.tree_peak_kib)
    summary = data["summary"]
    if summary["files"] == 0:
        sys.exit(
            f"bench: reviewer found no files in {tree}; is the work folder inside a git repository "
            "that ignores it? Use --workdir outside it (the default is under the temp folder)."
        )
    kinds: dict[str, int] = {}
    for error in data["errors"]:
        kinds[error["kind"]] = kinds.get(error["kind"], 0) + 1
    wall = min(walls)
    return RunFigures(
        label=label,
        command=(f"cd {cwd} && PYTHONPATH={cwd} " if cwd else "") + " ".join(command),
        wall=round(wall, 3),
        walls=[round(w, 3) for w in walls],
        cpu=round(min(cpus), 2),
        load_before=load,
        max_rss_mib=_mib(max(rss)),
        tree_peak_mib=_mib(max(peaks)) if None not in peaks else None,
        files=summary["files"],
        lines=summary["lines"],
        findings=summary["findings"],
        errors=len(data["errors"]),
        lines_per_s=round(summary["lines"] / wall) if wall else 0.0,
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


def diff_run(tree: Path, jobs: int | None, repeat: int, source: Path | None, count: int) -> RunFigures:
    """`scan --diff` of a change of `count` files, with the base's cache restored before each
    run as a CI job restores it: the tree becomes a git repository whose branch DIFF_BASE holds
    the scanned tree (its cache is the one the runs before left), and a second commit changes
    `count` files."""
    _git(tree, "init", "-q", "-b", DIFF_BASE)
    _git(tree, "add", "-A", "--", ".", f":!{CACHE_DIR}")
    _git(tree, "commit", "-q", "-m", "base")
    base_cache = tree.parent / f"{tree.name}-base-cache"
    shutil.rmtree(base_cache, ignore_errors=True)
    # The base's cache: a warm scan of the committed tree.
    reviewer_run("base", tree, jobs, cold=False, repeat=1, source=source)
    shutil.copytree(tree / CACHE_DIR, base_cache)
    _git(tree, "checkout", "-q", "-b", "bench-change")
    change_files(tree, count)
    _git(tree, "commit", "-q", "-a", "-m", "change")

    def restore() -> None:
        shutil.rmtree(tree / CACHE_DIR, ignore_errors=True)
        shutil.copytree(base_cache, tree / CACHE_DIR)

    try:
        label = f"reviewer --diff, {count} files changed, base cache"
        return reviewer_run(label, tree, jobs, cold=False, repeat=repeat, source=source, extra=("--diff", DIFF_BASE), reset=restore)
    finally:
        shutil.rmtree(base_cache, ignore_errors=True)


def startup_run(source: Path | None, arguments: tuple[str, ...], repeat: int = 10) -> dict[str, object]:
    """Median wall and CPU seconds of `reviewer ARGUMENTS` over `repeat` runs (start-up)."""
    base, env, cwd = reviewer_command(source)
    walls, cpus = [], []
    load = _load()
    for _ in range(repeat):
        measured = run_measured([*base, *arguments], env, cwd)
        if measured.returncode != 0:
            sys.exit(f"bench: reviewer {' '.join(arguments)} exited {measured.returncode}\n{measured.stderr[-2000:]}")
        walls.append(measured.wall)
        cpus.append(measured.cpu)
    walls.sort()
    cpus.sort()
    return {"command": " ".join(["reviewer", *arguments]), "median_wall": round(walls[len(walls) // 2], 3),
            "min_wall": round(walls[0], 3), "median_cpu": round(cpus[len(cpus) // 2], 3), "load_before": load, "runs": repeat}


def bandit_run(tree: Path, repeat: int) -> RunFigures:
    command = [str(VENV_BIN / "bandit"), "-r", str(tree), "-q", "-f", "json"]
    walls, cpus, rss, peaks, data = [], [], [], [], {}
    load = _load()
    for _ in range(repeat):
        measured = run_measured(command)
        if measured.returncode not in (0, 1):
            sys.exit(f"bench: bandit exited {measured.returncode}\n{measured.stderr[-4000:]}")
        data = json.loads(measured.stdout)
        walls.append(measured.wall)
        cpus.append(measured.cpu)
        rss.append(measured.max_rss_kib)
        peaks.append(measured.tree_peak_kib)
    metrics = {name: value for name, value in data.get("metrics", {}).items() if name != "_totals"}
    lines = sum(int(value.get("loc", 0)) for value in metrics.values())
    wall = min(walls)
    return RunFigures(
        label="bandit",
        command=" ".join(command),
        wall=round(wall, 3),
        walls=[round(w, 3) for w in walls],
        cpu=round(min(cpus), 2),
        load_before=load,
        max_rss_mib=_mib(max(rss)),
        tree_peak_mib=_mib(max(peaks)) if None not in peaks else None,
        files=len(metrics),
        lines=lines,  # bandit's own count: non-blank, non-comment lines
        findings=len(data.get("results", [])),
        errors=len(data.get("errors", [])),
        lines_per_s=round(lines / wall) if wall else 0.0,
    )


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


def copy_tree(source: Path, workdir: Path) -> Path:
    target = workdir.resolve() / source.resolve().name
    if target.exists():
        shutil.rmtree(target)
    workdir.mkdir(parents=True, exist_ok=True)
    shutil.copytree(source, target, symlinks=True, ignore=shutil.ignore_patterns(CACHE_DIR))
    return target


def _fmt_mib(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}"


def table(runs: list[RunFigures], bandit: RunFigures | None) -> str:
    header = ("run", "files", "lines", "wall s", "CPU s", "lines/s", "max RSS MiB", "tree MiB", "findings", "errors", "load")
    rows = [header]
    for run in [*runs, *([bandit] if bandit else [])]:
        rows.append(
            (
                run.label,
                f"{run.files:,}",
                f"{run.lines:,}",
                f"{run.wall:.2f}",
                f"{run.cpu:.1f}",
                f"{run.lines_per_s:,.0f}",
                _fmt_mib(run.max_rss_mib),
                _fmt_mib(run.tree_peak_mib),
                f"{run.findings:,}",
                f"{run.errors:,}",
                "-" if run.load_before is None else f"{run.load_before:.1f}",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = []
    for index, row in enumerate(rows):
        cells = [cell.ljust(widths[0]) if i == 0 else cell.rjust(widths[i]) for i, cell in enumerate(row)]
        lines.append("  ".join(cells))
        if index == 0:
            lines.append("  ".join("-" * width for width in widths))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("path", type=Path, help="source tree to scan (never modified: a copy is scanned)")
    parser.add_argument("--jobs", type=int, default=None, help="--jobs for the default-jobs runs (default: reviewer's own, one per core)")
    parser.add_argument("--no-bandit", action="store_true", help="skip the bandit comparison")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON instead of a table")
    parser.add_argument("--repeat", type=int, default=1, help="repeat each run N times, report the best (lowest) wall and CPU time")
    parser.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR, help=f"where the copy goes (default {DEFAULT_WORKDIR})")
    parser.add_argument(
        "--reviewer-src",
        type=Path,
        help="run `python -m reviewer` from this source snapshot (a folder with reviewer/ and rules/) instead of the installed one",
    )
    parser.add_argument("--diff-files", type=int, default=10, help="files the `--diff` run changes (0: no --diff run; needs git)")
    parser.add_argument("--save", type=Path, help="also write the JSON figures to FILE")
    parser.add_argument("--keep", action="store_true", help="keep the copy (and its cache) afterwards")
    args = parser.parse_args(argv)
    if not args.path.is_dir():
        parser.error(f"{args.path} is not a directory")

    tree = copy_tree(args.path, args.workdir)
    try:
        jobs_label = f"jobs={args.jobs}" if args.jobs is not None else f"jobs=default({os.cpu_count()})"
        src = args.reviewer_src
        cold = reviewer_run(f"reviewer cold {jobs_label}", tree, args.jobs, cold=True, repeat=args.repeat, source=src)
        warm = reviewer_run(f"reviewer warm {jobs_label}", tree, args.jobs, cold=False, repeat=args.repeat, source=src)
        serial = reviewer_run("reviewer cold jobs=1", tree, 1, cold=True, repeat=args.repeat, source=src)
        bandit = None if args.no_bandit else bandit_run(tree, args.repeat)
        diff = diff_run(tree, args.jobs, args.repeat, src, args.diff_files) if args.diff_files > 0 else None
        startup = [startup_run(src, arguments) for arguments in (("--version",), ("rules",))]
    finally:
        if not args.keep:
            shutil.rmtree(tree, ignore_errors=True)

    ratios: dict[str, float] = {"cold_jobs1_over_cold_default": round(serial.wall / cold.wall, 2)}
    if diff is not None:
        ratios["diff_over_cold"] = round(diff.wall / cold.wall, 3)
        ratios["cpu_diff_over_cold"] = round(diff.cpu / cold.cpu, 3) if cold.cpu else None
    ratios["warm_over_cold"] = round(warm.wall / cold.wall, 3)
    if bandit is not None:
        ratios.update(
            {
                "cold_over_bandit": round(cold.wall / bandit.wall, 2),
                "warm_over_bandit": round(warm.wall / bandit.wall, 2),
                "cold_jobs1_over_bandit": round(serial.wall / bandit.wall, 2),
                "cpu_cold_over_bandit": round(cold.cpu / bandit.cpu, 2) if bandit.cpu else None,
                "cpu_cold_jobs1_over_bandit": round(serial.cpu / bandit.cpu, 2) if bandit.cpu else None,
                "cpu_warm_over_bandit": round(warm.cpu / bandit.cpu, 2) if bandit.cpu else None,
            }
        )
    report = {
        "path": str(args.path),
        "scanned_copy": str(tree),
        "repeat": args.repeat,
        "machine": machine(args.reviewer_src),
        "runs": [asdict(run) for run in (cold, warm, serial, *([diff] if diff else []))],
        "startup": startup,
        "bandit": asdict(bandit) if bandit else None,
        "ratios": ratios,
    }
    if args.save:
        args.save.parent.mkdir(parents=True, exist_ok=True)
        args.save.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    info = report["machine"]
    print(f"reviewer benchmark: {args.path}  (scanned copy: {tree}, best of {args.repeat})")
    print(
        f"reviewer {info['reviewer_commit']}; machine: {info['cpus']} CPUs ({info['cpu_model']}), Python {info['python']}; "
        f"reviewer {info['reviewer']}, libcst {info['libcst']}, sqlglot {info['sqlglot']}, bandit {info['bandit']}"
    )
    print()
    print(table([cold, warm, serial, *([diff] if diff else [])], bandit))
    print()
    for figures in startup:
        print(f"{figures['command']}: median wall {figures['median_wall']:.3f} s (min {figures['min_wall']:.3f}), median CPU {figures['median_cpu']:.3f} s over {figures['runs']} runs, load {figures['load_before']}")
    print(f"warm / cold: {ratios['warm_over_cold']:.3f}x" + (f"   --diff / cold: {ratios['diff_over_cold']:.3f}x (CPU {ratios['cpu_diff_over_cold']:.3f}x)" if diff else ""))
    print(f"cold jobs=1 / cold default jobs: {ratios['cold_jobs1_over_cold_default']:.2f}x")
    if bandit is not None:
        print(f"reviewer cold / bandit: {ratios['cold_over_bandit']:.2f}x   (jobs=1: {ratios['cold_jobs1_over_bandit']:.2f}x)")
        print(f"reviewer warm / bandit: {ratios['warm_over_bandit']:.2f}x")
        if bandit.cpu:
            print(
                f"CPU time: reviewer cold / bandit {ratios['cpu_cold_over_bandit']:.2f}x (jobs=1: "
                f"{ratios['cpu_cold_jobs1_over_bandit']:.2f}x), warm / bandit {ratios['cpu_warm_over_bandit']:.2f}x"
            )
        print("bandit lines = its own count of code lines (no blanks or comments); reviewer lines = all lines")
    for run in (cold, serial):
        if run.error_kinds:
            print(f"{run.label} errors by kind: {run.error_kinds}")
    print("wall = elapsed time of the whole command; CPU = user+system seconds of the process tree")
    print("max RSS = largest single process (wait4); tree = summed PSS of process + workers, sampled at 10 Hz")
    print("load = 1-minute load average before the run (it still counts this benchmark's previous run)")
    busiest = max((run.load_before or 0) for run in [cold, warm, serial, *([bandit] if bandit else []), *([diff] if diff else [])])
    if busiest > (os.cpu_count() or 1) + 1:
        print(f"WARNING: load average reached {busiest:.1f} on {os.cpu_count()} CPUs: the machine was busy, wall times are unreliable")
    return 0


if __name__ == "__main__":
    sys.exit(main())
