"""bench/compare.py: two engines' warm and `--diff` scans of the same tree, alternating."""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def _compare_module():
    sys.path.insert(0, str(REPO / "bench"))  # compare.py imports bench.py beside it
    try:
        spec = importlib.util.spec_from_file_location("bench_compare", REPO / "bench" / "compare.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(REPO / "bench"))
    return module


@pytest.mark.skipif(shutil.which("git") is None, reason="the --diff runs make a git repository: git is not installed")
def test_two_snapshots_of_one_engine_compare_on_a_small_tree(tmp_path: Path, capsys) -> None:
    """Each engine gets its own copies, cache and base cache; the figures name both engines'
    medians and minimums over the rounds, and their `--diff` reports agree."""
    compare = _compare_module()
    snapshots = []
    for name in ("before", "after"):
        snapshot = tmp_path / name
        for part in ("reviewer", "rules"):
            shutil.copytree(REPO / part, snapshot / part, ignore=shutil.ignore_patterns("__pycache__"))
        snapshots.append(snapshot)
    work = tmp_path / "work"
    code = compare.main([*map(str, snapshots), str(REPO / "sample_projects" / "fastapi_orders"), "--rounds", "2", "--diff-files", "2",
                         "--workdir", str(work), "--json"])
    assert code == 0
    [result] = json.loads(capsys.readouterr().out)
    assert result["same_diff_report"] is True and result["python_files"] > 2
    for kind in ("warm", "diff"):
        for label in ("before", "after"):
            figures = result[kind][label]
            assert figures["runs"] == 2 and 0 < figures["min_wall"] <= figures["median_wall"]
    assert not any(work.iterdir())  # the copies and caches are removed
