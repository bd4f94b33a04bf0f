"""Reporters turn a ScanResult into text. Each is a pure function `render` in a module of
this package, registered here by format name; the CLI looks formats up here, so a new format
is one module and one entry. A reporter's module is imported when its format is rendered."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from reviewer.runner import ScanResult

# format name -> the module of reviewer.reporters that renders it
REPORTERS: dict[str, str] = {
    "text": "text",
    "json": "json_report",
    "sarif": "sarif",
    "github": "github",
    "gitlab": "gitlab",
    "junit": "junit",
    "checkstyle": "checkstyle",
    "rdjson": "rdjson",
    "markdown": "markdown",
    "html": "html_report",
}


def render(name: str, result: ScanResult, **options) -> str:
    return import_module(f"{__name__}.{REPORTERS[name]}").render(result, **options)
