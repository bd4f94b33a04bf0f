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

import posixpath
from dataclasses import dataclass, replace
from typing import Any, Iterable, Mapping

from reviewer.discovery import is_test_path
from reviewer.model import FileKind
from reviewer.provider import IndexProvider


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


# --------------------------------------------------------------------------------------------
# Replay


def exposed_schemas(stream: RlsStream, config_text: str | None) -> frozenset[str]:
    """Schemas PostgREST serves: `[api] schemas` of `supabase/config.toml` when it lists them,
    else `public`; plus, outside a Supabase folder, the schemas granted to an API role."""
    schemas = {DEFAULT_SCHEMA}
    if config_text is not None:
        from reviewer.config import tomllib  # where a TOML file is read (tomli on Python 3.10)

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
        from reviewer.migrations.rlssql import collect_statements  # sqlglot: loaded when a SQL file is indexed

        found = collect_statements(text)
        return {"statements": [statement.to_json() for statement in found]} if found else None

    def merge(self, facts: Mapping[str, Any]) -> Any:
        folders: dict[str, list[RlsFile]] = {}
        for path in sorted(facts):
            statements = tuple(RlsStatement.from_json(item) for item in facts[path]["statements"])
            folders.setdefault(posixpath.dirname(path), []).append(RlsFile(path, statements))
        streams = (RlsStream(folder, tuple(files)) for folder, files in sorted(folders.items()))
        return tuple(stream for stream in streams if stream.exposed_through_api)
