"""File names and code from the scanned tree are hostile input for every report format: they
must not make XML invalid, break out of Markdown code spans (raw HTML, @mentions), or pass
terminal escape sequences to a terminal or CI log."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.conftest import SQL001_HIGH, run_cli, write_tree

NAMES = ["esc\x1b[2Jclear.py", "ctl\x01\x0bname.py", "tick`<img src=x onerror=alert(1)>`@octocat.py"]


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    try:
        return write_tree(tmp_path / "proj", {name: SQL001_HIGH for name in NAMES})
    except OSError as error:  # pragma: no cover - a file system that refuses such names
        pytest.skip(f"the file system refuses these names: {error}")


def _outside_code_spans(markdown: str) -> str:
    """The Markdown with its code spans taken out (a span opens and closes with equal runs of
    backticks): what is left is what GitHub renders as HTML, links and mentions."""
    import re

    return re.sub(r"(`+)(?!`)(.+?)(?<!`)\1(?!`)", "", markdown)


def _report(root: Path, fmt: str) -> str:
    result = run_cli("scan", root, "--no-cache", "--select", "SQL001", "--format", fmt)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_json_keeps_the_real_names(hostile: Path) -> None:
    report = json.loads(_report(hostile, "json"))
    assert sorted(f["path"] for f in report["findings"]) == sorted(NAMES)


@pytest.mark.parametrize("fmt", ["junit", "checkstyle"])
def test_xml_reports_stay_valid(hostile: Path, fmt: str) -> None:
    text = _report(hostile, fmt)
    ET.fromstring(text.encode("utf-8"))  # raises on a character XML 1.0 forbids
    assert "\\x1b" in text and "\\x01" in text  # shown, not dropped


def test_markdown_cannot_break_out_of_code_spans(hostile: Path) -> None:
    text = _report(hostile, "markdown")
    outside = _outside_code_spans(text)
    assert "<img" not in outside and "@octocat" not in outside
    for line in text.splitlines():
        if "octocat" in line:
            # The name sits inside one code span fenced by two backticks: its single backtick
            # cannot close the span, so the HTML and the mention stay literal text.
            assert "``tick`<img src=x onerror=alert(1)>`@octocat.py:2``" in line, line
    assert "\x1b" not in text and "\x01" not in text


@pytest.mark.parametrize("fmt", ["text", "github"])
def test_terminal_outputs_escape_control_characters(hostile: Path, fmt: str) -> None:
    text = _report(hostile, fmt)
    assert "\x1b" not in text and "\x01" not in text and "\x0b" not in text
    assert "esc\\x1b[2Jclear.py" in text


def test_review_comment_escapes_messages() -> None:
    from reviewer.integrations import comment_body
    from reviewer.model import Confidence, Finding, Location, Severity, Category

    finding = Finding(
        rule="SQL010", name="sql-syntax-error", category=Category.SQL, severity=Severity.LOW, confidence=Confidence.HIGH,
        path="a.py", location=Location(1, 1, 1, 2), message="`SELECT `x` <img src=y> @team` does not parse",
        fix="Fix it [here](http://evil)", fingerprint="ab12",
    )
    body = comment_body(finding)
    outside = _outside_code_spans(body)
    import re

    assert "<img" not in outside.replace("\\<img", "") and "@team" not in outside
    assert re.search(r"(?<!\\)\]\(", outside) is None  # no link: its `]` is escaped


def test_html_keeps_names_as_text(hostile: Path) -> None:
    """No markup from a name reaches the page: in the markup every `<` of a name is an entity,
    in the JSON data island a `\\u003c` escape (the page's script inserts text nodes only; the
    browser test of the HTML report checks the DOM)."""
    import re

    text = _report(hostile, "html")
    assert "<img" not in text and "\x1b" not in text and "\x01" not in text and "\x0b" not in text
    island = re.search(r'<script type="application/json" id="report-data">(.*?)</script>', text, re.S)
    assert island is not None
    paths = sorted(finding["path"] for finding in json.loads(island.group(1))["findings"])
    assert paths == sorted(["esc\\x1b[2Jclear.py", "ctl\\x01\\x0bname.py", "tick`<img src=x onerror=alert(1)>`@octocat.py"])
