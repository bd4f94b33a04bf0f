"""The JSON report: the contract of DESIGN.md, key for key, deterministic for the same input."""

from __future__ import annotations

import json

from reviewer import __version__
from reviewer.runner import ScanResult


def as_dict(result: ScanResult) -> dict:
    return {
        "tool": {"name": "reviewer", "version": __version__},
        "score": result.score.to_dict(),
        "summary": {
            "files": result.files,
            "lines": result.lines,
            "findings": len(result.findings),
            "by_severity": result.by_severity,
            "suppressed": result.suppressed,
            "baselined": result.baselined,
        },
        "findings": [finding.to_dict() for finding in result.findings],
        "errors": [error.to_dict() for error in result.errors],
    }


def render(result: ScanResult, **_options) -> str:
    return json.dumps(as_dict(result), indent=2, ensure_ascii=False) + "\n"
