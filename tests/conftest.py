"""Shared helpers: scan a throwaway project in-process."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewer import registry as registry_module
from reviewer.config import Config
from reviewer.runner import ScanResult, scan

REPO = Path(__file__).resolve().parent.parent


def write_tree(root: Path, files: dict[str, str | bytes]) -> Path:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


def scan_tree(root: Path, select: tuple[str, ...] = (), config: Config | None = None, **kwargs) -> ScanResult:
    config = config or Config(root=str(root))
    if select:
        from dataclasses import replace

        config = replace(config, select=select)
    registry = registry_module.load(config.rule_packs)
    enabled = registry_module.select(registry, config.select, config.ignore)
    kwargs.setdefault("jobs", 1)
    kwargs.setdefault("use_cache", False)
    return scan([root], config, registry, enabled, **kwargs)


@pytest.fixture
def project(tmp_path: Path):
    """Write files into a fresh project folder and return its path."""

    def make(files: dict[str, str | bytes]) -> Path:
        return write_tree(tmp_path, files)

    return make
