"""reviewer: a static analyser for backend code review (Python + SQL), with a scored report."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path


def installed_version(distribution: str) -> str | None:
    """The version of an installed distribution, as `importlib.metadata.version` gives it
    (None when it is not installed). Every scan asks for reviewer's and its parsers' versions
    (they key the cache), and importing importlib.metadata (email, zipfile, csv and more)
    is about 0.03 s of CPU, a tenth of a warm scan. So the common layout is read directly:
    importlib.metadata's own search (each folder of sys.path in order, a child named
    `<name>-<version>.dist-info` or `.egg-info` whose normalised name matches) finds, in the
    first folder holding any candidate, exactly one `.dist-info` folder, whose METADATA's
    Version is the answer. Anything else (an archive on sys.path before it, two candidates,
    an .egg-info, another finder of distributions) is left to importlib.metadata."""
    from importlib.machinery import PathFinder

    if any(hasattr(finder, "find_distributions") and finder is not PathFinder for finder in sys.meta_path):
        return _library_version(distribution)
    wanted = {_normalised(distribution), distribution.lower().replace("-", "_")}
    for entry in sys.path:
        folder = entry or "."
        if os.path.isfile(folder):
            return _library_version(distribution)  # an archive: importlib.metadata reads inside it
        try:
            children = os.listdir(folder)
        except OSError:
            continue
        found = [child for child in children if child.lower().endswith((".dist-info", ".egg-info"))
                 and _normalised(child.lower().rpartition(".")[0].partition("-")[0]) in wanted]
        if not found:
            continue
        if len(found) != 1 or not found[0].lower().endswith(".dist-info"):
            return _library_version(distribution)
        try:
            with open(os.path.join(folder, found[0], "METADATA"), encoding="utf-8") as handle:
                for line in handle:
                    if not line.strip():
                        break
                    key, _, value = line.partition(":")
                    if key == "Version":
                        return value.strip()
        except (OSError, UnicodeError):
            pass
        return _library_version(distribution)
    return None


def _normalised(name: str) -> str:
    """importlib.metadata's normalised distribution name (PEP 503, dashes as underscores)."""
    return re.sub(r"[-_.]+", "-", name).lower().replace("-", "_")


def _library_version(distribution: str) -> str | None:
    from importlib import metadata

    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def _version() -> str:
    """The version pyproject.toml defines (its one definition), from the installed metadata;
    from the source tree's pyproject.toml when reviewer runs uninstalled."""
    found = installed_version("reviewer")
    if found is not None:
        return found
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
    from importlib import metadata

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
