"""Released migration history (issue 11): findings on released and squashed migrations are
summarised per app / chain, not listed, and do not weigh on the score."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from reviewer.config import Config, ConfigError, Released, parse_config
from tests.conftest import run_cli, scan_tree, write_tree
from tests.gitrepo import commit, git, init_repo, needs_git

HEAD = "from django.db import migrations, models\n\ndef fill(apps, schema_editor):\n    pass\n\n"


def django(number: str, depends: str | None, operations: str, replaces: str = "") -> str:
    deps = f'[("shop", "{depends}")]' if depends else "[]"
    extra = f"    replaces = {replaces}\n" if replaces else ""
    return (
        HEAD + "class Migration(migrations.Migration):\n"
        f"    dependencies = {deps}\n{extra}"
        f"    operations = [\n        {operations},\n    ]\n"
    )


INITIAL = django("0001", None, 'migrations.CreateModel(name="Order", fields=[("id", models.BigAutoField(primary_key=True))])')
# MIG003 (lock safety, "live")
INDEX = django("0002", "0001_initial", 'migrations.AddIndex(model_name="order", index=models.Index(fields=["id"], name="o_idx"))')
# MIG001 (irreversible, "released")
RUN_PYTHON = django("0003", "0002_index", "migrations.RunPython(fill)")
FIELD = 'migrations.AddField("order", "ref", models.CharField(max_length=20, null=True, db_index=True))'

APP = {
    "shop/migrations/__init__.py": "",
    "shop/migrations/0001_initial.py": INITIAL,
    "shop/migrations/0002_index.py": INDEX,
    "shop/migrations/0003_fill.py": RUN_PYTHON,
}


def _pairs(result) -> list[tuple[str, str]]:
    return [(f.rule, f.path) for f in result.findings if f.rule.startswith("MIG")]


def _config(root: Path, **released) -> Config:
    return Config(root=str(root), migrations_released=Released(**released))


# ----------------------------------------------------------------------------------------------
# Squashed migrations


def test_squashed_migration_keeps_only_findings_that_hold_on_an_empty_database(tmp_path: Path) -> None:
    squash = django(
        "0001", None,
        'migrations.CreateModel(name="Order", fields=[("id", models.BigAutoField(primary_key=True))]),\n'
        '        migrations.AddIndex(model_name="order", index=models.Index(fields=["id"], name="o_idx")),\n'
        "        migrations.RunPython(fill)",
        replaces='[("shop", "0001_initial"), ("shop", "0002_index")]',
    )
    # The index goes on a table the squash does not create (one it creates is empty anyway).
    root = write_tree(tmp_path, {
        "shop/migrations/0001_initial.py": INITIAL,
        "shop/migrations/0001_squashed_0002_index.py": squash.replace('model_name="order"', 'model_name="customer"'),
    })
    result = scan_tree(root, select=("MIG001", "MIG003"))
    # MIG001 (a squash that cannot be unapplied) is still listed; the lock-safety MIG003 is not.
    assert _pairs(result) == [("MIG001", "shop/migrations/0001_squashed_0002_index.py")]
    history = result.migration_history
    assert history is not None and history.findings == 1
    (stream,) = history.streams
    assert (stream.label, stream.squashed, stream.released, stream.pending) == ("Django app `shop`", 1, 0, 1)
    assert stream.by_rule == (("MIG003", 1),)
    assert stream.line() == "Django app `shop`: 1 squashed migration(s); 1 finding(s) not listed (MIG003 ×1)"


def test_summarised_findings_do_not_weigh_on_the_score(tmp_path: Path) -> None:
    root = write_tree(tmp_path, APP)
    pending = scan_tree(root, select=("MIG003",))
    released = scan_tree(root, select=("MIG003",), config=replace(_config(root, git=False, django=(("shop", "0002"),)), select=("MIG003",)))
    assert _pairs(pending) == [("MIG003", "shop/migrations/0002_index.py")]
    assert _pairs(released) == []
    assert pending.score.overall < released.score.overall == 100.0


# ----------------------------------------------------------------------------------------------
# Released by config


def test_django_app_released_up_to_a_named_migration(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {**APP, "shop/migrations/0004_ref.py": django("0004", "0003_fill", FIELD)})
    result = scan_tree(root, select=("MIG001", "MIG003"), config=_config(root, git=False, django=(("shop", "0003_fill"),)))
    assert _pairs(result) == [("MIG003", "shop/migrations/0004_ref.py")]
    history = result.migration_history
    assert history.released_by == ("config",)
    assert history.streams[0].released == 3 and history.streams[0].pending == 1
    assert history.streams[0].by_rule == (("MIG001", 1), ("MIG003", 1))
    assert history.note.startswith("Migration history: released = the last released migrations named in `migrations.released`")


def test_unknown_released_migration_is_said_and_leaves_the_app_pending(tmp_path: Path) -> None:
    root = write_tree(tmp_path, APP)
    result = scan_tree(root, select=("MIG003",), config=_config(root, git=False, django=(("shop", "0099_gone"),)))
    assert _pairs(result) == [("MIG003", "shop/migrations/0002_index.py")]
    assert result.migration_history.notes == (
        "migrations.released.django.shop: no migration `0099_gone` in that app; its migrations are treated as pending",
    )


ALEMBIC_ENV = {"db/alembic/env.py": "", "db/alembic/script.py.mako": ""}


def alembic(revision: str, down: str | None, body: str) -> str:
    return (
        f'revision = "{revision}"\ndown_revision = {repr(down)}\nfrom alembic import op\nimport sqlalchemy as sa\n\n'
        f"def upgrade():\n    {body}\n\ndef downgrade():\n    pass\n"
    )


def test_alembic_chain_released_up_to_a_revision_prefix(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {
        **ALEMBIC_ENV,
        "db/alembic/versions/a1_base.py": alembic("a1f00d", None, 'op.create_index("ix_o", "orders", ["status"])'),
        "db/alembic/versions/b2_next.py": alembic("b2c0de", "a1f00d", 'op.create_index("ix_p", "orders", ["total"])'),
        "db/alembic/versions/c3_new.py": alembic("c3beef", "b2c0de", 'op.create_index("ix_q", "orders", ["ref"])'),
    })
    result = scan_tree(root, select=("MIG003",), config=_config(root, git=False, alembic=(("alembic", "b2c"),)))
    assert _pairs(result) == [("MIG003", "db/alembic/versions/c3_new.py")]
    (stream,) = result.migration_history.streams
    assert (stream.label, stream.released, stream.pending, stream.by_rule) == ("Alembic chain `db/alembic`", 2, 1, (("MIG003", 2),))


def test_no_config_and_no_git_says_all_pending_in_one_line(tmp_path: Path) -> None:
    root = write_tree(tmp_path, APP)
    result = scan_tree(root, select=("MIG003",), config=Config(root=str(root)))
    assert _pairs(result) == [("MIG003", "shop/migrations/0002_index.py")]
    assert result.migration_history.lines() == [
        "Migration history: all migrations are treated as pending: the scanned folder is not in a git work tree; "
        "set `migrations: {released: REF}` to summarise released ones"
    ]


def test_no_history_section_without_migrations_or_migration_rules(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {"app.py": "x = 1\n", **APP})
    assert scan_tree(root, select=("SQL001",)).migration_history is None
    assert scan_tree(write_tree(tmp_path / "other", {"app.py": "x = 1\n"}), select=("MIG",)).migration_history is None


# ----------------------------------------------------------------------------------------------
# The git default


def _released_by_git(root: Path):
    return scan_tree(root, select=("MIG001", "MIG003"), config=Config(root=str(root)))


@needs_git
def test_git_default_newest_tag_releases_unchanged_migrations(tmp_path: Path) -> None:
    root = init_repo(tmp_path / "repo", {"src/" + path: text for path, text in APP.items()})
    git(root, "tag", "v1.0")
    # after the tag: one new migration, and a released one edited (so it can still change)
    commit(root, {"src/shop/migrations/0004_ref.py": django("0004", "0003_fill", FIELD),
                  "src/shop/migrations/0002_index.py": INDEX + "# edited\n"}, "next")
    result = _released_by_git(root / "src")
    assert _pairs(result) == [("MIG003", "shop/migrations/0002_index.py"), ("MIG003", "shop/migrations/0004_ref.py")]
    history = result.migration_history
    assert history.released_by == ("git-tag",) and history.ref == "v1.0"
    assert history.note == "Migration history: released = migration files unchanged since tag `v1.0`, the newest tag reachable from HEAD"
    assert history.streams[0].by_rule == (("MIG001", 1),)
    assert history.lines()[1] == "Django app `shop`: 2 released migration(s); 1 finding(s) not listed (MIG001 ×1)"


@needs_git
def test_git_default_without_tags_uses_the_merge_base_with_origin_default_branch(tmp_path: Path) -> None:
    root = init_repo(tmp_path / "repo", APP)
    git(root, "update-ref", "refs/remotes/origin/main", "HEAD")
    git(root, "checkout", "-q", "-b", "feature")
    commit(root, {"shop/migrations/0004_ref.py": django("0004", "0003_fill", FIELD)}, "feature")
    # an uncommitted new migration is pending too
    write_tree(root, {"shop/migrations/0005_more.py": django("0005", "0004_ref", FIELD.replace('"ref"', '"ref2"'))})
    result = _released_by_git(root)
    assert _pairs(result) == [("MIG003", "shop/migrations/0004_ref.py"), ("MIG003", "shop/migrations/0005_more.py")]
    assert result.migration_history.released_by == ("git-merge-base",)
    assert result.migration_history.ref == "origin/main"


@needs_git
def test_shallow_clone_without_tags_treats_all_as_pending_and_says_how_to_fix(tmp_path: Path) -> None:
    origin = init_repo(tmp_path / "origin", APP)
    commit(origin, {"README.md": "x\n"}, "second")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "1", "--no-tags", "--no-single-branch", origin.as_uri(), str(clone))
    git(clone, "update-ref", "-d", "refs/remotes/origin/main")
    git(clone, "remote", "set-head", "origin", "-d")
    result = _released_by_git(clone)
    assert len(_pairs(result)) == 2
    assert result.migration_history.released_by == ()
    assert "shallow clone has no tag and no origin default branch" in result.migration_history.note
    assert "fetch-depth: 0" in result.migration_history.note


@needs_git
def test_configured_ref_and_released_false(tmp_path: Path) -> None:
    root = init_repo(tmp_path / "repo", APP)
    git(root, "tag", "v1.0")
    commit(root, {"shop/migrations/0004_ref.py": django("0004", "0003_fill", FIELD)}, "next")
    git(root, "tag", "v1.1")  # newest tag, but the config says v1.0
    result = scan_tree(root, select=("MIG003",), config=_config(root, ref="v1.0"))
    assert _pairs(result) == [("MIG003", "shop/migrations/0004_ref.py")]
    assert result.migration_history.released_by == ("git-ref",)
    off = scan_tree(root, select=("MIG003",), config=_config(root, git=False))
    assert len(_pairs(off)) == 2
    assert off.migration_history.note == "Migration history: all migrations are treated as pending (`migrations: {released: false}`)"


@needs_git
def test_unresolvable_configured_ref_exits_2_naming_the_key(tmp_path: Path) -> None:
    root = init_repo(tmp_path / "repo", {**APP, ".reviewer.yml": "migrations:\n  released: v9.9\n"})
    result = run_cli("scan", root, "--no-cache")
    assert result.exit_code == 2
    assert "`migrations.released.ref`" in result.stderr and "v9.9" in result.stderr


# ----------------------------------------------------------------------------------------------
# Reports


def test_reports_print_the_one_liners(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {**APP, ".reviewer.yml": "select: [MIG003]\nmigrations:\n  released: {ref: false, django: {shop: '0003'}}\n"})
    text = run_cli("scan", root, "--no-cache").stdout
    assert "Migration history: released = the last released migrations named in `migrations.released`" in text
    assert "  Django app `shop`: 3 released migration(s); 1 finding(s) not listed (MIG003 ×1)" in text
    markdown = run_cli("scan", root, "--no-cache", "--format", "markdown").stdout
    assert "- Django app `shop`: 3 released migration(s); 1 finding(s) not listed (MIG003 ×1)" in markdown
    data = json.loads(run_cli("scan", root, "--no-cache", "--format", "json").stdout)
    assert data["findings"] == []
    assert data["migration_history"]["released_by"] == ["config"]
    assert data["migration_history"]["findings"] == 1
    assert data["migration_history"]["streams"] == [{
        "stream": "shop/migrations", "label": "Django app `shop`", "released": 3, "squashed": 0, "pending": 0,
        "findings": 1, "by_rule": {"MIG003": 1},
    }]


# ----------------------------------------------------------------------------------------------
# Config


@pytest.mark.parametrize(
    ("value", "key"),
    [
        (42, "migrations.released"),
        ("", "migrations.released"),
        ("-x", "migrations.released"),
        ({"ref": 3}, "migrations.released.ref"),
        ({"django": ["shop"]}, "migrations.released.django"),
        ({"django": {"shop": 42}}, "migrations.released.django.shop"),
        ({"alembic": {"db/alembic": ""}}, "migrations.released.alembic.db/alembic"),
        ({"chains": {}}, "migrations.released.chains"),
    ],
)
def test_bad_released_values_name_the_key(value, key: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config({"migrations": {"released": value}}, "cfg.yml", Path("."))
    assert caught.value.key == key


def test_released_config_forms_and_cache_key(tmp_path: Path) -> None:
    def parse(value) -> Config:
        return parse_config({"migrations": {"released": value}}, "cfg.yml", Path("."))

    assert parse("v1.2").migrations_released == Released(ref="v1.2")
    assert parse(False).migrations_released == Released(git=False)
    assert parse({"ref": False, "django": {"shop": "0042_x"}, "alembic": {"/db/alembic/": "ab12"}}).migrations_released == Released(
        git=False, django=(("shop", "0042_x"),), alembic=(("db/alembic", "ab12"),)
    )
    digests = {parse(v).digest() for v in ("v1.2", "v1.3", False, {"django": {"shop": "0001"}})}
    assert len(digests) == 4


def test_bad_released_value_exits_2_from_the_cli(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {**APP, ".reviewer.yml": "migrations:\n  released: {django: {shop: 7}}\n"})
    result = run_cli("scan", root, "--no-cache")
    assert result.exit_code == 2
    assert "`migrations.released.django.shop`" in result.stderr
