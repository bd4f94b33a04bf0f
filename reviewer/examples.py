"""Run a rule's valid and invalid examples through the whole engine, one throwaway project per
example. The built-in rules' test (tests/test_rule_examples.py) and `reviewer test PACK` share
this one definition, so a team's own rules are checked exactly like the built-in ones."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

from reviewer import fixrun
from reviewer.config import Config, Released
from reviewer.model import Category
from reviewer.registry import Registry, select
from reviewer.rule import Example, Rule, SqlRule, as_example
from reviewer.runner import scan

KINDS = ("invalid", "valid")


@dataclass(frozen=True)
class ExampleOutcome:
    code: str
    kind: str  # "invalid" (must be flagged) or "valid" (must stay clean)
    number: int  # 1-based, in the order the rule lists them
    problem: str  # why the example failed; empty when it passed

    @property
    def passed(self) -> bool:
        return not self.problem

    @property
    def label(self) -> str:
        return f"{self.code} {self.kind} example {self.number}"


def examples_of(rule: type[Rule]) -> Iterator[tuple[str, int, Example]]:
    """(kind, number, example) for each example of the rule, invalid ones first."""
    for kind in KINDS:
        for number, sample in enumerate(getattr(rule, kind), start=1):
            yield kind, number, as_example(sample)


def default_path(rule: type[Rule]) -> str:
    """Where an example without a `path` is written: SQL rules see a `.sql` file."""
    return "example.sql" if issubclass(rule, SqlRule) else "example.py"


def run_example(rule: type[Rule], kind: str, number: int, example: Example, registry: Registry, workdir: Path) -> ExampleOutcome:
    """Write the example's project into the empty folder `workdir`, scan it with the rule
    selected (every rule for the meta rules, which judge other rules' suppressions), and say
    whether the rule did what the example expects."""
    path = example.path or default_path(rule)
    for rel, code in (*example.files, (path, example.code)):
        target = workdir / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(code, encoding="utf-8")
    # Examples never ask git about released migration history: the folder is not a repository.
    options = ((rule.code, tuple(sorted(example.options.items()))),) if example.options else ()
    config = Config(root=str(workdir), migrations_released=Released(git=False), options=options)
    chosen = ("ALL",) if rule.category is Category.META else (rule.code,)
    enabled = select(registry, chosen, (), config.profile)
    result = scan([workdir], config, registry, enabled, jobs=1, use_cache=False)
    crashed = [error.message for error in result.errors if error.kind == "rule-error"]
    if crashed:
        return ExampleOutcome(rule.code, kind, number, "the rule raised: " + "; ".join(crashed))
    lines = sorted({finding.line for finding in result.findings if finding.rule == rule.code})
    if kind == "invalid" and not lines:
        unread = [f"{error.path}: {error.kind}: {error.message}" for error in result.errors]
        return ExampleOutcome(rule.code, kind, number, "flagged nothing" + (f" ({'; '.join(unread)})" if unread else ""))
    if kind == "invalid" and example.lines and lines != sorted(example.lines):
        return ExampleOutcome(rule.code, kind, number, f"flagged line(s) {lines}, expected {sorted(example.lines)}")
    if kind == "valid" and lines:
        found = [f"line {f.line}: {f.message}" for f in result.findings if f.rule == rule.code]
        return ExampleOutcome(rule.code, kind, number, "flagged a valid example: " + "; ".join(found))
    if kind == "invalid" and example.fixed is not None:
        return ExampleOutcome(rule.code, kind, number, _fix_problem(rule, example, path, result.findings, config, workdir, registry, enabled))
    return ExampleOutcome(rule.code, kind, number, "")


def _fix_problem(rule: type[Rule], example: Example, path: str, findings, config: Config, workdir: Path, registry: Registry, enabled) -> str:
    """Why applying the fixes (safe and unsafe, pass after pass, with the rules the example
    ran) does not turn the example into its `fixed` code; empty when it does."""
    if not any(finding.autofix for finding in findings if finding.rule == rule.code):
        return "no finding carries a fix, but the example expects one"
    outcome = fixrun.run([workdir], config, registry, enabled, unsafe=True, jobs=1, use_cache=False)
    if outcome.dropped:
        return "a fix was dropped: " + "; ".join(reason for _, _, reason in outcome.dropped)
    after = (workdir / path).read_text(encoding="utf-8")
    if after != example.fixed:
        return f"the fixed code differs from the expected:\n--- got\n{after}--- expected\n{example.fixed}"
    return ""


def run_examples(rules: Iterable[type[Rule]], registry: Registry) -> list[ExampleOutcome]:
    """Every example of every rule, each in a fresh temporary project."""
    outcomes = []
    for rule in rules:
        for kind, number, example in examples_of(rule):
            with tempfile.TemporaryDirectory(prefix="reviewer-example-") as folder:
                outcomes.append(run_example(rule, kind, number, example, registry, Path(folder)))
    return outcomes


def rules_from(registry: Registry, pack: Path) -> list[type[Rule]]:
    """The rules of the registry that the pack folder defines."""
    root = pack.resolve()
    return [rule for rule in registry.rules if rule.source_path and root in Path(rule.source_path).resolve().parents]
