"""The release tag the recipes name exists at release (issue 14, item 6; Why 9): the version is
defined once, in pyproject.toml; a release is tagged `v<version>` (docs/ci-recipes.md); every
pre-commit `rev:` and action `uses:` that names reviewer in README.md and docs/*.md names that
tag. The recipes are read as YAML (the fenced ```yaml blocks), not matched as text."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
import yaml

import reviewer
from tests.conftest import REPO

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

VERSION = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
TAG = f"v{VERSION}"
FENCED_YAML = re.compile(r"^```ya?ml\n(.*?)^```", re.S | re.M)


def _walk(node):
    yield node
    children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
    for child in children:
        yield from _walk(child)


def _names_reviewer(repository: str) -> bool:
    return repository.rstrip("/").removesuffix(".git").rsplit("/", 1)[-1] == "reviewer"


def release_refs(markdown: str) -> list[tuple[str, str]]:
    """(kind, ref) of every pre-commit `rev:` of a reviewer repository and every `uses:` of the
    reviewer action in the YAML blocks of `markdown`."""
    refs = []
    for block in FENCED_YAML.findall(markdown):
        for node in _walk(yaml.safe_load(block)):
            if not isinstance(node, dict):
                continue
            if isinstance(node.get("repo"), str) and _names_reviewer(node["repo"]) and "rev" in node:
                refs.append(("rev", str(node["rev"])))
            uses = node.get("uses")
            if isinstance(uses, str) and "@" in uses and _names_reviewer(uses.split("@", 1)[0]):
                refs.append(("uses", uses.split("@", 1)[1]))
    return refs


def test_the_version_is_defined_once() -> None:
    assert reviewer.__version__ == VERSION
    assert VERSION not in (REPO / "reviewer" / "__init__.py").read_text(encoding="utf-8")


def test_release_refs_reads_the_yaml_of_recipes() -> None:
    text = "```yaml\nrepos:\n  - repo: https://github.com/o/reviewer\n    rev: v9\n  - repo: https://github.com/o/other\n    rev: v1\n```\n"
    text += "```yaml\nsteps:\n  - uses: actions/checkout@v4\n  - uses: o/reviewer@main\n```\n"
    assert release_refs(text) == [("rev", "v9"), ("uses", "main")]


def test_the_ci_recipes_name_the_release_tag() -> None:
    refs = release_refs((REPO / "docs" / "ci-recipes.md").read_text(encoding="utf-8"))
    assert {kind for kind, _ in refs} == {"rev", "uses"}
    assert {ref for _, ref in refs} == {TAG}


@pytest.mark.parametrize("page", sorted(path.name for path in (REPO / "docs").glob("*.md")))
def test_every_docs_page_names_the_release_tag(page: str) -> None:
    refs = release_refs((REPO / "docs" / page).read_text(encoding="utf-8"))
    assert all(ref == TAG for _, ref in refs), (page, refs, TAG)


def test_the_readme_names_the_release_tag() -> None:
    refs = release_refs((REPO / "README.md").read_text(encoding="utf-8"))
    assert all(ref == TAG for _, ref in refs), (refs, TAG)
