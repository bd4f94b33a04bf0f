"""The engine's own rules (category `meta`, prefix RVW): problems with suppression comments.

They are produced by the suppression pass, not by a visit, but carry the same metadata as
every rule so they can be listed, explained, selected and ignored.
"""

from __future__ import annotations

from reviewer.model import Category, Confidence, Severity
from reviewer.rule import Example, Rule


class SuppressionWithoutReason(Rule):
    """A suppression comment that gives no reason. A suppression records a decision; without
    a reason the next reader cannot tell a confirmed false positive from a problem someone
    hid to get a green build."""

    code = "RVW001"
    name = "suppression-without-reason"
    summary = "A suppression comment that gives no reason."
    category = Category.META
    severity = Severity.LOW
    confidence = Confidence.HIGH
    message = "Suppression of `{codes}` gives no reason"
    fix = "Say why after the brackets: `# reviewer: ignore[SQL001] table name comes from ALLOWED_TABLES`"
    valid = (
        Example('cur.execute(f"SELECT id FROM t WHERE id = {uid}")  # reviewer: ignore[SQL001] uid is an int\n'),
    )
    invalid = (
        Example('cur.execute(f"SELECT id FROM t WHERE id = {uid}")  # reviewer: ignore[SQL001]\n', lines=(1,)),
    )


class SuppressionUnknownCode(Rule):
    """A suppression comment that names a code no rule has. It protects nothing: usually a
    typo, or a code of another tool, and the finding it was meant for is still reported."""

    code = "RVW002"
    name = "suppression-unknown-code"
    summary = "A suppression comment that names a code no rule has."
    category = Category.META
    severity = Severity.LOW
    confidence = Confidence.HIGH
    message = "Suppression names `{code}`, which is not a rule code"
    fix = "Use a code from `reviewer rules`, e.g. `# reviewer: ignore[SQL001] reason`"
    valid = (Example("x = 1\n"),)
    invalid = (
        Example('cur.execute(f"SELECT id FROM t WHERE id = {uid}")  # reviewer: ignore[SQL01] uid is an int\n', lines=(1,)),
    )


class UnusedSuppression(Rule):
    """A suppression comment that suppresses nothing. It is noise, and later hides a real
    finding that lands on the same line. Only codes of rules that ran are checked."""

    code = "RVW003"
    name = "unused-suppression"
    summary = "A suppression comment that suppresses nothing."
    category = Category.META
    severity = Severity.LOW
    confidence = Confidence.HIGH
    message = "Suppression of `{code}` suppresses nothing"
    fix = "Delete the suppression comment"
    fixes = "safe"
    valid = (
        Example(
            "import requests\n"
            "# reviewer: ignore[OPS001] the egress proxy enforces a 10 s timeout\n"
            "requests.get(url)\n"
        ),
    )
    invalid = (
        Example("total = 1  # reviewer: ignore[OPS001] legacy\n", lines=(1,), fixed="total = 1\n"),
        Example(
            "def total(rows):\n"
            "    # reviewer: ignore[OPS001] legacy\n"
            "    return sum(rows)\n",
            lines=(2,),
            fixed="def total(rows):\n    return sum(rows)\n",
            note="a comment alone on its line goes with its line",
        ),
        Example(
            "import requests\n"
            "requests.get(url)  # reviewer: ignore[OPS001, ORM010] the proxy sets a timeout\n",
            lines=(2,),
            fixed="import requests\nrequests.get(url)  # reviewer: ignore[OPS001] the proxy sets a timeout\n",
            note="only the unused code goes",
        ),
    )


META_RULES = (SuppressionWithoutReason, SuppressionUnknownCode, UnusedSuppression)
