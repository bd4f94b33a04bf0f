"""Configuration: `.reviewer.yml` and `[tool.reviewer]` parse to the same Config, every key has
an effect, and every mistake stops the CLI with exit 2 naming the file, the key and what is
allowed."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from reviewer.config import CONFIG_KEYS, Config, ConfigError, Gate, find_config, load_config
from reviewer.model import Category, Severity
from tests.conftest import CLEAN, SQL001_CRITICAL, SQL001_HIGH, run_cli, scan_json, write_pack

FULL_YAML = """\
select: [SQL, RVW]
ignore: [RVW003]
exclude: ["legacy/**", "*.gen.py"]
per-path-ignores:
  "tests/**": [sql]
  "scripts/*.py": [SQL001, RVW001]
severity:
  SQL001: low
options:
  SQL001:
    max-depth: 3
    names: [a, b]
weights:
  sql: 2
  ops: 0.5
gate:
  fail-under: 80
  fail-on: high
dialect: mysql
rule-packs: [packs/mine]
max-file-size: 1000
file-timeout: 2.5
respect-gitignore: false
"""

FULL_TOML = """\
[project]
name = "demo"

[tool.reviewer]
select = ["SQL", "RVW"]
ignore = ["RVW003"]
exclude = ["legacy/**", "*.gen.py"]
dialect = "mysql"
rule-packs = ["packs/mine"]
max-file-size = 1000
file-timeout = 2.5
respect-gitignore = false

[tool.reviewer.per-path-ignores]
"tests/**" = ["sql"]
"scripts/*.py" = ["SQL001", "RVW001"]

[tool.reviewer.severity]
SQL001 = "low"

[tool.reviewer.options.SQL001]
max-depth = 3
names = ["a", "b"]

[tool.reviewer.weights]
sql = 2
ops = 0.5

[tool.reviewer.gate]
fail-under = 80
fail-on = "high"
"""


# Rules pinned where selection is not what a test is about, so that new rules do not change it.
PINNED = ("--select", "SQL001,RVW")


def _load(folder: Path) -> Config:
    return load_config(find_config(folder), folder)


# ----------------------------------------------------------------------------------------------
# Parsing


def test_yaml_and_pyproject_give_the_same_config(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / ".reviewer.yml").write_text(FULL_YAML)
    (tmp_path / "b" / "pyproject.toml").write_text(FULL_TOML)
    from_yaml = _load(tmp_path / "a")
    from_toml = _load(tmp_path / "b")
    assert from_yaml.source == str(tmp_path / "a" / ".reviewer.yml")
    assert from_toml.source == f"{tmp_path / 'b' / 'pyproject.toml'} [tool.reviewer]"
    assert replace(from_yaml, source="", root="") == replace(from_toml, source="", root="")
    assert from_yaml.digest() == from_toml.digest()


def test_every_key_is_parsed(tmp_path: Path) -> None:
    (tmp_path / ".reviewer.yml").write_text(FULL_YAML)
    config = _load(tmp_path)
    assert config.root == str(tmp_path)
    assert config.select == ("SQL", "RVW")
    assert config.ignore == ("RVW003",)
    assert config.exclude == ("legacy/**", "*.gen.py")
    assert config.per_path_ignores == (("tests/**", ("sql",)), ("scripts/*.py", ("SQL001", "RVW001")))
    assert config.severity_map == {"SQL001": Severity.LOW}
    assert config.options_for("SQL001") == {"max-depth": 3, "names": ["a", "b"]}
    assert config.options_for("SQL002") == {}
    assert config.weight_map == {
        Category.SQL: 2.0,
        Category.SECURITY: 1.5,
        Category.MIGRATIONS: 1.25,
        Category.ORM: 1.0,
        Category.API: 1.0,
        Category.OPS: 0.5,
    }
    assert config.gate == Gate(fail_under=80.0, fail_on=Severity.HIGH)
    assert config.dialect == "mysql"
    assert config.rule_packs == ("packs/mine",)
    assert config.max_file_size == 1000
    assert config.file_timeout == 2.5
    assert config.respect_gitignore is False
    # FULL_YAML exercises the engine's core keys, and each of them is still in the schema.
    keys = {line.split(":")[0] for line in FULL_YAML.splitlines() if line and not line[0].isspace()}
    assert len(keys) == 13
    assert keys <= set(CONFIG_KEYS)


def test_defaults_without_a_config_file(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()  # stops the search for a config file in the parents
    assert find_config(tmp_path) is None
    config = load_config(None, tmp_path)
    assert config == Config(root=str(tmp_path))
    assert (config.dialect, config.max_file_size, config.file_timeout, config.respect_gitignore) == (
        "postgres",
        2_000_000,
        20.0,
        True,
    )
    assert config.gate == Gate(None, None)


def test_comma_separated_selectors_and_empty_yaml(tmp_path: Path) -> None:
    (tmp_path / ".reviewer.yml").write_text("select: SQL001, RVW001 RVW002\n")
    assert _load(tmp_path).select == ("SQL001", "RVW001", "RVW002")
    (tmp_path / ".reviewer.yml").write_text("# nothing configured yet\n")
    assert _load(tmp_path) == Config(source=str(tmp_path / ".reviewer.yml"), root=str(tmp_path))


def test_config_discovery_order(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "pyproject.toml").write_text('[tool.black]\nline-length = 100\n')
    sub = tmp_path / "src" / "app"
    sub.mkdir(parents=True)
    # A pyproject.toml without [tool.reviewer] is not a config file.
    assert find_config(sub) is None
    (tmp_path / "pyproject.toml").write_text('[tool.reviewer]\ndialect = "sqlite"\n')
    assert find_config(sub) == tmp_path / "pyproject.toml"
    # .reviewer.yml wins over pyproject.toml in the same folder; a nearer folder wins.
    (tmp_path / ".reviewer.yml").write_text("dialect: mysql\n")
    assert find_config(sub) == tmp_path / ".reviewer.yml"
    (sub / ".reviewer.yaml").write_text("dialect: duckdb\n")
    assert find_config(sub) == sub / ".reviewer.yaml"
    assert _load(sub).dialect == "duckdb"


def test_search_stops_at_the_repository_root(tmp_path: Path) -> None:
    (tmp_path / ".reviewer.yml").write_text("dialect: mysql\n")
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    assert find_config(repo) is None


# ----------------------------------------------------------------------------------------------
# Effects, through the CLI


def test_select_and_ignore_in_config(project) -> None:
    root = project({"q.py": SQL001_HIGH + "x = 1  # reviewer: ignore[SQL001]\n"})
    (root / ".reviewer.yml").write_text("profile: audit\n")  # SQL001 is opt-in
    _, report = scan_json(root)
    assert sorted(f["rule"] for f in report["findings"] if f["rule"] in ("SQL001", "RVW001", "RVW003")) == [
        "RVW001",
        "RVW003",
        "SQL001",
    ]
    (root / ".reviewer.yml").write_text("profile: audit\nselect: [RVW]\n")
    _, report = scan_json(root)
    assert sorted(f["rule"] for f in report["findings"]) == ["RVW001"]  # SQL001 did not run: no RVW003
    (root / ".reviewer.yml").write_text("profile: audit\nselect: [sql, meta]\nignore: [meta]\n")
    _, report = scan_json(root)
    assert {f["rule"] for f in report["findings"]} >= {"SQL001"}
    assert all(f["category"] == "sql" for f in report["findings"])
    # The command line's --ignore adds to the config's: ignoring sql too leaves no rule to run,
    # which is a configuration error, not a pass.
    result = run_cli("scan", root, "--no-cache", "--ignore", "sql")
    assert result.exit_code == 2 and "no rule would run" in result.stderr


def test_exclude(project) -> None:
    root = project({"app/q.py": SQL001_HIGH, "legacy/old.py": SQL001_HIGH, "app/x.gen.py": SQL001_HIGH})
    (root / ".reviewer.yml").write_text('exclude: ["legacy/**", "*.gen.py"]\n')
    _, report = scan_json(root, *PINNED)
    assert report["summary"]["files"] == 1
    assert [f["path"] for f in report["findings"]] == ["app/q.py"]


OPS001_CALL = "import requests\ndef sync(url):\n    return requests.get(url)\n"


def test_not_deployed_names_a_project_s_own_tooling(project) -> None:
    """`not-deployed` globs (relative to the config's folder) add to the built-in conventions
    of code the service never runs: the plan skips the file, as it skips a top `tools/`."""
    from reviewer.discovery import DEFAULT_DEPLOYMENT, Deployment

    files = {"app/sync.py": OPS001_CALL, "ops/seed.py": OPS001_CALL, "app/maint/backfill.py": OPS001_CALL, "app/core/devtools/populate.py": OPS001_CALL}
    root = project(files)
    _, report = scan_json(root, "--select", "OPS001")
    assert sorted(f["path"] for f in report["findings"]) == ["app/maint/backfill.py", "app/sync.py", "ops/seed.py"]
    (root / ".reviewer.yml").write_text('not-deployed: ["ops/", "app/maint/*.py"]\n')
    _, report = scan_json(root, "--select", "OPS001")
    assert [f["path"] for f in report["findings"]] == ["app/sync.py"]
    config = load_config(root / ".reviewer.yml", root)
    assert config.not_deployed == ("ops/", "app/maint/*.py")
    deployment = Deployment.of(config)
    assert deployment.not_deployed("ops/seed.py") and deployment.non_service("app/maint/backfill.py")
    assert not deployment.not_deployed("app/sync.py") and not DEFAULT_DEPLOYMENT.not_deployed("ops/seed.py")
    # Scanned from a subfolder, the globs stay relative to the config file's folder.
    below = replace(config, scan_prefix="app/")
    assert Deployment.of(below).not_deployed("maint/backfill.py") and not Deployment.of(below).not_deployed("sync.py")
    assert Deployment.of(None) is DEFAULT_DEPLOYMENT and Deployment.of(Config()) is DEFAULT_DEPLOYMENT


@pytest.mark.parametrize("value", ['"[z-a]"', "{ops: true}", "[1, 2]"])
def test_bad_not_deployed_exits_2_naming_the_key(project, value: str) -> None:
    root = project({"q.py": CLEAN, ".reviewer.yml": f"not-deployed: {value}\n"})
    result = run_cli("scan", root, "--no-cache")
    assert result.exit_code == 2, result.output
    assert "`not-deployed`" in result.stderr and str(root / ".reviewer.yml") in result.stderr


def test_per_path_ignores(project) -> None:
    root = project({"app/q.py": SQL001_HIGH, "tests/test_q.py": SQL001_HIGH, "scripts/one.py": SQL001_HIGH})
    (root / ".reviewer.yml").write_text('per-path-ignores:\n  "tests/**": [sql]\n  "scripts/*.py": [SQL001]\n')
    _, report = scan_json(root, *PINNED)
    assert report["summary"]["files"] == 3
    assert [f["path"] for f in report["findings"]] == ["app/q.py"]


def test_severity_override(project) -> None:
    root = project({"q.py": SQL001_HIGH})
    _, report = scan_json(root, *PINNED)
    assert [f["severity"] for f in report["findings"]] == ["high"]
    (root / ".reviewer.yml").write_text("severity:\n  SQL001: low\n")
    _, report = scan_json(root, *PINNED)
    assert [f["severity"] for f in report["findings"]] == ["low"]
    assert report["summary"]["by_severity"] == {"critical": 0, "high": 0, "medium": 0, "low": 1, "info": 0}


def test_options_reach_the_rule(tmp_path: Path) -> None:
    source = '''
import libcst as cst

from reviewer.model import Category, Confidence, Severity
from reviewer.rule import Example, PythonRule


class LongName(PythonRule):
    """Long names are hard to read."""

    code = "XNM001"
    name = "long-name"
    category = Category.API
    severity = Severity.LOW
    confidence = Confidence.HIGH
    message = "`{name}` is longer than {limit} characters"
    fix = "Use a shorter name"
    options = {"limit": 10}
    valid = (Example("short = 1\\n"),)
    invalid = (Example("a_very_long_variable_name = 1\\n", lines=(1,)),)

    def visit_Name(self, node: cst.Name) -> None:
        if len(node.value) > self.settings["limit"]:
            self.report(node, name=node.value, limit=self.settings["limit"])
'''
    pack = write_pack(tmp_path / "pack", {"long_name.py": source})
    root = tmp_path / "proj"
    root.mkdir()
    (root / "names.py").write_text("abcdefghijkl = 1\nabcdef = 2\n")
    (root / ".reviewer.yml").write_text("select: [XNM001]\n")
    _, report = scan_json(root, "--rule-pack", str(pack))
    assert [(f["line"], f["message"]) for f in report["findings"]] == [(1, "`abcdefghijkl` is longer than 10 characters")]
    (root / ".reviewer.yml").write_text("select: [XNM001]\noptions:\n  XNM001:\n    limit: 5\n")
    _, report = scan_json(root, "--rule-pack", str(pack))
    assert [(f["line"], f["message"]) for f in report["findings"]] == [
        (1, "`abcdefghijkl` is longer than 5 characters"),
        (2, "`abcdef` is longer than 5 characters"),
    ]
    # An option of the wrong type is a configuration error.
    (root / ".reviewer.yml").write_text("options:\n  XNM001:\n    limit: five\n")
    result = run_cli("scan", root, "--no-cache", "--rule-pack", str(pack))
    assert result.exit_code == 2
    assert "options.XNM001.limit" in result.stderr and "int" in result.stderr


def test_weights(project) -> None:
    root = project({"q.py": SQL001_HIGH})
    _, report = scan_json(root, *PINNED)
    before = report["score"]["overall"]
    assert before < 100.0
    (root / ".reviewer.yml").write_text("weights:\n  sql: 0\n")
    _, report = scan_json(root, *PINNED)
    assert report["score"]["categories"]["sql"]["score"] < 100.0
    assert report["score"]["overall"] == 100.0
    (root / ".reviewer.yml").write_text("weights:\n  sql: 1\n  security: 0\n  migrations: 0\n  orm: 0\n  api: 0\n  ops: 0\n")
    _, report = scan_json(root, *PINNED)
    assert report["score"]["overall"] == report["score"]["categories"]["sql"]["score"]


def test_gate_in_config(project) -> None:
    root = project({"app.py": SQL001_CRITICAL})
    assert scan_json(root, *PINNED)[0] == 0
    (root / ".reviewer.yml").write_text("gate:\n  fail-on: critical\n")
    assert scan_json(root, *PINNED)[0] == 1
    # Only sql is checked (PINNED), so the overall is sql's score: 100 x e^(-20 x ln 2 / 20) = 50.0.
    (root / ".reviewer.yml").write_text("gate:\n  fail-under: 45\n")
    assert scan_json(root, *PINNED)[0] == 0
    (root / ".reviewer.yml").write_text("gate:\n  fail-under: 60\n")
    assert scan_json(root, *PINNED)[0] == 1
    # Command-line flags override the config's gate.
    assert scan_json(root, "--fail-under", "45", *PINNED)[0] == 0
    result = run_cli("scan", root, "--no-cache", *PINNED)
    assert result.exit_code == 1
    assert "Gate failed: score 50.0 is under 60 (fail-under)" in result.stdout


def test_dialect(project) -> None:
    root = project({"schema.sql": "CREATE TABLE t (id int);\nSELECT FROM WHERE;\n"})
    # With SQL010 off, a statement that does not parse is listed under `errors`.
    _, report = scan_json(root, "--ignore", "SQL010")
    assert [(e["path"], e["kind"]) for e in report["errors"]] == [("schema.sql", "sql-parse-error")]
    assert "as postgres" in report["errors"][0]["message"]
    (root / ".reviewer.yml").write_text("dialect: sqlite\n")
    _, report = scan_json(root, "--ignore", "SQL010")
    assert "as sqlite" in report["errors"][0]["message"]
    # With SQL010 on (it is opt-in), the same statement is one finding, with the parser's message.
    _, report = scan_json(root, "--select", "ALL,SQL001,SQL010")
    assert report["errors"] == []
    assert [(f["rule"], f["line"]) for f in report["findings"]] == [("SQL010", 2)]
    assert report["findings"][0]["message"].startswith("SQL does not parse as sqlite: ")


def test_max_file_size(project) -> None:
    root = project({"q.py": SQL001_HIGH, "small.py": "x = 1\n"})
    (root / ".reviewer.yml").write_text("max-file-size: 50\n")
    _, report = scan_json(root, *PINNED)
    assert report["findings"] == []
    assert [(e["path"], e["kind"]) for e in report["errors"]] == [("q.py", "too-large")]
    assert "max-file-size" in report["errors"][0]["message"]


def test_respect_gitignore(project) -> None:
    root = project({"q.py": CLEAN, "generated/gen.py": SQL001_HIGH, ".gitignore": "generated/\n"})
    _, report = scan_json(root, *PINNED)
    assert (report["summary"]["files"], report["findings"]) == (1, [])
    (root / ".reviewer.yml").write_text("respect-gitignore: false\n")
    _, report = scan_json(root, *PINNED)
    assert report["summary"]["files"] == 2
    assert [f["path"] for f in report["findings"]] == ["generated/gen.py"]


def test_explicit_config_option(project) -> None:
    root = project({"q.py": SQL001_HIGH, "conf/strict.yml": "severity:\n  SQL001: critical\n"})
    _, report = scan_json(root, "--config", str(root / "conf" / "strict.yml"), *PINNED)
    assert [f["severity"] for f in report["findings"]] == ["critical"]
    missing = run_cli("scan", root, "--config", str(root / "nope.yml"))
    assert missing.exit_code == 2
    assert "nope.yml" in missing.stderr and "does not exist" in missing.stderr


# ----------------------------------------------------------------------------------------------
# Mistakes: exit 2, naming the file, the key and what is allowed


BAD_VALUES = [
    # (yaml text, key named in the message, allowed values named in the message)
    ("colour: red\n", "colour", ["select", "respect-gitignore", "per-path-ignores"]),
    ("select: 5\n", "select", ["list of strings"]),
    ("select: [NOPE9]\n", "select", ["rule codes", "categories", "ALL"]),
    ("ignore: [XYZ123]\n", "ignore", ["rule codes", "categories"]),
    ("exclude: {a: b}\n", "exclude", ["list of strings"]),
    ("per-path-ignores: [a]\n", "per-path-ignores", ["path glob", "rule codes"]),
    ('per-path-ignores:\n  "tests/**": [NOPE]\n', "per-path-ignores.tests/**", ["rule codes", "categories"]),
    ("severity:\n  SQL001: urgent\n", "severity.SQL001", ["info, low, medium, high, critical"]),
    ("severity:\n  NOPE001: low\n", "severity.NOPE001", ["reviewer rules"]),
    ("severity: low\n", "severity", ["severity"]),
    ("options:\n  SQL005:\n    depth: 3\n", "options.SQL005.depth", ["none (this rule has no options)"]),
    ("options:\n  NOPE001:\n    depth: 3\n", "options.NOPE001", ["reviewer rules"]),
    ("options: [1]\n", "options", ["mapping of option names"]),
    ("weights:\n  style: 1\n", "weights.style", ["sql, orm, migrations, api, security, ops"]),
    ("weights:\n  sql: -1\n", "weights.sql", [">= 0"]),
    ("weights:\n  sql: 0\n  security: 0\n  migrations: 0\n  orm: 0\n  api: 0\n  ops: 0\n", "weights", ["above 0"]),
    ("gate:\n  fail-on: sometimes\n", "gate.fail-on", ["info, low, medium, high, critical"]),
    ("gate:\n  fail-under: 120\n", "gate.fail-under", ["from 0 to 100"]),
    ("gate:\n  fail_under: 10\n", "gate.fail_under", ["fail-on, fail-under"]),
    ("dialect: oracle9\n", "dialect", ["postgres", "mysql", "sqlite"]),
    ("max-file-size: big\n", "max-file-size", ["a whole number above 0"]),
    ("max-file-size: 0\n", "max-file-size", ["a whole number above 0"]),
    ("file-timeout: 0\n", "file-timeout", ["a number above 0"]),
    ("respect-gitignore: 'yes'\n", "respect-gitignore", ["true, false"]),
    ("- select\n", "<top level>", ["mapping"]),
    ("migrations:\n  runner: {sql: [db/*.sql], transaction: sometimes}\n", "migrations.runner.transaction", ["per-file, none"]),
    ("migrations:\n  runner: {sql: 5}\n", "migrations.runner.sql", ["list of strings"]),
    ("migrations:\n  runner: {python: ['db/[z-a].py']}\n", "migrations.runner.python", ["valid glob"]),
    ("migrations:\n  runner: {transaction: none}\n", "migrations.runner", ["sql and/or python globs"]),
    ("migrations:\n  runner: {order: name}\n", "migrations.runner.order", ["python, sql, transaction"]),
]


@pytest.mark.parametrize(("text", "key", "allowed"), BAD_VALUES, ids=[case[1] + "-" + str(i) for i, case in enumerate(BAD_VALUES)])
def test_bad_yaml_value_exits_2(project, text: str, key: str, allowed: list[str]) -> None:
    root = project({"q.py": CLEAN, ".reviewer.yml": text})
    result = run_cli("scan", root, "--no-cache")
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    message = result.stderr
    assert str(root / ".reviewer.yml") in message
    assert f"`{key}`" in message
    for word in allowed:
        assert word in message, (word, message)


@pytest.mark.parametrize(
    ("table", "key", "allowed"),
    [
        ("colour = 'red'\n", "colour", ["select", "respect-gitignore"]),
        ("[tool.reviewer.severity]\nSQL001 = 'urgent'\n", "severity.SQL001", ["info, low, medium, high, critical"]),
        ("dialect = 'oracle9'\n", "dialect", ["postgres"]),
        ("[tool.reviewer.gate]\nfail-under = 'high'\n", "gate.fail-under", ["from 0 to 100"]),
    ],
)
def test_bad_pyproject_value_exits_2(project, table: str, key: str, allowed: list[str]) -> None:
    header = "" if table.startswith("[") else "[tool.reviewer]\n"
    root = project({"q.py": CLEAN, "pyproject.toml": header + table})
    result = run_cli("scan", root, "--no-cache")
    assert result.exit_code == 2, result.output
    assert f"{root / 'pyproject.toml'} [tool.reviewer]" in result.stderr
    assert f"`{key}`" in result.stderr
    for word in allowed:
        assert word in result.stderr


def test_malformed_yaml_exits_2(project) -> None:
    root = project({"q.py": CLEAN, ".reviewer.yml": "select: [SQL001\nignore: ]\n"})
    result = run_cli("scan", root, "--no-cache")
    assert result.exit_code == 2
    assert str(root / ".reviewer.yml") in result.stderr
    assert "not valid YAML" in result.stderr
    with pytest.raises(ConfigError) as raised:
        load_config(root / ".reviewer.yml", root)
    assert raised.value.source == str(root / ".reviewer.yml")


def test_malformed_toml_exits_2(project) -> None:
    root = project({"q.py": CLEAN, "pyproject.toml": '[tool.reviewer\nselect = ["SQL001"\n'})
    result = run_cli("scan", root, "--no-cache")
    assert result.exit_code == 2
    assert str(root / "pyproject.toml") in result.stderr
    assert "not valid TOML" in result.stderr


def test_config_that_is_not_utf8_exits_2(project) -> None:
    root = project({"q.py": CLEAN, ".reviewer.yml": b"dialect: \xff\xfe\n"})
    result = run_cli("scan", root, "--no-cache")
    assert result.exit_code == 2
    assert str(root / ".reviewer.yml") in result.stderr


@pytest.mark.parametrize("flag", ["--select", "--ignore"])
def test_unknown_selector_on_the_command_line_exits_2(project, flag: str) -> None:
    root = project({"q.py": CLEAN})
    result = run_cli("scan", root, flag, "SQL001,NOPE42")
    assert result.exit_code == 2
    assert "<command line>" in result.stderr and f"`{flag}`" in result.stderr
    assert "'NOPE42'" in result.stderr and "categories" in result.stderr


@pytest.mark.parametrize(
    ("flag", "value", "allowed"),
    [("--fail-on", "sometimes", "info, low, medium, high, critical"), ("--fail-under", "101", "from 0 to 100")],
)
def test_bad_gate_flag_exits_2(project, flag: str, value: str, allowed: str) -> None:
    root = project({"q.py": CLEAN})
    result = run_cli("scan", root, flag, value)
    assert result.exit_code == 2
    assert f"`{flag}`" in result.stderr and allowed in result.stderr


def test_every_category_is_a_valid_selector(project) -> None:
    """The error message lists every category as allowed, so each must be accepted, even one
    that has no rule yet."""
    root = project({"q.py": SQL001_HIGH})
    for category in Category.names():
        code, report = scan_json(root, "--ignore", category)
        assert code == 0
    code, report = scan_json(root, "--select", "ops")
    assert all(f["category"] == "ops" for f in report["findings"])


def test_globs_are_relative_to_the_config_file(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    (root / ".git").mkdir(parents=True)
    (root / "app" / "legacy").mkdir(parents=True)
    (root / "app" / "legacy" / "old.py").write_text(SQL001_HIGH)
    (root / "app" / "new.py").write_text(SQL001_HIGH)
    (root / ".reviewer.yml").write_text('exclude: ["app/legacy/**"]\nper-path-ignores:\n  "app/new.py": [SQL001]\n')
    assert scan_json(root)[1]["findings"] == []
    _, report = scan_json(root / "app")
    assert report["findings"] == []
