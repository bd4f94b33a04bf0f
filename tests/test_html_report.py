"""The HTML report (`--format html`): one self-contained page, the scores and charts drawn in
the markup, the findings table drawn by its own script. The page itself is checked in headless
Chromium in test_html_browser.py; here, what the generator writes."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import pytest

from reviewer.reporters import html_report
from tests.conftest import CLEAN, SQL001_CRITICAL, SQL001_HIGH, many_findings, run_cli, write_tree
from tests.gitrepo import commit, git, init_repo, needs_git

ISLAND = re.compile(r'<script type="application/json" id="report-data">(.*?)</script>', re.S)


def html_scan(root: Path, *args: str, cwd: Path | None = None) -> tuple[int, str]:
    result = run_cli("scan", str(root), "--no-cache", "--format", "html", *args, cwd=cwd)
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, result.stdout


def island(page: str) -> dict:
    found = ISLAND.search(page)
    assert found is not None
    return json.loads(found.group(1))


class Elements(HTMLParser):
    """Every start tag with its attributes, and the text of <style> and <script> elements."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.inline: dict[str, list[str]] = {"style": [], "script": []}
        self._in: str | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in = tag if tag in self.inline else None

    def handle_endtag(self, tag):
        self._in = None

    def handle_data(self, data):
        if self._in:
            self.inline[self._in].append(data)


def elements(page: str) -> Elements:
    parser = Elements()
    parser.feed(page)
    parser.close()
    return parser


@pytest.fixture
def seeded(tmp_path: Path) -> Path:
    return write_tree(tmp_path / "proj", {"db/find.py": SQL001_HIGH, "api/search.py": SQL001_CRITICAL, "ok.py": CLEAN})


def test_page_is_self_contained(seeded: Path) -> None:
    _, page = html_scan(seeded)
    assert page.startswith("<!DOCTYPE html>")
    parsed = elements(page)
    loads = [(tag, name, value) for tag, attrs in parsed.tags for name, value in attrs.items() if name in ("src", "href", "srcset", "action", "data")]
    assert loads == []  # no script, style sheet, image, font or frame comes from anywhere
    assert not any(tag in ("link", "iframe", "img", "object", "embed") for tag, _ in parsed.tags)
    style = "".join(parsed.inline["style"])
    assert "url(" not in style and "@import" not in style
    # The Content-Security-Policy allows exactly the page's own style and script, and no fetch.
    policy = next(attrs["content"] for tag, attrs in parsed.tags if attrs.get("http-equiv") == "Content-Security-Policy")
    assert policy.startswith("default-src 'none';")

    def digest(text: str) -> str:
        return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"

    scripts = [text for text in parsed.inline["script"] if not text.lstrip().startswith("{")]
    assert f"style-src {digest(style)};" in policy and f"script-src {digest(scripts[0])};" in policy


def test_scores_grades_and_not_checked_categories(seeded: Path) -> None:
    _, page = html_scan(seeded, "--select", "SQL001")
    report = json.loads(run_cli("scan", str(seeded), "--no-cache", "--format", "json", "--select", "SQL001").stdout)
    score = report["score"]
    assert f'<span class="score">{score["overall"]:.1f}</span><span class="grade">{score["grade"]}</span>' in page
    for name, item in score["categories"].items():
        if item["checked"]:
            assert f'<div class="card grade-{item["grade"]}" data-category="{name}"><h3>{name}</h3><span class="score">{item["score"]:.1f}</span>' in page
        else:
            assert f'<div class="card unchecked" data-category="{name}"><h3>{name}</h3><span class="score">not checked</span>' in page
    assert not score["categories"]["orm"]["checked"]  # only SQL001 ran
    # The score chart shows an unchecked category as such, not as a 100.
    scores = page[page.index('id="chart-scores"') :]
    scores = scores[: scores.index("</figure>")]
    assert '<text class="note" x="416" y="34.0">not checked</text>' in scores  # orm, the second row


def test_charts_count_findings_by_category_severity_and_rule(seeded: Path) -> None:
    _, page = html_scan(seeded, "--select", "SQL001")
    assert [chart for chart in re.findall(r'<figure class="chart" id="([a-z-]+)"', page)] == ["chart-severity", "chart-scores", "chart-rules"]
    assert "<title>sql: 1 critical</title>" in page and "<title>sql: 1 high</title>" in page
    assert '<g class="bar" data-filter="rule" data-value="SQL001" tabindex="0"><title>SQL001 sql-injection-dynamic-query</title>' in page
    assert "new" not in re.findall(r'id="chart-(\w+)"', page)  # no baseline, no --diff: nothing to compare


def test_findings_carry_excerpt_fix_and_the_explain_text(seeded: Path) -> None:
    _, page = html_scan(seeded, "--select", "SQL001")
    data = island(page)
    [finding] = [f for f in data["findings"] if f["path"] == "db/find.py"]
    assert finding["severity"] == "high" and finding["line"] == 2 and finding["fix"].startswith("Bind it as a parameter")
    assert finding["excerpt"] == [1, 4]  # two lines of context each side, cut at the file's end by the page
    assert data["sources"]["db/find.py"] == {"1": "def find(cur, email):", "2": SQL001_HIGH.splitlines()[1]}
    explained = run_cli("explain", "SQL001", cwd=seeded).stdout
    assert "\n".join(data["rules"]["SQL001"]["explanation"]) + "\n" == explained


def test_baseline_adds_the_new_against_existing_chart(seeded: Path) -> None:
    baseline = seeded.parent / "baseline.json"
    created = run_cli("baseline", "create", str(baseline), str(seeded), "--select", "SQL001", "--no-cache")
    assert created.exit_code == 0, created.output
    write_tree(seeded, {"db/more.py": SQL001_HIGH})
    _, page = html_scan(seeded, "--select", "SQL001", "--baseline", str(baseline))
    chart = page[page.index('id="chart-new"') :]
    chart = chart[: chart.index("</figure>")]
    assert "New findings against existing ones (in the baseline)" in chart
    assert ">1 new, 2 existing</text>" in chart
    assert [f["path"] for f in island(page)["findings"]] == ["db/more.py"]


@needs_git
def test_diff_adds_the_new_against_existing_chart(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo", {"old.py": SQL001_HIGH})
    git(repo, "checkout", "-q", "-b", "feature")
    # old.py is touched below its finding: --diff checks the changed files only.
    commit(repo, {"new.py": SQL001_HIGH, "old.py": SQL001_HIGH + "# touched\n"}, "change")
    _, page = html_scan(repo, "--select", "SQL001", "--diff", "main")
    chart = page[page.index('id="chart-new"') :]
    assert "(outside the change since main)" in chart[: chart.index("</figcaption>")]
    assert ">1 new, 1 existing</text>" in chart[: chart.index("</figure>")]


def test_output_file_and_exit_code(seeded: Path, tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    result = run_cli("scan", str(seeded), "--no-cache", "--select", "SQL001", "--fail-on", "high", "-o", f"html:{target}")
    assert result.exit_code == 1
    page = target.read_text(encoding="utf-8")
    assert '<p class="gate failed" id="gate">Gate failed: ' in page
    assert "reviewer report: proj" in page


def test_generation_is_linear_in_the_findings(tmp_path: Path, monkeypatch) -> None:
    """5,000 findings over 50 files: each file read once, each rule explained once, each
    excerpt line stored once, and a page ten times as long for ten times the findings."""
    big_result = many_findings(tmp_path / "many", 5000, 50)

    def many(count: int):
        return replace(big_result, findings=big_result.findings[:count])

    reads: list[Path] = []
    explained: list[str] = []
    real_read, real_explanation = html_report.read_lines, html_report.explanation
    monkeypatch.setattr(html_report, "read_lines", lambda path: reads.append(path) or real_read(path))
    monkeypatch.setattr(html_report, "explanation", lambda rule, field: explained.append(rule.code) or real_explanation(rule, field))

    big = html_report.render(many(5000))
    assert len(reads) == 50 and len(set(reads)) == 50
    assert explained == ["SQL001"]
    data = island(big)
    assert len(data["findings"]) == 5000
    # Each file has 200 lines, every one in some finding's window: 10,000 lines stored, where
    # an excerpt per finding would store 5,000 x 5.
    assert sum(len(lines) for lines in data["sources"].values()) == 50 * 200
    small = html_report.render(many(500))
    fixed = len(html_report.render(many(0)))
    assert (len(big) - fixed) / (len(small) - fixed) < 11
