"""Two engines on the same trees: their warm and `--diff` scans, alternating run by run.

    .venv/bin/python bench/compare.py BEFORE AFTER [PATH ...] [--ecosystem NAME ...]
                                      [--rounds N] [--diff-files N] [--workdir DIR] [--json]

BEFORE and AFTER are source snapshots (folders holding reviewer/ and rules/, e.g. `git archive
COMMIT reviewer rules | tar -x -C DIR`), run as bench.py's --reviewer-src runs them. A warm or
`--diff` scan takes a few tenths of a second, and on a shared machine the speed of the same
run drifts by more than that between minutes: bench.py, which runs all of one engine's rounds
before another invocation runs the other's, cannot tell two engines 20 ms apart. Here each
round runs BEFORE's warm scan, AFTER's, BEFORE's `--diff` scan, AFTER's (the order reversed
every other round), so a slow spell falls on both; the figures are each engine's median and
minimum (the least disturbed run) over the rounds, wall and CPU, and AFTER's over BEFORE's.

Each engine scans its own copies of the tree, with its own cache (a cache written by another
engine's source is never read: the engine's digest keys it), and its own `--diff` repository
and base cache, made as bench.py makes them (prepare_diff). Cold scans are bench.py's.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import DIFF_BASE, Reviewer, Sample, compile_engine, copy_python_files, ecosystem_tree, prepare_diff  # noqa: E402

DEFAULT_WORKDIR = Path("/tmp/reviewer-compare")
KINDS = ("warm", "diff")


def compare_tree(path: Path, engines: dict[str, Reviewer], args: argparse.Namespace) -> dict[str, object]:
    """Each engine's warm and `--diff` samples of one tree, alternating."""
    workdir = args.workdir.resolve()
    trees = {label: workdir / f"{path.resolve().name}-{label}" for label in engines}
    difftrees = {label: workdir / f"{path.resolve().name}-{label}-diff" for label in engines}
    restores = {}
    samples: dict[str, dict[str, list[Sample]]] = {label: {kind: [] for kind in KINDS} for label in engines}
    try:
        for label, reviewer in engines.items():
            copied = copy_python_files(path, trees[label])
            reviewer.run(trees[label], None, cold=True)  # the cache the first warm scan reads
            copy_python_files(path, difftrees[label])
            restores[label] = prepare_diff(difftrees[label], reviewer, args.diff_files)
        for label, reviewer in engines.items():
            # Unmeasured: the copies are older than reviewer's settling time now (prepare_diff
            # waits that long), so this warm scan keeps every file's state, which the measured
            # ones then read.
            reviewer.run(trees[label], None, cold=False)
        for round_ in range(args.rounds):
            order = list(engines) if round_ % 2 == 0 else list(engines)[::-1]
            for label in order:
                samples[label]["warm"].append(engines[label].run(trees[label], None, cold=False))
            for label in order:
                samples[label]["diff"].append(
                    engines[label].run(difftrees[label], None, cold=False, extra=("--diff", DIFF_BASE), reset=restores[label])
                )
    finally:
        for label in engines:
            for folder in (trees[label], difftrees[label], workdir / f"{difftrees[label].name}-base-cache"):
                shutil.rmtree(folder, ignore_errors=True)
    reports = {label: json.dumps(samples[label]["diff"][-1].report, sort_keys=True) for label in engines}
    figures: dict[str, object] = {"path": str(path), "python_files": copied, "same_diff_report": len(set(reports.values())) == 1}
    for kind in KINDS:
        figures[kind] = {label: _stats(samples[label][kind]) for label in engines}
    return figures


def _stats(samples: list[Sample]) -> dict[str, float]:
    walls, cpus = [sample.wall for sample in samples], [sample.cpu for sample in samples]
    return {
        "median_wall": round(statistics.median(walls), 3), "min_wall": round(min(walls), 3),
        "median_cpu": round(statistics.median(cpus), 3), "min_cpu": round(min(cpus), 3), "runs": len(samples),
    }


def table(results: list[dict[str, object]], before: str, after: str) -> str:
    lines = [f"{'tree':28s} {'run':5s} {'median wall s':>22s} {'min wall s':>20s} {'median CPU s':>20s}   after / before (median wall, min wall)"]
    for result in results:
        for kind in KINDS:
            one, two = result[kind][before], result[kind][after]  # type: ignore[index]
            lines.append(
                f"{Path(str(result['path'])).name[:28]:28s} {kind:5s} {one['median_wall']:9.3f} -> {two['median_wall']:9.3f} "
                f"{one['min_wall']:8.3f} -> {two['min_wall']:8.3f} {one['median_cpu']:8.3f} -> {two['median_cpu']:8.3f}   "
                f"{two['median_wall'] / one['median_wall']:.2f}x, {two['min_wall'] / one['min_wall']:.2f}x"
            )
        if not result["same_diff_report"]:
            lines.append(f"  warning: the two engines' --diff reports of {result['path']} differ")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("before", type=Path, help="the first engine's source snapshot (reviewer/ and rules/)")
    parser.add_argument("after", type=Path, help="the second engine's source snapshot")
    parser.add_argument("paths", type=Path, nargs="*", metavar="PATH", help="source trees to scan (copies are scanned)")
    parser.add_argument("--ecosystem", action="append", default=[], metavar="NAME", help="also a tuned ecosystem project (repeatable)")
    parser.add_argument("--rounds", type=int, default=15, help="rounds; each runs both engines' warm and --diff scans (default 15)")
    parser.add_argument("--diff-files", type=int, default=10, help="files the --diff runs change (default 10)")
    parser.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR, help=f"where the copies go (default {DEFAULT_WORKDIR})")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON instead of a table")
    args = parser.parse_args(argv)
    if args.rounds < 1 or args.diff_files < 1:
        parser.error("--rounds and --diff-files must be at least 1")
    paths = [*args.paths, *map(ecosystem_tree, args.ecosystem)]
    if not paths:
        parser.error("name at least one PATH or --ecosystem project")
    labels = {"before": args.before, "after": args.after}
    for source in labels.values():
        compile_engine(source)
    engines = {label: Reviewer(source, None) for label, source in labels.items()}
    results = [compare_tree(path, engines, args) for path in paths]
    print(json.dumps(results, indent=1) if args.json else table(results, "before", "after"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
