from __future__ import annotations

from reviewer.model import Category, Confidence, Location, Severity
from reviewer.migrations.rls import RlsProvider, SECTION, exposed_schemas, replay
from reviewer.rule import Example, ProjectRule

MIGRATION = "supabase/migrations/20240101120000_create_notes.sql"
NOTES = (
    "create table public.notes (\n"
    "  id bigint generated always as identity primary key,\n"
    "  owner uuid not null references auth.users,\n"
    "  body text\n"
    ");\n"
)
RLS = (
    "alter table public.notes enable row level security;\n"
    'create policy "owner can read" on public.notes for select to authenticated\n'
    "  using ((select auth.uid()) = owner);\n"
)

MESSAGES = {
    "no_rls": "Table `{subject}` is served by the API without Row Level Security ({detail}): the anon key reads and writes every row",
    "always_true": "Policy on `{subject}` lets every row through: {detail}",
    "definer_search_path": "SECURITY DEFINER function `{subject}` runs with a mutable `search_path`",
    "definer_view": "View `{subject}` reads {detail} with its owner's rights: without `security_invoker` it bypasses their Row Level Security",
    "initplan": "Policy on `{subject}` evaluates its auth call once per row: {detail}",
}
FIXES = {
    "no_rls": "`alter table {subject} enable row level security;` and add policies for the roles that need access "
              "(`create policy ... to authenticated using ((select auth.uid()) = owner)`)",
    "always_true": "Write the condition the row must meet: `using ((select auth.uid()) = owner) with check ((select auth.uid()) = owner)`",
    "definer_search_path": "Pin it: `alter function {subject} set search_path = '';` (and qualify the names in its body)",
    "definer_view": "`alter view {subject} set (security_invoker = true);` (PostgreSQL 15+), or move the view to a schema the API does not serve",
    "initplan": "Wrap the call in a scalar subquery, which runs once per statement: `using ((select auth.uid()) = owner)`",
}
SEVERITIES = {
    "no_rls": Severity.HIGH, "always_true": Severity.HIGH, "definer_search_path": Severity.MEDIUM,
    "definer_view": Severity.MEDIUM, "initplan": Severity.INFO,
}


class SupabaseRlsDisabled(ProjectRule):
    """A table that Supabase / PostgREST serves has no Row Level Security, or a policy that
    lets every row through.

    Supabase exposes every table of the schemas its API serves (`public`, and the schemas under
    `[api] schemas` of `supabase/config.toml`) to any holder of the public `anon` key, which
    ships in every browser bundle. Without `ENABLE ROW LEVEL SECURITY` that key reads, changes
    and deletes every row; with RLS on, a permissive `USING (true)` / `WITH CHECK (true)` write
    policy hands the same power back. A `SECURITY DEFINER` function runs with its owner's
    rights: without a fixed `search_path`, a caller who can create objects in a schema on the
    path can make it run their own function or table instead of the intended one.

    The SQL migrations of a stream are replayed in file-name order (Supabase's timestamp
    order), so RLS enabled, a table dropped or renamed, or a function's `search_path` set in a
    later migration counts. A stream is checked when it lives in `supabase/migrations/`, or
    when it grants privileges to, or creates policies for, the roles PostgREST switches to
    (`anon`, `authenticated`, `web_anon`); outside `supabase/`, the schemas it grants to those
    roles count as exposed too. Reported:
    a table of an exposed schema whose RLS is never enabled or is disabled last (at its
    `CREATE TABLE`, or at the `DISABLE`), naming the policies it has that do nothing; a
    permissive INSERT / UPDATE / DELETE / ALL policy for `anon`, `authenticated` or `public`
    whose `USING` or `WITH CHECK` is the constant `true` (high); a `SECURITY DEFINER`
    function or procedure without `SET search_path` (medium); a view of an exposed schema
    that reads a table with RLS on and is not created with, or later altered to,
    `security_invoker = true` (medium: the view runs with its owner's rights, and the owner,
    who created the table, is not subject to its RLS unless the table is `FORCE ROW LEVEL
    SECURITY`); a policy (as last created or altered, not dropped) whose `USING` or `WITH
    CHECK` calls `auth.uid()`, `auth.jwt()`, `auth.role()`, `auth.email()` or
    `current_setting()` outside any subquery, so PostgreSQL calls it once per row instead of
    once per statement as `(select auth.uid())` does (info: a performance lint, Supabase's
    `auth_rls_initplan`). Temporary tables, schemas the API does not serve, read-only `USING
    (true)` policies, `AS RESTRICTIVE` policies, materialized views (a copy, without RLS of
    its own) and calls inside a subquery are not reported. A view whose privileges are
    revoked from the API roles is still reported."""

    code = "SEC009"
    # Opt-in until the field has judged 5 of its findings (reviewer.precision.MIN_EVIDENCE); no finding on the ecosystem check's projects yet.
    opt_in = True
    project_level = True
    name = "supabase-rls-disabled"
    summary = "A table that Supabase / PostgREST serves has no Row Level Security, or a policy that lets every row through."
    category = Category.SECURITY
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    message = MESSAGES["no_rls"]
    fix = FIXES["no_rls"]
    seed = 'S5:572 "Row Level Security (RLS) with 166+ policies"; S5:579 "Always respect RLS policies - never bypass security"'
    references = (
        "https://supabase.com/docs/guides/database/postgres/row-level-security",
        "https://supabase.com/docs/guides/database/database-advisors",
        "https://www.postgresql.org/docs/current/sql-createfunction.html#SQL-CREATEFUNCTION-SECURITY",
    )
    index_sections = (SECTION,)
    invalid = (
        Example(NOTES, path=MIGRATION, lines=(1,)),
        Example(
            NOTES + "alter table public.notes enable row level security;\n"
            'create policy "anyone can post" on public.notes for insert to anon, authenticated\n'
            "  with check (true);\n",
            path=MIGRATION,
            lines=(7,),
            note="a write policy whose check is the constant true",
        ),
        Example(
            NOTES + RLS + "alter table public.notes disable row level security;\n",
            path=MIGRATION,
            lines=(9,),
            note="RLS disabled after it was enabled: reported at the DISABLE",
        ),
        Example(
            "create or replace function public.handle_new_user()\nreturns trigger\nlanguage plpgsql\nsecurity definer\n"
            "as $$\nbegin\n  insert into public.profiles (id) values (new.id);\n  return new;\nend;\n$$;\n",
            path="supabase/migrations/20240102090000_profiles_trigger.sql",
            lines=(1,),
            note="SECURITY DEFINER without a fixed search_path",
        ),
        Example(
            "create schema api;\ncreate table api.todos (id serial primary key, task text not null);\n"
            "create role web_anon nologin;\ngrant usage on schema api to web_anon;\ngrant select on api.todos to web_anon;\n",
            path="db/migrations/001_todos.sql",
            lines=(2,),
            note="a PostgREST project outside supabase/: the schema granted to the API role is exposed",
        ),
        Example(
            NOTES + RLS + "create view public.note_bodies as select id, body from public.notes;\n",
            path=MIGRATION,
            lines=(9,),
            note="(e) a view over an RLS table, without `security_invoker`",
        ),
        Example(
            NOTES + "alter table public.notes enable row level security;\n"
            'create policy "owner can edit" on public.notes for update to authenticated\n'
            "  using (auth.uid() = owner) with check (auth.uid() = owner);\n",
            path=MIGRATION,
            lines=(7,),
            note="(g) `auth.uid()` called once per row",
        ),
    )
    valid = (
        Example(NOTES + RLS, path=MIGRATION, note="near-miss: RLS enabled and an owner policy"),
        Example(
            NOTES + RLS + "create view public.note_bodies with (security_invoker = true) as select id, body from public.notes;\n"
            "create view public.note_ids as select id from public.notes;\n"
            "alter view public.note_ids set (security_invoker = on);\n"
            "create materialized view private.note_counts as select owner, count(*) from public.notes group by owner;\n"
            "create view private.all_notes as select * from public.notes;\n",
            path=MIGRATION,
            note="near-miss: (e) `security_invoker` set, or set later; a materialized view; a schema the API does not serve",
        ),
        Example(
            NOTES + "alter table public.notes enable row level security;\n"
            'create policy "owner can edit" on public.notes for update to authenticated using (auth.uid() = owner);\n'
            'drop policy "owner can edit" on public.notes;\n'
            'create policy "owner can edit" on public.notes for update to authenticated\n'
            "  using ((select auth.uid()) = owner);\n"
            'create policy "team reads" on public.notes for select to authenticated\n'
            "  using (owner in (select member from public.teams where lead = auth.uid()));\n",
            path=MIGRATION,
            note="near-miss: (g) the policy is dropped and recreated with `(select auth.uid())`; a call inside a subquery",
        ),
        Example(
            NOTES,
            path=MIGRATION,
            files=(("supabase/migrations/20240105000000_enable_rls.sql", RLS),),
            note="near-miss: RLS enabled in a later migration",
        ),
        Example(
            "create schema if not exists private;\ncreate table private.audit_log (id bigint primary key, entry jsonb);\n"
            "create temporary table staging (id int);\n",
            path=MIGRATION,
            note="near-miss: a schema the API does not serve, and a temporary table",
        ),
        Example(
            "create table internal.jobs (id bigint primary key);\n",
            path=MIGRATION,
            files=(("supabase/config.toml", '[api]\nenabled = true\nschemas = ["public", "graphql_public"]\n'),),
            note="near-miss: `internal` is not among the schemas config.toml exposes",
        ),
        Example(
            NOTES + "alter table public.notes enable row level security;\n"
            'create policy "public read" on public.notes for select using (true);\n'
            'create policy "service writes" on public.notes for all to service_role using (true) with check (true);\n'
            'create policy "only owners" on public.notes as restrictive for all to authenticated using (true);\n',
            path=MIGRATION,
            note="near-miss: USING (true) on a read policy, for the service role only, or restrictive",
        ),
        Example(
            "create or replace function public.handle_new_user()\nreturns trigger\nlanguage plpgsql\nsecurity definer\n"
            "set search_path = ''\nas $$\nbegin\n  insert into public.profiles (id) values (new.id);\n  return new;\nend;\n$$;\n",
            path="supabase/migrations/20240102090000_profiles_trigger.sql",
            note="near-miss: SECURITY DEFINER with `set search_path = ''`",
        ),
        Example(
            "create table public.orders (id bigint primary key, total numeric not null);\n",
            path="db/migrations/V1__orders.sql",
            note="near-miss: plain SQL migrations of a project that exposes nothing through PostgREST",
        ),
        Example(
            "create table public.drafts (id bigint primary key);\nalter table public.drafts rename to posts;\n"
            "alter table public.posts enable row level security;\n",
            path=MIGRATION,
            note="near-miss: RLS enabled on the table under its new name",
        ),
    )

    def check(self, index) -> None:
        for stream in RlsProvider.of(index):
            config = stream.config_path
            exposed = exposed_schemas(stream, index.text(config) if config else None)
            for problem in replay(stream, exposed):
                fields = {"subject": problem.subject, "detail": problem.detail}
                self.report(
                    Location(problem.line, 1, problem.line, 1),
                    MESSAGES[problem.kind],
                    severity=SEVERITIES[problem.kind],
                    fix=FIXES[problem.kind].format(**fields),
                    path=problem.path,
                    **fields,
                )
