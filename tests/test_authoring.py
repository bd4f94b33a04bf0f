"""`reviewer test PACK` runs a rule pack's examples like the built-in rules' (exit 0 / 1 / 2);
`reviewer new-rule` writes a rule whose examples pass; neither loads code from anywhere but
the built-in pack and the folders named on its command line."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import PACK_FILES, REPO, run_cli, write_pack, write_tree

# The valid example of PACK_FILES' XPY001, as its file spells it.
VALID_EXAMPLE = r"""valid = (Example("log.info('x')\n"),)"""


def test_a_pack_whose_examples_pass_exits_0(tmp_path: Path) -> None:
    pack = write_pack(tmp_path / "pack")
    result = run_cli("test", pack)
    assert result.exit_code == 0, result.output
    assert "ok   XPY001 invalid example 1" in result.stdout
    assert "ok   XSQ001 valid example 1" in result.stdout
    assert result.stdout.splitlines()[-1] == "3 rule(s), 6 example(s): 6 passed, 0 failed"
    # PACK_FILES' rules predate the summary field: they still load, with a note.
    assert "note: XPY001 has no `summary`" in result.stderr


def test_a_failing_example_exits_1_and_names_it(tmp_path: Path) -> None:
    files = dict(PACK_FILES)
    # The "valid" example now calls print: the rule flags it, so the example fails.
    files["python/print_call.py"] = files["python/print_call.py"].replace(VALID_EXAMPLE, r"""valid = (Example("print('x')\n"),)""")
    assert files["python/print_call.py"] != PACK_FILES["python/print_call.py"]
    # And this invalid example expects the wrong line.
    files["sql/delete_without_where.py"] = files["sql/delete_without_where.py"].replace("lines=(1,)", "lines=(2,)")
    pack = write_pack(tmp_path / "pack", files)
    result = run_cli("test", pack)
    assert result.exit_code == 1, result.output
    assert "FAIL XPY001 valid example 1: flagged a valid example: line 1: `print()` call" in result.stdout
    assert "FAIL XSQ001 invalid example 1: flagged line(s) [1], expected [2]" in result.stdout
    assert "ok   XPR001 invalid example 1" in result.stdout
    assert result.stdout.splitlines()[-1] == "3 rule(s), 6 example(s): 4 passed, 2 failed"


@pytest.mark.parametrize(
    "files,message",
    [
        ({"broken.py": "x = (\n"}, "failed to load: SyntaxError"),
        ({"helpers.py": "VALUE = 1\n"}, "no rule found"),
        # Metadata is validated as for any pack: a rule without examples cannot be tested.
        ({"python/print_call.py": PACK_FILES["python/print_call.py"].replace(VALID_EXAMPLE, "")}, "needs at least one valid and one invalid example"),
    ],
    ids=["syntax-error", "no-rule", "no-examples"],
)
def test_a_pack_that_cannot_load_exits_2(tmp_path: Path, files: dict[str, str], message: str) -> None:
    pack = write_pack(tmp_path / "pack", files)
    result = run_cli("test", pack)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_a_missing_pack_exits_2(tmp_path: Path) -> None:
    result = run_cli("test", tmp_path / "nowhere")
    assert result.exit_code == 2
    assert "rule pack folder does not exist" in result.stderr


def test_only_the_named_pack_loads(tmp_path: Path, monkeypatch) -> None:
    """The repository around the command and REVIEWER_RULE_PACKS name code too: `test` loads
    neither, only the folder its command line names."""
    hostile = "from pathlib import Path\nPath(__file__).with_name('PWNED').write_text('ran')\n"
    repo = write_tree(tmp_path / "repo", {".reviewer.yml": "rule-packs: [tools/lint]\n", "tools/lint/evil.py": hostile, "env/evil.py": hostile})
    monkeypatch.setenv("REVIEWER_RULE_PACKS", str(repo / "env"))
    pack = write_pack(tmp_path / "pack")
    result = run_cli("test", pack, cwd=repo)
    assert result.exit_code == 0, result.output
    assert not list(repo.rglob("PWNED"))


@pytest.mark.parametrize(
    "args",
    [
        ("ACME001", "os-system-call", "--category", "security"),
        ("ACME002", "print-call", "--call", "print", "--category", "ops"),
        ("ACME003", "subprocess-shell-call", "--call", "subprocess.run", "--category", "security"),
        ("ACME004", "drop-table", "--kind", "sql", "--category", "migrations"),
    ],
    ids=["python", "builtin-call", "dotted-call", "sql"],
)
def test_new_rule_writes_a_rule_whose_examples_pass(tmp_path: Path, args: tuple[str, ...]) -> None:
    pack = tmp_path / "pack"
    created = run_cli("new-rule", pack, *args)
    assert created.exit_code == 0, created.output
    target = pack / (args[1].replace("-", "_") + ".py")
    assert target.is_file() and str(target) in created.stdout
    tested = run_cli("test", pack)
    assert tested.exit_code == 0, tested.output
    assert tested.stderr == ""  # the scaffold sets a summary
    # The scaffolded rule reports in a scan like any other.
    project = write_tree(tmp_path / "proj", {"app.py": "import os\nos.system(cmd)\n", "db.sql": "DROP TABLE audit_log;\n"})
    scanned = run_cli("scan", project, "--rule-pack", pack, "--select", args[0], "--no-cache", "--format", "json")
    assert scanned.exit_code == 0, scanned.output
    if args[1] in ("os-system-call", "drop-table"):
        assert f'"rule": "{args[0]}"' in scanned.stdout


@pytest.mark.parametrize(
    "args,message",
    [
        (("SQL001", "my-rule", "--category", "sql"), "rule code SQL001 is already taken"),
        (("acme1", "my-rule", "--category", "sql"), "must be 2-5 capitals and 3 digits"),
        (("ACME001", "MyRule", "--category", "sql"), "must be kebab-case"),
        (("ACME001", "my-rule", "--category", "sql", "--call", "os.(x)"), "must be a qualified name"),
    ],
)
def test_new_rule_refuses_bad_arguments(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    result = run_cli("new-rule", tmp_path / "pack", *args)
    assert result.exit_code == 2
    assert message in result.stderr


def test_new_rule_never_overwrites(tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    assert run_cli("new-rule", pack, "ACME001", "os-system-call", "--category", "security").exit_code == 0
    again = run_cli("new-rule", pack, "ACME002", "os-system-call", "--category", "security")
    assert again.exit_code == 2 and "exists" in again.stderr


def test_the_guide_example_pack_passes_reviewer_test() -> None:
    """docs/writing-rules.md walks through this pack; it must load and its examples pass."""
    pack = REPO / "docs" / "examples" / "rule-pack"
    result = run_cli("test", pack)
    assert result.exit_code == 0, result.output
    assert "0 failed" in result.stdout
    assert result.stderr == ""
