"""Parsing independent of the interpreter (reviewer/parsing.py): files written for Python 3.12,
3.13 and 3.14 are analysed on the interpreter running the tests, with findings on the right
lines; a file no grammar parses still goes to `errors`; bandit's tests skip lowered files and
the report gives their count once."""

from __future__ import annotations

import ast
import json
import sys
from pathlib import Path

import libcst as cst
import pytest

from reviewer.config import Config
from reviewer.discovery import discover
from reviewer.lowering import TEMPLATE, lowered_tree
from reviewer.parsing import BeyondBounds, parse
from reviewer.runner import build_index
from tests.conftest import REPO, run_cli, scan_tree, write_tree

NEWER_SYNTAX = sys.version_info < (3, 12)
needs_older_interpreter = pytest.mark.skipif(not NEWER_SYNTAX, reason="the interpreter reads PEP 695 / PEP 701 itself")


def _lowered(code: str) -> ast.Module:
    """The tree of the lowering (what `parse` gives when the interpreter rejects the code)."""
    if NEWER_SYNTAX:
        assert parse(code).lowered
    return lowered_tree(cst.parse_module(code))


def _positions(tree: ast.AST) -> list[tuple]:
    """Every node outside string expressions with its span (CPython gives the parts of an
    f-string the span of the whole string in some versions and their own in others)."""
    out: list[tuple] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.JoinedStr):
            out.append((type(node).__name__, node.lineno, node.col_offset, node.end_lineno, node.end_col_offset))
            for value in node.values:
                if isinstance(value, ast.FormattedValue):
                    visit(value.value)
            return
        if hasattr(node, "lineno"):
            out.append((type(node).__name__, node.lineno, node.col_offset, node.end_lineno, node.end_col_offset))
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return out


# ----------------------------------------------------------------------------------------------
# The lowering, construct by construct


# PEP 701 f-strings next to the same code with the quotes swapped (the same layout, which
# every interpreter reads): the trees and every position must be the same.
SAME_LAYOUT = [
    ('row = f"{user["name"]} <{user["email"]}>"\n', "row = f\"{user['name']} <{user['email']}>\"\n"),
    ('x = f"{f"{a}"!r:>{width}} and {b = }"\n', "x = f\"{f'{a}'!r:>{width}} and {b = }\"\n"),
    (
        'q = ("SELECT " f"{cols["a"]}" \n     f" FROM t WHERE id = {ident}")\n',
        "q = (\"SELECT \" f\"{cols['a']}\" \n     f\" FROM t WHERE id = {ident}\")\n",
    ),
    ('label = f"é {d["ü"]:{fmt}}" ; tail = zz\n', "label = f\"é {d['ü']:{fmt}}\" ; tail = zz\n"),
    ('t = f"{(a, b)}{c}" f"{d["k"]}"\n', "t = f\"{(a, b)}{c}\" f\"{d['k']}\"\n"),
]


@pytest.mark.parametrize(("newer", "older"), SAME_LAYOUT)
def test_pep701_f_strings_give_the_tree_of_the_same_code_in_older_quotes(newer: str, older: str) -> None:
    tree = _lowered(newer)
    expected = ast.parse(older)
    assert ast.dump(tree) == ast.dump(expected)
    assert _positions(tree) == _positions(expected)


def test_a_bare_tuple_in_a_hole_stays_one_value() -> None:
    tree = _lowered('t = f"{a, b}{c, *d,}" f"{e["k"]}"\n')
    assert ast.dump(tree) == ast.dump(ast.parse("t = f\"{a, b}{c, *d,}\" f\"{e['k']}\"\n"))


def test_pep701_backslashes_comments_and_line_breaks_in_holes() -> None:
    code = (
        "def report(lines, rows):\n"
        "    text = f\"{'\\n'.join(lines)}\"\n"
        '    other = f"{len(rows)  # how many\n'
        '    } rows"\n'
        "    return text, other\n"
    )
    tree = _lowered(code)
    text, other = [node.value for node in ast.walk(tree) if isinstance(node, ast.Assign)]
    join = text.values[0].value
    assert isinstance(join, ast.Call) and join.func.value.value == "\n"
    assert (join.lineno, join.col_offset, join.end_col_offset) == (2, 14, 30)
    assert [type(v).__name__ for v in other.values] == ["FormattedValue", "Constant"]
    assert other.values[1].value == " rows"
    assert (other.lineno, other.end_lineno) == (3, 4)


def test_pep695_and_pep696_lower_to_their_older_equivalents() -> None:
    code = (
        "type Pair[T = int] = tuple[T, T]\n"
        "class Repo[T: Model = User, *Ts, **P](Base):\n"
        "    type Key = str\n"
        "    def get[K](\n"
        "        self, key: K\n"
        "    ) -> T: ...\n"
        "def first[\n"
        "    T,  # the element\n"
        "\n"
        "    D = None,\n"
        "](items: list[T], default: D) -> T | D:\n"
        "    return items[0] if items else default\n"
    )
    tree = _lowered(code)
    alias = tree.body[0]
    assert isinstance(alias, ast.Assign) and [t.id for t in alias.targets] == ["Pair"]
    assert (alias.targets[0].lineno, alias.targets[0].col_offset) == (1, 5)
    repo = tree.body[1]
    assert isinstance(repo, ast.ClassDef) and [b.id for b in repo.bases] == ["Base"]
    assert isinstance(repo.body[0], ast.Assign) and repo.body[0].targets[0].id == "Key"
    assert repo.body[1].name == "get" and repo.body[1].lineno == 4
    first = tree.body[2]
    assert first.name == "first" and [a.arg for a in first.args.args] == ["items", "default"]
    assert (first.args.args[0].lineno, first.args.args[0].col_offset) == (11, 2)
    assert first.body[0].lineno == 12


def test_except_star_pep646_pep758_and_t_strings() -> None:
    code = (
        "def f(*args: *Ts) -> tuple[*Ts]:\n"
        "    try:\n"
        "        run()\n"
        "    except* ValueError:\n"
        "        pass\n"
        "    try:\n"
        "        run()\n"
        "    except KeyError, IndexError: log(f\"{d['k']}\")\n"
        '    return t"SELECT * FROM t WHERE id = {ident}"\n'
    )
    tree = _lowered(code)
    handlers = [node for node in ast.walk(tree) if isinstance(node, ast.ExceptHandler)]
    assert [ast.unparse(h.type) for h in handlers] == ["ValueError", "(KeyError, IndexError)"]
    log = handlers[1].body[0].value
    # The parentheses the lowering inserted move nothing: `log(...)` keeps its column.
    assert (log.lineno, log.col_offset) == (8, 33)
    template = tree.body[0].body[-1].value
    # A template is not a string: never an f-string of SQL for the analyses.
    assert isinstance(template, ast.Call) and template.func.id == TEMPLATE
    assert [ast.unparse(a) for a in template.args] == ["'SELECT * FROM t WHERE id = '", "ident"]


@pytest.mark.parametrize("name", ["reviewer/analyse.py", "reviewer/sql/sqltext.py", "reviewer/reporters/text.py"])
def test_lowering_every_f_string_of_a_valid_file_gives_cpythons_tree(name: str) -> None:
    """The f-string lowering applies to any f-string: forced on files the interpreter reads,
    it must give exactly CPython's tree, positions included."""
    text = (REPO / name).read_text(encoding="utf-8")
    tree = lowered_tree(cst.parse_module(text))
    expected = ast.parse(text)
    assert ast.dump(tree) == ast.dump(expected)
    assert _positions(tree) == _positions(expected)


def test_a_file_no_grammar_parses_is_a_syntax_error() -> None:
    with pytest.raises(SyntaxError) as raised:
        parse("print 'hello'\n")
    assert "Missing parentheses" in raised.value.msg
    with pytest.raises(SyntaxError) as raised:
        parse("type Alias = int\ndef broken(:\n    pass\n")
    assert "line 3" in raised.value.msg or raised.value.lineno in (2, 3)


@needs_older_interpreter
def test_a_deep_statement_in_a_newer_file_is_refused_before_libcst() -> None:
    for chain in ("+".join(["1"] * 3000), "f" + "()" * 3000, "a" + "[0]" * 3000, "a" + ".b" * 3000):
        with pytest.raises(BeyondBounds) as raised:
            parse('x = f"{d["k"]}"\ny = ' + chain + "\n")
        assert raised.value.kind == "too-deep"
    with pytest.raises(BeyondBounds) as raised:
        parse('x = f"{d["k"]}"\ny = [' + "1, " * 120_000 + "]\n")
    assert raised.value.kind == "too-complex"


# ----------------------------------------------------------------------------------------------
# Through the whole scan

VIEWS_312 = '''\
from flask import Flask, request
import requests

app = Flask(__name__)

type UserId = int


class Repository[T]:
    def __init__(self, cursor) -> None:
        self.cursor = cursor


@app.route("/users")
def lookup[T](cursor):
    cursor.execute(f"SELECT id FROM users WHERE name = '{request.args["name"]}'")
    return cursor.fetchall()


@app.route("/report")
def report():
    lines = ["a", "b"]
    summary = f"{'\\n'.join(lines)}"
    return requests.get(f"https://example.com/{summary}").text
'''
JOBS_313 = '''\
import subprocess

import requests


class Box[T = int]:
    item: T


def fetch[T = str](url: T) -> T:
    subprocess.call("ls " + url, shell=True)
    return requests.post(url, json={}).json()
'''
SQLPARTS_312 = '''\
type Clause = str


def where_name[T: str](name: T) -> Clause:
    return f"WHERE name = '{name}'"


def label(row: dict[str, str]) -> str:
    return f"{row["name"]}: {'\\n'.join(row)}"
'''
SEARCH = '''\
from flask import request

from shop.sqlparts import where_name


def search(cur):
    cur.execute("SELECT id FROM accounts " + where_name(request.args["name"]))
    return cur.fetchall()
'''
FILES = {
    "app/views.py": VIEWS_312,
    "app/jobs.py": JOBS_313,
    "shop/__init__.py": "",
    "shop/sqlparts.py": SQLPARTS_312,
    "shop/search.py": SEARCH,
    "app/broken.py": "type Alias = int\ndef broken(:\n    pass\n",
}
SELECT = ("SQL001", "OPS001", "B602")


def test_newer_syntax_is_analysed_with_findings_on_the_right_lines(tmp_path: Path) -> None:
    root = write_tree(tmp_path, FILES)
    result = scan_tree(root, select=SELECT)
    found = {(f.path, f.location.line, f.rule) for f in result.findings}
    assert found == {
        ("app/views.py", 16, "SQL001"),
        ("app/views.py", 24, "OPS001"),
        ("app/jobs.py", 12, "OPS001"),
        ("shop/search.py", 7, "SQL001"),
    }
    # The helper's summary came from the project index of a file only the lowering reads:
    # the finding names the request data inside it, not the helper call.
    search = next(f for f in result.findings if f.path == "shop/search.py")
    assert '`request.args["name"]`' in search.message
    assert [(e.path, e.kind) for e in result.errors] == [("app/broken.py", "syntax-error")]
    if NEWER_SYNTAX:
        assert result.bandit_skipped == 3  # the three files in newer syntax; bandit read the other two
    else:
        assert result.bandit_skipped == 0
        assert ("app/jobs.py", 11, "B602") in {(f.path, f.location.line, f.rule) for f in result.findings}


def test_the_index_reads_routes_of_newer_files(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {"app/views.py": VIEWS_312})
    index = build_index(root, discover(root, [root], (), True), Config(root=str(root)))
    routes = {(r.method, r.path, r.handler) for r in index.section("routes").routes}
    assert routes == {("GET", "/users", "app.views.lookup"), ("GET", "/report", "app.views.report")}


@needs_older_interpreter
def test_the_report_gives_the_bandit_skip_count_once(tmp_path: Path) -> None:
    root = write_tree(tmp_path, FILES)
    cache = tmp_path.parent / f"{tmp_path.name}-cache"
    for _ in range(2):  # cold, then from the cache
        result = run_cli("scan", str(root), "--select", ",".join(SELECT), "--cache-dir", str(cache))
        lines = [line for line in result.stdout.splitlines() if "skipped" in line]
        assert lines == [
            f"Bandit's tests skipped 3 file(s) written in syntax newer than Python {sys.version_info.major}."
            f"{sys.version_info.minor}, which runs reviewer (its `ast` cannot read them); reviewer's own rules analysed them"
        ]
    report = json.loads(run_cli("scan", str(root), "--select", ",".join(SELECT), "--format", "json", "--no-cache").stdout)
    assert report["summary"]["bandit_skipped"] == 3
    assert [e["path"] for e in report["errors"]] == ["app/broken.py"]


@needs_older_interpreter
def test_a_deep_newer_file_is_listed_as_too_deep_and_the_rest_analysed(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path,
        {
            "deep.py": 'x = f"{d["k"]}"\ny = ' + "+".join(["1"] * 3000) + "\n",
            "jobs.py": JOBS_313,
        },
    )
    result = scan_tree(root, select=SELECT)
    assert [(e.path, e.kind) for e in result.errors] == [("deep.py", "too-deep")]
    assert "3,000 operators" in result.errors[0].message or "2,999 operators" in result.errors[0].message
    assert {(f.path, f.rule) for f in result.findings} == {("jobs.py", "OPS001")}


def test_the_json_summary_names_the_skip_count_only_when_there_is_one(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {"app/search.py": SEARCH})
    report = json.loads(run_cli("scan", str(root), "--select", ",".join(SELECT), "--format", "json", "--no-cache").stdout)
    assert "bandit_skipped" not in report["summary"]
