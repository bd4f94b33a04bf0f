"""The baseline: findings a team has accepted for now, matched by fingerprint, so CI gates only
on new findings. Entries that no longer match a finding are reported as fixed.

A fingerprint is rule + path + normalised text of the flagged line + occurrence number (see
runner.assign_fingerprints): it survives moves of the line and edits elsewhere in the file, and
two identical findings in one file stay distinct. The file is JSON, sorted, written atomically.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Mapping

from reviewer.model import Category, Finding
from reviewer.scoring import checked_categories, score

if TYPE_CHECKING:
    from reviewer.runner import ScanResult

FORMAT_VERSION = 1


class BaselineError(Exception):
    """A baseline file that cannot be read; the message names the file."""


@dataclass(frozen=True, order=True)
class BaselineEntry:
    path: str
    line: int
    rule: str
    fingerprint: str
    message: str

    @classmethod
    def of(cls, finding: Finding) -> "BaselineEntry":
        return cls(finding.path, finding.line, finding.rule, finding.fingerprint, finding.message)

    def to_dict(self) -> dict:
        return {"fingerprint": self.fingerprint, "rule": self.rule, "path": self.path, "line": self.line, "message": self.message}


def entries_of(findings: Iterable[Finding]) -> tuple[BaselineEntry, ...]:
    return tuple(sorted(BaselineEntry.of(finding) for finding in findings))


def dumps(entries: Iterable[BaselineEntry]) -> str:
    data = {
        "tool": "reviewer",
        "version": FORMAT_VERSION,
        "findings": [entry.to_dict() for entry in sorted(entries)],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def load(path: Path) -> tuple[BaselineEntry, ...]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BaselineError(
            f"{path}: the baseline file does not exist. Record today's findings with `reviewer baseline create {path}` "
            "(run where this command runs; give the scanned folder as in the scan) and commit the file; from then on only "
            "new findings count"
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise BaselineError(f"{path}: cannot be read: {error}") from None
    except ValueError as error:
        raise BaselineError(f"{path}: is not valid JSON: {error}") from None
    if not isinstance(data, dict) or data.get("version") != FORMAT_VERSION or not isinstance(data.get("findings"), list):
        raise BaselineError(f"{path}: is not a reviewer baseline (version {FORMAT_VERSION} with a `findings` list)")
    entries = []
    for number, item in enumerate(data["findings"]):
        try:
            entries.append(
                BaselineEntry(str(item["path"]), int(item.get("line", 0)), str(item["rule"]), str(item["fingerprint"]), str(item.get("message", "")))
            )
        except (KeyError, TypeError, ValueError, AttributeError, OverflowError):
            raise BaselineError(f"{path}: `findings[{number}]` needs fingerprint, rule and path, and a whole-number line") from None
    return tuple(entries)


def apply(result: ScanResult, entries: Iterable[BaselineEntry], weights: Mapping[Category, float]) -> ScanResult:
    """Hide findings the baseline knows; the score and the gate then see only new findings.
    Entries that match nothing any more become `result.fixed`."""
    known = {entry.fingerprint: entry for entry in entries}
    fresh = [finding for finding in result.findings if finding.fingerprint not in known]
    matched = {finding.fingerprint for finding in result.findings} & set(known)
    fixed = tuple(sorted(entry for fingerprint, entry in known.items() if fingerprint not in matched))
    return replace(
        result,
        findings=tuple(fresh),
        hidden=result.hidden + tuple(finding for finding in result.findings if finding.fingerprint in known),
        baselined=result.baselined + len(matched),
        fixed=fixed,
        score=score(fresh, result.lines, weights, checked_categories(result.rules)),
    )


def update(entries: Iterable[BaselineEntry], result: ScanResult, add_new: bool = False) -> tuple[tuple[BaselineEntry, ...], int, int]:
    """(new entries, number dropped as fixed, number added). Kept entries get today's line."""
    current = {finding.fingerprint: finding for finding in result.findings}
    old = {entry.fingerprint: entry for entry in entries}
    kept = [BaselineEntry.of(current[fingerprint]) for fingerprint in old if fingerprint in current]
    added = [BaselineEntry.of(finding) for fingerprint, finding in current.items() if fingerprint not in old] if add_new else []
    return tuple(sorted([*kept, *added])), len(old) - len(kept), len(added)
