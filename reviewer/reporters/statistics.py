"""`scan --statistics`: the number of findings per rule, most frequent first, as ruff's
`--statistics` prints them (count, code, name), in text or JSON."""

from __future__ import annotations

import json
from collections import Counter
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from reviewer.runner import ScanResult

FORMATS = ("text", "json")


def counts(result: ScanResult) -> list[tuple[int, str, str]]:
    """(count, code, name) per rule with findings: by count, most first, then by code."""
    names = {finding.rule: finding.name for finding in result.findings}
    tally = Counter(finding.rule for finding in result.findings)
    return sorted(((count, code, names[code]) for code, count in tally.items()), key=lambda row: (-row[0], row[1]))


def render(result: ScanResult, fmt: str = "text") -> str:
    rows = counts(result)
    if fmt == "json":
        return json.dumps([{"code": code, "name": name, "count": count} for count, code, name in rows], indent=2) + "\n"
    if not rows:
        return ""
    count_width = max(len(str(count)) for count, _, _ in rows)
    code_width = max(len(code) for _, code, _ in rows)
    return "".join(f"{count:>{count_width}}  {code:<{code_width}}  {name}\n" for count, code, name in rows)
