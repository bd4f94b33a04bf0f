"""The documentation: README.md stays short and its quick start is what CI runs; the generated
pages under docs/ (one per rule, the rule index, the bandit list) match the rules' metadata;
every relative link in README.md and docs/ resolves. Regenerate the pages with
`python -m reviewer.docgen`, or run this file with REVIEWER_UPDATE_EXPECTED=1."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from reviewer import docgen, registry as registry_module
from reviewer.bandit_bridge import is_bandit_rule
from tests.conftest import REPO

README = REPO / "README.md"
DOCS = REPO / "docs"
README_MAX_LINES = 300
PAGES = [README, *sorted(DOCS.rglob("*.md"))]


def test_readme_is_short() -> None:
    lines = README.read_text(encoding="utf-8").count("\n")
    assert lines <= README_MAX_LINES, f"README.md has {lines} lines; move detail to docs/"


def test_readme_commands_match_ci() -> None:
    readme = README.read_text(encoding="utf-8")
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert "python3 -m venv .venv && .venv/bin/pip install -e . && .venv/bin/reviewer scan sample_projects/fastapi_orders" in readme
    assert "python3 -m venv .venv && .venv/bin/pip install -e '.[test]' && .venv/bin/python -m pytest" in readme
    assert "python3 -m venv .venv" in ci and ".venv/bin/pip install -e '.[test]'" in ci and ".venv/bin/python -m pytest" in ci


def test_generated_pages_are_up_to_date() -> None:
    files = docgen.generated(DOCS)
    if os.environ.get("REVIEWER_UPDATE_EXPECTED") == "1":
        docgen.write(DOCS, files)
    assert docgen.stale(DOCS, files) == [], "generated docs are stale: run `python -m reviewer.docgen`"


def test_docgen_check_command(capsys) -> None:
    assert docgen.main(["--check"]) == 0, capsys.readouterr().out


def test_docgen_check_finds_a_stale_and_an_orphan_page(tmp_path: Path) -> None:
    import shutil

    shutil.copytree(DOCS, tmp_path / "docs")
    docs = tmp_path / "docs"
    (docs / "rules" / "SQL001.md").write_text("old\n", encoding="utf-8")
    (docs / "rules" / "SQL999.md").write_text("a retired rule\n", encoding="utf-8")
    out: list[str] = []
    assert docgen.main(["--check", "--docs", str(docs)], emit=out.append) == 1
    assert f"{docs / 'rules' / 'SQL001.md'}: out of date" in out
    assert f"{docs / 'rules' / 'SQL999.md'}: no rule has this code" in out
    assert docgen.main(["--docs", str(docs)], emit=out.append) == 0
    assert not (docs / "rules" / "SQL999.md").exists()
    assert docgen.main(["--check", "--docs", str(docs)], emit=out.append) == 0


def test_docgen_outside_a_clone_says_so(tmp_path: Path) -> None:
    out: list[str] = []
    assert docgen.main(["--docs", str(tmp_path)], emit=out.append) == 2
    assert "not a docs folder" in out[0]


def test_every_rule_of_ours_has_a_page_with_its_examples() -> None:
    registry = registry_module.load()
    for rule in registry.rules:
        if is_bandit_rule(rule):
            continue
        page = (DOCS / "rules" / f"{rule.code}.md").read_text(encoding="utf-8")
        assert page.count("\n## Bad: flagged") == 1 and page.count("\n## Good: not flagged") == 1
        assert rule.summary in page
        for code in rule.supersedes:
            assert f"[{code}]" in page
    index = (DOCS / "rules" / "README.md").read_text(encoding="utf-8")
    assert f"| [SQL001](SQL001.md) | `sql-injection-dynamic-query` (opt-in) |" in index


# ----------------------------------------------------------------------------------------------
# Links

LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^(```+|~~~+).*?^\1\s*$", re.M | re.S)
CODE_SPAN = re.compile(r"`([^`\n]+)`")


def _prose(text: str) -> str:
    """The page without its fenced code blocks."""
    return FENCE.sub("", text)


def _link_text(text: str) -> str:
    """The prose with its code spans reduced to a word: a link's text may be code, and
    `def f[T](x: T)` in a span is no link."""
    return CODE_SPAN.sub("code", _prose(text))


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"`|\*\*|<[^>]+>", "", heading.strip()).lower()
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    seen: dict[str, int] = {}
    found = set()
    for line in _prose(path.read_text(encoding="utf-8")).splitlines():
        match = re.match(r"^#{1,6}\s+(.*)$", line)
        if not match:
            continue
        base = slug(match.group(1))
        count = seen.get(base, 0)
        seen[base] = count + 1
        found.add(base if count == 0 else f"{base}-{count}")
    return found


def _links(page: Path) -> list[str]:
    return [target for target in LINK.findall(_link_text(page.read_text(encoding="utf-8"))) if not re.match(r"^[a-z]+:", target)]


@pytest.mark.parametrize("page", PAGES, ids=[str(page.relative_to(REPO)) for page in PAGES])
def test_relative_links_resolve(page: Path) -> None:
    broken = []
    for target in _links(page):
        file_part, _, anchor = target.partition("#")
        resolved = (page.parent / file_part).resolve() if file_part else page
        if not resolved.exists():
            broken.append(f"{target}: no such file")
        elif anchor and resolved.suffix == ".md" and anchor not in anchors(resolved):
            broken.append(f"{target}: no heading with anchor #{anchor}")
        elif REPO.resolve() not in resolved.parents and resolved != REPO.resolve():
            broken.append(f"{target}: outside the repository")
    assert broken == []


@pytest.mark.parametrize("page", PAGES, ids=[str(page.relative_to(REPO)) for page in PAGES])
def test_named_documents_exist(page: Path) -> None:
    """A Markdown file named in a code span with its folder (`docs/ecosystem.md`) is in the
    repository: the README once pointed at two files that were not."""
    missing = []
    for span in CODE_SPAN.findall(_prose(page.read_text(encoding="utf-8"))):
        if re.fullmatch(r"[\w./-]+/[\w.-]+\.md", span) and not any((base / span).exists() for base in (REPO, page.parent)):
            missing.append(span)
    assert missing == []


def test_slugs_follow_github() -> None:
    assert slug("Only what a change touches: `--diff BASE`") == "only-what-a-change-touches---diff-base"
    assert slug("One problem, one finding") == "one-problem-one-finding"
    assert slug("SQL001 against bandit on the labelled corpus") == "sql001-against-bandit-on-the-labelled-corpus"


def test_link_check_catches_a_broken_link(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("# Title\n\n[ok](#title) [gone](missing.md) [bad](#nowhere)\n```\n[in code](ignored.md)\n```\n", encoding="utf-8")
    assert _links(page) == ["#title", "missing.md", "#nowhere"]
    assert anchors(page) == {"title"}
