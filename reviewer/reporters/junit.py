"""JUnit XML for CI test-report views: a `gate` test case that fails with the gate's reasons,
and one test case per finding. Only the findings that fail the gate by themselves (at or above
`fail-on`, with its confidence floor) are failures; the others are passed test cases that carry
the finding's text in `system-out`, so a passed gate is an all-green report. A passing
`no findings` case stands in when there are none."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from reviewer.reporters.common import Verdict, scope_text, verdict, verdict_text, xml_text
from reviewer.runner import ScanResult


def render(result: ScanResult, gate: Verdict | None = None, failing: frozenset[str] = frozenset(), **_options) -> str:
    """`failing`: the fingerprints of the findings that fail the gate (reviewer.gate.failing_findings)."""
    passed, reasons = verdict(gate)
    findings = result.findings
    failed_findings = sum(1 for finding in findings if finding.fingerprint in failing)
    suites = ET.Element(
        "testsuites", name="reviewer", tests=str(1 + max(1, len(findings))), failures=str((0 if passed else 1) + failed_findings), errors="0"
    )
    gate_suite = ET.SubElement(suites, "testsuite", name="reviewer.gate", tests="1", failures="0" if passed else "1", errors="0")
    case = ET.SubElement(gate_suite, "testcase", classname="reviewer", name="gate")
    detail = "\n".join([*reasons, f"score {result.score.overall:.1f} ({result.score.grade})", scope_text(result)]).strip()
    if passed:
        ET.SubElement(case, "system-out").text = verdict_text(gate) + "\n" + detail
    else:
        ET.SubElement(case, "failure", message=verdict_text(gate), type="gate").text = detail
    suite = ET.SubElement(suites, "testsuite", name="reviewer.findings", tests=str(max(1, len(findings))), failures=str(failed_findings), errors="0")
    for finding in findings:
        loc = finding.location
        path = xml_text(finding.path)
        case = ET.SubElement(suite, "testcase", classname=path, name=xml_text(f"{finding.rule} {finding.name} at {finding.path}:{loc.line}:{loc.column}"), file=path, line=str(loc.line))
        text = xml_text(f"{finding.path}:{loc.line}:{loc.column} {finding.rule} [{finding.severity.value}, {finding.confidence.value} confidence]\n{finding.message}\nFix: {finding.fix}")
        if finding.fingerprint in failing:
            ET.SubElement(case, "failure", message=xml_text(finding.message), type=f"{finding.severity.value}").text = text
        else:
            ET.SubElement(case, "system-out").text = text
    if not findings:
        ET.SubElement(suite, "testcase", classname="reviewer", name="no findings")
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
