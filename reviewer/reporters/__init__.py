"""Reporters turn a ScanResult into text. Each is a pure function registered by format name;
the CLI looks formats up here, so a new format is one module and one entry."""

from __future__ import annotations

from typing import Callable

from reviewer.reporters import checkstyle, github, gitlab, html_report, json_report, junit, markdown, rdjson, sarif, text
from reviewer.runner import ScanResult

Reporter = Callable[..., str]

REPORTERS: dict[str, Reporter] = {
    "text": text.render,
    "json": json_report.render,
    "sarif": sarif.render,
    "github": github.render,
    "gitlab": gitlab.render,
    "junit": junit.render,
    "checkstyle": checkstyle.render,
    "rdjson": rdjson.render,
    "markdown": markdown.render,
    "html": html_report.render,
}


def render(name: str, result: ScanResult, **options) -> str:
    return REPORTERS[name](result, **options)
