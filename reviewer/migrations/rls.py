"""Row Level Security of the tables a Supabase / PostgREST project exposes, from its SQL migrations.

Supabase serves every table of an exposed schema (`public`, and the schemas listed under
`[api] schemas` of `supabase/config.toml`) through PostgREST to any holder of the public `anon`
key; only Row Level Security and its policies stand between that key and the rows. The `rls`
section of the project index holds, per SQL file, the statements that matter for that:
`CREATE TABLE` (sqlglot's AST), `ALTER TABLE ... ENABLE / DISABLE ROW LEVEL SECURITY`,
`CREATE POLICY`, `CREATE FUNCTION ... SECURITY DEFINER [SET search_path ...]`, `ALTER FUNCTION
... SET search_path`, `ALTER TABLE ... RENAME TO`, `DROP TABLE` and grants to the API roles.
sqlglot 30 keeps the RLS, policy and function statements as an opaque `exp.Command`; they are
read from the tokens of the shared SQL lexer (`reviewer.sql.sqllex`), whose tokenizer keeps
dollar-quoted function bodies as one string, so nothing inside a body is mistaken for a clause.

A migration stream (the SQL files of one folder, applied in file-name order, which is the
timestamp order of `supabase/migrations/<timestamp>_name.sql`) is a Supabase / PostgREST one
when it lives under `supabase/migrations/`, or when it grants privileges to, or creates policies
for, the roles PostgREST switches to (`anon`, `authenticated`: Supabase's; `web_anon`:
PostgREST's tutorial).
`replay` walks a stream in order and returns its problems.
"""

from __future__ import annotations

import logging
import posixpath
from dataclasses import dataclass, replace
from typing import Any, Iterable, Mapping

import sqlglot
from sqlglot import exp
from sqlglot.tokens import Token, TokenType

from reviewer.config import tomllib  # tomli on Python 3.10
from reviewer.discovery import is_test_path
from reviewer.model import FileKind
from reviewer.provider import IndexProvider
from reviewer.sql.sqllex import lex

logging.getLogger("sqlglot").setLevel(logging.ERROR)

SECTION = "rls"
API_ROLES = frozenset({"anon", "authenticated", "web_anon"})
# Roles a policy applies to that an API request can hold (`public` is every role).
REQUEST_ROLES = frozenset({"anon", "authenticated", "public"})
WRITE_COMMANDS = frozenset({"ALL", "INSERT", "UPDATE", "DELETE"})
DEFAULT_SCHEMA = "public"
SUPABASE_MIGRATIONS = "supabase/migrations"
ROUTINES = frozenset({"FUNCTION", "PROCEDURE"})

# Statement kinds of the facts.
TABLE, ENABLE, DISABLE, POLICY, FUNCTION, FUNCTION_PATH, RENAME, DROP, GRANT = (
    "table", "enable", "disable", "policy", "function", "function_path", "rename", "drop", "grant")
FORCE, NO_FORCE, VIEW, VIEW_OPTIONS, DROP_VIEW, ALTER_POLICY, DROP_POLICY = (
    "force", "no_force", "view", "view_options", "drop_view", "alter_policy", "drop_policy")
# Functions a policy should call once per statement, as `(select auth.uid())`, not once per row
# (Supabase's `auth_rls_initplan` lint): Supabase's auth helpers and `current_setting`.
AUTH_FUNCTIONS = frozenset({"uid", "jwt", "role", "email"})
# Values that switch a boolean view option on (`security_invoker`, `security_invoker = on`).
TRUE_WORDS = frozenset({"TRUE", "ON", "1", "YES"})


# A table, view or function: (schema, name), the schema `public` when unqualified.
Key = tuple[str, "str | None"]


@dataclass(frozen=True)
class RlsStatement:
    """One statement of a migration file that matters for RLS. `name` is the table (or the
    function) as PostgreSQL folds it; `schema` is None when unqualified."""

    kind: str
    line: int
    schema: str | None = None
    name: str | None = None
    command: str = ""  # policy: ALL, SELECT, INSERT, UPDATE, DELETE
    roles: tuple[str, ...] = ()  # policy: TO roles (empty: public); grant: grantees
    permissive: bool = True
    using_true: bool = False
    check_true: bool = False
    definer: bool = False  # function: SECURITY DEFINER
    search_path: bool = False  # function: SET search_path in its definition
    to: str | None = None  # rename: the new table name
    schemas: tuple[str, ...] = ()  # grant: schemas the grant exposes
    policy: str | None = None  # policy, alter / drop policy: the policy's name
    # policy, alter policy: the per-row function calls (`auth.uid()`) of its USING and of its
    # WITH CHECK expression, and which of the two clauses the statement gives
    per_row_using: tuple[str, ...] = ()
    per_row_check: tuple[str, ...] = ()
    clauses: tuple[str, ...] = ()
    invoker: bool = False  # view, view options: `security_invoker` on
    reads: tuple[str, ...] = ()  # view: the tables its query reads, as `schema.name`

    def to_json(self) -> dict[str, Any]:
        return {key: list(value) if isinstance(value, tuple) else value for key, value in self.__dict__.items()}

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> "RlsStatement":
        return RlsStatement(**{key: tuple(value) if isinstance(value, list) else value for key, value in data.items()})


@dataclass(frozen=True)
class RlsFile:
    path: str
    statements: tuple[RlsStatement, ...]


@dataclass(frozen=True)
class RlsStream:
    """The SQL migration files of one folder, in the order they are applied."""

    folder: str
    files: tuple[RlsFile, ...]

    @property
    def supabase(self) -> bool:
        return self.folder == SUPABASE_MIGRATIONS or self.folder.endswith("/" + SUPABASE_MIGRATIONS)

    @property
    def config_path(self) -> str | None:
        """Where the Supabase CLI keeps the project's config: `supabase/config.toml`."""
        return posixpath.join(posixpath.dirname(self.folder), "config.toml") if self.supabase else None

    def statements(self) -> Iterable[tuple[str, RlsStatement]]:
        for item in self.files:
            for statement in item.statements:
                yield item.path, statement

    @property
    def api_schemas(self) -> frozenset[str]:
        """Schemas the stream grants to an API role (on the schema, its tables or defaults)."""
        return frozenset(s for _, st in self.statements() if st.kind == GRANT and set(st.roles) & API_ROLES for s in st.schemas)

    @property
    def exposed_through_api(self) -> bool:
        """In `supabase/migrations/`, or granting to an API role, or with policies for one."""
        return self.supabase or bool(self.api_schemas) or any(
            st.kind == POLICY and set(st.roles) & API_ROLES for _, st in self.statements())


@dataclass(frozen=True)
class RlsProblem:
    """What `replay` found: `kind` is one of `no_rls` (a table of an exposed schema never
    gets RLS, or gets it disabled), `always_true` (a write policy that lets every row
    through), `definer_search_path` (a SECURITY DEFINER function with a mutable search_path),
    `definer_view` (a view of an exposed schema over a table with RLS, without
    `security_invoker`: it reads with its owner's rights), `initplan` (a policy that calls
    `auth.uid()` and its kin once per row instead of once per statement)."""

    kind: str
    path: str
    line: int
    subject: str
    detail: str = ""


# --------------------------------------------------------------------------------------------
# Per-file facts


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


# --------------------------------------------------------------------------------------------
# Replay


def exposed_schemas(stream: RlsStream, config_text: str | None) -> frozenset[str]:
    """Schemas PostgREST serves: `[api] schemas` of `supabase/config.toml` when it lists them,
    else `public`; plus, outside a Supabase folder, the schemas granted to an API role."""
    schemas = {DEFAULT_SCHEMA}
    if config_text is not None:
        try:
            listed = tomllib.loads(config_text).get("api", {}).get("schemas")
        except (tomllib.TOMLDecodeError, AttributeError):
            listed = None
        if isinstance(listed, list) and all(isinstance(s, str) for s in listed):
            schemas = set(listed)
    if not stream.supabase:
        schemas |= stream.api_schemas
    return frozenset(schemas)


def _key(schema: str | None, name: str | None) -> "Key":
    return schema or DEFAULT_SCHEMA, name


def replay(stream: RlsStream, exposed: frozenset[str]) -> list[RlsProblem]:
    """The problems of a stream, its statements applied in order."""
    created: dict[Key, tuple[str, RlsStatement]] = {}
    enabled: dict[Key, bool] = {}
    forced: set[Key] = set()
    disabled_at: dict[Key, tuple[str, RlsStatement]] = {}
    # table -> policy name -> (file, the statement that last defined its expressions)
    policies: dict[Key, dict[str, tuple[str, RlsStatement]]] = {}
    functions: dict[Key, tuple[str, RlsStatement]] = {}
    views: dict[Key, tuple[str, RlsStatement]] = {}
    fixed: set[Key] = set()
    problems: list[RlsProblem] = []
    for path, st in stream.statements():
        key = _key(st.schema, st.name)
        if st.kind == TABLE:
            created[key] = (path, st)
            enabled[key] = False
            forced.discard(key)
            policies.pop(key, None)
        elif st.kind == DROP:
            created.pop(key, None)
            enabled.pop(key, None)
            policies.pop(key, None)
        elif st.kind == RENAME and st.to:
            moved = _key(st.schema, st.to)
            for table in (created, enabled, disabled_at, policies):
                if key in table:
                    table[moved] = table.pop(key)  # type: ignore[index]
            if key in forced:
                forced.discard(key)
                forced.add(moved)
        elif st.kind in (ENABLE, DISABLE):
            enabled[key] = st.kind == ENABLE
            if st.kind == ENABLE:
                disabled_at.pop(key, None)
            else:
                disabled_at[key] = (path, st)
        elif st.kind in (FORCE, NO_FORCE):
            (forced.add if st.kind == FORCE else forced.discard)(key)
        elif st.kind in (POLICY, ALTER_POLICY, DROP_POLICY):
            _policy_change(policies.setdefault(key, {}), path, st)
            if st.kind == POLICY:
                problems.extend(_always_true(path, st, key))
        elif st.kind == FUNCTION:
            fixed.discard(key)  # CREATE OR REPLACE sets the function's configuration anew
            if st.definer and not st.search_path:
                functions[key] = (path, st)
            else:
                functions.pop(key, None)
        elif st.kind == FUNCTION_PATH and st.search_path:
            fixed.add(key)
        elif st.kind == FUNCTION_PATH and st.definer and key not in fixed:
            # `ALTER FUNCTION f() SECURITY DEFINER` on a function created without a search_path
            functions.setdefault(key, (path, st))
        elif st.kind == VIEW:
            views[key] = (path, st)  # CREATE OR REPLACE VIEW replaces the options too
        elif st.kind == VIEW_OPTIONS and key in views:
            views[key] = (views[key][0], replace(views[key][1], invoker=st.invoker))
        elif st.kind == DROP_VIEW:
            views.pop(key, None)
    for key, (path, st) in created.items():
        if key[0] in exposed and not enabled.get(key):
            where, at = disabled_at.get(key, (path, st))
            count = len(policies.get(key, {}))
            detail = "RLS disabled" if key in disabled_at else "RLS never enabled"
            if count:
                detail += f"; its {count} polic{'y does' if count == 1 else 'ies do'} nothing"
            problems.append(RlsProblem("no_rls", where, at.line, _label(key), detail))
    for key, (path, st) in functions.items():
        if key not in fixed:
            problems.append(RlsProblem("definer_search_path", path, st.line, _label(key)))
    protected = {key for key, on in enabled.items() if on and key not in forced}
    for key, (path, st) in views.items():
        over = [table for table in st.reads if _key(*table.split(".", 1)) in protected]
        if key[0] in exposed and not st.invoker and over:
            problems.append(RlsProblem("definer_view", path, st.line, _label(key), ", ".join(f"`{t}`" for t in over)))
    for key, named in policies.items():
        for name, (path, st) in named.items():
            calls = tuple(dict.fromkeys(st.per_row_using + st.per_row_check))
            if calls:
                problems.append(RlsProblem("initplan", path, st.line, _label(key), f"`{name}` calls {', '.join(calls)}"))
    return sorted(problems, key=lambda p: (p.path, p.line, p.kind))


def _policy_change(named: dict[str, tuple[str, RlsStatement]], path: str, st: RlsStatement) -> None:
    """Apply a CREATE / ALTER / DROP POLICY to the policies of its table, by name."""
    name = st.policy or f"line {st.line}"
    if st.kind == POLICY:
        named[name] = (path, st)
    elif st.kind == DROP_POLICY:
        named.pop(name, None)
    elif name in named:
        where, before = named.pop(name)
        if st.clauses:  # ALTER POLICY ... USING / WITH CHECK: the clauses given replace the old ones
            if st.per_row_using or st.per_row_check:
                where, before = path, replace(before, line=st.line)  # the finding moves to the ALTER that calls
            before = replace(
                before,
                per_row_using=st.per_row_using if "USING" in st.clauses else before.per_row_using,
                per_row_check=st.per_row_check if "CHECK" in st.clauses else before.per_row_check,
            )
        named[st.to or name] = (where, before)


def _always_true(path: str, st: RlsStatement, key: Key) -> list[RlsProblem]:
    """A permissive write policy for a request role whose USING or WITH CHECK is `true`."""
    roles = set(st.roles) or {"public"}
    lets_all = (st.using_true and st.command in ("ALL", "UPDATE", "DELETE")) or (
        st.check_true and st.command in ("ALL", "INSERT", "UPDATE"))
    if not (lets_all and st.permissive and st.command in WRITE_COMMANDS and roles & REQUEST_ROLES):
        return []
    clause = "USING (true)" if st.using_true else "WITH CHECK (true)"
    return [RlsProblem("always_true", path, st.line, _label(key),
                       f"{clause} on a FOR {st.command} policy for {', '.join(sorted(roles & REQUEST_ROLES))}")]


def _label(key: tuple[str, str | None]) -> str:
    return f"{key[0]}.{key[1]}"


# --------------------------------------------------------------------------------------------
# The index provider


class RlsProvider(IndexProvider):
    """The `rls` section: the SQL migration streams that expose tables through PostgREST."""

    name = SECTION
    empty = ()
    file_kinds = frozenset({FileKind.SQL, FileKind.SQL_MIGRATION})

    def collect(self, path: str, kind: FileKind, text: str, tree: Any) -> Any:
        if is_test_path(path):
            return None
        found = collect_statements(text)
        return {"statements": [statement.to_json() for statement in found]} if found else None

    def merge(self, facts: Mapping[str, Any]) -> Any:
        folders: dict[str, list[RlsFile]] = {}
        for path in sorted(facts):
            statements = tuple(RlsStatement.from_json(item) for item in facts[path]["statements"])
            folders.setdefault(posixpath.dirname(path), []).append(RlsFile(path, statements))
        streams = (RlsStream(folder, tuple(files)) for folder, files in sorted(folders.items()))
        return tuple(stream for stream in streams if stream.exposed_through_api)
