"""User rule packs load by path like the built-in one; bad packs stop with exit 2 naming the
file; the built-in pack never becomes the top-level `rules` package."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from reviewer import registry as registry_module
from reviewer.registry import RegistryError
from tests import conftest
from tests.conftest import PACK_FILES, REPO, SQL001_HIGH, write_pack, write_tree

PYTHON = REPO / ".venv" / "bin" / "python"


# These projects name their pack in their own .reviewer.yml, which loads code only when the
# person running reviewer says they trust the repository (test_trust.py covers the default).
def run_cli(command: str, *args, **kwargs):
    return conftest.run_cli(command, "--trust-repo-config", *args, **kwargs)


def scan_json(root: Path, *args: str):
    return conftest.scan_json(root, "--trust-repo-config", *args)


def _project(tmp_path: Path, pack: Path, files: dict[str, str] | None = None) -> Path:
    root = tmp_path / "proj"
    write_tree(
        root,
        files
        or {
            "app/views.py": "def home(request):\n    print('hit')\n    return 'ok'\n",
            "app/settings.py": "DEBUG = False\nDATABASES = {}\n",
            "app/queries.py": SQL001_HIGH + "def purge(cur):\n    cur.execute('DELETE FROM sessions')\n",
            "db/cleanup.sql": "SELECT 1;\n\nDELETE FROM audit_log;\nDELETE FROM users WHERE id = 1;\n",
        },
    )
    # The pack lives outside the project and is named relative to the config file. Its
    # XSQ001 is a small copy of the built-in SQL002, which is switched off to keep them apart.
    (root / ".reviewer.yml").write_text("rule-packs: [../pack]\nprofile: audit\nignore: [SQL002]\n")  # SQL001 is opt-in
    assert pack == (tmp_path / "pack").resolve()
    return root


def test_pack_rules_report_in_the_scan(tmp_path: Path) -> None:
    pack = write_pack(tmp_path / "pack")
    root = _project(tmp_path, pack)
    code, report = scan_json(root)
    assert code == 0
    assert report["errors"] == []
    # Only these rules are compared; other built-in rules may find things in the project too.
    ours = ("SQL001", "XSQ001", "XPR001", "XPY001")
    found = [(f["rule"], f["path"], f["line"]) for f in report["findings"] if f["rule"] in ours]
    assert found == [
        ("SQL001", "app/queries.py", 2),
        ("XSQ001", "app/queries.py", 4),  # SQL lifted from Python reaches SqlRules too
        ("XPR001", "app/settings.py", 2),
        ("XPY001", "app/views.py", 2),
        ("XSQ001", "db/cleanup.sql", 3),
    ]
    by_rule = {f["rule"]: f for f in report["findings"]}
    project = by_rule["XPR001"]
    assert (project["line"], project["column"], project["end_line"], project["end_column"]) == (2, 1, 2, 12)
    assert project["message"] == "`app/settings.py` is a settings module among 4 files"
    assert (project["category"], project["severity"], project["confidence"]) == ("ops", "medium", "medium")
    assert project["name"] == "settings-file"
    python = by_rule["XPY001"]
    assert (python["column"], python["message"], python["fix"]) == (5, "`print()` call", "Use `logging.getLogger(__name__).info(...)`")
    sql = [f for f in report["findings"] if f["rule"] == "XSQ001"]
    assert [f["message"] for f in sql] == ["`DELETE FROM sessions` has no WHERE clause", "`DELETE FROM audit_log` has no WHERE clause"]
    assert report["score"]["categories"]["ops"]["findings"] >= 2


def test_pack_rules_can_be_selected_ignored_and_suppressed(tmp_path: Path) -> None:
    pack = write_pack(tmp_path / "pack")
    root = _project(tmp_path, pack)
    _, report = scan_json(root, "--select", "XPY001,XPR")
    assert sorted(f["rule"] for f in report["findings"]) == ["XPR001", "XPY001"]
    _, report = scan_json(root, "--select", "SQL001,XPY001,XSQ001,XPR001", "--ignore", "ops")
    assert sorted(f["rule"] for f in report["findings"]) == ["SQL001", "XSQ001", "XSQ001"]
    (root / "app" / "settings.py").write_text("# reviewer: ignore-file[XPR001] settings are generated\nDEBUG = False\n")
    _, report = scan_json(root, "--select", "XPR001,RVW")
    assert report["findings"] == []
    assert report["summary"]["suppressed"] == 1


def test_per_path_ignores_apply_to_project_rules(tmp_path: Path) -> None:
    pack = write_pack(tmp_path / "pack")
    root = _project(tmp_path, pack)
    (root / ".reviewer.yml").write_text('rule-packs: [../pack]\nper-path-ignores:\n  "app/settings.py": [XPR001]\n')
    _, report = scan_json(root, "--select", "XPR001")
    assert report["findings"] == []


def test_rules_and_explain_show_pack_rules(tmp_path: Path) -> None:
    pack = write_pack(tmp_path / "pack")
    root = _project(tmp_path, pack)
    explained = run_cli("explain", "XSQ001", cwd=root)
    assert explained.exit_code == 0
    assert explained.stdout.startswith("XSQ001 delete-without-where\n")
    assert "A DELETE without WHERE empties the table." in explained.stdout
    listed = json.loads(run_cli("rules", "--format", "json", cwd=root).stdout)
    assert {"XPY001", "XSQ001", "XPR001"} <= {row["code"] for row in listed}


def test_pack_loaded_through_a_worker_pool(tmp_path: Path) -> None:
    """Worker processes load the pack by path too."""
    pack = write_pack(tmp_path / "pack")
    files = {f"app/m{number:02}.py": "print('x')\n" for number in range(30)}
    root = _project(tmp_path, pack, files)
    _, report = scan_json(root, "--jobs", "2", "--select", "XPY001")
    assert len(report["findings"]) == 30
    assert report["errors"] == []


# ----------------------------------------------------------------------------------------------
# Bad packs


def _bad_pack(tmp_path: Path, files: dict[str, str]) -> tuple[Path, Path]:
    pack = write_pack(tmp_path / "pack", files)
    root = write_tree(tmp_path / "proj", {"q.py": SQL001_HIGH, ".reviewer.yml": "rule-packs: [../pack]\n"})
    return pack, root


def _variant(old: str, new: str) -> dict[str, str]:
    source = PACK_FILES["python/print_call.py"]
    assert old in source
    return {"python/print_call.py": source.replace(old, new)}


@pytest.mark.parametrize(
    ("files", "problem"),
    [
        (_variant("class PrintCall(", "class PrintCalls("), "class PrintCalls must be named PrintCall"),
        (_variant('name = "print-call"', 'name = "print-calls"'), "must be named PrintCalls"),
        (
            {"python/printing.py": PACK_FILES["python/print_call.py"]},
            "file printing.py must be named print_call.py",
        ),
        (_variant("    invalid = (Example(\"print('x')\\n\", lines=(1,)),)\n", ""), "needs at least one valid and one invalid example"),
        (_variant("    valid = (Example(\"log.info('x')\\n\"),)\n", ""), "needs at least one valid and one invalid example"),
        (_variant('message = "`print()` call"', 'message = ""'), "message is empty"),
        (_variant('fix = "Use `logging.getLogger(__name__).info(...)`"', 'fix = "  "'), "fix is empty"),
        (_variant('    """Services log through `logging`; `print` output is lost."""\n', ""), "docstring (the rationale) is empty"),
        (_variant('code = "XPY001"', 'code = "X1"'), "must be 2-5 capitals and 3 digits"),
        (_variant('name = "print-call"', 'name = "Print_Call"'), "must be kebab-case"),
        (_variant("severity = Severity.LOW", 'severity = "low"'), "severity must be a reviewer.model.Severity"),
        (_variant("category = Category.OPS", 'category = "ops"'), "category must be a reviewer.model.Category"),
        ({"python/print_call.py": "import does_not_exist_anywhere\n"}, "failed to load: ModuleNotFoundError"),
        ({"python/print_call.py": "def broken(:\n"}, "failed to load: SyntaxError"),
    ],
)
def test_bad_metadata_exits_2_naming_the_file(tmp_path: Path, files: dict[str, str], problem: str) -> None:
    pack, root = _bad_pack(tmp_path, files)
    (path,) = files
    result = run_cli("scan", root, "--no-cache")
    assert result.exit_code == 2, result.output
    assert str(pack / path) in result.stderr
    assert problem in result.stderr
    assert "`rule-packs`" in result.stderr and str(root / ".reviewer.yml") in result.stderr
    # `reviewer rules` refuses the pack the same way.
    listed = run_cli("rules", cwd=root)
    assert listed.exit_code == 2
    assert str(pack / path) in listed.stderr and problem in listed.stderr


def test_duplicate_code_of_a_builtin_rule_exits_2(tmp_path: Path) -> None:
    files = _variant('code = "XPY001"', 'code = "SQL001"')
    pack, root = _bad_pack(tmp_path, files)
    result = run_cli("scan", root, "--no-cache")
    assert result.exit_code == 2
    assert str(pack / "python/print_call.py") in result.stderr
    assert "rule code SQL001 is already defined in" in result.stderr
    assert "sql_injection_dynamic_query.py" in result.stderr


def test_duplicate_code_within_a_pack_exits_2(tmp_path: Path) -> None:
    files = dict(PACK_FILES)
    files["sql/delete_without_where.py"] = files["sql/delete_without_where.py"].replace('"XSQ001"', '"XPY001"')
    pack, root = _bad_pack(tmp_path, files)
    result = run_cli("scan", root, "--no-cache")
    assert result.exit_code == 2
    assert "rule code XPY001 is already defined in" in result.stderr
    assert "print_call.py" in result.stderr and "delete_without_where.py" in result.stderr


def test_duplicate_code_of_a_meta_rule_exits_2(tmp_path: Path) -> None:
    pack, root = _bad_pack(tmp_path, _variant('code = "XPY001"', 'code = "RVW001"'))
    result = run_cli("scan", root, "--no-cache")
    assert result.exit_code == 2
    assert "rule code RVW001 is already defined in reviewer (engine)" in result.stderr


def test_missing_pack_folder(tmp_path: Path) -> None:
    with pytest.raises(RegistryError) as raised:
        registry_module.load([tmp_path / "nope"])
    assert raised.value.path == str(tmp_path / "nope")
    assert "does not exist" in raised.value.problem


def test_pack_rules_need_not_use_builtin_prefixes(tmp_path: Path) -> None:
    """Only the built-in pack ties code prefixes to categories; XPY001 is an ops rule."""
    loaded = registry_module.load([write_pack(tmp_path / "pack")])
    rule = loaded.get("XPY001")
    assert rule is not None and rule.category.value == "ops"
    assert rule.source_path == str(tmp_path.resolve() / "pack" / "python" / "print_call.py")


def test_helper_modules_starting_with_underscore_are_not_rules(tmp_path: Path) -> None:
    files = dict(PACK_FILES)
    files["_shared.py"] = "raise RuntimeError('never imported as a rule module')\n"
    loaded = registry_module.load([write_pack(tmp_path / "pack", files)])
    assert {"XPY001", "XSQ001", "XPR001"} <= set(loaded.by_code())


# ----------------------------------------------------------------------------------------------
# The built-in pack is not the top-level `rules` package


CHECK_NAMESPACE = """
import sys
from pathlib import Path

from reviewer import registry
from reviewer.config import Config
from reviewer.runner import scan

root = Path(sys.argv[1])
repo = Path(sys.argv[2]).resolve()
loaded = registry.load()
assert loaded.get("SQL001") is not None
result = scan([root], Config(root=str(root)), loaded, registry.select(loaded, ("SQL001",), ()), jobs=1, use_cache=False)
assert [f.rule for f in result.findings] == ["SQL001"], result.findings
entries = {str(Path(entry or ".").resolve()) for entry in sys.path}
assert str(repo) not in entries, "the repository root is on sys.path"
leaked = sorted(name for name in sys.modules if name == "rules" or name.startswith("rules."))
assert not leaked, leaked
module = loaded.get("SQL001").__module__
assert module.startswith("reviewer_pack_"), module
try:
    import rules
except ImportError:
    print("no-rules")
else:
    print("rules from", rules.__file__)
"""


def test_builtin_pack_is_not_importable_as_rules(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "proj", {"q.py": SQL001_HIGH})
    completed = subprocess.run(
        [str(PYTHON), "-c", CHECK_NAMESPACE, str(root), str(REPO)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "no-rules"


def test_django_rules_keeps_its_name(tmp_path: Path) -> None:
    """With django-rules installed, `import rules` is theirs after reviewer loaded its pack."""
    site = write_tree(tmp_path / "site", {"rules/__init__.py": "OWNER = 'django-rules'\n"})
    root = write_tree(tmp_path / "proj", {"q.py": SQL001_HIGH})
    completed = subprocess.run(
        [str(PYTHON), "-c", CHECK_NAMESPACE, str(root), str(REPO)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(site)},
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == f"rules from {site / 'rules' / '__init__.py'}"


def test_the_cli_process_does_not_import_rules(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "proj", {"q.py": SQL001_HIGH})
    code = (
        "import sys\n"
        "from reviewer.cli import main\n"
        "try:\n"
        "    main(['scan', sys.argv[1], '--no-cache', '-q'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(sorted(n for n in sys.modules if n == 'rules' or n.startswith('rules.')))\n"
    )
    completed = subprocess.run(
        [str(PYTHON), "-c", code, str(root)], capture_output=True, text=True, timeout=60, cwd=REPO
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip().splitlines()[-1] == "[]"


def test_sql_finding_points_at_the_statement(tmp_path: Path) -> None:
    pack = write_pack(tmp_path / "pack")
    root = _project(tmp_path, pack, {"cleanup.sql": "SELECT 1;\nDELETE FROM audit_log;\n  DELETE FROM users;\n"})
    _, report = scan_json(root, "--select", "XSQ001")
    assert [(f["line"], f["column"]) for f in report["findings"]] == [(2, 1), (3, 3)]
