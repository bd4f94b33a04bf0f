"""A scan runs the cyclic garbage collector less often (reviewer.runner.collecting_less) and
leaves the collector as it found it; a file's `ast` tree is freed without it once released."""

from __future__ import annotations

import ast
import gc
import weakref

import pytest

from reviewer import astfacts, bandit_bridge, runner


def test_a_scan_collects_less_and_restores_the_collector(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    before = gc.get_threshold()
    seen: list[tuple[tuple[int, ...], int]] = []

    def spy(*args, **kwargs):
        seen.append((gc.get_threshold(), gc.get_freeze_count()))
        raise RuntimeError("stop")

    monkeypatch.setattr(runner, "_scan", spy)
    with pytest.raises(RuntimeError):
        runner.scan([tmp_path], None, None, [])  # type: ignore[arg-type]
    (threshold, frozen), = seen
    assert threshold == (runner.GC_YOUNG, *before[1:])
    assert frozen > 0  # what was alive at the start is set aside
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0  # as it was, after an error too


def test_a_released_tree_is_freed_without_the_collector() -> None:
    # Bandit's visitor links each node to its parent, and walk() keeps a module's node list on
    # the module: both are cycles, freed only by the collector, which a scan runs rarely.
    # Dropped by bandit_bridge.unlink and astfacts.release, the tree goes with its last reference.
    class Marker:
        pass

    code = "import os\ndef f(a):\n    return [os.path.join(a, b) for b in a if b]\n"
    gc.disable()
    try:
        for released in (False, True):
            tree = ast.parse(code)
            for node in ast.walk(tree):
                for child in ast.iter_child_nodes(node):  # the shared Load() and Store() too
                    child._bandit_parent = node  # as bandit's visitor links them
            astfacts.walk(tree.body[1])  # a function's walk is kept on it, without a cycle
            marker = Marker()
            tree.marker = marker  # type: ignore[attr-defined]
            alive = weakref.ref(marker)
            del marker
            if released:
                bandit_bridge.unlink(tree)
                astfacts.release(tree)
                # walk() does not reach the parser's shared contexts: their links, into the
                # last tree linked, are dropped too
                assert not any("_bandit_parent" in context.__dict__ for context in astfacts.shared_contexts())
            del tree
            assert (alive() is None) is released
    finally:
        gc.enable()
        gc.collect()
