"""Each sample project's SEEDED.md is checked against what reviewer reports, so the two cannot
disagree. The contract, stated at the top of each SEEDED.md:

- every row of "Planted violations" is a finding of `--profile audit` (every rule of reviewer,
  opt-in ones included) with that rule, path and line;
- every finding of that scan (and every code in its `also`) is a planted row, or a row of "Secondary, judgement-dependent
  findings" (those may also stay silent);
- no near-miss of "Near-misses that must stay clean" / "Traps deliberately exercised" has a
  finding of a rule its row names at its line.
bandit's tests (B###) are out of the contract: their findings are bandit's, not the fixture's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from reviewer import registry as registry_module
from reviewer.config import Config
from tests.conftest import NO_RELEASE_POINT, REPO, scan_tree

KNOWN = frozenset(rule.code for rule in registry_module.load(()).rules)
SAMPLES = sorted(path for path in (REPO / "sample_projects").iterdir() if path.is_dir())
CODE = r"[A-Z]{2,4}\d{3}"
LOCATION = re.compile(r"^(?P<path>[\w./-]+):(?P<line>\d+)$")


@dataclass(frozen=True)
class Row:
    rule: str
    path: str
    line: int

    def __str__(self) -> str:
        return f"{self.rule} {self.path}:{self.line}"


def _sections(text: str) -> dict[str, list[list[str]]]:
    """The table rows (cells, stripped) under each `## ` heading; header and rule lines dropped."""
    sections: dict[str, list[list[str]]] = {}
    current = None
    for line in text.splitlines():
        if line.startswith("## "):
            current = sections.setdefault(line[3:].strip(), [])
        elif current is not None and line.startswith("|"):
            cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
            if not set("".join(cells)) <= set("-: ") and cells[0] not in ("Rule", "File:line"):
                current.append(cells)
    return sections


def _location(cell: str, where: str) -> tuple[str, int]:
    match = LOCATION.match(cell)
    assert match, f"{where}: {cell!r} is not a `path:line`"
    return match["path"], int(match["line"])


def _rule_rows(rows: list[list[str]], where: str) -> set[Row]:
    """`| SQL001, ORM011 | path:line | ... |` rows: one Row per code named in the first cell."""
    found = set()
    for cells in rows:
        codes = [code.strip() for code in cells[0].split(",")]
        assert all(re.fullmatch(CODE, code) for code in codes), f"{where}: {cells[0]!r} is not a list of rule codes"
        path, line = _location(cells[1], where)
        found |= {Row(code, path, line) for code in codes}
    return found


def _near_misses(sections: dict[str, list[list[str]]], name: str) -> set[Row]:
    """Rows that must stay clean: `| path:line | MIG003/MIG007: why |` (near-miss tables) or
    `| SQL001, SQL003 | path:line | why |` (the clean sample's traps)."""
    rows = set()
    for cells in sections.get("Near-misses that must stay clean", []):
        path, line = _location(cells[0], name)
        named = re.match(rf"^((?:{CODE})(?:\s*/\s*{CODE})*)\s*:", cells[1])
        assert named, f"{name}: near-miss {cells[0]} does not start with the rules it is a trap for (`SQL001: ...`)"
        rows |= {Row(code.strip(), path, line) for code in named[1].split("/")}
    rows |= _rule_rows(sections.get("Traps deliberately exercised", []), name)
    return rows


def _audit_findings(project: Path) -> set[Row]:
    config = replace(Config(root=str(project), migrations_released=NO_RELEASE_POINT), profile="audit")
    result = scan_tree(project, config=config)
    # A finding that also stands for other codes on the same operation (`also`) reports them too.
    return {Row(code, f.path, f.line) for f in result.findings for code in (f.rule, *f.also)
            if not re.fullmatch(r"B\d{3}", code)}  # fmt: skip


@pytest.mark.parametrize("project", SAMPLES, ids=[path.name for path in SAMPLES])
def test_seeded_md_and_the_audit_report_agree(project: Path) -> None:
    sections = _sections((project / "SEEDED.md").read_text(encoding="utf-8"))
    planted = _rule_rows(sections.get("Planted violations", []), project.name)
    secondary = _rule_rows(sections.get("Secondary, judgement-dependent findings", []), project.name)
    clean = _near_misses(sections, project.name)
    found = _audit_findings(project)
    assert planted or clean, f"{project.name}/SEEDED.md has no table this test can read"
    missed = sorted(map(str, planted - found))
    unlisted = sorted(map(str, found - planted - secondary))
    fired = sorted(map(str, clean & found))
    assert (missed, unlisted, fired) == ([], [], []), (
        f"{project.name}: planted but not reported {missed}; reported but not in SEEDED.md {unlisted}; "
        f"near-misses reported {fired}"
    )


def test_every_code_seeded_md_names_is_a_rule_of_reviewer() -> None:
    for project in SAMPLES:
        sections = _sections((project / "SEEDED.md").read_text(encoding="utf-8"))
        named = {row.rule for title in ("Planted violations", "Secondary, judgement-dependent findings")
                 for row in _rule_rows(sections.get(title, []), project.name)}  # fmt: skip
        named |= {row.rule for row in _near_misses(sections, project.name)}
        assert named <= KNOWN, f"{project.name}/SEEDED.md names rules reviewer does not have: {sorted(named - KNOWN)}"
