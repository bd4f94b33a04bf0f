"""reviewer: a static analyser for backend code review (Python + SQL), with a scored report."""

from __future__ import annotations

from importlib import metadata
from pathlib import Path


def _version() -> str:
    """The version pyproject.toml defines (its one definition), from the installed metadata;
    from the source tree's pyproject.toml when reviewer runs uninstalled."""
    try:
        return metadata.version("reviewer")
    except metadata.PackageNotFoundError:
        pass
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib
    try:
        return tomllib.loads((Path(__file__).resolve().parent.parent / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    except (OSError, ValueError, KeyError):
        return "0+unknown"


def homepage() -> str | None:
    """The project's URL from pyproject.toml's [project.urls] (Homepage, else Repository), or
    None when it names none: reports link to it (SARIF's informationUri) only when it exists."""
    try:
        entries = metadata.metadata("reviewer").get_all("Project-URL") or []
    except metadata.PackageNotFoundError:
        return None
    urls = {}
    for entry in entries:
        label, _, url = entry.partition(",")
        urls[label.strip().lower()] = url.strip()
    return urls.get("homepage") or urls.get("repository") or None


__version__ = _version()
