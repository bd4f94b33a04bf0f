"""`scan --project DIR PATHS`: the whole project in DIR is analysed, so project-level facts
(models, routes, migrations, settings) see every file, and the report keeps only the findings
in PATHS, the files being committed when pre-commit passes them. Other files (untracked ones
included) give context and never a finding."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Mapping

from reviewer.model import Category
from reviewer.scoring import checked_categories, score

if TYPE_CHECKING:
    from reviewer.runner import ScanResult


class FocusError(ValueError):
    """A PATH outside the project folder."""


def relative_paths(project: Path, paths: Iterable[Path]) -> tuple[str, ...]:
    """Each of `paths` relative to `project`, with `/` ("" for the project itself)."""
    top = project.resolve()
    out = []
    for path in paths:
        try:
            relative = path.resolve().relative_to(top).as_posix()
        except ValueError:
            raise FocusError(f"{path} is not inside the project folder {project}") from None
        out.append("" if relative == "." else relative)
    return tuple(out)


def limit_to_paths(result: ScanResult, paths: tuple[str, ...], weights: Mapping[Category, float]) -> ScanResult:
    """`result` with only the findings, suppressions and errors of files in `paths` (files or
    folders relative to the scanned root); the score then judges those findings."""

    def inside(path: str) -> bool:
        return any(not prefix or path == prefix or path.startswith(prefix + "/") for prefix in paths)

    kept = [finding for finding in result.findings if inside(finding.path)]
    return replace(
        result,
        findings=tuple(kept),
        errors=tuple(error for error in result.errors if inside(error.path)),
        suppressions=tuple(item for item in result.suppressions if inside(item[0].path)),
        score=score(kept, result.lines, weights, checked_categories(result.rules)),
    )
