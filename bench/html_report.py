"""Size and speed of the HTML report with many findings.

    .venv/bin/python bench/html_report.py [COUNT ...]      (default: 500 5000)

For each COUNT, the SQL001 findings of tests.conftest.many_findings (COUNT findings over 100
real files, the construction of the browser test with 5,000 findings): the time to write the
page, its size, and, when Chromium is installed, the time to open and draw it in headless
Chromium (a new tab over the DevTools protocol until the load event) and the page's own time
for typing a path filter and for re-sorting by path (`performance.now()` around the event).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from reviewer.reporters import html_report  # noqa: E402
from tests import chromium  # noqa: E402
from tests.conftest import many_findings  # noqa: E402

TIMED = """(() => {{ const start = performance.now(); {action}; return performance.now() - start; }})()"""
TYPE_PATH = "const box = document.getElementById('filter-path'); box.value = 'm7.py'; box.dispatchEvent(new Event('input'))"
SORT_BY_PATH = "document.querySelector('th[data-sort=path]').click()"


def measure(count: int, work: Path) -> str:
    result = many_findings(work / f"proj{count}", count, 100)
    start = time.perf_counter()
    page = html_report.render(result)
    written = time.perf_counter() - start
    report = work / f"report{count}.html"
    report.write_text(page, encoding="utf-8")
    line = f"{count:>6} findings: written in {written:.2f} s, {len(page.encode('utf-8')) / 1e6:.2f} MB"
    executable = chromium.find()
    if executable is None:
        return line + "; no chromium, no browser figures"
    with chromium.Chromium(executable, work / f"profile{count}") as browser:
        start = time.perf_counter()
        tab = browser.open(report.as_uri())
        opened = time.perf_counter() - start
        typed = tab.evaluate(TIMED.format(action=TYPE_PATH))
        sorted_ = tab.evaluate(TIMED.format(action=SORT_BY_PATH))
        problems = tab.problems()
    line += f", opened and drawn in {opened:.2f} s, path filter {typed:.0f} ms, re-sort {sorted_:.0f} ms"
    return line + (f"; PROBLEMS: {problems}" if problems else "")


def main(argv: list[str]) -> int:
    counts = [int(value) for value in argv] or [500, 5000]
    with tempfile.TemporaryDirectory(prefix="reviewer-html-bench") as scratch:
        for count in counts:
            print(measure(count, Path(scratch)), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
