"""Discovery: which files are scanned (gitignore, excludes, skipped folders, explicit paths)
and what each one is (Python, SQL, which migration tool)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reviewer.discovery import classify, discover
from reviewer.model import FileKind
from tests.conftest import write_tree


def _found(root: Path, targets: list[Path] | None = None, **kwargs) -> list[str]:
    return [source.rel for source in discover(root, targets or [root], **kwargs)]


# ----------------------------------------------------------------------------------------------
# What is scanned


def test_only_python_and_sql_files_sorted(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "b.py": "",
            "a/z.sql": "",
            "a/y.py": "",
            "README.md": "",
            "setup.cfg": "",
            "c.pyi": "",
            "notes.sql.txt": "",
        },
    )
    assert _found(tmp_path) == ["a/y.py", "a/z.sql", "b.py"]


def test_sql_templates_are_not_scanned_and_braces_in_literals_are_sql(tmp_path: Path) -> None:
    # pgAdmin keeps Jinja templates of SQL as `.sql` files; braces inside string literals are
    # SQL's own values (JSON, array literals, a stored template), in a migration or not.
    write_tree(
        tmp_path,
        {
            "app/templates/sql/create.sql": "{% if data.name %}CREATE TABLE {{ conn|qtIdent(data.name) }} ();{% endif %}\n",
            "app/templates/sql/props.sql": "SELECT nspname FROM pg_namespace WHERE oid = {{ scid }}::oid;\n",
            "app/templates/sql/broken.sql": "{# pgAdmin's comment #}\nSELECT {{ x }} FROM t WHERE name = 'it''s\n",
            "app/templates/sql/plain.sql": "SELECT 1;\n",
            "db/migrations/0002_json.sql": "UPDATE s SET v = '{\"a\": {\"b\": 1}}';\nINSERT INTO g VALUES ('{{1,2},{3,4}}');\n",
            "db/migrations/0003_mail.sql": "INSERT INTO mail (body) VALUES ('Hello {{ user.name }}, {% if x %}hi{% endif %}');\n",
            "db/migrations/0004_dollar.sql": "CREATE FUNCTION f() RETURNS text AS $$ SELECT '{{ a }}' $$ LANGUAGE sql;\n",
        },
    )
    assert _found(tmp_path) == [
        "app/templates/sql/plain.sql", "db/migrations/0002_json.sql", "db/migrations/0003_mail.sql", "db/migrations/0004_dollar.sql",
    ]
    named = tmp_path / "app/templates/sql/create.sql"
    assert _found(tmp_path, [named]) == ["app/templates/sql/create.sql"]  # named explicitly: scanned as asked


def test_root_gitignore(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            ".gitignore": "# generated code\ngenerated/\n*_pb2.py\n/top_only.py\n",
            "app/models.py": "",
            "app/user_pb2.py": "",
            "generated/client.py": "",
            "top_only.py": "",
            "app/top_only.py": "",
        },
    )
    assert _found(tmp_path) == ["app/models.py", "app/top_only.py"]


def test_nested_gitignore_is_relative_to_its_folder(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "svc/.gitignore": "/local.py\ncache/\n",
            "svc/local.py": "",
            "svc/sub/local.py": "",
            "svc/cache/x.py": "",
            "local.py": "",
            "other/cache/y.py": "",
        },
    )
    assert _found(tmp_path) == ["local.py", "other/cache/y.py", "svc/sub/local.py"]


def test_gitignore_negation_in_the_same_file(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            ".gitignore": "*.sql\n!keep.sql\n",
            "drop.sql": "",
            "db/keep.sql": "",
            "db/other.sql": "",
        },
    )
    assert _found(tmp_path) == ["db/keep.sql"]


def test_nested_gitignore_negation_overrides_the_parent(tmp_path: Path) -> None:
    """As in git: a deeper .gitignore can re-include a file a shallower one ignores."""
    write_tree(
        tmp_path,
        {
            ".gitignore": "*.sql\n",
            "drop.sql": "",
            "db/.gitignore": "!keep.sql\n",
            "db/keep.sql": "",
            "db/other.sql": "",
        },
    )
    assert _found(tmp_path) == ["db/keep.sql"]


def test_nested_gitignore_can_ignore_what_the_parent_reincludes(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            ".gitignore": "*.py\n!*_keep.py\n",
            "a_keep.py": "",
            "sub/.gitignore": "b_keep.py\n",
            "sub/b_keep.py": "",
            "sub/c_keep.py": "",
            "sub/d.py": "",
        },
    )
    assert _found(tmp_path) == ["a_keep.py", "sub/c_keep.py"]


def test_gitignore_above_the_scanned_folder_applies_up_to_the_repo_root(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "outside/.gitignore": "*.py\n",  # above the repository: does not apply
            "outside/repo/.git/HEAD": "",
            "outside/repo/.gitignore": "secret.py\n",
            "outside/repo/src/secret.py": "",
            "outside/repo/src/app.py": "",
        },
    )
    src = tmp_path / "outside" / "repo" / "src"
    assert _found(src) == ["app.py"]


def test_gitignore_off(tmp_path: Path) -> None:
    write_tree(tmp_path, {".gitignore": "gen.py\n", "gen.py": "", "app.py": ""})
    assert _found(tmp_path) == ["app.py"]
    assert _found(tmp_path, respect_gitignore=False) == ["app.py", "gen.py"]


def test_config_excludes(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "app/views.py": "",
            "app/fixtures/data.sql": "",
            "tests/fixtures/sample.py": "",
            "tests/test_views.py": "",
            "vendor/lib.py": "",
        },
    )
    found = _found(tmp_path, exclude=["tests/fixtures/**", "vendor/", "*.sql"])
    assert found == ["app/views.py", "tests/test_views.py"]


@pytest.mark.parametrize(
    "folder",
    [
        "node_modules/pkg",
        ".venv/lib",
        "venv/lib",
        "__pycache__",
        "build/lib",
        "dist",
        ".tox/py311",
        "mypkg.egg-info",
        ".git/hooks",
        ".reviewer_cache/v1",
        ".mypy_cache",
        "some/deep/node_modules",
    ],
)
def test_default_skipped_folders(tmp_path: Path, folder: str) -> None:
    write_tree(tmp_path, {"app.py": "", f"{folder}/x.py": "", f"{folder}/y.sql": ""})
    assert _found(tmp_path) == ["app.py"]


def test_folder_with_pyvenv_cfg_is_a_virtualenv(tmp_path: Path) -> None:
    write_tree(tmp_path, {"app.py": "", "myenv/pyvenv.cfg": "home = /usr/bin\n", "myenv/lib/site.py": ""})
    assert _found(tmp_path) == ["app.py"]


def test_explicit_files_are_always_scanned(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            ".gitignore": "ignored.py\n",
            "ignored.py": "",
            "node_modules/pkg/x.py": "",
            "legacy/old.sql": "",
            "app.py": "",
        },
    )
    targets = [tmp_path / "ignored.py", tmp_path / "node_modules" / "pkg" / "x.py", tmp_path / "legacy" / "old.sql"]
    found = discover(tmp_path, targets, exclude=["legacy/**"])
    assert [(s.rel, s.kind) for s in found] == [
        ("ignored.py", FileKind.PYTHON),
        ("legacy/old.sql", FileKind.SQL),
        ("node_modules/pkg/x.py", FileKind.PYTHON),
    ]


def test_explicit_file_and_its_folder_are_not_scanned_twice(tmp_path: Path) -> None:
    write_tree(tmp_path, {"app/a.py": "", "app/b.py": ""})
    assert _found(tmp_path, [tmp_path / "app", tmp_path / "app" / "a.py"]) == ["app/a.py", "app/b.py"]


def test_symlinked_folders_are_not_followed(tmp_path: Path) -> None:
    write_tree(tmp_path, {"real/a.py": ""})
    (tmp_path / "link").symlink_to(tmp_path / "real", target_is_directory=True)
    (tmp_path / "loop").symlink_to(tmp_path, target_is_directory=True)
    assert _found(tmp_path) == ["real/a.py"]


# ----------------------------------------------------------------------------------------------
# What each file is


@pytest.mark.parametrize(
    ("files", "rel", "kind", "tool"),
    [
        ({"app/migrations/0001_initial.py": ""}, "app/migrations/0001_initial.py", FileKind.PYTHON_MIGRATION, "django"),
        ({"app/migrations/0002_add_index.py": ""}, "app/migrations/0002_add_index.py", FileKind.PYTHON_MIGRATION, "django"),
        ({"app/migrations/__init__.py": ""}, "app/migrations/__init__.py", FileKind.PYTHON, None),
        ({"app/migrations/helpers.py": ""}, "app/migrations/helpers.py", FileKind.PYTHON, None),
        # Django loads every module of the package: past 9999, and unnumbered ones with their class.
        ({"app/migrations/10006_fix.py": ""}, "app/migrations/10006_fix.py", FileKind.PYTHON_MIGRATION, "django"),
        (
            {"app/migrations/deserialize_edits.py": "def forwards(apps, schema_editor):\n    pass\n\n"
                                                    "class Migration(migrations.Migration):\n    dependencies = []\n"},
            "app/migrations/deserialize_edits.py",
            FileKind.PYTHON_MIGRATION,
            "django",
        ),
        ({"app/migrations/_helpers.py": "class Migration(migrations.Migration):\n"}, "app/migrations/_helpers.py", FileKind.PYTHON, None),
        (
            {"alembic/env.py": "", "alembic/versions/3f2a_add_users.py": ""},
            "alembic/versions/3f2a_add_users.py",
            FileKind.PYTHON_MIGRATION,
            "alembic",
        ),
        (
            {"db/script.py.mako": "", "db/versions/x.py": ""},
            "db/versions/x.py",
            FileKind.PYTHON_MIGRATION,
            "alembic",
        ),
        ({"alembic/env.py": "", "alembic/versions/x.py": ""}, "alembic/env.py", FileKind.PYTHON, None),
        ({"api/versions/x.py": ""}, "api/versions/x.py", FileKind.PYTHON, None),  # no env.py beside it
        ({"db/V1__init.sql": ""}, "db/V1__init.sql", FileKind.SQL_MIGRATION, "flyway"),
        ({"db/V1_2__add_index.sql": ""}, "db/V1_2__add_index.sql", FileKind.SQL_MIGRATION, "flyway"),
        ({"db/U1__init.sql": ""}, "db/U1__init.sql", FileKind.SQL_MIGRATION, "flyway"),
        ({"db/R__views.sql": ""}, "db/R__views.sql", FileKind.SQL_MIGRATION, "flyway"),
        ({"db/000001_create_users.up.sql": ""}, "db/000001_create_users.up.sql", FileKind.SQL_MIGRATION, "golang-migrate"),
        ({"db/000001_create_users.down.sql": ""}, "db/000001_create_users.down.sql", FileKind.SQL_MIGRATION, "golang-migrate"),
        (
            {"db/20240101120000_users.sql": "-- migrate:up\nCREATE TABLE users (id int);\n\n-- migrate:down\nDROP TABLE users;\n"},
            "db/20240101120000_users.sql",
            FileKind.SQL_MIGRATION,
            "dbmate",
        ),
        (
            {"sql/20240101120000_users.sql": "-- +goose Up\nCREATE TABLE users (id int);\n-- +goose Down\nDROP TABLE users;\n"},
            "sql/20240101120000_users.sql",
            FileKind.SQL_MIGRATION,
            "goose",
        ),
        (
            {"supabase/migrations/20240101120000_create_profiles.sql": "CREATE TABLE profiles (id uuid);\n"},
            "supabase/migrations/20240101120000_create_profiles.sql",
            FileKind.SQL_MIGRATION,
            "supabase",
        ),
        ({"queries/report.sql": "SELECT 1;\n"}, "queries/report.sql", FileKind.SQL, None),
        ({"schema.sql": "CREATE TABLE t (id int);\n"}, "schema.sql", FileKind.SQL, None),
        ({"migrations/add_users.sql": "CREATE TABLE users (id int);\n"}, "migrations/add_users.sql", FileKind.SQL_MIGRATION, "generic"),
        ({"db/migrate/001.sql": ""}, "db/migrate/001.sql", FileKind.SQL_MIGRATION, "generic"),
        ({"app/views.py": ""}, "app/views.py", FileKind.PYTHON, None),
    ],
)
def test_classification(tmp_path: Path, files: dict[str, str], rel: str, kind: FileKind, tool: str | None) -> None:
    write_tree(tmp_path, files)
    found = {source.rel: source for source in discover(tmp_path, [tmp_path])}
    source = found[rel]
    assert (source.kind, source.migration_tool) == (kind, tool)
    assert source.path == tmp_path / rel
    assert classify(tmp_path, tmp_path / rel) == source


def test_paths_are_relative_with_forward_slashes(tmp_path: Path) -> None:
    write_tree(tmp_path, {"a/b/c/d.py": ""})
    (source,) = discover(tmp_path, [tmp_path / "a"])
    assert source.rel == "a/b/c/d.py"
    assert source.path.is_absolute()


def test_a_folder_named_explicitly_is_scanned_even_if_an_ancestor_gitignore_ignores_it(tmp_path: Path) -> None:
    """Regression: scanning bench/_work/src/django (ignored by the repo's .gitignore) found 0
    files and passed the gate. Named folders are scanned, as named files are; a walk from
    the repository root still skips them."""
    from reviewer.discovery import discover

    (tmp_path / ".git").mkdir()
    (tmp_path / ".gitignore").write_text("vendor/\n*.tmp.py\n")
    (tmp_path / "vendor" / "pkg").mkdir(parents=True)
    (tmp_path / "vendor" / "pkg" / "a.py").write_text("x = 1\n")
    (tmp_path / "app.py").write_text("x = 1\n")
    top = tmp_path / "vendor" / "pkg"
    assert [s.rel for s in discover(top, [top])] == ["a.py"]
    assert [s.rel for s in discover(tmp_path, [tmp_path])] == ["app.py"]


# ----------------------------------------------------------------------------------------------
# Other tools' folders and symlinks (issue 11, scope)


def test_dot_folders_of_other_tools_are_not_scanned(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "app/views.py": "",
            ".semgrep/rules/sqli.py": "",
            ".github/scripts/release.py": "",
            ".vscode/snippets.py": "",
            ".idea/x.py": "",
            ".claude/hooks/check.py": "",
            ".cursor/rules/tool.py": "",
            ".ci/migrations/0001_initial.sql": "",
            "app/.hidden/y.py": "",
        },
    )
    assert _found(tmp_path) == ["app/views.py"]


def test_a_dot_folder_named_on_the_command_line_is_scanned(tmp_path: Path) -> None:
    write_tree(tmp_path, {"app/views.py": "", ".ci/check.py": "", ".ci/.cache/z.py": ""})
    assert _found(tmp_path, [tmp_path, tmp_path / ".ci"]) == [".ci/check.py", "app/views.py"]


def test_dotted_file_names_are_still_scanned(tmp_path: Path) -> None:
    write_tree(tmp_path, {"app/.settings.py": ""})
    assert _found(tmp_path) == ["app/.settings.py"]


def test_symlink_to_a_scanned_file_is_scanned_once_under_the_file_path(tmp_path: Path) -> None:
    write_tree(tmp_path, {"app/queries.py": "", "db/schema.sql": ""})
    (tmp_path / "aaa_alias.py").symlink_to(tmp_path / "app" / "queries.py")
    (tmp_path / "app" / "schema.sql").symlink_to(tmp_path / "db" / "schema.sql")
    assert _found(tmp_path) == ["app/queries.py", "db/schema.sql"]


def test_two_links_to_a_file_outside_the_tree_are_scanned_once(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    write_tree(outside, {"shared.py": ""})
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "b.py").symlink_to(outside / "shared.py")
    (tree / "a.py").symlink_to(outside / "shared.py")
    assert _found(tree) == ["a.py"]


def test_broken_links_are_kept_for_the_error_list(tmp_path: Path) -> None:
    write_tree(tmp_path, {"a.py": ""})
    (tmp_path / "gone.py").symlink_to(tmp_path / "missing.py")
    (tmp_path / "gone2.py").symlink_to(tmp_path / "missing.py")
    assert _found(tmp_path) == ["a.py", "gone.py", "gone2.py"]


def test_symlink_duplicates_are_not_scanned_twice_by_a_scan(tmp_path: Path) -> None:
    from tests.conftest import SQL001_HIGH, scan_tree

    write_tree(tmp_path, {"app/queries.py": SQL001_HIGH})
    (tmp_path / "queries_link.py").symlink_to(tmp_path / "app" / "queries.py")
    result = scan_tree(tmp_path, select=("SQL001",))
    assert result.files == 1
    assert [(f.rule, f.path) for f in result.findings] == [("SQL001", "app/queries.py")]


def test_a_symlink_out_of_the_scanned_tree_is_not_followed(tmp_path: Path) -> None:
    """A link to a credentials file outside the tree must not put its lines in a CI log."""
    from tests.conftest import SQL001_HIGH, run_cli

    outside = write_tree(tmp_path / "home", {"creds.py": SQL001_HIGH.replace("accounts", "s3cr3t_marker")})
    tree = write_tree(tmp_path / "repo", {"app/real.py": "x = 1\n"})
    (tree / "app" / "link.py").symlink_to(outside / "creds.py")
    (tree / "app" / "inside.py").symlink_to(tree / "app" / "real.py")  # inside the tree: scanned once, as before
    result = run_cli("scan", tree, "--no-cache", "--select", "SQL001")
    assert "s3cr3t_marker" not in result.output
    report = json.loads(run_cli("scan", tree, "--no-cache", "--select", "SQL001", "--format", "json").stdout)
    assert report["findings"] == []
    assert [(e["path"], e["kind"]) for e in report["errors"]] == [("app/link.py", "outside-root")]


def test_a_module_shadowed_by_a_package_of_its_name_is_listed_not_analysed(tmp_path: Path) -> None:
    """`providers.py` beside `providers/__init__.py` is never imported (the package wins): it is
    listed once under errors and not analysed. A namespace folder (no `__init__.py`) shadows
    nothing, nor does a package beside a script with a `__main__` block."""
    from tests.conftest import SQL001_HIGH, run_cli

    tree = write_tree(tmp_path, {
        "app/schemas/providers.py": SQL001_HIGH,
        "app/schemas/providers/__init__.py": "",
        "app/models.py": SQL001_HIGH,
        "app/models/base.py": "x = 1\n",
        "app/tool.py": SQL001_HIGH + '\nif __name__ == "__main__":\n    pass\n',
        "app/tool/__init__.py": "",
    })
    report = json.loads(run_cli("scan", tree, "--no-cache", "--select", "SQL001", "--format", "json").stdout)
    assert sorted({f["path"] for f in report["findings"]}) == ["app/models.py", "app/tool.py"]
    assert [(e["path"], e["kind"]) for e in report["errors"]] == [("app/schemas/providers.py", "shadowed")]
    assert "app/schemas/providers/" in report["errors"][0]["message"]
