"""Checkstyle XML (read by reviewdog, Jenkins warnings-ng and many CI views). The format has no
field for a verdict, so the gate's verdict is an XML comment at the top."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from itertools import groupby

from reviewer.reporters.common import Verdict, level, scope_text, verdict_text, xml_text
from reviewer.runner import ScanResult

SEVERITY = {"error": "error", "warning": "warning", "note": "info"}


def render(result: ScanResult, gate: Verdict | None = None, **_options) -> str:
    root = ET.Element("checkstyle", version="4.3")
    for path, group in groupby(result.findings, key=lambda finding: finding.path):
        node = ET.SubElement(root, "file", name=xml_text(path))
        for finding in group:
            ET.SubElement(
                node,
                "error",
                line=str(finding.line),
                column=str(finding.location.column),
                severity=SEVERITY[level(finding.severity)],
                message=xml_text(f"{finding.message}. Fix: {finding.fix}"),
                source=f"reviewer.{finding.rule}",
            )
    ET.indent(root)
    scope = scope_text(result)
    comment = f"reviewer: {verdict_text(gate)}; score {result.score.overall:.1f} ({result.score.grade})" + (f"; {scope}" if scope else "")
    comment = xml_text(comment).replace("--", "- -")  # `--` may not appear inside an XML comment
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<!-- {comment} -->\n' + ET.tostring(root, encoding="unicode") + "\n"
