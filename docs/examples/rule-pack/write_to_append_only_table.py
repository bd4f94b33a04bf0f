from sqlglot import exp

from reviewer.model import Category, Confidence, Severity
from reviewer.rule import Example, SqlRule

WRITES = (exp.Update, exp.Delete, exp.TruncateTable)


class WriteToAppendOnlyTable(SqlRule):
    """A statement updates, deletes or truncates rows of a table the team keeps append-only.

    Audit trails and ledgers are evidence: a row that can be changed after the fact proves
    nothing. Corrections are new rows that reference the old ones. The tables are the rule's
    option, so each service lists its own."""

    code = "ACME002"
    name = "write-to-append-only-table"
    summary = "An UPDATE, DELETE or TRUNCATE of an append-only table."
    category = Category.SQL
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    message = "`{verb}` changes rows of append-only table `{table}`"
    fix = "Insert a correcting row instead, e.g. `INSERT INTO audit_log (entry_id, correction) VALUES (...)`"
    options = {"tables": ["audit_log", "ledger_entries"]}
    invalid = (
        Example("DELETE FROM audit_log WHERE created_at < now() - interval '90 days';\n", lines=(1,)),
        Example("UPDATE public.ledger_entries SET amount = 0 WHERE id = 7;\n", lines=(1,), note="schema-qualified"),
        Example(
            "def purge(cur):\n    cur.execute(\"TRUNCATE audit_log\")\n",
            path="ops/purge.py",
            lines=(2,),
            note="SQL in Python reaches SQL rules too",
        ),
    )
    valid = (
        Example("INSERT INTO audit_log (actor, action) VALUES ('system', 'rotate');\n"),
        Example("DELETE FROM sessions WHERE expires_at < now();\n", note="a table that is not append-only"),
        Example("SELECT count(*) FROM audit_log;\n"),
    )

    def check(self, statement: exp.Expression, source) -> None:
        protected = {name.lower() for name in self.settings["tables"]}
        if not isinstance(statement, WRITES):
            return
        target = statement.this if isinstance(statement.this, exp.Table) else statement.find(exp.Table)
        if target is not None and target.name.lower() in protected:
            verb = {exp.Update: "UPDATE", exp.Delete: "DELETE", exp.TruncateTable: "TRUNCATE"}[type(statement)]
            self.report(statement, verb=verb, table=target.name)
