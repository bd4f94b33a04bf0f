"""SEC009 on a Supabase project laid out as the Supabase CLI lays it out (`supabase/config.toml`,
`supabase/migrations/<timestamp>_<name>.sql`, `supabase/seed.sql`), and the RLS facts the
replay reads."""

from __future__ import annotations

from pathlib import Path

from reviewer.migrations.rls import RlsFile, RlsStream, exposed_schemas, replay
from reviewer.migrations.rlssql import collect_statements
from tests.conftest import scan_tree

FIXTURE = Path(__file__).parent / "data" / "supabase_notes"
MIGRATIONS = "supabase/migrations"


def test_the_planted_problems_and_nothing_else() -> None:
    result = scan_tree(FIXTURE, select=("SEC009",))
    found = sorted((f.path, f.line, f.severity.value) for f in result.findings)
    assert found == [
        # a public table whose RLS is never enabled; its SELECT policy does nothing
        (f"{MIGRATIONS}/20240103000000_messages.sql", 1, "high"),
        # WITH CHECK (true) on an INSERT policy for anon and authenticated
        (f"{MIGRATIONS}/20240105000000_feedback.sql", 10, "high"),
        # SECURITY DEFINER without SET search_path (in a private schema: still exploitable)
        (f"{MIGRATIONS}/20240106000000_audit.sql", 11, "medium"),
    ]
    assert not result.errors
    messages = " ".join(f.message for f in result.findings)
    assert "its 1 policy does nothing" in messages
    # notes: RLS enabled in a later migration; profiles: the documented starter, with
    # `set search_path = ''` on its SECURITY DEFINER trigger function
    assert "notes" not in messages and "profiles" not in messages


def _stream(*files: tuple[str, str]) -> RlsStream:
    return RlsStream(MIGRATIONS, tuple(RlsFile(f"{MIGRATIONS}/{name}", tuple(collect_statements(text))) for name, text in files))


def test_config_toml_names_the_exposed_schemas() -> None:
    stream = _stream(("1_api.sql", "create table api.items (id int);\n"))
    assert replay(stream, exposed_schemas(stream, None)) == []
    exposed = exposed_schemas(stream, '[api]\nschemas = ["public", "api"]\n')
    assert [(p.kind, p.subject) for p in replay(stream, exposed)] == [("no_rls", "api.items")]


def test_rls_disabled_last_is_reported_at_the_disable() -> None:
    stream = _stream(
        ("1_t.sql", "create table t (id int);\nalter table t enable row level security;\n"),
        ("2_t.sql", "alter table if exists only public.t disable row level security;\n"),
    )
    (problem,) = replay(stream, frozenset({"public"}))
    assert (problem.path, problem.line, problem.detail) == (f"{MIGRATIONS}/2_t.sql", 1, "RLS disabled")


def test_dropped_tables_and_quoted_names() -> None:
    stream = _stream(
        ("1.sql", 'create table "Orders" (id int);\ncreate table orders (id int);\nalter table "Orders" enable row level security;\n'),
        ("2.sql", "drop table orders;\n"),
    )
    assert replay(stream, frozenset({"public"})) == []


def test_search_path_set_by_a_later_alter_function() -> None:
    stream = _stream(
        ("1.sql", "create function public.f() returns int language sql security definer as $$ select 1 $$;\n"),
        ("2.sql", "alter function public.f() set search_path = '';\n"),
    )
    assert replay(stream, frozenset({"public"})) == []


def test_a_policy_body_in_a_dollar_quoted_function_is_not_a_statement() -> None:
    text = (
        "create function public.setup() returns void language plpgsql set search_path = '' as $$\n"
        "begin\n  execute 'create policy p on public.x for all using (true)';\nend;\n$$;\n"
    )
    assert [s.kind for s in collect_statements(text)] == ["function"]


def test_views_over_rls_tables_need_security_invoker() -> None:
    tables = (
        "create table public.notes (id int, owner uuid);\nalter table public.notes enable row level security;\n"
        "create table public.forced (id int);\nalter table public.forced enable row level security;\n"
        "alter table public.forced force row level security;\n"
    )
    stream = _stream(
        ("1.sql", tables),
        ("2.sql", "create view public.a as select * from notes;\n"
                  "create view public.b with (security_invoker) as select * from public.notes;\n"
                  "create or replace view public.c with (security_invoker = true) as select id from public.notes;\n"
                  "create view public.d as select id from public.forced;\n"
                  'create view public.e as with n as (select 1 as id) select id from n;\n'),
        ("3.sql", "create or replace view public.c as select id from public.notes;\n"
                  "alter view public.a set (security_invoker = true);\n"),
    )
    problems = [(p.kind, p.path.rsplit("/", 1)[-1], p.line, p.subject) for p in replay(stream, frozenset({"public"}))]
    # c lost its option when it was replaced without one; a was fixed; d reads a FORCE RLS
    # table (its owner is subject to the policies too); e reads no table
    assert problems == [("definer_view", "3.sql", 1, "public.c")]


def test_per_row_auth_calls_follow_alter_and_drop_policy() -> None:
    stream = _stream(
        ("1.sql", "create table t (id int, owner uuid);\nalter table t enable row level security;\n"
                  "create policy p1 on t using (auth.uid() = owner);\n"
                  "create policy p2 on t for update using ((select auth.uid()) = owner) with check (owner = auth.uid());\n"
                  "create policy p3 on t using (current_setting('request.jwt.claims', true)::json->>'sub' = owner::text);\n"
                  "create policy p4 on t using (auth.jwt() ->> 'role' = 'admin');\n"),
        ("2.sql", "drop policy if exists p1 on t;\n"
                  "alter policy p2 on t using ((select auth.uid()) = owner);\n"
                  "alter policy p4 on t rename to admins;\n"),
    )
    problems = [(p.path.rsplit("/", 1)[-1], p.line, p.detail) for p in replay(stream, frozenset({"public"})) if p.kind == "initplan"]
    assert problems == [
        # p2's WITH CHECK is untouched by an ALTER that gives only USING
        ("1.sql", 4, "`p2` calls auth.uid()"),
        ("1.sql", 5, "`p3` calls current_setting()"),
        ("1.sql", 6, "`admins` calls auth.jwt()"),
    ]
