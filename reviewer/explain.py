"""What `reviewer explain CODE` says about a rule: why it matters, what it reports, the fix,
bad and good code from its examples, options, checklist line and references. The HTML report
shows the same text next to each finding."""

from __future__ import annotations

from reviewer.lines import split_lines
from reviewer.rule import Rule, as_example, checklist_items


def explanation(rule: type[Rule], field_precision: str) -> str:
    """The rule's explanation; `field_precision` is the measured figure as
    `FieldPrecision.describe` words it."""
    from reviewer.bandit_bridge import is_bandit_rule  # bandit loads only when asked

    rule = rule.loaded()  # a rule of the rule catalogue: its examples and checklist are in its module
    bandit = is_bandit_rule(rule)
    out = [
        f"{rule.code} {rule.name}",
        f"category: {rule.category.value}   severity: {rule.severity.value}   confidence: {rule.confidence.value}"
        + ("   (opt-in)" if rule.opt_in else ""),
        f"field precision: {field_precision}",
        "",
        rule.doc(),
        "",
        f"Reports: {rule.message}",
        # Bandit's tests have no examples here; bandit's page has them, and the fix.
        f"Fix and examples: bandit's documentation, {rule.references[0]}" if bandit and rule.references else f"Fix: {rule.fix}",
    ]
    for title, samples in (("Bad", rule.invalid), ("Good", rule.valid)):
        if not samples:  # bandit's tests carry none (their page, linked above, has them)
            continue
        out.append("")
        out.append(f"{title}:")
        for sample in samples:
            example = as_example(sample)
            where = f"  # {example.path}" if example.path else ""
            note = f"  ({example.note})" if example.note else ""
            if example.options:
                note += "  (options: " + ", ".join(f"{k}: {v!r}" for k, v in example.options.items()) + ")"
            out.append(f"  ---{where}{note}")
            out.extend("    " + line for line in split_lines(example.code.rstrip("\n")))
    if rule.options:
        out.append("")
        out.append("Options (under `options: {" + rule.code + ": {...}}`):")
        for name, default in rule.options.items():
            switch = f"   (opt-in sub-check: `--profile audit` sets {rule.opt_in_options[name]!r})" if name in rule.opt_in_options else ""
            out.append(f"  {name}: {default!r}{switch}")
    items = checklist_items(rule.seed)
    if items:
        out.extend(["", "Checklist: " + "; ".join(items)])
    if rule.references and not bandit:
        out.append("")
        out.append("References:")
        out.extend(f"  {reference}" for reference in rule.references)
    return "\n".join(out)
