"""SARIF 2.1.0 for code scanning: rule metadata with help, partialFingerprints, suppressions
with their justification, parse errors as notifications, the gate's verdict in the run's
properties. Validated against the SARIF 2.1.0 schema in the tests."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import quote

from reviewer import __version__, homepage
from reviewer.model import Category, Finding, Fix, Severity
from reviewer.reporters.common import Verdict, help_uri, level, rules_by_code, scope_text, verdict_dict, verdict_text
from reviewer.rule import as_example
from reviewer.runner import ScanResult

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
FINGERPRINT_KEY = "reviewer/v1"
# GitHub code scanning ranks security alerts by this number (CVSS-like, 0.0-10.0).
SECURITY_SEVERITY = {Severity.CRITICAL: "9.5", Severity.HIGH: "8.0", Severity.MEDIUM: "5.5", Severity.LOW: "3.0", Severity.INFO: "1.0"}
SECURITY_CATEGORIES = (Category.SQL, Category.SECURITY)


def render(result: ScanResult, gate: Verdict | None = None, **_options) -> str:
    return json.dumps(as_dict(result, gate), indent=2, ensure_ascii=False) + "\n"


def as_dict(result: ScanResult, gate: Verdict | None = None) -> dict:
    known = rules_by_code(result)
    codes = sorted({f.rule for f in result.findings} | {f.rule for f, _ in result.suppressions} | set(known))
    index = {code: number for number, code in enumerate(codes)}
    rules = [_rule(code, known.get(code)) for code in codes]
    results = [_result(finding, index) for finding in result.findings]
    results += [_result(finding, index, reason) for finding, reason in result.suppressions]
    notifications = [
        {
            "level": "warning",
            "message": {"text": f"{error.kind}: {error.message}"},
            "locations": [{"physicalLocation": {"artifactLocation": {"uri": quote(error.path), "uriBaseId": "SRCROOT"}}}],
        }
        for error in result.errors
    ]
    passed = verdict_dict(gate)["passed"]
    driver = {"name": "reviewer", "version": __version__, "semanticVersion": __version__, "rules": rules}
    url = homepage()
    if url:
        driver["informationUri"] = url
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": driver},
                "originalUriBaseIds": {"SRCROOT": {"uri": Path(result.root).resolve().as_uri() + "/"}},
                # reviewer counts characters; SARIF's default unit is UTF-16 code units.
                "columnKind": "unicodeCodePoints",
                "invocations": [
                    {
                        "executionSuccessful": True,
                        "exitCode": 0 if passed else 1,
                        "exitCodeDescription": verdict_text(gate),
                        "toolExecutionNotifications": notifications,
                    }
                ],
                "results": results,
                "properties": {
                    "score": result.score.to_dict(),
                    "gate": verdict_dict(gate),
                    "scope": scope_text(result),
                    "baselined": result.baselined,
                    "fixed": [entry.to_dict() for entry in result.fixed],
                },
            }
        ],
    }


def _rule(code: str, rule) -> dict:
    if rule is None:  # a finding of a rule that is no longer loaded (e.g. from a cache)
        text = f"{code} is not a rule this run loaded; `reviewer explain {code}` describes it where its rule pack is installed."
        return {"id": code, "name": code, "help": {"text": text, "markdown": text}}
    doc = " ".join(rule.doc().split())
    item = {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.one_line()},
        "fullDescription": {"text": doc},
        "help": {"text": f"{doc}\n\nFix: {rule.fix}", "markdown": _help_markdown(rule, doc)},
        "defaultConfiguration": {"level": level(rule.severity)},
        "properties": {
            "category": rule.category.value,
            "severity": rule.severity.value,
            "confidence": rule.confidence.value,
            "tags": sorted({rule.category.value, *(["security"] if rule.category in SECURITY_CATEGORIES else [])}),
        },
    }
    uri = help_uri(rule)
    if uri:
        item["helpUri"] = uri
    if rule.category in SECURITY_CATEGORIES:
        item["properties"]["security-severity"] = SECURITY_SEVERITY[rule.severity]
    return item


def _result(finding: Finding, index: dict[str, int], reason: str | None = None) -> dict:
    loc = finding.location
    region = {"startLine": loc.line, "startColumn": loc.column}
    if loc.end_line >= loc.line:
        region["endLine"] = loc.end_line
        # SARIF end columns are exclusive; ours point at the last character.
        if loc.end_line > loc.line or loc.end_column >= loc.column:
            region["endColumn"] = loc.end_column + 1
    item = {
        "ruleId": finding.rule,
        "ruleIndex": index[finding.rule],
        "level": level(finding.severity),
        "message": {"text": f"{finding.message}. Fix: {finding.fix}"},
        "locations": [
            {"physicalLocation": {"artifactLocation": {"uri": quote(finding.path), "uriBaseId": "SRCROOT"}, "region": region}}
        ],
        "partialFingerprints": {FINGERPRINT_KEY: finding.fingerprint},
        "properties": {"severity": finding.severity.value, "confidence": finding.confidence.value, "category": finding.category.value},
    }
    if finding.also:
        # Codes of the findings merged into this one (one problem, one finding).
        item["properties"]["also"] = list(finding.also)
    if finding.autofix is not None:
        item["fixes"] = [_fix(finding.autofix)]
        item["properties"]["fixSafe"] = finding.autofix.safe
    if reason is not None:
        item["suppressions"] = [{"kind": "inSource", "justification": reason or "(no reason given)"}]
    return item


def _fix(fix: Fix) -> dict:
    """A SARIF fix: the replacements of each file, regions with exclusive end columns (ours)."""
    files: dict[str, list[dict]] = {}
    for edit in fix.edits:
        region = {"startLine": edit.line, "startColumn": edit.column, "endLine": edit.end_line, "endColumn": edit.end_column}
        files.setdefault(edit.path, []).append({"deletedRegion": region, "insertedContent": {"text": edit.replacement}})
    label = fix.description + ("" if fix.safe else " (unsafe: changes behaviour, review it)")
    return {
        "description": {"text": label},
        "artifactChanges": [
            {"artifactLocation": {"uri": quote(path), "uriBaseId": "SRCROOT"}, "replacements": replacements}
            for path, replacements in files.items()
        ],
    }


def _help_markdown(rule, doc: str) -> str:
    """What code scanning shows under an alert: why, the fix, and the rule's first bad and good
    example (bandit's tests have none here; bandit's page, the rule's helpUri, has them)."""
    parts = [doc, f"**Fix:** {rule.fix}"]
    rule = rule.loaded()  # the examples are not in the rule catalogue (reviewer.registry.LISTED)
    for title, samples in (("Bad", rule.invalid), ("Good", rule.valid)):
        if samples:
            example = as_example(samples[0])
            language = "sql" if example.path.endswith(".sql") else "python"
            parts.append(f"**{title}:**\n\n{_fenced(example.code.rstrip(), language)}")
    if rule.invalid or rule.valid:
        parts.append(f"`reviewer explain {rule.code}` shows every example.")
    return "\n\n".join(parts)


def _fenced(code: str, language: str) -> str:
    """A Markdown code block that a run of backticks inside `code` cannot close."""
    longest = max((len(run) for run in re.findall("`+", code)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{language}\n{code}\n{fence}"
