"""A scan runs the cyclic garbage collector less often (reviewer.runner.collecting_less) and
leaves the collector as it found it."""

from __future__ import annotations

import gc

import pytest

from reviewer import runner


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
