"""Migration discovery: dialect-suffixed SQL files, Alembic version folders per database, a
project's own migration runner (config `migrations: {runner: ...}`), and the configured
dialect reaching the migration index."""

from __future__ import annotations

from pathlib import Path

from reviewer import migrations as mig
from reviewer.config import Config, MigrationRunner
from reviewer.discovery import dialect_of, discover, is_test_path
from reviewer.model import FileKind
from reviewer.runner import build_index
from tests.conftest import NO_RELEASE_POINT, scan_json, scan_tree, write_tree

INDEX = "CREATE INDEX documents_owner ON documents (owner_id);\n"
ALEMBIC_ENV = "from alembic import context\n"


def _revision(revision: str, parent: str | None, body: str) -> str:
    return f'revision = "{revision}"\ndown_revision = {parent!r}\n\ndef upgrade():\n    {body}\n\ndef downgrade():\n    pass\n'


def _kinds(root: Path, runner: MigrationRunner = MigrationRunner()) -> dict[str, tuple[FileKind, str | None]]:
    return {source.rel: (source.kind, source.migration_tool) for source in discover(root, [root], runner=runner)}


def _config(root: Path, **changes) -> Config:
    return Config(root=str(root), migrations_released=NO_RELEASE_POINT, **changes)


def test_dialect_suffixed_sql_files_are_sql_migrations(tmp_path: Path) -> None:
    write_tree(tmp_path, {
        "schema/delta/12/owner_index.sql.postgres": INDEX,
        "schema/delta/12/owner_index.sql.sqlite": INDEX,
        "schema/delta/12/notes.sql": "SELECT 1;\n",
        "db/migrations/V3__owner.sql.postgresql": INDEX,
        "schema/readme.sql.txt": "not SQL\n",
    })
    assert _kinds(tmp_path) == {
        "db/migrations/V3__owner.sql.postgresql": (FileKind.SQL_MIGRATION, "flyway"),
        "schema/delta/12/notes.sql": (FileKind.SQL, None),
        "schema/delta/12/owner_index.sql.postgres": (FileKind.SQL_MIGRATION, "generic"),
        "schema/delta/12/owner_index.sql.sqlite": (FileKind.SQL_MIGRATION, "generic"),
    }
    assert dialect_of("schema/delta/12/owner_index.sql.sqlite") == "sqlite"
    assert dialect_of("db/migrations/V3__owner.sql.postgresql") == "postgres"
    assert dialect_of("schema/delta/12/notes.sql") is None


def test_dialect_suffixed_files_are_analysed_in_their_dialect(tmp_path: Path) -> None:
    write_tree(tmp_path, {
        "schema/delta/12/owner_index.sql.postgres": INDEX,
        "schema/delta/12/owner_index.sql.sqlite": INDEX,
    })
    result = scan_tree(tmp_path, select=("MIG003", "MIG011"), config=_config(tmp_path))
    # A non-concurrent index locks writes on PostgreSQL; SQLite has no CONCURRENTLY. The two
    # files share a version without being a history conflict.
    assert sorted((f.path, f.rule) for f in result.findings) == [("schema/delta/12/owner_index.sql.postgres", "MIG003")]
    units = {unit.path: unit.dialect for unit in mig.units(build_index(tmp_path, discover(tmp_path, [tmp_path]), _config(tmp_path)))}
    assert units == {"schema/delta/12/owner_index.sql.postgres": "postgres", "schema/delta/12/owner_index.sql.sqlite": "sqlite"}


def test_alembic_version_folders_per_database(tmp_path: Path) -> None:
    index_op = 'op.create_index("documents_owner", "documents", ["owner_id"])'
    write_tree(tmp_path, {
        "server/_migrations/env.py": ALEMBIC_ENV,
        "server/_migrations/versions/postgresql/a1_owner.py": _revision("a1", None, index_op),
        "server/_migrations/versions/sqlite/b1_owner.py": _revision("b1", None, index_op),
        "server/_migrations/versions/helpers/c1_not_a_database.py": "x = 1\n",
    })
    kinds = _kinds(tmp_path)
    assert kinds["server/_migrations/versions/postgresql/a1_owner.py"] == (FileKind.PYTHON_MIGRATION, "alembic")
    assert kinds["server/_migrations/versions/sqlite/b1_owner.py"] == (FileKind.PYTHON_MIGRATION, "alembic")
    assert kinds["server/_migrations/versions/helpers/c1_not_a_database.py"] == (FileKind.PYTHON, None)
    result = scan_tree(tmp_path, select=("MIG003", "MIG011"), config=_config(tmp_path))
    # One chain per database: two roots are not two heads of one history.
    assert sorted((f.path, f.rule) for f in result.findings) == [("server/_migrations/versions/postgresql/a1_owner.py", "MIG003")]


def test_runner_sql_and_python_delta_files(tmp_path: Path) -> None:
    write_tree(tmp_path, {
        "storage/schema/delta/40/concurrent.sql": "CREATE INDEX CONCURRENTLY documents_title ON documents (title);\n",
        "storage/schema/delta/40/backfill.py": (
            "def run_upgrade(cur, database_engine):\n"
            '    cur.execute("CREATE INDEX documents_owner ON documents (owner_id)")\n'
        ),
        "storage/other.py": "def helper(cur):\n    cur.execute('CREATE INDEX i ON t (a)')\n",
    })
    runner = MigrationRunner(sql=("storage/schema/delta/*/*.sql",), python=("storage/schema/delta/*/*.py",), transactional=True)
    kinds = _kinds(tmp_path, runner)
    assert kinds["storage/schema/delta/40/concurrent.sql"] == (FileKind.SQL_MIGRATION, "runner")
    assert kinds["storage/schema/delta/40/backfill.py"] == (FileKind.PYTHON_MIGRATION, "runner")
    assert kinds["storage/other.py"] == (FileKind.PYTHON, None)
    per_file = scan_tree(tmp_path, select=("MIG003", "MIG004"), config=_config(tmp_path, migrations_runner=runner))
    assert sorted((f.path, f.line, f.rule) for f in per_file.findings) == [
        ("storage/schema/delta/40/backfill.py", 2, "MIG003"),
        ("storage/schema/delta/40/concurrent.sql", 1, "MIG004"),  # CONCURRENTLY inside the file's transaction
    ]
    autocommit = MigrationRunner(sql=runner.sql, python=runner.python, transactional=False)
    none = scan_tree(tmp_path, select=("MIG003", "MIG004"), config=_config(tmp_path, migrations_runner=autocommit))
    assert sorted((f.path, f.line, f.rule) for f in none.findings) == [("storage/schema/delta/40/backfill.py", 2, "MIG003")]


def test_runner_config_from_yaml_relative_to_the_config_file(tmp_path: Path) -> None:
    write_tree(tmp_path, {
        ".reviewer.yml": "migrations:\n  runner:\n    sql: ['schema/delta/**/*.sql*']\n    transaction: none\n",
        "schema/delta/3/index.sql.postgres": "CREATE INDEX CONCURRENTLY documents_title ON documents (title);\n",
    })
    code, report = scan_json(tmp_path / "schema", "--no-cache", "--select", "MIG004")
    assert code == 0 and report["findings"] == []
    (tmp_path / ".reviewer.yml").write_text("migrations:\n  runner:\n    sql: ['schema/delta/**/*.sql*']\n    transaction: per-file\n")
    code, report = scan_json(tmp_path / "schema", "--no-cache", "--select", "MIG004")
    assert [(f["path"], f["rule"]) for f in report["findings"]] == [("delta/3/index.sql.postgres", "MIG004")]  # paths relative to the scanned folder


def test_configured_dialect_reaches_the_migration_index(tmp_path: Path) -> None:
    write_tree(tmp_path, {
        "alembic/env.py": ALEMBIC_ENV,
        "alembic/versions/a1_owner.py": _revision("a1", None, 'op.create_index("documents_owner", "documents", ["owner_id"])'),
        "db/migrations/0001_owner.sql": INDEX,
    })
    for dialect, expected in (("postgres", 2), ("mysql", 0)):
        config = _config(tmp_path, dialect=dialect)
        units = mig.units(build_index(tmp_path, discover(tmp_path, [tmp_path]), config))
        assert {unit.dialect for unit in units} == {dialect}
        assert len(scan_tree(tmp_path, select=("MIG003",), config=config).findings) == expected


def test_one_definition_of_test_paths() -> None:
    assert is_test_path("shop/tests/test_orders.py") and is_test_path("conftest.py") and is_test_path("db/testing/x.sql")
    assert not is_test_path("shop/migrations/0001_initial.py")
    assert is_test_path("src/pretix/testutils/settings.py") and is_test_path("app/test_utils/mocks.py")
    assert not is_test_path("app/testimonials/views.py")
    assert is_test_path("pulpcore/pytest_plugin.py")
    # in a migrations folder a name is a migration's slug (ethyca-fides' `530fb8533ca4_test.py`)
    assert not is_test_path("src/fides/api/alembic/migrations/versions/530fb8533ca4_test.py")
    assert not is_test_path("alembic/versions/2024/test_tables.py") and not is_test_path("shop/migrations/0005_test.py")
    assert is_test_path("shop/tests/migrations/0001_initial.py") and is_test_path("alembic/versions/conftest.py")
    assert is_test_path("shop/orders_test.py")


def test_alembic_revisions_in_subfolders_of_versions_are_one_chain(tmp_path: Path) -> None:
    # Alembic's `recursive_version_locations` reads revisions kept in subfolders of `versions/`
    # (dstack keeps `versions/2024/`, `versions/2025/`): one chain, not one per folder.
    index_op = 'op.create_index("documents_owner", "documents", ["owner_id"])'
    write_tree(tmp_path, {
        "server/migrations/env.py": ALEMBIC_ENV,
        "server/migrations/versions/2024/a1_owner.py": _revision("a1", None, "pass"),
        "server/migrations/versions/2025/b2_owner.py": _revision("b2", "a1", index_op),
        "server/migrations/versions/postgresql/2025/c3_owner.py": _revision("c3", None, index_op),
        "server/migrations/versions/2025/helpers.py": "def batch():\n    pass\n",  # near-miss: no revision line
    })
    kinds = _kinds(tmp_path)
    assert kinds["server/migrations/versions/2024/a1_owner.py"] == (FileKind.PYTHON_MIGRATION, "alembic")
    assert kinds["server/migrations/versions/2025/b2_owner.py"] == (FileKind.PYTHON_MIGRATION, "alembic")
    assert kinds["server/migrations/versions/postgresql/2025/c3_owner.py"] == (FileKind.PYTHON_MIGRATION, "alembic")
    assert kinds["server/migrations/versions/2025/helpers.py"] == (FileKind.PYTHON, None)
    assert dialect_of("server/migrations/versions/postgresql/2025/c3_owner.py") == "postgres"
    assert dialect_of("server/migrations/versions/2025/b2_owner.py") is None
    units = {unit.path: unit.stream for unit in mig.units(build_index(tmp_path, discover(tmp_path, [tmp_path]), _config(tmp_path)))}
    assert units == {
        "server/migrations/versions/2024/a1_owner.py": "server/migrations",
        "server/migrations/versions/2025/b2_owner.py": "server/migrations",
        "server/migrations/versions/postgresql/2025/c3_owner.py": "server/migrations/versions/postgresql",
    }
    # b2 follows a1 in one chain: one head, no history conflict.
    result = scan_tree(tmp_path, select=("MIG003", "MIG011"), config=_config(tmp_path))
    assert sorted((f.path, f.rule) for f in result.findings) == [
        ("server/migrations/versions/2025/b2_owner.py", "MIG003"),
        ("server/migrations/versions/postgresql/2025/c3_owner.py", "MIG003"),
    ]


def test_developer_tooling_at_the_top_of_the_project_is_not_deployed() -> None:
    from reviewer.discovery import DEFAULT_DEPLOYMENT

    non_service, not_deployed = DEFAULT_DEPLOYMENT.non_service, DEFAULT_DEPLOYMENT.not_deployed
    for path in ("devstack/tools/oidc/setup_client.py", "tools/ssha.py", "docs/source/conf.py", "examples/app/main.py",
                 "scripts/release.py", "ci/check_sdist.py", "setup.py", "noxfile.py", "hatch_build.py", "shop/tests/test_x.py",
                 "qa/utils/fides_api.py", "noxfiles/docker_nox.py",
                 # named for developer tooling: at any depth
                 "orchestrator/core/devtools/populator.py", "app/dev_tools/seed.py", "devscripts/x.py"):
        assert not_deployed(path) and non_service(path), path
    # Inside a package, the same names are shipped code; `bin/` and `contrib/` may be installed
    # scripts or the deployment's own config.
    for path in ("mlflow/genai/judges/tools/search.py", "netbox/scripts/run.py", "indico/cli/setup.py", "bin/server.py",
                 "contrib/gunicorn.py", "app/setup.py", "manage.py", "tools.py", "shop/qa/checks.py", "app/devtools.py"):
        assert not not_deployed(path), path
