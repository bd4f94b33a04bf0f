import libcst as cst

from reviewer.model import Category, Confidence, Severity
from reviewer.rule import Example, PythonRule

# Qualified names: `from datetime import datetime as dt; dt.utcnow()` resolves to these too.
NOW = "datetime.datetime.now"
UTCNOW = "datetime.datetime.utcnow"


class NaiveDatetimeNow(PythonRule):
    """The current time is taken without a time zone.

    `datetime.now()` returns the server's local wall-clock time and `datetime.utcnow()` a UTC
    time that does not say it is UTC: both are naive. Stored, compared with aware values
    from the database, or read on a server in another zone, they are off by hours, or raise
    `TypeError: can't compare offset-naive and offset-aware datetimes` at run time."""

    code = "ACME001"
    name = "naive-datetime-now"
    summary = "The current time is taken without a time zone."
    category = Category.OPS
    severity = Severity.MEDIUM
    confidence = Confidence.HIGH
    message = "`{call}()` returns a naive datetime"
    fix = "Pass the zone: `datetime.now(timezone.utc)`"
    # The rule runs only on files whose text contains one of these strings.
    triggers = ("now",)
    invalid = (
        Example("from datetime import datetime\n\ncreated = datetime.now()\n", lines=(3,)),
        Example("import datetime\n\nstamp = datetime.datetime.utcnow()\n", lines=(3,)),
        Example("from datetime import datetime as dt\n\nstamp = dt.utcnow()\n", lines=(3,), note="an alias is resolved"),
    )
    valid = (
        Example("from datetime import datetime, timezone\n\ncreated = datetime.now(timezone.utc)\n"),
        Example("from datetime import datetime\n\ncreated = datetime.now(tz=None)\n", note="an explicit choice, even of local time"),
        Example("import pendulum\n\ncreated = pendulum.now()\n", note="another library's now() is aware"),
    )

    def visit_Call(self, node: cst.Call) -> None:
        called = self.context.resolve(node.func)
        if called == UTCNOW or (called == NOW and not node.args):
            self.report(node, call=called.removeprefix("datetime."))
