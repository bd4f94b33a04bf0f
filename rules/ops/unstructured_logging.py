from __future__ import annotations

from reviewer.model import Category, Confidence, Location, Severity
from reviewer.rule import Example, ProjectRule
from reviewer.ops.secops import is_settings_path
from reviewer.ops.logfacts import LoggingProvider


class UnstructuredLogging(ProjectRule):
    """The project configures plain-text log output and no JSON formatter anywhere.

    Plain-text lines can be searched but not queried: finding every failed payment of one
    customer, or counting errors per endpoint, needs fields, which a JSON formatter
    (python-json-logger, structlog's `JSONRenderer`, ecs-logging, loguru `serialize=True`)
    gives every aggregator without regexes. A project-level fact, so reported once per
    project, when no JSON formatter is configured anywhere in it: at the place that sets up
    plain-text output (a `LOGGING` dict with formatters in a settings module first, else the
    first `logging.basicConfig`), naming how many other places do; test and development
    settings do not count.

    Opt-in (select `OPS005`): on the ecosystem check's tuned projects every finding was a
    product or a CLI that leaves the log format to its operator (`LOG_FORMAT`, a CLI option)
    or a one-off script, never a service that should have emitted JSON (field precision 0.17
    over 6 judged before it was reported once per project; the two findings left are judged
    false). Whether logs must be JSON is a deployment decision a scan cannot see."""

    code = "OPS005"
    project_level = True  # one finding per project, where the fix belongs
    name = "unstructured-logging"
    summary = "The project configures plain-text log output and no JSON formatter anywhere."
    category = Category.OPS
    severity = Severity.INFO
    confidence = Confidence.MEDIUM
    message = "Logs are plain text: {what}, and no JSON formatter is configured in the project"
    fix = (
        "Emit JSON: `handler.setFormatter(pythonjsonlogger.jsonlogger.JsonFormatter())`, or structlog with "
        "`structlog.processors.JSONRenderer()`"
    )
    seed = 'S3:297 "Log with structured, queryable formats: Use JSON logging with consistent fields"'
    references = ("https://www.structlog.org/en/stable/logging-best-practices.html",)
    index_sections = ("logging",)
    opt_in = True
    invalid = (
        Example(
            "import logging\n"
            'logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")\n',
            path="app/main.py",
            lines=(2,),
        ),
        Example(
            "import logging\n"
            "import os\n"
            'logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")\n',
            path="app/worker.py",
            files=(("app/cli.py", "import logging\nlogging.basicConfig(level=logging.DEBUG)\n"),),
            lines=(2,),
            note="a project-level fact: reported once, at the first place (app/cli.py:2), naming the other",
        ),
    )
    valid = (
        Example(
            "import logging\n"
            "from pythonjsonlogger import jsonlogger\n"
            "handler = logging.StreamHandler()\n"
            "handler.setFormatter(jsonlogger.JsonFormatter())\n"
            "logging.basicConfig(level=logging.INFO, handlers=[handler])\n",
            path="app/main.py",
        ),
        Example(
            "import logging\n"
            'logging.basicConfig(level=logging.DEBUG, format="%(message)s")\n',
            path="app/main.py",
            files=(("app/logging_setup.py", "import structlog\nstructlog.configure(processors=[structlog.processors.JSONRenderer()])\n"),),
            note="near-miss: JSON is configured in another module",
        ),
    )

    def check(self, index) -> None:
        data = LoggingProvider.of(index)
        if data.get("json"):
            return
        sites = data.get("plain", [])
        if not sites:
            return
        path, line, what = min(sites, key=lambda site: (not is_settings_path(site[0]), site[0], site[1]))
        if len(sites) > 1:
            what += f" (and {len(sites) - 1} other place{'s' if len(sites) > 2 else ''})"
        self.report(Location(line, 1, line, 1), path=path, fix=self.fix, what=what)
