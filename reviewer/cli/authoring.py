"""Commands for writing rules: `reviewer test PACK` runs a rule pack's examples as tests, and
`reviewer new-rule PACK CODE NAME` writes a working rule to start from.

Imported by reviewer.cli, which registers them. Neither reads a repository's config: the only
code they load is the built-in pack and the pack folders named on their command line."""

from __future__ import annotations

import sys
from pathlib import Path
from string import Template
from typing import TYPE_CHECKING

import click

from reviewer.cache import atomic_write
from reviewer.cli import UsageError, main
from reviewer.model import Category

# The registry and the engine are imported by the commands that use them (quick start-up).
if TYPE_CHECKING:
    from reviewer.registry import Registry


def load_packs(packs: tuple[Path, ...]) -> Registry:
    """The built-in pack plus the named packs; a pack that cannot load is a usage error."""
    from reviewer import registry as registry_module
    from reviewer.registry import RegistryError

    for pack in packs:
        if not pack.is_dir():
            raise UsageError(f"{pack}: rule pack folder does not exist")
    try:
        return registry_module.load(packs)
    except RegistryError as error:
        raise UsageError(f"cannot load the rule pack: {error}") from None


@main.command("test")
@click.argument("packs", nargs=-1, required=True, type=click.Path(path_type=Path))
def test_packs(packs: tuple[Path, ...]) -> None:
    """Run the valid and invalid examples of every rule in the rule pack folder(s) PACKS, each
    through the whole engine, as `reviewer`'s own rules are tested. Exit 0 when every example
    passes, 1 when one fails, 2 when a pack cannot be loaded."""
    from reviewer.examples import run_examples, rules_from

    registry = load_packs(packs)
    rules = []
    for pack in packs:
        found = rules_from(registry, pack)
        if not found:
            raise UsageError(f"{pack}: no rule found (a rule is a PythonRule, SqlRule or ProjectRule subclass with a `code`)")
        rules.extend(found)
    for rule in rules:
        if not rule.summary.strip():
            click.echo(f"note: {rule.code} has no `summary`; rule tables show its docstring's first paragraph instead", err=True)
    outcomes = run_examples(rules, registry)
    for outcome in outcomes:
        click.echo(f"{'ok  ' if outcome.passed else 'FAIL'} {outcome.label}" + (f": {outcome.problem}" if outcome.problem else ""))
    failed = [outcome for outcome in outcomes if not outcome.passed]
    click.echo(f"{len(rules)} rule(s), {len(outcomes)} example(s): {len(outcomes) - len(failed)} passed, {len(failed)} failed")
    sys.exit(1 if failed else 0)


# The templates `new-rule` fills in ($-placeholders, so the rule's own `{field}` braces stay).
PYTHON_TEMPLATE = Template('''\
import libcst as cst

from reviewer.model import Category, Confidence, Severity
from reviewer.rule import Example, Needs, PythonRule

# The calls this rule reports, by qualified name. Imports are resolved, so
# `from $module import $last as alias; alias(...)` is `$call` too.
CALLS = frozenset({"$call"})


class $cls(PythonRule):
    """Calls of `$call` are not allowed in this codebase.

    Say here why: what goes wrong in production when the pattern ships, and for whom.
    `reviewer explain $code` and the rule's documentation show this text."""

    code = "$code"
    name = "$name"
    summary = "A call of `$call`."
    category = Category.$category
    severity = Severity.MEDIUM
    confidence = Confidence.HIGH
    message = "`{call}` is called"
    fix = "Use the project's approved replacement for `{call}`"
    # The rule runs only on files whose code calls something named `$last` or imports
    # `$call` under another name (reviewer.needs).
    needs = Needs(calls=("$last",), imports=("$call",))
    invalid = (
$invalid
    )
    valid = (
        Example("other.$last(value)\\n", note="a method of the same name on another object"),
    )

    def visit_Call(self, node: cst.Call) -> None:
        qualified = self.context.resolve(node.func)
        if qualified in CALLS:
            self.report(node, call=qualified)
''')

SQL_TEMPLATE = Template('''\
from sqlglot import exp

from reviewer.model import Category, Confidence, Severity
from reviewer.rule import Example, SqlRule


class $cls(SqlRule):
    """`DROP TABLE` deletes a table and every row in it in one statement.

    Say here why the pattern is a problem in this codebase. `reviewer explain $code` and the
    rule's documentation show this text."""

    code = "$code"
    name = "$name"
    summary = "A `DROP TABLE` statement."
    category = Category.$category
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    message = "`DROP TABLE {table}` deletes the table and its rows"
    fix = "Rename the table first and drop it in a later release, once nothing reads it"
    invalid = (Example("DROP TABLE audit_log;\\n", lines=(1,)),)
    valid = (Example("DROP INDEX audit_log_created_idx;\\n", note="dropping an index keeps the data"),)

    def check(self, statement: exp.Expression, source) -> None:
        for drop in statement.find_all(exp.Drop):
            if str(drop.args.get("kind") or "").upper() == "TABLE":
                for table in drop.find_all(exp.Table):
                    self.report(drop, table=table.sql())
''')

KINDS = ("python", "sql")


def python_rule_source(code: str, name: str, category: Category, call: str) -> str:
    from reviewer.registry import class_name_for

    module, _, last = call.rpartition(".")
    if module:
        invalid = (
            f'        Example("import {module}\\n{call}(value)\\n", lines=(2,)),\n'
            f'        Example("from {module} import {last} as alias\\nalias(value)\\n", lines=(2,)),'
        )
    else:
        invalid = f'        Example("{call}(value)\\n", lines=(1,)),'
    return PYTHON_TEMPLATE.substitute(
        code=code, name=name, cls=class_name_for(name), category=category.name, call=call, module=module or last, last=last, invalid=invalid
    )


def sql_rule_source(code: str, name: str, category: Category) -> str:
    from reviewer.registry import class_name_for

    return SQL_TEMPLATE.substitute(code=code, name=name, cls=class_name_for(name), category=category.name)


def _dotted_name(value: str) -> bool:
    return bool(value) and all(part.isidentifier() for part in value.split("."))


@main.command("new-rule")
@click.argument("pack", type=click.Path(file_okay=False, path_type=Path))
@click.argument("code")
@click.argument("name")
@click.option("--kind", type=click.Choice(KINDS), default="python", show_default=True, help="python: a libcst rule that reports calls of --call; sql: a sqlglot rule that reports DROP TABLE.")
@click.option("--category", type=click.Choice([c.value for c in Category if c is not Category.META]), required=True, help="The category whose score the rule's findings count against.")
@click.option("--call", default="os.system", show_default=True, help="For --kind python: the qualified name of the call to report.")
def new_rule(pack: Path, code: str, name: str, kind: str, category: str, call: str) -> None:
    """Write a new rule CODE (e.g. ACME001) named NAME (kebab-case) into the rule pack folder
    PACK, with examples that `reviewer test PACK` passes. Edit it from there."""
    from reviewer.registry import CODE, NAME, file_name_for

    if not CODE.match(code):
        raise UsageError(f"code {code!r} must be 2-5 capitals and 3 digits, like ACME001")
    if not NAME.match(name):
        raise UsageError(f"name {name!r} must be kebab-case and name the anti-pattern, like os-system-call")
    if kind == "python" and not _dotted_name(call):
        raise UsageError(f"--call {call!r} must be a qualified name, like os.system or print")
    target = pack / file_name_for(name)
    if target.exists():
        raise UsageError(f"{target} exists; choose another name or edit that file")
    existing = load_packs((pack,) if pack.is_dir() else ())
    if existing.get(code) is not None:
        raise UsageError(f"rule code {code} is already taken (by {existing.get(code).name}); choose another")
    chosen = Category(category)
    source = python_rule_source(code, name, chosen, call) if kind == "python" else sql_rule_source(code, name, chosen)
    pack.mkdir(parents=True, exist_ok=True)
    atomic_write(target, source)
    click.echo(f"wrote {target}; run `reviewer test {pack}` to check its examples")
