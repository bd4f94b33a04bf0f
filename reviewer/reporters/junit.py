"""JUnit XML for CI test-report views: a `gate` test case that fails with the gate's reasons,
and one failed test case per finding (a passing `no findings` case when there are none)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from reviewer.reporters.common import Verdict, scope_text, verdict, verdict_text, xml_text
from reviewer.runner import ScanResult


def render(result: ScanResult, gate: Verdict | None = None, **_options) -> str:
    passed, reasons = verdict(gate)
    findings = result.findings
    suites = ET.Element("testsuites", name="reviewer", tests=str(1 + max(1, len(findings))), failures=str((0 if passed else 1) + len(findings)), errors="0")
    gate_suite = ET.SubElement(suites, "testsuite", name="reviewer.gate", tests="1", failures="0" if passed else "1", errors="0")
    case = ET.SubElement(gate_suite, "testcase", classname="reviewer", name="gate")
    detail = "\n".join([*reasons, f"score {result.score.overall:.1f} ({result.score.grade})", scope_text(result)]).strip()
    if passed:
        ET.SubElement(case, "system-out").text = verdict_text(gate) + "\n" + detail
    else:
        ET.SubElement(case, "failure", message=verdict_text(gate), type="gate").text = detail
    suite = ET.SubElement(suites, "testsuite", name="reviewer.findings", tests=str(max(1, len(findings))), failures=str(len(findings)), errors="0")
    for finding in findings:
        loc = finding.location
        path = xml_text(finding.path)
        case = ET.SubElement(suite, "testcase", classname=path, name=xml_text(f"{finding.rule} {finding.name} at {finding.path}:{loc.line}:{loc.column}"), file=path, line=str(loc.line))
        failure = ET.SubElement(case, "failure", message=xml_text(finding.message), type=f"{finding.severity.value}")
        failure.text = xml_text(f"{finding.path}:{loc.line}:{loc.column} {finding.rule} [{finding.severity.value}, {finding.confidence.value} confidence]\n{finding.message}\nFix: {finding.fix}")
    if not findings:
        ET.SubElement(suite, "testcase", classname="reviewer", name="no findings")
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
