"""Analysis of one file: read, guard, parse once, run every applicable rule in one pass.

Runs inside worker processes. Nothing here raises for bad input: every problem becomes a
FileError in the result, and a crashing rule loses only its own findings for that file.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

from reviewer import astfacts, bandit_bridge
from reviewer.bounds import MAX_DEPTH, MAX_LIBCST_TOKENS, MAX_TOKENS, FileTimeout, run_bounded, timed_out, token_count
from reviewer.config import Config
from reviewer.discovery import SourceFile, dialect_of
from reviewer.fixes import place
from reviewer.lines import count_lines, split_lines
from reviewer.model import FileError, Finding, Location
from reviewer.needs import file_facts, tree_depth
from reviewer.parsing import BeyondBounds, ParsedPython, parse as parse_source
from reviewer.plan import FileResult, Plan, internal_error, make_finding, read_text
from reviewer.rule import PythonRule, Rule
from reviewer.sql import words as sql_words
from reviewer.suppress import parse_directives

# libcst, sqlglot and what reads their trees (reviewer.context, reviewer.sql.sqltext) are
# imported where a file reaches them: the `ast` stage of a file that no libcst rule needs
# (ast_pass, finished) imports neither.
if TYPE_CHECKING:  # pragma: no cover
    import libcst as cst
    from sqlglot import exp

    from reviewer.context import FileContext
    from reviewer.sql.sqltext import SqlStatement

# CPython keeps `a and b and ...` flat, libcst nests it, and its native parser overflows the
# stack (a segfault) on chains of about 8,000 terms.
BOOL_CHAIN_LIMIT = 3000


def import_staged() -> None:
    """Import what the `ast` stage of a file imports where it needs it (the SQL words' tokenizer,
    and sqlglot with it): a process about to fork index workers, which run that stage,
    imports it once, and its workers inherit it."""
    import reviewer.sql.sqllex  # noqa: F401


def import_all() -> None:
    """Import what the check of a file that reaches libcst imports where it needs it: a process
    about to fork workers that will analyse files (reviewer.runner._before_fork) imports it
    once, and its workers inherit it."""
    import libcst.metadata  # noqa: F401
    import sqlglot  # noqa: F401

    import reviewer.context  # noqa: F401
    import reviewer.project.symbols  # noqa: F401
    import reviewer.sql.sqltext  # noqa: F401
    import reviewer.walk  # noqa: F401

    import_staged()


def analyse(source: SourceFile, plan: Plan, first: "AstPass | None" = None) -> FileResult:
    """The findings and errors of one file. Whatever goes wrong inside becomes an error entry
    of this file: reading, decoding, parsing and every rule run in a bounded thread (deep
    stack, the file's time budget; reviewer.bounds)."""
    result = FileResult(source.rel)
    # `first`: the file's `ast` stage, when the index worker ran it.
    budget = plan.config.file_timeout - (plan.index.spent.get(source.rel, 0.0) if plan.index is not None else 0.0)
    try:
        run_bounded(_analyse_into, budget, source, plan, result, first)
    except FileTimeout:
        result.findings.clear()
        result.errors.append(
            FileError(source.rel, "timeout", f"analysis took longer than {plan.config.file_timeout:g} s (file-timeout)")
        )
    except RecursionError:
        result.errors.append(FileError(source.rel, "too-deep", "nesting too deep to analyse; the findings listed for it are incomplete"))
    except Exception as error:  # noqa: BLE001 - one file's failure must not stop the scan
        result.errors.append(internal_error(source.rel, error))
    return result


def _analyse_into(source: SourceFile, plan: Plan, result: FileResult, first: "AstPass | None") -> None:
    text = read_text(source, plan.config, result)
    if text is None:
        return
    _begin(source, text, plan.config, result)
    if source.kind.is_python:
        _analyse_python(source, text, plan, result, first)
    else:
        _analyse_sql_file(source, text, plan, result)


def _begin(source: SourceFile, text: str, config: Config, result: FileResult) -> None:
    """What every check of a file that could be read records first: its lines and its
    suppression directives."""
    result.lines = count_lines(text)
    if "reviewer:" in text:
        result.directives = parse_directives(text, source.kind.is_sql, dialect_of(source.rel) or config.dialect)


def finished(source: SourceFile, text: str, config: Config, first: "AstPass") -> FileResult | None:
    """The whole check result of a Python file whose `ast` stage (`first`) leaves libcst
    nothing to do (the syntax gate failed it, or no libcst rule's needs are met), else None.
    The index worker that ran the stage calls it, so that such a file (most files) needs no
    second read and no trip through the check's workers (reviewer.runner.check_files)."""
    if first.passed and first.libcst:
        return None
    result = FileResult(source.rel)
    _begin(source, text, config, result)
    _take_stage(result, first)
    return result


# --------------------------------------------------------------------------------------------
# Python


def parse_python(source: SourceFile, text: str, result: FileResult, rules: list[type[Rule]]) -> cst.Module | None:
    """libcst tree of a file the syntax gate passed, or None with the reason recorded. Code
    that CPython accepts and libcst does not (3,001 adjacent string literals) is valid: the
    error says which `rules` could not run, not that the file is broken."""
    import libcst as cst

    try:
        return cst.parse_module(text)
    except cst.ParserSyntaxError as error:
        message = " ".join(error.message.split())
        not_run(result, source.rel, f"libcst cannot parse it (line {error.raw_line}: {message[:120]})", rules)
    except RecursionError:
        not_run(result, source.rel, "nesting too deep for libcst to parse", rules, kind="too-deep")
    return None


def not_run(result: FileResult, path: str, reason: str, rules: list[type[Rule]], kind: str = "partial") -> None:
    """Record that some rules could not run on a file (the others' findings are kept)."""
    result.errors.append(not_run_error(path, reason, rules, kind))


def not_run_error(path: str, reason: str, rules: list[type[Rule]], kind: str = "partial") -> FileError:
    codes = ", ".join(sorted({rule.code for rule in rules}))
    return FileError(path, kind, f"{reason}; these rules did not run on it: {codes}")


def parse_gate(source: SourceFile, text: str, errors: list[FileError]) -> tuple[ParsedPython | None, bool]:
    """The file's `ast` tree (any grammar from Python 3.8 to 3.14, reviewer.parsing) and
    whether the syntax gate passes it; when it does not, the reason is added to `errors`. A
    tree with an `and`/`or` chain too long for libcst is returned, not passed: the project
    model still reads it."""
    try:
        parsed = parse_source(text, source.rel)
    except SyntaxError as error:
        errors.append(FileError(source.rel, "syntax-error", _syntax_message(error)))
    except (RecursionError, MemoryError):
        errors.append(FileError(source.rel, "too-deep", "nesting too deep to parse"))
    except BeyondBounds as error:
        errors.append(FileError(source.rel, error.kind, str(error)))
    except ValueError as error:
        errors.append(FileError(source.rel, "syntax-error", str(error)))
    else:
        if text.count("and") + text.count("or") > BOOL_CHAIN_LIMIT and any(
            isinstance(node, ast.BoolOp) and len(node.values) > BOOL_CHAIN_LIMIT for node in ast.walk(parsed.tree)
        ):
            errors.append(
                FileError(source.rel, "too-deep", f"an `and`/`or` chain of more than {BOOL_CHAIN_LIMIT} terms is too deep to parse")
            )
            return parsed, False
        return parsed, True
    return None, False


def _syntax_message(error: SyntaxError) -> str:
    message = error.msg
    if "Missing parentheses in call to" in message:
        message += " (Python 2 code?)"
    return f"line {error.lineno}: {message}" if error.lineno else message


@dataclass(frozen=True)
class AstPass:
    """What the one `ast` parse of a Python file gives its check: the syntax gate's verdict
    (`passed`, else the reason in `errors`), bandit's findings, and what decides whether and
    how libcst runs. A cold file gets it from the index worker, which parses the file for the
    project model anyway (reviewer.runner); otherwise the check computes it (`ast_pass`)."""

    errors: tuple[FileError, ...] = ()
    findings: tuple[Finding, ...] = ()
    bandit_skipped: bool = False
    passed: bool = False
    tokens: int | None = None
    depth: int = 0
    # The codes of the libcst rules whose needs the file's code meets (reviewer.needs).
    libcst: frozenset[str] = frozenset()
    # Set when libcst would run only for SqlRules with words (SqlRule.words) that the file's own
    # text cannot spell: what its own pieces of text say about the words, and the names it
    # reads, through which it may read more from another module (reviewer.sql.words.read_names,
    # the `sql_text` section, ModelText.pieces; decided in the check, where the index is).
    sql_own: "sql_words.Pieces | None" = None
    sql_names: frozenset[str] = frozenset()
    # The libcst rules whose needs the file meets only in some projects (Needs.of_project),
    # each with the sets of project conditions one of which must hold (Needs.residue):
    # decided in the check, where the project's index is.
    deferred: tuple[tuple[str, tuple[frozenset[Callable[[Any], bool]], ...]], ...] = ()


def too_many_tokens(source: SourceFile, text: str, errors: list[FileError]) -> tuple[bool, int | None]:
    """(whether the file is beyond MAX_TOKENS, its token count when counted); the error is
    added. Only a text long enough to hold MAX_TOKENS tokens is counted: a token takes at
    least one character, except DEDENT (no more than the INDENTs, which take one) and the end
    markers, so a text holds at most twice its length and 2 more; libcst's smaller bound is
    counted for the files libcst would read (ast_pass)."""
    if 2 * len(text) + 2 <= MAX_TOKENS:
        return False, None
    tokens = token_count(text)
    if tokens is not None and tokens > MAX_TOKENS:
        errors.append(
            FileError(source.rel, "too-complex", f"more than {MAX_TOKENS:,} tokens; not analysed (the bound on memory per file)")
        )
        return True, tokens
    return False, tokens


def ast_pass(
    source: SourceFile, text: str, plan: Plan, parsed: ParsedPython | None = None, errors: list[FileError] | None = None,
    tokens: int | None = None,
) -> AstPass:
    """The `ast` stage of a Python file's check. The index worker passes the tree it parsed
    (`parsed`, with the gate's `errors` and the `tokens` it counted); without one, the file is
    parsed here."""
    own = errors is None  # the tree is parsed here, and released here (astfacts.release)
    if errors is None:
        errors = []
        beyond, tokens = too_many_tokens(source, text, errors)
        if beyond:
            return AstPass(tuple(errors), tokens=tokens)
        parsed, passed = parse_gate(source, text, errors)
    else:
        passed = parsed is not None and not errors
    if parsed is None or not passed:
        return AstPass(tuple(errors), tokens=tokens)
    facts = file_facts(parsed.tree, source.rel)
    python_rules, sql_rules = plan.rules_for(source, facts)
    bandit_rules = [rule for rule in python_rules if bandit_bridge.is_bandit_rule(rule)]
    findings: list[Finding] = []
    skipped = False
    if bandit_rules:
        if parsed.lowered:  # a tree of older node types than the file's: not one bandit's tests know
            skipped = True
        else:
            findings = bandit_bridge.run(source, text, parsed.tree, bandit_rules, plan.config, errors)
            bandit_bridge.unlink(parsed.tree)
    libcst = frozenset(rule.code for rule in [*python_rules, *sql_rules] if rule not in bandit_rules)
    if libcst:  # what the check's bounds on libcst read (MAX_LIBCST_TOKENS, MAX_DEPTH)
        depth = tree_depth(parsed.tree)
        if tokens is None:
            tokens = token_count(text)
    else:
        depth = 0
    deferred = []
    for rule in python_rules:
        needs = plan.needs_of(rule)
        if needs is not None and needs.conditions:
            residue = needs.residue(facts)
            if residue is not None:
                deferred.append((rule.code, residue))
    sql_own = None
    names: frozenset[str] = frozenset()
    if sql_rules and not any(rule not in bandit_rules for rule in python_rules) and not parsed.lowered:
        words = sql_words.words_of(sql_rules)
        if words is not None:
            sql_own = sql_words.own_pieces(parsed.tree, text, words)
            if sql_own.spell(dialect_of(source.rel) or plan.config.dialect):
                sql_own = None
            else:
                names = sql_words.read_names(parsed.tree)
    if own:
        astfacts.release(parsed.tree)
    return AstPass(tuple(errors), tuple(findings), skipped, True, tokens, depth, libcst, sql_own, names, tuple(deferred))


def _take_stage(result: FileResult, first: AstPass) -> None:
    result.errors.extend(first.errors)
    result.findings.extend(first.findings)
    result.bandit_skipped = first.bandit_skipped


def _analyse_python(source: SourceFile, text: str, plan: Plan, result: FileResult, first: AstPass | None = None) -> None:
    if first is None:
        first = ast_pass(source, text, plan)
    _take_stage(result, first)
    if not first.passed:
        return
    python_rules, sql_rules = plan.rules_for(source)
    python_rules = [rule for rule in python_rules if rule.code in first.libcst]
    if first.deferred:
        python_rules = _in_project(source, plan, first, python_rules)
    sql_rules = [rule for rule in sql_rules if rule.code in first.libcst]
    if first.sql_own is not None and sql_rules and not python_rules and not _spelled(source, plan, first, sql_rules):
        return
    if not python_rules and not sql_rules:
        return
    libcst_rules: list[type[Rule]] = [*python_rules, *sql_rules]
    tokens = first.tokens
    if tokens is not None and tokens > MAX_LIBCST_TOKENS:
        not_run(result, source.rel, f"{tokens:,} tokens is above {MAX_LIBCST_TOKENS:,} (the bound on memory per file)", libcst_rules)
        return
    if first.depth > MAX_DEPTH:
        not_run(result, source.rel, f"nesting {first.depth} levels deep is above {MAX_DEPTH}, too deep for libcst", libcst_rules, kind="too-deep")
        return
    import libcst as cst
    from libcst.metadata import MetadataWrapper, PositionProvider
    from sqlglot import exp

    from reviewer.context import FileContext
    from reviewer.walk import walk

    module = parse_python(source, text, result, libcst_rules)
    if module is None:
        return
    context = FileContext(
        source.rel, source.kind, text, module, plan.index.for_path(source.rel), dialect_of(source.rel) or plan.config.dialect, source.migration_tool
    )
    instances: list[PythonRule] = []
    for rule in python_rules:
        instances.append(rule(context, rule.settings_from(plan.config)))
    visitor = BatchedVisitor(context, instances, bool(sql_rules))
    try:
        walk(module, visitor.on_visit, visitor.on_leave)
    except RecursionError:
        not_run(result, source.rel, "nesting too deep to analyse", libcst_rules, kind="too-deep")
        return
    finally:
        result.errors.extend(visitor.errors)
    for instance in visitor.live:
        guarded(instance, "finish", result, source.rel)
    sql_instances = [rule(rule.settings_from(plan.config), context.index) for rule in sql_rules]
    for statement, tree in visitor.sql:
        for instance in sql_instances:
            guarded(instance, "check", result, source.rel, tree, statement)
    reporters: list[Rule] = [*visitor.live, *sql_instances]
    if not any(instance.reports for instance in reporters):
        return
    try:
        positions = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    except RecursionError:
        not_run(result, source.rel, "nesting too deep to locate findings", [type(i) for i in reporters if i.reports], kind="too-deep")
        return
    lines = split_lines(text)
    for instance in reporters:
        for report in instance.reports:
            target = report.target
            if isinstance(target, exp.Expression):
                statement = next((s for s, t in visitor.sql if target.root() is t), None)
                target = statement.python_node if statement is not None else None
            if isinstance(target, cst.CSTNode) and target in positions:
                span = positions[target]
                location = Location(span.start.line, span.start.column + 1, span.end.line, max(span.end.column, 1))
            elif isinstance(target, Location):
                location = target
            else:
                continue
            autofix = place(report.autofix, source.rel, module)
            result.findings.append(make_finding(type(instance), report, source.rel, location, lines, plan.config, autofix=autofix))


def _in_project(source: SourceFile, plan: Plan, first: AstPass, rules: list[type[PythonRule]]) -> list[type[PythonRule]]:
    """`rules` less those whose needs the file meets only with project conditions
    (AstPass.deferred) that this project's index does not satisfy."""
    index = plan.index.for_path(source.rel) if plan.index is not None else None
    residues = dict(first.deferred)
    return [
        rule for rule in rules
        if rule.code not in residues or any(all(holds(index) for holds in conditions) for conditions in residues[rule.code])
    ]


def _spelled(source: SourceFile, plan: Plan, first: AstPass, sql_rules: list[type[Rule]]) -> bool:
    """Whether the SQL lifted from a file whose own text cannot spell the words of its SqlRules
    (AstPass.sql_own) can hold one with the text of the project model it names (the
    `sql_text` section; without it, it can)."""
    words = sql_words.words_of(sql_rules)
    if words is None or first.sql_own is None or first.sql_own.words != words:
        return True
    text = sql_words.SqlTextProvider.of(plan.index.for_path(source.rel)) if plan.index is not None else None
    if text is None:
        return True
    model = text.pieces(first.sql_names, words)
    named = model.keys()
    if named and first.sql_own.cut:
        return True  # another module's text, which a `.replace` of this file may cut
    pieces = sql_words.Pieces(words)
    pieces.merge(first.sql_own)
    for name in named:
        pieces.merge(model[name])
    return pieces.spell(dialect_of(source.rel) or plan.config.dialect)


def guarded(instance: Rule, method: str, result: FileResult, path: str, *args: Any) -> bool:
    """Call a rule method; a crash is recorded as an error and loses only this rule's work."""
    try:
        getattr(instance, method)(*args)
        return True
    except Exception as error:  # noqa: BLE001 - a rule bug must not stop the scan
        if timed_out(error):  # the timeout, replaced on its way out (bounds.timed_out)
            raise
        result.errors.append(
            FileError(path, "rule-error", f"{instance.code} failed: {type(error).__name__}: {error}")
        )
        instance.reports.clear()
        return False


def _collect(owner: Any, visits: dict[str, list], leaves: dict[str, list]) -> None:
    """Index an object's visit_<Node> / leave_<Node> methods by node type name."""
    for attribute in dir(owner):
        if attribute.startswith("visit_"):
            visits.setdefault(attribute[6:], []).append((owner, getattr(owner, attribute)))
        elif attribute.startswith("leave_"):
            leaves.setdefault(attribute[6:], []).append((owner, getattr(owner, attribute)))


class BatchedVisitor:
    """One walk for all rules of a file: scope facts first, then each rule's visit_<Node>,
    and SQL extraction for SqlRules at every call that reaches a database."""

    def __init__(self, context: FileContext, rules: list[PythonRule], extract_sql: bool) -> None:
        self.context = context
        self.live = list(rules)
        self.extract_sql = extract_sql
        self.sql: list[tuple[SqlStatement, exp.Expression]] = []
        self.errors: list[FileError] = []
        self._visit: dict[str, list] = {}
        self._leave: dict[str, list] = {}
        for rule in rules:
            _collect(rule, self._visit, self._leave)
        # Shared analyses the rules asked for in their __init__ (context.shared).
        self._fact_visit: dict[str, list] = {}
        self._fact_leave: dict[str, list] = {}
        for fact in context.facts.values():
            _collect(fact, self._fact_visit, self._fact_leave)

    def on_visit(self, node: cst.CSTNode) -> None:
        self.context.scopes.on_visit(node)
        name = type(node).__name__
        for fact, method in self._fact_visit.get(name, ()):
            self._feed(fact, method, node)
        for rule, method in self._visit.get(name, ()):
            self._call(rule, method, node)
        if self.extract_sql and name == "Call":
            self._extract(node)  # type: ignore[arg-type]

    def on_leave(self, original_node: cst.CSTNode) -> None:
        name = type(original_node).__name__
        for rule, method in self._leave.get(name, ()):
            self._call(rule, method, original_node)
        for fact, method in self._fact_leave.get(name, ()):
            self._feed(fact, method, original_node)
        self.context.scopes.on_leave(original_node)

    def _feed(self, fact: Any, method, node: cst.CSTNode) -> None:
        try:
            method(node)
        except Exception as error:  # noqa: BLE001 - a bug in a shared analysis must not stop the scan
            if timed_out(error):  # the timeout, replaced on its way out (bounds.timed_out)
                raise
            self.errors.append(
                FileError(self.context.path, "rule-error", f"{type(fact).__name__} failed: {type(error).__name__}: {error}")
            )
            for table in (self._fact_visit, self._fact_leave):
                for handlers in table.values():
                    handlers[:] = [(owner, handler) for owner, handler in handlers if owner is not fact]

    def _call(self, rule: PythonRule, method, node: cst.CSTNode) -> None:
        if rule not in self.live:
            return
        try:
            method(node)
        except Exception as error:  # noqa: BLE001 - a rule bug must not stop the scan
            if timed_out(error):  # the timeout, replaced on its way out (bounds.timed_out)
                raise
            self.errors.append(
                FileError(self.context.path, "rule-error", f"{rule.code} failed: {type(error).__name__}: {error}")
            )
            rule.reports.clear()
            self.live.remove(rule)

    def _extract(self, call: cst.Call) -> None:
        site = self.context.sql_site(call)  # what SQL001 and the other SQL rules read too
        if site is None or not site.has_text:
            return
        # `.extra(where=[...])`, `text()`, a `Query.filter("...")` clause: a statement, or a
        # condition that SqlRules see inside `SELECT 1 FROM t WHERE ...`.
        tree = site.condition_tree
        if tree is None:
            return
        from reviewer.sql.sqltext import SqlStatement

        statement = SqlStatement(self.context.path, site.text, site.dialect, 0, 0, python_node=call)
        self.sql.append((statement, tree))


# --------------------------------------------------------------------------------------------
# SQL files


def _analyse_sql_file(source: SourceFile, text: str, plan: Plan, result: FileResult) -> None:
    from reviewer.sql.sqllex import lex, lex_failure
    from reviewer.sql.sqltext import SqlStatement, parse_error, parse_statement

    _, sql_rules = plan.rules_for(source)
    dialect = dialect_of(source.rel) or plan.config.dialect
    index = plan.index.for_path(source.rel) if plan.index is not None else None  # None in the index worker
    instances = [rule(rule.settings_from(plan.config), index) for rule in sql_rules]
    lines = split_lines(text)
    # A statement that does not parse is reported once: as a finding of the rules that look
    # at unparsed SQL (SQL010) when one runs on this file, else under `errors`.
    unparsed = [instance for instance in instances if instance.sees_unparsed]

    def report_unparsed(body: str, line: int, column: int, message: str) -> None:
        statement = SqlStatement(source.rel, body, dialect, line, column)
        for instance in unparsed:
            before = len(instance.reports)
            if guarded(instance, "check_unparsed", result, source.rel, statement, message):
                for report in instance.reports[before:]:
                    location = sql_location(report.target, statement)
                    autofix = place(report.autofix, source.rel)
                    result.findings.append(make_finding(type(instance), report, source.rel, location, lines, plan.config, autofix=autofix))

    lexed = lex(text, dialect)
    if lexed is None:
        error = lex_failure(text, dialect)
        if unparsed:
            detail = error if len(error) <= 80 else error[:77] + "..."
            report_unparsed(text, 1, 1, f"cannot tokenize the file, so none of it was checked ({detail})")
        else:
            result.errors.append(FileError(source.rel, "sql-parse-error", f"cannot tokenize as {dialect}: {error}"))
        return
    failures = []
    for piece in lexed.statements:
        body, line, column = piece.text, piece.line, piece.column
        tree = parse_statement(body, dialect)
        if tree is None:
            message = parse_error(body, dialect) if unparsed else None
            if message is not None:
                report_unparsed(body, line, column, message)
            else:
                failures.append(line)
            continue
        statement = SqlStatement(source.rel, body, dialect, line, column)
        # One statement is one operation: a rule that flags several parts of it reports once.
        operation = f"sql-statement@{line}:{column}"
        for instance in instances:
            before = len(instance.reports)
            if not guarded(instance, "check", result, source.rel, tree, statement):
                continue
            for report in instance.reports[before:]:
                location = sql_location(report.target, statement)
                autofix = place(report.autofix, source.rel)
                result.findings.append(
                    make_finding(type(instance), report, source.rel, location, lines, plan.config, operation, autofix=autofix)
                )
    if failures:
        shown = ", ".join(str(line) for line in failures[:5]) + (" ..." if len(failures) > 5 else "")
        result.errors.append(
            FileError(
                source.rel,
                "sql-parse-error",
                f"{len(failures)} statement(s) do not parse as {dialect} (line {shown}); the others were checked",
            )
        )


def sql_location(target: Any, statement: SqlStatement) -> Location:
    """Where a reported sqlglot node sits in the file: the statement's start for the whole
    statement, else the span of the first token-bearing node (sqlglot records character
    offsets on identifiers, literals and the like)."""
    from sqlglot import exp

    if isinstance(target, Location):
        return target
    start_line, start_column = statement.line, statement.column
    if not isinstance(target, exp.Expression) or target.parent is None:
        return Location(start_line, start_column, start_line, start_column)
    meta = target.meta if "start" in target.meta else next(
        (node.meta for node in target.walk() if "start" in node.meta), None
    )
    if not meta:
        return Location(start_line, start_column, start_line, start_column)

    def position(offset: int) -> tuple[int, int]:
        before = statement.text[:offset]
        newlines = before.count("\n")
        if not newlines:
            return start_line, start_column + offset
        return start_line + newlines, offset - before.rfind("\n")

    line, column = position(meta["start"])
    end_line, end_column = position(meta.get("end", meta["start"]))
    return Location(line, column, end_line, end_column)
