"""SEC009 on a Supabase project laid out as the Supabase CLI lays it out (`supabase/config.toml`,
`supabase/migrations/<timestamp>_<name>.sql`, `supabase/seed.sql`), and the RLS facts the
replay reads."""

from __future__ import annotations

from pathlib import Path

from reviewer.migrations.rls import RlsFile, RlsStream, collect_statements, exposed_schemas, replay
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
