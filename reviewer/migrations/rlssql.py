"""Reading the RLS statements of a SQL migration (reviewer.migrations.rls) with sqlglot: its
tokenizer for the policy, grant, function and view statements it keeps as an opaque command,
its parser for tables and the expressions of policies. Loaded when a SQL file is indexed."""

from __future__ import annotations

import logging
from dataclasses import replace

import sqlglot
from sqlglot import exp
from sqlglot.tokens import Token, TokenType

from reviewer.migrations.rls import (
    ALTER_POLICY, AUTH_FUNCTIONS, DEFAULT_SCHEMA, DISABLE, DROP, DROP_POLICY, DROP_VIEW, ENABLE, FORCE, FUNCTION, FUNCTION_PATH,
    GRANT, NO_FORCE, POLICY, RENAME, ROUTINES, TABLE, TRUE_WORDS, VIEW, VIEW_OPTIONS, RlsStatement,
)
from reviewer.sql.sqllex import lex

logging.getLogger("sqlglot").setLevel(logging.ERROR)


def _fold(token: Token) -> str:
    """An identifier as PostgreSQL stores it: unquoted names fold to lower case."""
    return token.text if token.token_type == TokenType.IDENTIFIER else token.text.lower()


NAME_TOKENS = frozenset({TokenType.VAR, TokenType.IDENTIFIER})


def _qualified(tokens: list[Token], at: int) -> tuple[str | None, str | None, int]:
    """(schema, name, index after it) of a possibly schema-qualified name starting at `at`."""
    if at >= len(tokens) or tokens[at].token_type in (TokenType.L_PAREN, TokenType.SEMICOLON):
        return None, None, at
    first = _fold(tokens[at])
    if at + 2 < len(tokens) and tokens[at + 1].token_type == TokenType.DOT:
        return first, _fold(tokens[at + 2]), at + 3
    return None, first, at + 1


def _words(tokens: list[Token]) -> list[str]:
    return [t.text.upper() if t.token_type not in (TokenType.IDENTIFIER, TokenType.STRING, TokenType.HEREDOC_STRING) else "" for t in tokens]


def _skip(words: list[str], at: int, *noise: str) -> int:
    while at < len(words) and words[at] in noise:
        at += 1
    return at


def _expression(tokens: list[Token], text: str) -> exp.Expression | None:
    """The SQL expression the tokens span, as sqlglot reads it; None when it does not parse."""
    if not tokens:
        return None
    body = text[tokens[0].start : tokens[-1].end + 1]
    try:
        return sqlglot.parse_one(body, read="postgres")
    except Exception:  # noqa: BLE001 - sqlglot raises assorted errors on odd input
        return None


def _is_true(tokens: list[Token], text: str) -> bool:
    """Whether the expression the tokens span is the constant `true` (sqlglot's reading)."""
    tree = _expression(tokens, text)
    while isinstance(tree, exp.Paren):
        tree = tree.this
    return isinstance(tree, exp.Boolean) and tree.this is True


def _per_row_calls(tree: exp.Expression | None) -> list[str]:
    """The calls of `auth.uid()`, `auth.jwt()`, `auth.role()`, `auth.email()` and
    `current_setting(...)` in a policy expression that PostgreSQL evaluates for every row of
    the table: those outside any subquery. `(select auth.uid())` runs once, as an init plan;
    a call inside another subquery (`owner in (select ... where member = auth.uid())`) runs
    with that subquery, not per row of the table, and is left alone."""
    if tree is None:
        return []
    found = []
    for node in tree.walk():
        if isinstance(node, exp.Dot) and isinstance(node.this, exp.Identifier) and node.this.name.lower() == "auth" and (
                isinstance(node.expression, exp.Anonymous) and node.expression.name.lower() in AUTH_FUNCTIONS):
            call = f"auth.{node.expression.name.lower()}()"
        elif isinstance(node, exp.Anonymous) and node.name.lower() == "current_setting" and not isinstance(node.parent, exp.Dot):
            call = "current_setting()"
        else:
            continue
        if node.find_ancestor(exp.Select) is None:
            found.append(call)
    return found


def _parenthesised(tokens: list[Token], at: int) -> tuple[list[Token], int]:
    """The tokens inside the parentheses opening at `at`, and the index after the closing one."""
    if at >= len(tokens) or tokens[at].token_type != TokenType.L_PAREN:
        return [], at
    depth = 0
    for index in range(at, len(tokens)):
        kind = tokens[index].token_type
        depth += kind == TokenType.L_PAREN
        depth -= kind == TokenType.R_PAREN
        if depth == 0:
            return tokens[at + 1 : index], index + 1
    return tokens[at + 1 :], len(tokens)


def _policy(tokens: list[Token], words: list[str], text: str, line: int, kind: str = POLICY) -> RlsStatement | None:
    """`CREATE POLICY name ON table [AS PERMISSIVE|RESTRICTIVE] [FOR cmd] [TO roles]
    [USING (expr)] [WITH CHECK (expr)]`, or `ALTER POLICY name ON table [TO roles] [USING
    (expr)] [WITH CHECK (expr)]` (kind ALTER_POLICY)."""
    if "ON" not in words:
        return None
    on = words.index("ON")
    name = _fold(tokens[on - 1]) if on >= 1 else None
    schema, table, at = _qualified(tokens, on + 1)
    command, roles, permissive, using_true, check_true = "ALL", [], True, False, False
    per_row: dict[str, list[str]] = {"USING": [], "CHECK": []}
    while at < len(tokens):
        word = words[at]
        if word == "AS" and at + 1 < len(words):
            permissive = words[at + 1] != "RESTRICTIVE"
            at += 2
        elif word == "FOR" and at + 1 < len(words):
            command = words[at + 1]
            at += 2
        elif word == "TO":
            at += 1
            while at < len(tokens) and words[at] not in ("USING", "WITH"):
                if tokens[at].token_type != TokenType.COMMA:
                    roles.append(_fold(tokens[at]))
                at += 1
        elif word == "USING":
            inner, at = _parenthesised(tokens, at + 1)
            using_true = _is_true(inner, text)
            per_row["USING"] = _per_row_calls(_expression(inner, text))
        elif word == "WITH" and at + 1 < len(words) and words[at + 1] == "CHECK":
            inner, at = _parenthesised(tokens, at + 2)
            check_true = _is_true(inner, text)
            per_row["CHECK"] = _per_row_calls(_expression(inner, text))
        else:
            at += 1
    return RlsStatement(kind, line, schema, table, command=command, roles=tuple(roles), permissive=permissive,
                        using_true=using_true, check_true=check_true, policy=name,
                        per_row_using=tuple(dict.fromkeys(per_row["USING"])), per_row_check=tuple(dict.fromkeys(per_row["CHECK"])),
                        clauses=tuple(clause for clause in ("USING", "CHECK") if _gives(words, clause)))


def _function(tokens: list[Token], words: list[str], start: int, line: int, create: bool) -> RlsStatement:
    """`CREATE [OR REPLACE] FUNCTION|PROCEDURE name(args) ... [SECURITY DEFINER] [SET
    search_path ...]`, or `ALTER FUNCTION name(args) ... SET search_path | SECURITY DEFINER`:
    the clauses outside the argument list and the (string) body."""
    schema, name, at = _qualified(tokens, start)
    _, at = _parenthesised(tokens, at)
    definer = search_path = False
    depth = 0
    for index in range(at, len(tokens)):
        kind = tokens[index].token_type
        depth += kind == TokenType.L_PAREN
        depth -= kind == TokenType.R_PAREN
        if depth:
            continue
        # The tokenizer reads `LANGUAGE sql SECURITY DEFINER` as `sql`, `SQL SECURITY`, `DEFINER`.
        if words[index].endswith("SECURITY") and index + 1 < len(words) and words[index + 1] == "DEFINER":
            definer = True
        if words[index] == "SET" and index + 1 < len(words) and words[index + 1] == "SEARCH_PATH":
            search_path = True
    return RlsStatement(FUNCTION if create else FUNCTION_PATH, line, schema, name, definer=definer, search_path=search_path)


def _grant(tokens: list[Token], words: list[str], line: int) -> RlsStatement | None:
    """`GRANT ... ON [SCHEMA s | ALL TABLES IN SCHEMA s | TABLE t, ...] TO roles` and
    `ALTER DEFAULT PRIVILEGES IN SCHEMA s GRANT ... TO roles`: the grantees and the schemas."""
    if "TO" not in words:
        return None
    to = len(words) - 1 - words[::-1].index("TO")
    roles = tuple(_fold(t) for t in tokens[to + 1 :] if t.token_type in NAME_TOKENS)
    schemas: list[str] = []
    for index, word in enumerate(words[:to]):
        if word == "SCHEMA":
            at = index + 1
            while at < to and tokens[at].token_type in NAME_TOKENS | {TokenType.COMMA}:
                if tokens[at].token_type != TokenType.COMMA:
                    schemas.append(_fold(tokens[at]))
                at += 1
    if not schemas and "ON" in words[:to]:
        at = _skip(words, words.index("ON") + 1, "TABLE")
        while at < to:
            schema, _, at = _qualified(tokens, at)
            schemas.append(schema or DEFAULT_SCHEMA)
            at = _skip(words, at, ",")
            if at < to and tokens[at].token_type not in NAME_TOKENS:
                break
    return RlsStatement(GRANT, line, roles=roles, schemas=tuple(dict.fromkeys(schemas)))


def _gives(words: list[str], clause: str) -> bool:
    """Whether a policy statement has a USING or a WITH CHECK clause."""
    if clause == "USING":
        return "USING" in words
    return any(word == "WITH" and after == "CHECK" for word, after in zip(words, words[1:]))


def _view(tokens: list[Token], words: list[str], text: str, at: int, line: int) -> RlsStatement | None:
    """`CREATE [OR REPLACE] [RECURSIVE] VIEW name [(columns)] [WITH (options)] AS query`: the
    view, whether `security_invoker` is on, and the tables its query reads. Temporary and
    materialized views (no RLS applies to the latter; it is a copy) are left out."""
    at = _skip(words, at, "RECURSIVE")
    if at >= len(words) or words[at] != "VIEW":
        return None
    schema, name, at = _qualified(tokens, at + 1)
    _, at = _parenthesised(tokens, at)
    invoker = False
    if at + 1 < len(words) and words[at] == "WITH" and tokens[at + 1].token_type == TokenType.L_PAREN:
        options, at = _parenthesised(tokens, at + 1)
        invoker = _invoker_on(options)
    if at >= len(words) or words[at] != "AS" or at + 1 >= len(tokens):
        return None
    query = _expression(tokens[at + 1 :], text)
    reads: list[str] = []
    if query is not None:
        ctes = {cte.alias_or_name.lower() for cte in query.find_all(exp.CTE)}
        for table in query.find_all(exp.Table):
            db = _identifier(table.args.get("db"))
            own = _identifier(table.this)
            if own and (db or own not in ctes):
                reads.append(f"{db or DEFAULT_SCHEMA}.{own}")
    return RlsStatement(VIEW, line, schema, name, invoker=invoker, reads=tuple(dict.fromkeys(reads)))


def _invoker_on(options: list[Token]) -> bool:
    """Whether a view's `(option [= value], ...)` list switches `security_invoker` on."""
    for index, token in enumerate(options):
        if token.text.lower() != "security_invoker":
            continue
        if index + 1 >= len(options) or options[index + 1].token_type == TokenType.COMMA:
            return True  # a boolean option without a value is on
        if options[index + 1].token_type == TokenType.EQ and index + 2 < len(options):
            return options[index + 2].text.strip("'").upper() in TRUE_WORDS
    return False


def _from_tree(tree: exp.Expression, line: int) -> list[RlsStatement]:
    if isinstance(tree, exp.Create) and (tree.args.get("kind") or "").upper() == "TABLE":
        target = tree.this.this if isinstance(tree.this, exp.Schema) else tree.this
        if not isinstance(target, exp.Table) or tree.find(exp.TemporaryProperty) is not None:
            return []
        schema = target.args.get("db")
        return [RlsStatement(TABLE, line, _identifier(schema), _identifier(target.this))]
    if isinstance(tree, exp.Drop) and (tree.args.get("kind") or "").upper() in ("TABLE", "VIEW"):
        kind = DROP if tree.args["kind"].upper() == "TABLE" else DROP_VIEW
        tables = [t for t in tree.args.get("tables") or [tree.this] if isinstance(t, exp.Table)]
        return [RlsStatement(kind, line, _identifier(t.args.get("db")), _identifier(t.this)) for t in tables]
    if isinstance(tree, exp.Alter) and isinstance(tree.this, exp.Table):
        for action in tree.args.get("actions") or []:
            if isinstance(action, exp.AlterRename) and isinstance(action.this, exp.Table):
                table = tree.this
                return [RlsStatement(RENAME, line, _identifier(table.args.get("db")), _identifier(table.this), to=_identifier(action.this.this))]
    return []


def _identifier(node: exp.Expression | None) -> str | None:
    if not isinstance(node, exp.Identifier):
        return None
    return node.name if node.args.get("quoted") else node.name.lower()


def _from_tokens(tokens: list[Token], text: str, line: int) -> list[RlsStatement]:
    words = _words(tokens)
    if len(words) < 3:
        return []
    head = words[0]
    if head == "ALTER" and words[1] == "TABLE":
        for index in range(2, len(words) - 2):
            if words[index : index + 3] == ["ROW", "LEVEL", "SECURITY"]:
                toggle = words[index - 1]
                if toggle == "FORCE":  # RLS applies to the table owner too (a view it owns)
                    toggle = "NO_FORCE" if words[index - 2] == "NO" else "FORCE"
                kind = {"ENABLE": ENABLE, "DISABLE": DISABLE, "FORCE": FORCE, "NO_FORCE": NO_FORCE}.get(toggle)
                if kind is None:
                    return []
                schema, table, _ = _qualified(tokens, _skip(words, 2, "IF", "EXISTS", "ONLY"))
                return [RlsStatement(kind, line, schema, table)]
        return []
    if head == "ALTER" and words[1] == "VIEW":
        schema, view, at = _qualified(tokens, _skip(words, 2, "IF", "EXISTS"))
        if at + 1 < len(words) and words[at] in ("SET", "RESET") and tokens[at + 1].token_type == TokenType.L_PAREN:
            options, _ = _parenthesised(tokens, at + 1)
            if any(t.text.lower() == "security_invoker" for t in options):
                return [RlsStatement(VIEW_OPTIONS, line, schema, view, invoker=words[at] == "SET" and _invoker_on(options))]
        return []
    if head == "ALTER" and words[1] == "POLICY":
        found = _policy(tokens, words, text, line, kind=ALTER_POLICY)
        if found is not None and "RENAME" in words and words.index("RENAME") + 2 < len(tokens):
            found = replace(found, to=_fold(tokens[words.index("RENAME") + 2]))
        return [found] if found else []
    if head == "DROP" and words[1] == "POLICY" and "ON" in words:
        on = words.index("ON")
        schema, table, _ = _qualified(tokens, on + 1)
        return [RlsStatement(DROP_POLICY, line, schema, table, policy=_fold(tokens[on - 1]))]
    if head == "CREATE":
        at = _skip(words, 1, "OR", "REPLACE")
        if at < len(words) and words[at] == "POLICY":
            found = _policy(tokens, words, text, line)
            return [found] if found else []
        if at < len(words) and words[at] in ROUTINES:
            return [_function(tokens, words, at + 1, line, create=True)]
        view = _view(tokens, words, text, at, line)
        return [view] if view else []
    if head == "ALTER" and words[1] in ROUTINES:
        return [_function(tokens, words, 2, line, create=False)]
    if head == "GRANT" or (head == "ALTER" and words[1:3] == ["DEFAULT", "PRIVILEGES"] and "GRANT" in words):
        found = _grant(tokens, words, line)
        return [found] if found else []
    return []


def collect_statements(text: str) -> list[RlsStatement]:
    """The RLS-relevant statements of one SQL file, in order."""
    lexed = lex(text, "postgres")
    if lexed is None:
        return []
    out: list[RlsStatement] = []
    for statement in lexed.statements:
        tokens = list(statement.tokens)
        words = _words(tokens[:3])
        if words[:1] == ["CREATE"] or words[:2] in (["DROP", "TABLE"], ["DROP", "VIEW"], ["ALTER", "TABLE"]):
            try:
                parsed = [tree for tree in sqlglot.parse(statement.text, read="postgres") if tree is not None]
            except Exception:  # noqa: BLE001 - sqlglot raises assorted errors on odd input
                parsed = []
            routine = isinstance(parsed[0], exp.Create) and (parsed[0].args.get("kind") or "").upper() in ROUTINES if parsed else False
            found = _from_tree(parsed[0], statement.line) if len(parsed) == 1 and not routine else []
            if found:
                out.extend(found)
                continue
        out.extend(_from_tokens(tokens, text, statement.line))
    return out
