"""What a scan keeps of each file for the next one (reviewer.cache.FileStates): its content
hash and whether a `.sql` file is a template, trusted only while the file's size, times and
inode are unchanged. A warm scan must report what a scan without a cache reports, after any
change to the tree or the config."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from reviewer import cache as cache_module, discovery
from reviewer.cache import FileStates, file_digest
from tests.conftest import CLEAN, REPO, SQL001_HIGH, run_cli, write_tree

TEMPLATE = "SELECT * FROM t WHERE {% if a %}a = 1{% endif %};\n"
PLAIN_SQL = "SELECT * FROM t WHERE id = 1 AND name IS NULL   ;\n"  # as long as TEMPLATE


@pytest.fixture
def settled(monkeypatch: pytest.MonkeyPatch) -> None:
    """Files count as settled at once (the tests write them a moment before they scan)."""
    monkeypatch.setattr(cache_module, "SETTLED_NS", 0)


def _same_size_edit(path: Path, text: str) -> None:
    """Rewrite a file with text of the same size and put its modification time back, as an
    archive or `touch -d` would: only the change time (and maybe the inode) tells."""
    before = path.stat()
    assert len(text.encode()) == before.st_size
    path.write_text(text)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))


def test_an_unchanged_file_is_not_read_and_a_same_size_edit_is(tmp_path: Path, settled: None, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_tree(tmp_path, {"a.py": SQL001_HIGH}) / "a.py"
    states = FileStates(tmp_path / "home", True, "v")
    assert states.digest(path, "a.py") == file_digest(path)
    states.save(whole=True)
    read: list[Path] = []
    monkeypatch.setattr(cache_module, "file_digest", lambda p: read.append(p) or file_digest(p))
    again = FileStates(tmp_path / "home", True, "v")
    assert again.digest(path, "a.py") == file_digest(path) and read == []
    _same_size_edit(path, SQL001_HIGH.replace("email", "EMAIL"))
    edited = FileStates(tmp_path / "home", True, "v")
    assert edited.digest(path, "a.py") == file_digest(path) != again.digest(path, "a.py")
    assert len(read) == 1
    # Another engine or toolchain: nothing kept is trusted.
    assert FileStates(tmp_path / "home", True, "w").known == {}


def test_a_file_changed_within_the_settling_time_is_read_again(tmp_path: Path) -> None:
    """As git's racily clean entries: a status taken just after the file changed may be shared
    by a second change of the same size within the file system's timestamp granularity."""
    path = write_tree(tmp_path, {"a.py": CLEAN}) / "a.py"
    states = FileStates(tmp_path / "home", True, "v")
    states.digest(path, "a.py")
    states.save(whole=True)
    assert FileStates(tmp_path / "home", True, "v").known == {}


def test_an_index_record_is_given_back_under_its_key_only(tmp_path: Path, settled: None) -> None:
    """What a file's index entry holds (FileStates.index: its key, line count, sections) is kept
    with the file's state and given back only under the same key. The runner makes that key of
    the file's content hash (and the versions and fact settings), so a changed file, whose hash
    differs, never gets its old record; a new status of the same content (a fresh checkout:
    new times and inode) keeps it, as the hash read again gives the same key."""
    path = write_tree(tmp_path, {"a.py": CLEAN}) / "a.py"
    home = tmp_path / "home"
    states = FileStates(home, True, "v")
    states.digest(path, "a.py")
    states.index("a.py", "key", 3, {"symbols": {}, "routes": {}}, {"routes": {"kept": [1]}})
    states.save(whole=True)
    again = FileStates(home, True, "v")
    again.digest(path, "a.py")
    assert again.indexed("a.py", "key") == (3, ["routes", "symbols"], {"routes": {"kept": [1]}})
    assert again.indexed("a.py", "another key") is None
    assert again.indexed("b.py", "key") is None  # a file this scan did not see
    shutil.copy(path, tmp_path / "copy.py")
    os.replace(tmp_path / "copy.py", path)  # the same content as a new file
    fresh = FileStates(home, True, "v")
    assert fresh.digest(path, "a.py") == file_digest(path)
    assert fresh.indexed("a.py", "key") == (3, ["routes", "symbols"], {"routes": {"kept": [1]}})
    assert FileStates(home, True, "w").known == {}  # another engine or toolchain


@pytest.mark.parametrize("damage", [
    "not json", "[]", '{"version": "v", "files": {"a.py": [1, 2]}}', '{"version": "v"}',
    '{"version": "v", "files": {"a.py": [1, 2, 3, 4, null, null, ["key", "3", []]]}}',
    '{"version": "v", "files": {"a.py": [1, 2, 3, 4, null, null, ["key", 3, [], []]]}}',
])
def test_a_damaged_states_file_is_ignored(tmp_path: Path, settled: None, damage: str) -> None:
    path = write_tree(tmp_path, {"a.py": CLEAN}) / "a.py"
    (tmp_path / "home").mkdir()
    (tmp_path / "home" / FileStates.NAME).write_text(damage)
    states = FileStates(tmp_path / "home", True, "v")
    assert states.known == {} and states.digest(path, "a.py") == file_digest(path)
    states.save(whole=True)
    assert set(json.loads((tmp_path / "home" / FileStates.NAME).read_text())["files"]) == {"a.py"}


def test_a_warm_scan_reads_no_sql_head_and_sees_a_template_become_sql(tmp_path: Path, settled: None, monkeypatch: pytest.MonkeyPatch) -> None:
    root = write_tree(tmp_path / "proj", {"app.py": CLEAN, "queries/report.sql": TEMPLATE, "queries/plain.sql": PLAIN_SQL})

    def sql_files() -> int:
        """The `.sql` files scanned (a template is left out: discovery.templated_sql)."""
        result = run_cli("scan", str(root), "--format", "json", "-q")
        assert result.exit_code in (0, 1), result.output
        return json.loads(result.stdout)["summary"]["files"] - 1

    assert sql_files() == 1
    heads: list[int] = []
    header = discovery._header
    monkeypatch.setattr(discovery, "_header", lambda path, size=discovery.HEADER_BYTES: heads.append(size) or header(path, size))
    assert sql_files() == 1
    assert discovery.TEMPLATE_BYTES not in heads  # the template test's decisions were kept
    _same_size_edit(root / "queries" / "report.sql", PLAIN_SQL)
    assert sql_files() == 2
    _same_size_edit(root / "queries" / "plain.sql", TEMPLATE)
    assert sql_files() == 1
    assert discovery.TEMPLATE_BYTES in heads


def _mutations() -> dict[str, object]:
    def add(root: Path) -> None:
        (root / "shop" / "extra.py").write_text(SQL001_HIGH)

    def remove(root: Path) -> None:
        next(root.rglob("views.py")).unlink()

    def rename(root: Path) -> None:
        path = next(root.rglob("views.py"))
        path.rename(path.with_name("views_renamed.py"))

    def add_folder(root: Path) -> None:
        write_tree(root, {"newpkg/__init__.py": "", "newpkg/q.py": SQL001_HIGH})

    def remove_folder(root: Path) -> None:
        shutil.rmtree(root / "catalog")

    def same_size_edit(root: Path) -> None:
        path = root / "orders" / "extra.py"  # settled with a finding, then made clean at the same size
        _same_size_edit(path, CLEAN)

    def gitignore(root: Path) -> None:
        (root / ".gitignore").write_text("catalog/\n")

    def config_exclude(root: Path) -> None:
        (root / ".reviewer.yml").write_text("exclude:\n  - orders/**\n")

    def not_deployed(root: Path) -> None:
        (root / ".reviewer.yml").write_text("not-deployed:\n  - shop/**\n")

    return {name: function for name, function in locals().items()}


@pytest.mark.parametrize("mutation", sorted(_mutations()))
def test_a_warm_scan_after_a_change_reports_what_a_scan_without_cache_does(
    tmp_path: Path, settled: None, mutation: str
) -> None:
    root = tmp_path / "proj"
    shutil.copytree(REPO / "sample_projects" / "django_shop", root)
    write_tree(root, {"orders/extra.py": SQL001_HIGH})

    def report(*extra: str) -> str:
        result = run_cli("scan", str(root), "--format", "json", "-q", "--profile", "audit", *extra)
        assert result.exit_code in (0, 1), result.output
        return result.stdout

    report()
    report()  # warm: every file's state kept
    _mutations()[mutation](root)  # type: ignore[operator]
    assert report() == report("--no-cache")
