"""The HTML report in a real browser: headless Chromium (Debian's `chromium` package) opens the
page from a file, and the tests read the DOM after its script ran: the charts and the table
are drawn, filtering, sorting and the details work, nothing is fetched and nothing is logged to
the console. Skipped, with the reason, when no Chromium is installed."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from reviewer.reporters import html_report
from tests import chromium
from tests.conftest import CLEAN, REPO, SQL001_CRITICAL, SQL001_HIGH, many_findings, run_cli, write_tree

BROWSER = chromium.find()
pytestmark = pytest.mark.skipif(
    BROWSER is None, reason="Chromium is not installed (Debian: `apt-get install chromium`); the HTML report's browser tests need it"
)
SAMPLE = "fastapi_orders"


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    with chromium.Chromium(BROWSER, tmp_path_factory.mktemp("chromium") / "profile") as running:
        yield running


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> tuple[Path, dict]:
    """The bundled sample's HTML report, and its JSON report for the expected figures."""
    work = tmp_path_factory.mktemp("sample")
    project = work / SAMPLE
    shutil.copytree(REPO / "sample_projects" / SAMPLE, project, ignore=shutil.ignore_patterns(".reviewer_cache"))
    page = work / "report.html"
    # Every rule: the default set finds too little in the sample to exercise the filters.
    result = run_cli("scan", str(project), "--no-cache", "-q", "--profile", "audit", "-o", f"html:{page}", "-o", f"json:{work / 'report.json'}")
    assert result.exit_code == 0, result.output
    return page, json.loads((work / "report.json").read_text(encoding="utf-8"))


def visible_rows(page: chromium.Page) -> int:
    return page.evaluate("document.querySelectorAll('#findings-table tbody tr.finding:not([hidden])').length")


def type_path(page: chromium.Page, text: str) -> None:
    page.evaluate(f"{{ const box = document.getElementById('filter-path'); box.value = {json.dumps(text)}; box.dispatchEvent(new Event('input')); }}")


def clean_load(page: chromium.Page, url: str) -> None:
    assert page.problems() == []
    assert page.requests() == [url]  # the page itself, nothing else


def _top_rules(report: dict) -> list[str]:
    """The rules the top-rules chart shows: the most findings first, then by code (TOP_RULES of them)."""
    from collections import Counter

    from reviewer.reporters.html_report import TOP_RULES

    counts = Counter(f["rule"] for f in report["findings"])
    return sorted(counts, key=lambda rule: (-counts[rule], rule))[:TOP_RULES]


def test_charts_and_table_are_drawn(browser: chromium.Chromium, sample) -> None:
    path, report = sample
    url = path.as_uri()
    page = browser.open(url)
    clean_load(page, url)
    drawn = page.evaluate(
        """Array.from(document.querySelectorAll('figure.chart'), (figure) => [figure.id,
             Array.from(figure.querySelectorAll('rect.segment')).filter((r) => r.getBBox().width > 0 && r.getBBox().height > 0).length])"""
    )
    assert dict(drawn) == {
        "chart-severity": len({(f["category"], f["severity"]) for f in report["findings"]}),
        "chart-scores": sum(item["checked"] for item in report["score"]["categories"].values()),
        "chart-rules": sum(len({f["severity"] for f in report["findings"] if f["rule"] == rule}) for rule in _top_rules(report)),
    }
    findings = report["findings"]
    assert page.evaluate("document.querySelectorAll('#findings-table tbody tr.finding').length") == len(findings) == visible_rows(page)
    assert page.evaluate("document.getElementById('shown').textContent") == f"Showing {len(findings)} of {len(findings)} findings."
    # Sorted by severity, most severe first.
    shown = page.evaluate("Array.from(document.querySelectorAll('#findings-table tbody .badge'), (b) => b.textContent)")
    ranks = ["critical", "high", "medium", "low", "info"]
    assert shown == sorted((f["severity"] for f in findings), key=ranks.index)
    assert page.evaluate("document.querySelector('#overall .score').textContent") == f"{report['score']['overall']:.1f}"
    assert page.problems() == []


def test_filters_sort_details_and_chart_clicks(browser: chromium.Chromium, sample) -> None:
    path, report = sample
    findings = report["findings"]
    page = browser.open(path.as_uri())

    def set_severities(*wanted: str) -> None:
        page.evaluate(
            f"""for (const box of document.querySelectorAll('input[name=severity]')) box.checked = {json.dumps(list(wanted))}.includes(box.value);
                document.getElementById('filters').dispatchEvent(new Event('change', {{bubbles: true}}))"""
        )

    set_severities("critical", "high")
    assert visible_rows(page) == sum(f["severity"] in ("critical", "high") for f in findings) > 0
    set_severities(*"critical high medium low info".split())

    type_path(page, "ROUTERS/")
    assert visible_rows(page) == sum("routers/" in f["path"].lower() for f in findings) > 0
    assert page.evaluate("document.getElementById('shown').textContent").startswith(f"Showing {visible_rows(page)} of")

    page.evaluate("document.getElementById('filters').reset()")
    page.evaluate("new Promise((done) => setTimeout(done, 0))")
    assert visible_rows(page) == len(findings)

    rule = findings[0]["rule"]
    page.evaluate(
        f"{{ const select = document.getElementById('filter-rule'); select.value = {json.dumps(rule)}; select.dispatchEvent(new Event('change', {{bubbles: true}})); }}"
    )
    assert visible_rows(page) == sum(f["rule"] == rule for f in findings)

    # A click on a bar of the category chart filters by that category.
    page.evaluate("document.querySelector('#chart-severity .bar[data-value=security]').dispatchEvent(new MouseEvent('click', {bubbles: true}))")
    assert page.evaluate("document.getElementById('filter-category').value") == "security"
    assert page.evaluate("document.getElementById('filter-rule').value") == ""
    assert visible_rows(page) == sum(f["category"] == "security" for f in findings)
    page.evaluate("document.getElementById('filters').reset()")
    page.evaluate("new Promise((done) => setTimeout(done, 0))")

    # Sorting by rule, then the other way.
    page.evaluate("document.querySelector('th[data-sort=rule]').click()")
    rules = page.evaluate("Array.from(document.querySelectorAll('#findings-table tbody tr.finding td.rule'), (td) => td.firstChild.textContent)")
    assert rules == sorted(f["rule"] for f in findings)
    page.evaluate("document.querySelector('th[data-sort=rule]').click()")
    assert page.evaluate("document.querySelector('th[data-sort=rule]').getAttribute('aria-sort')") == "descending"

    # A finding's details: message, fix, the excerpt with the span marked, the rule's explanation.
    page.evaluate("document.querySelector('th[data-sort=severity]').click()")  # most severe first again
    page.evaluate("document.querySelector('#findings-table tbody tr.finding').click()")
    top = sorted(findings, key=lambda f: (["critical", "high", "medium", "low", "info"].index(f["severity"]), f["path"], f["line"], f["column"], f["rule"]))[0]
    detail = page.evaluate(
        """(() => { const row = document.querySelector('#findings-table tbody tr.detail');
             return {text: row.querySelector('dl').textContent, mark: row.querySelector('.code div.hit mark').textContent,
                     lines: Array.from(row.querySelectorAll('.code .no'), (n) => Number(n.textContent)),
                     explanation: row.querySelector('details.explain pre').textContent}; })()"""
    )
    assert top["fix"].replace("`", "") in detail["text"]
    assert top["line"] in detail["lines"] and detail["mark"]
    source = (path.parent / SAMPLE / top["path"]).read_text(encoding="utf-8").splitlines()[top["line"] - 1]
    assert detail["mark"] == source[top["column"] - 1 : top["end_column"] if top["end_line"] == top["line"] else None]
    explained = run_cli("explain", top["rule"], cwd=path.parent).stdout
    assert detail["explanation"] + "\n" == explained
    assert page.problems() == []


def test_new_against_existing_chart_is_drawn(browser: chromium.Chromium, tmp_path: Path) -> None:
    project = write_tree(tmp_path / "proj", {"a.py": SQL001_HIGH})
    baseline = tmp_path / "baseline.json"
    assert run_cli("baseline", "create", str(baseline), str(project), "--select", "SQL001", "--no-cache").exit_code == 0
    write_tree(project, {"b.py": SQL001_CRITICAL})
    report = tmp_path / "report.html"
    assert run_cli("scan", str(project), "--no-cache", "-q", "--select", "SQL001", "--baseline", str(baseline), "-o", f"html:{report}").exit_code == 0
    page = browser.open(report.as_uri())
    clean_load(page, report.as_uri())
    segments = page.evaluate("Array.from(document.querySelectorAll('#chart-new rect.segment'), (r) => [r.classList[1], r.getBBox().width > 0])")
    assert segments == [["s-new", True], ["s-existing", True]]
    assert visible_rows(page) == 1


def test_a_clean_project(browser: chromium.Chromium, tmp_path: Path) -> None:
    project = write_tree(tmp_path / "proj", {"ok.py": CLEAN})
    report = tmp_path / "report.html"
    data = tmp_path / "report.json"
    assert run_cli("scan", str(project), "--no-cache", "-q", "-o", f"html:{report}", "-o", f"json:{data}").exit_code == 0
    page = browser.open(report.as_uri())
    clean_load(page, report.as_uri())
    assert page.evaluate("document.getElementById('shown').textContent") == "No findings."
    report_data = json.loads(data.read_text(encoding="utf-8"))
    checked = sum(item["checked"] for item in report_data["score"]["categories"].values())
    assert checked >= 4  # the default rules reach most categories
    assert page.evaluate("document.querySelectorAll('#chart-scores rect.segment').length") == checked  # each checked one at 100
    assert page.evaluate("document.querySelector('#chart-rules').textContent") == "Top rulesNo findings."


def test_hostile_names_stay_text(browser: chromium.Chromium, tmp_path: Path) -> None:
    name = "tick`<img src=x onerror=alert(1)>`</script><script>alert(2)</script>.py"
    try:
        project = write_tree(tmp_path / "proj", {name: SQL001_HIGH, "esc\x1b[2J.py": SQL001_HIGH})
    except OSError as error:  # pragma: no cover - a file system that refuses such names
        pytest.skip(f"the file system refuses these names: {error}")
    report = tmp_path / "report.html"
    assert run_cli("scan", str(project), "--no-cache", "-q", "--select", "SQL001", "-o", f"html:{report}").exit_code == 0
    page = browser.open(report.as_uri())
    clean_load(page, report.as_uri())
    assert page.evaluate("document.querySelectorAll('img').length + document.scripts.length") == 2  # the island and the page's script
    paths = page.evaluate("Array.from(document.querySelectorAll('td.where'), (td) => td.textContent)")
    assert sorted(paths) == sorted([f"{name}:2:5", "esc\\x1b[2J.py:2:5"])


def test_five_thousand_findings(browser: chromium.Chromium, tmp_path: Path) -> None:
    report = tmp_path / "report.html"
    report.write_text(html_report.render(many_findings(tmp_path / "proj", 5000, 100)), encoding="utf-8")
    page = browser.open(report.as_uri())
    clean_load(page, report.as_uri())

    def status() -> str:
        return page.evaluate("document.getElementById('shown').textContent")

    # The first rows are drawn, more on request.
    assert visible_rows(page) == 250
    assert status() == "Showing the first 250 of 5000 matching findings (5000 in all)."
    page.evaluate("document.getElementById('show-more').click()")
    assert visible_rows(page) == 500
    type_path(page, "m7.py")
    assert visible_rows(page) == 50
    assert page.evaluate("document.getElementById('show-more').hidden && document.getElementById('show-all').hidden")
    page.evaluate("document.querySelector('th[data-sort=path]').click()")
    assert status() == "Showing 50 of 5000 findings."
    type_path(page, "")
    page.evaluate("document.getElementById('show-all').click()")
    assert visible_rows(page) == 5000
    assert status() == "Showing 5000 of 5000 findings."
    assert page.problems() == []
