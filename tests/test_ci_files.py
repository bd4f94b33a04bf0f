"""action.yml, .pre-commit-hooks.yaml and the CI recipes (docs/ci.md) stay in step with the
command line: they parse, and every option they pass exists."""

from __future__ import annotations

import re
import shlex
import textwrap

import click
import yaml

from reviewer.cli import main
from tests.conftest import REPO


def _options(*command: str) -> set[str]:
    node = main
    for name in command:
        node = node.get_command(click.Context(node), name)  # commands in other modules load when named
    return {opt for param in node.params for opt in param.opts if opt.startswith("-")}


SCAN, REVIEW = _options("scan"), _options("review")


def _check(words: list[str]) -> None:
    words = [w for w in words if not w.startswith("$")]
    if words[:2] == ["reviewer", "scan"]:
        known = SCAN
    elif words[:2] == ["reviewer", "review"]:
        known = REVIEW
    else:
        return
    for word in words[2:]:
        if word.startswith("--"):
            assert word.split("=")[0] in known, (words, word)


def _commands(script: str) -> list[list[str]]:
    out = []
    for line in script.replace("\\\n", " ").splitlines():
        line = line.split("||")[0].split("|")[0].strip()
        if line.startswith("reviewer "):
            out.append(shlex.split(line, comments=True))
    return out


def test_action_parses_and_passes_real_options() -> None:
    action = yaml.safe_load((REPO / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    script = "\n".join(step.get("run", "") for step in action["runs"]["steps"])
    flags = set(re.findall(r"(--[a-z-]+)", script))
    assert {"--format", "--output", "--baseline", "--fail-on", "--fail-on-confidence", "--fail-under", "--diff", "--base", "--platform"} <= flags
    assert flags - {"--disable-pip-version-check", "--quiet", "--noprofile", "--norc"} <= SCAN | REVIEW
    assert "${{ inputs" not in script  # inputs reach scripts through env, never spliced into shell


def test_pre_commit_hooks_use_real_options() -> None:
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    assert {hook["id"] for hook in hooks} == {"reviewer", "reviewer-baseline"}
    for hook in hooks:
        _check([*shlex.split(hook["entry"]), *hook.get("args", [])])
        assert hook["pass_filenames"] is True  # the files being committed (tests/test_precommit.py)


def test_ci_recipes_parse_and_use_real_options() -> None:
    """docs/ci.md's commands, and the recipe the README shows (docs/ci-recipes.md: below)."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## CI and pull requests") : readme.index("## Your own rules")]
    section += (REPO / "docs" / "ci.md").read_text(encoding="utf-8")
    for block in re.findall(r"```yaml\n(.*?)```", section, re.S):
        yaml.safe_load(textwrap.dedent(block))
    commands = [c for block in re.findall(r"```(?:sh|yaml)\n(.*?)```", section, re.S) for c in _commands(block.replace("- run: ", "").replace("run: ", ""))]
    assert len(commands) >= 5
    for words in commands:
        _check(words)


def test_ci_recipes_page_parses_and_uses_real_options() -> None:
    page = (REPO / "docs" / "ci-recipes.md").read_text(encoding="utf-8")
    for block in re.findall(r"```yaml\n(.*?)```", page, re.S):
        yaml.safe_load(textwrap.dedent(block))
    commands = [c for block in re.findall(r"```(?:sh|yaml)\n(.*?)```", page, re.S) for c in _commands(block.replace("- run: ", "").replace("run: ", "").replace("- reviewer", "reviewer"))]
    assert len(commands) >= 5
    for words in commands:
        _check(words)
