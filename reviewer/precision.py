"""Field precision of the rules on real code: `reviewer/field_precision.json`, written by the
ecosystem check (`python bench/ecosystem/check.py report --write-precision`), read lazily by
`reviewer rules`, `reviewer explain` and the test that holds the default rule set to it.

The contract (docs/ecosystem.md, Precision): precision = (true + 0.5 x debatable) / judged; a rule is on by
default only at precision >= threshold over at least 10 judged findings (all of its findings
where it has fewer than 10); a rule with no finding on real code is absent ("no field data")
and keeps its current default.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Mapping

FIELD_PRECISION_FILE = Path(__file__).resolve().parent / "field_precision.json"
MIN_JUDGED = 10
NO_FIELD_DATA = "no field data"


def precision_of(true: int, debatable: int, judged: int) -> float | None:
    """Field precision: (true + debatable / 2) / judged; None when nothing is judged."""
    return (true + 0.5 * debatable) / judged if judged else None


class PrecisionFileError(Exception):
    """A field precision file that is missing, not JSON or not in the contract's format."""


@dataclass(frozen=True)
class RulePrecision:
    findings: int
    judged: int
    true: int
    false: int
    debatable: int
    precision: float
    strict: float

    def describe(self) -> str:
        return f"{self.precision:.2f} ({self.judged} judged of {self.findings})"

    def to_dict(self) -> dict[str, Any]:
        return {
            "findings": self.findings,
            "judged": self.judged,
            "true": self.true,
            "false": self.false,
            "debatable": self.debatable,
            "precision": self.precision,
            "strict": self.strict,
        }


@dataclass(frozen=True)
class FieldPrecision:
    generated_by: str
    results: str
    threshold: float
    rules: Mapping[str, RulePrecision]

    def of(self, code: str) -> RulePrecision | None:
        return self.rules.get(code)

    def describe(self, code: str) -> str:
        entry = self.of(code)
        return entry.describe() if entry is not None else NO_FIELD_DATA

    def may_be_default(self, code: str) -> bool:
        """Whether the contract lets the rule be on by default: no field data, or precision at
        the threshold over enough judged findings."""
        entry = self.of(code)
        if entry is None:
            return True
        return entry.judged >= min(MIN_JUDGED, entry.findings) and entry.judged > 0 and entry.precision >= self.threshold


_COUNTS = ("findings", "judged", "true", "false", "debatable")


def parse(data: Any, source: str) -> FieldPrecision:
    """The file's content, checked against the contract's format."""
    if not isinstance(data, dict):
        raise PrecisionFileError(f"{source}: must be a JSON object")
    threshold = data.get("threshold")
    if not isinstance(threshold, (int, float)) or isinstance(threshold, bool) or not 0 < threshold <= 1:
        raise PrecisionFileError(f"{source}: `threshold` must be a number in (0, 1]")
    table = data.get("rules")
    if not isinstance(table, dict):
        raise PrecisionFileError(f"{source}: `rules` must map rule codes to their figures")
    rules: dict[str, RulePrecision] = {}
    for code, entry in table.items():
        if not isinstance(entry, dict):
            raise PrecisionFileError(f"{source}: rules.{code} must be an object")
        counts = {}
        for key in _COUNTS:
            value = entry.get(key)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise PrecisionFileError(f"{source}: rules.{code}.{key} must be a count (an integer >= 0)")
            counts[key] = value
        if counts["true"] + counts["false"] + counts["debatable"] != counts["judged"]:
            raise PrecisionFileError(f"{source}: rules.{code}: true + false + debatable must equal judged")
        if counts["judged"] > counts["findings"]:
            raise PrecisionFileError(f"{source}: rules.{code}: judged cannot exceed findings")
        judged = counts["judged"]
        # The figures are derived from the counts, so a hand edit cannot make them disagree.
        precision = precision_of(counts["true"], counts["debatable"], judged) or 0.0
        strict = counts["true"] / judged if judged else 0.0
        rules[str(code)] = RulePrecision(precision=precision, strict=strict, **counts)
    return FieldPrecision(str(data.get("generated_by", "")), str(data.get("results", "")), float(threshold), rules)


def read(path: Path) -> FieldPrecision:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise PrecisionFileError(f"{path}: cannot be read: {error.strerror or error}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise PrecisionFileError(f"{path}: is not valid JSON: {error}") from None
    return parse(data, str(path))


@lru_cache(maxsize=1)
def shipped() -> FieldPrecision:
    """The file shipped with the package (read once, when first asked)."""
    return read(FIELD_PRECISION_FILE)


def default_set_problems(field: FieldPrecision, rules: Iterable[type]) -> list[str]:
    """Why the rules' default set breaks the contract (empty when it holds): a rule on by
    default whose field precision is under the threshold or judged on too few findings."""
    problems = []
    for rule in rules:
        entry = field.of(rule.code)
        if rule.opt_in or entry is None or field.may_be_default(rule.code):
            continue
        needed = min(MIN_JUDGED, entry.findings)
        if entry.judged < needed or entry.judged == 0:
            why = f"only {entry.judged} of its {entry.findings} findings are judged (needs {needed})"
        else:
            why = f"its field precision is {entry.precision:.3f} over {entry.judged} judged findings"
        problems.append(f"{rule.code} is on by default but {why}; threshold {field.threshold} (make it opt_in = True)")
    return problems
