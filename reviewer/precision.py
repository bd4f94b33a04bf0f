"""Field precision of the rules on real code: `reviewer/field_precision.json`, written by the
ecosystem check (`python bench/ecosystem/check.py report --write-precision`), read lazily by
`reviewer rules`, `reviewer explain` and the test that holds the default rule set to it.

The contract (docs/ecosystem.md, Precision): precision = (true + 0.5 x debatable) / judged; a rule is on by
default only at precision >= threshold over at least 10 judged findings (all of its findings
where it has fewer than 10), and never on fewer than MIN_EVIDENCE judged findings: a rule with
less field evidence, or none (absent from the file: "no field data"), is opt-in until the
ecosystem check has judged enough of its findings (it scans opt-in rules too). Exempt: the
engine's own rules about reviewer's suppression comments (category meta: no project that does
not use reviewer has any), and the few rules whose match is the defect whatever the code around
it (SELF_EVIDENT, and bandit's DEFAULT_ON tests), which may be on by default before any finding.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Mapping

from reviewer.model import CATEGORY_PREFIXES, Category

FIELD_PRECISION_FILE = Path(__file__).resolve().parent / "field_precision.json"
MIN_JUDGED = 10
# Fewest judged findings on real code that can put a rule on by default. Rules first met on the
# held-out cohorts with no field evidence were wrong on 29 of their 29 findings there
# (docs/accuracy.md): a rule earns the default set on real code, as a ruff rule leaves preview.
MIN_EVIDENCE = 5
# Rules of reviewer's own whose match is the defect by itself, with no inference about the
# project (the bandit tests of this kind: reviewer.bandit_bridge.DEFAULT_ON).
SELF_EVIDENT = {
    "SQL004": "a comparison with `= NULL` / `<> NULL` is never true, in any query",
}
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
        """Whether the contract lets the rule be on by default (contract_status)."""
        entry = self.of(code)
        if entry is None:  # no finding on real code
            return allows_default(contract_status(code, 0, 0, None, self.threshold))
        return allows_default(contract_status(code, entry.findings, entry.judged, entry.precision, self.threshold))


DEFAULT = "default"


def evidence_needed(findings: int) -> int:
    """Judged findings a rule with this many findings needs before its precision can count:
    10, or all of them when it has fewer, and never fewer than MIN_EVIDENCE."""
    return max(MIN_EVIDENCE, min(MIN_JUDGED, findings))


def exempt_from_evidence(code: str) -> bool:
    """A rule that may be on by default before the field has judged enough of its findings:
    SELF_EVIDENT, bandit's DEFAULT_ON tests, the engine's suppression rules (meta)."""
    from reviewer.bandit_bridge import DEFAULT_ON

    return code in SELF_EVIDENT or code in DEFAULT_ON or code.startswith(CATEGORY_PREFIXES[Category.META])


def contract_status(code: str, findings: int, judged: int, precision: float | None, threshold: float) -> str:
    """What the contract says a rule's default is, from its figures on the tuned projects:
    "default", or "opt-in" with the reason when it is the evidence that is missing; a rule
    exempt from the evidence minimum (exempt_from_evidence) is "default (self-evident; ...)"
    until its judged findings are enough to count."""
    if not findings:
        status = f"opt-in ({NO_FIELD_DATA})"
    elif judged < evidence_needed(findings):
        status = f"opt-in ({judged}/{evidence_needed(findings)} judged)"
    else:
        assert precision is not None
        return DEFAULT if precision >= threshold else "opt-in"
    return f"default (self-evident; {status[len('opt-in ('):]}" if exempt_from_evidence(code) else status


def allows_default(status: str) -> bool:
    """Whether a contract_status lets the rule be on by default."""
    return status.split(" ", 1)[0] == DEFAULT


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
    default with no field data, judged on too few findings, or under the threshold."""
    problems = []
    for rule in rules:
        if rule.opt_in or field.may_be_default(rule.code):
            continue
        entry = field.of(rule.code)
        needed = evidence_needed(entry.findings if entry is not None else 0)
        if entry is None:
            why = "it has no field data (no finding on the ecosystem check's projects)"
        elif entry.judged < needed:
            why = f"only {entry.judged} of its {entry.findings} findings are judged (needs {needed})"
        else:
            why = f"its field precision is {entry.precision:.3f} over {entry.judged} judged findings"
        problems.append(f"{rule.code} is on by default but {why}; threshold {field.threshold} (make it opt_in = True)")
    return problems
