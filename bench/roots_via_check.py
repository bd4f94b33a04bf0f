"""Check that the roots merge gives the same roots with each callee's import (the `via` of a
file's root markers, reviewer.project.roots.markers_of) as without it, on the fetched
ecosystem projects: with it, the merge resolves a callee from the module it comes from without
reading the caller's symbols, which must change nothing.

    .venv/bin/python bench/roots_via_check.py [--jobs N]

Reads the tuned projects of bench/ecosystem/projects.yml (never a held-out one) that
`bench/ecosystem/check.py fetch` unpacked ($REVIEWER_ECOSYSTEM_DIR/src, by default
~/.cache/reviewer-ecosystem/src): each Python file reviewer discovers is parsed, its root markers and symbols collected, and the roots built
both ways. Prints SAME or DIFF per project (with its number of roots and of callees with an
import); exits 1 on any DIFF. A few minutes for the 54 tuned projects on 2 cores.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import sys
from multiprocessing import Pool
from pathlib import Path

import yaml

from reviewer.discovery import discover
from reviewer.project.roots import VIA, build_roots, markers_of
from reviewer.project.symbols import FileSymbolsTable, ProjectSymbols, SymbolsProvider


def check(project: str) -> tuple[str, bool, int, int]:
    root = Path(project)
    files = {}
    for source in discover(root, [root], (), True):
        if not source.kind.is_python:
            continue
        try:
            text = source.path.read_text(encoding="utf-8")
            files[source.rel] = (source.kind, text, ast.parse(text))
        except (OSError, UnicodeError, SyntaxError, ValueError, RecursionError):
            continue
    markers = {path: found for path, (_, _, tree) in files.items() if (found := markers_of(tree, path))}
    symbols = {}
    for path, (kind, text, tree) in files.items():
        try:
            found = SymbolsProvider().collect(path, kind, text, tree)
        except RecursionError:
            continue
        if found is not None:
            symbols[path] = json.loads(json.dumps(found))  # as the index cache hands them back
    with_via = build_roots(markers, ProjectSymbols.build(FileSymbolsTable(symbols)), files)
    without = {path: {key: value for key, value in found.items() if key != VIA} for path, found in markers.items()}
    same = with_via == build_roots(without, ProjectSymbols.build(FileSymbolsTable(symbols)), files)
    return project, same, len(with_via.roots), sum(len(found.get(VIA, ())) for found in markers.values())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    sys.setrecursionlimit(10000)
    base = Path(os.environ.get("REVIEWER_ECOSYSTEM_DIR") or Path.home() / ".cache" / "reviewer-ecosystem") / "src"
    listed = yaml.safe_load((Path(__file__).parent / "ecosystem" / "projects.yml").read_text(encoding="utf-8"))["projects"]
    tuned = [base / f"{project['name']}-{project['version']}" for project in listed if not project.get("held_out")]
    projects = [str(path) for path in tuned if path.is_dir()]
    if not projects:
        print(f"no tuned project under {base}: run bench/ecosystem/check.py fetch first", file=sys.stderr)
        return 2
    differ = 0
    with Pool(args.jobs) as pool:
        for project, same, roots, via in pool.imap_unordered(check, projects):
            differ += not same
            print(f"{'SAME' if same else 'DIFF'} {Path(project).name}: {roots} root(s), {via} callee(s) with an import", flush=True)
    print(f"{len(projects) - differ} of {len(projects)} projects give the same roots")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
