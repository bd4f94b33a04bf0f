"""The README's rule table is generated from the rules' metadata and must stay in sync.
Regenerate with REVIEWER_UPDATE_EXPECTED=1."""

from __future__ import annotations

import os
import re

from reviewer import precision, registry as registry_module
from reviewer.cli import rules_markdown
from tests.conftest import REPO

START, END = "<!-- rules:start -->", "<!-- rules:end -->"


def test_readme_rule_table_is_generated_from_metadata() -> None:
    readme = REPO / "README.md"
    text = readme.read_text(encoding="utf-8")
    table = rules_markdown(registry_module.load(), precision.shipped())
    block = f"{START}\n{table}{END}"
    if os.environ.get("REVIEWER_UPDATE_EXPECTED") == "1":
        text = re.sub(re.escape(START) + ".*?" + re.escape(END), lambda _: block, text, flags=re.S)
        readme.write_text(text, encoding="utf-8")
    assert block in text, "README rule table is stale: run with REVIEWER_UPDATE_EXPECTED=1"


def test_readme_commands_match_ci() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert "python3 -m venv .venv && .venv/bin/pip install -e '.[test]' && .venv/bin/python -m pytest" in readme
    assert "python3 -m venv .venv" in ci and ".venv/bin/pip install -e '.[test]'" in ci and ".venv/bin/python -m pytest" in ci
