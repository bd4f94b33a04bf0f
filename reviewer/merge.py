"""One problem, one finding: findings that describe the same operation or call are merged
into the most specific one, which names the others (`also`).

Findings of one file merge when
- they have the same span (the same anchored node: B310, OPS001 and OPS003 on one
  `urlopen(...)` call; MIG003 and MIG007 on one `AddField`; every SQL rule on one `execute`)
  and name the same operation, or none;
- they name the same operation (`Report.operation`; the engine names a `.sql` statement for
  the SQL rules, so a rule reports once per statement; MIG001 names the migration file for
  facts about the whole file);
- one rule `supersedes` the other's code and both are on the same line (bandit's tests that a
  rule of ours does more precisely, and bandit's own duplicates).
Findings of a project-level rule (`project_level = True`) are facts about the whole project:
they merge with each other when the rule, the message and the project root (`owner`: the root
a finding's file belongs to, reviewer.project.roots) are the same, never with other rules.

The survivor is chosen by precedence: a finding that another member of the group explicitly
supersedes never survives; then the highest severity; then the most specific: a rule of
reviewer before a bandit test, higher confidence, a narrower span; then the lowest code.
Its message gets "(also: MIG007, ...)" and its `also` field the other codes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable, Iterable, Mapping

from reviewer.bandit_bridge import is_bandit_rule
from reviewer.model import Category, Finding
from reviewer.rule import Rule


@dataclass(frozen=True)
class Merged:
    """A reported finding and every finding it stands for (itself first)."""

    finding: Finding
    members: tuple[Finding, ...]


def merge(
    findings: Iterable[Finding], rules: Mapping[str, type[Rule]], owner: Callable[[str], str | None] = lambda path: None
) -> list[Merged]:
    """Group `findings` that describe one problem and keep one finding per group."""
    items = sorted(findings, key=Finding.sort_key)
    parent = list(range(len(items)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(i: int, j: int) -> None:
        a, b = find(i), find(j)
        if a != b:
            parent[max(a, b)] = min(a, b)

    first: dict[tuple, int] = {}

    def join(key: tuple, i: int) -> None:
        if key in first:
            union(first[key], i)
        else:
            first[key] = i

    on_line: dict[tuple[str, int, str], list[int]] = {}
    for i, finding in enumerate(items):
        rule = rules.get(finding.rule)
        if finding.category is Category.META:
            continue
        if rule is not None and rule.project_level:
            join(("project", owner(finding.path), finding.rule, finding.message), i)
            continue
        # A finding that names its operation merges by span only with findings of that operation.
        join(("span", finding.path, finding.location, finding.operation), i)
        if finding.operation:
            join(("operation", finding.path, finding.operation), i)
        on_line.setdefault((finding.path, finding.location.line, finding.rule), []).append(i)
    for (path, line, code), indexes in on_line.items():
        rule = rules.get(code)
        for superseded in rule.supersedes if rule is not None else ():
            for j in on_line.get((path, line, superseded), ()):
                union(indexes[0], j)

    groups: dict[int, list[Finding]] = {}
    for i, finding in enumerate(items):
        groups.setdefault(find(i), []).append(finding)
    merged = [_merge_group(members, rules) for members in groups.values()]
    return sorted(merged, key=lambda item: item.finding.sort_key())


def _merge_group(members: list[Finding], rules: Mapping[str, type[Rule]]) -> Merged:
    if len(members) == 1:
        return Merged(members[0], (members[0],))
    codes = {finding.rule for finding in members}
    superseded = {code for code in codes for other in codes if other != code and code in _supersedes(rules, other)}
    candidates = [finding for finding in members if finding.rule not in superseded] or members
    survivor = min(candidates, key=lambda finding: _precedence(finding, rules))
    also = tuple(sorted(codes - {survivor.rule}))
    repeats = sum(1 for finding in members if finding.rule == survivor.rule) - 1
    named = ([f"{repeats} more {survivor.rule}"] if repeats else []) + list(also)
    finding = replace(survivor, message=f"{survivor.message} (also: {', '.join(named)})", also=also)
    return Merged(finding, (survivor, *[member for member in members if member is not survivor]))


def _supersedes(rules: Mapping[str, type[Rule]], code: str) -> tuple[str, ...]:
    rule = rules.get(code)
    return rule.supersedes if rule is not None else ()


def _precedence(finding: Finding, rules: Mapping[str, type[Rule]]) -> tuple:
    location = finding.location
    span = (location.end_line - location.line, location.end_column - location.column)
    return (
        -finding.severity.rank,
        is_bandit_rule(rules.get(finding.rule)),
        -finding.confidence.rank,
        span,
        finding.rule,
        finding.sort_key(),
    )
