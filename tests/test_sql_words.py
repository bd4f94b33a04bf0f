"""A Python file reaches libcst for SqlRules with words (SqlRule.words: SQL004's `NULL`) only
when the SQL lifted from it can spell one: from its own text, or from the project model's text
it names (reviewer.sql.words). Leaving a file out must change no finding."""

from __future__ import annotations

import ast
import json
import pickle
import tempfile
from dataclasses import replace
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from reviewer import analyse, runner
from reviewer.config import Config
from reviewer.discovery import discover
from reviewer.plan import Plan
from reviewer.registry import load, select
from reviewer.rule import SqlRule
from reviewer.sql import words as sql_words
from reviewer.sql.sqltext import CONDITION_WRAPPERS, FRAGMENT_WRAPPERS, MARKER, SAFE_MARKER
from tests.conftest import REPO, scan_tree, write_tree

NULL = ("NULL",)


def spelled(code: str, words: tuple[str, ...] = NULL) -> bool:
    return sql_words.own_pieces(ast.parse(code), code, words).spell()


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ('Q = "SELECT id FROM t WHERE a = NULL"', True),
        ('Q = "SELECT id FROM t WHERE a is null"', True),  # the word: `IS NULL` is SQL004's to tell
        ('Q = "SELECT id FROM t WHERE a = nu" + "ll"', True),  # across two constants
        ('Q = "WHERE a = N" + "U" + "LL"', True),  # a middle piece inside the word
        ('Q = "WHERE a = N" + "LL"', False),  # "NLL": the middle is missing
        ('Q = "SELECT * FROM t JOIN u ON" + "LIMIT 1"', False),  # an end and a start that do not meet
        ('Q = f"SELECT id FROM t WHERE {col} = null"', True),  # an f-string's literal part
        ('Q = f"SELECT id FROM t WHERE a = \\null"', True),  # libcst keeps `\\n` as written: `\\null`
        ('Q = f"WHERE {a} = \\nu{b}"\nR = "ll"', True),
        ('Q = b"DELETE FROM t WHERE a = NULL"', True),
        ('Q = "WHERE a = NU%sLL" % x', True),  # a `%` field cut out of the text
        ('Q = "WHERE a = NU{}LL".format(x)', True),  # a `.format` field
        ('Q = "WHERE a = %" + "sLL"', True),  # a field across two constants: cannot tell
        ('Q = "WHERE a = NUxLL".replace("x", "")', True),  # `.replace` joins what was around it
        ('Q = f"SELECT {a} FROM t WHERE b = %s"', False),
        ("Q = 'SELECT id FROM t WHERE nullable_flag'", True),  # a piece of a name: still the word
        ("def f(cur):\n    cur.execute('SELECT id FROM t')\n    return None", False),  # Python's None is not SQL
    ],
)
def test_own_text(code: str, expected: bool) -> None:
    assert spelled(code) is expected


def test_upper_case_as_sqlglot_reads_it() -> None:
    # str.upper, not str.lower: U+0149 upper-cases to `ʼN`, and sqlglot upper-cases keywords.
    assert spelled('Q = "WHERE a = \u0149ULL"')
    assert spelled('Q = "ORDER BY random()"', ("RAND",))
    assert not spelled('Q = "ORDER BY id"', ("RAND",))
    assert spelled("Q = \"WHERE name ~~* 'a%%'\"", ("LIKE", "~~"))


def test_the_lifters_own_text_touches_no_word() -> None:
    # What the lifter puts between pieces (reviewer.sql.sqltext, sinkcalls) must not help spell
    # a word: no filler holds a letter of one at its ends.
    words = tuple(sorted({word for rule in load().rules if issubclass(rule, SqlRule) for word in rule.words or ()}))
    assert words and "=NULL" in words
    fillers = [*FRAGMENT_WRAPPERS, *CONDITION_WRAPPERS, MARKER.format(7), SAFE_MARKER.format(7), " AND ", ", ", "0", "%", "%s", "?", "$1", ":p1"]
    for filler in fillers:
        for piece in filler.split("{}"):
            probe = sql_words.Pieces(words)
            assert not probe._add(piece), piece


def _plan(root: Path, index: bool = True) -> tuple[Plan, dict]:
    config = Config(root=str(root))
    registry = load()
    enabled = select(registry, config.select, config.ignore, config.profile)
    sources = discover(root, [root], (), True)
    plan = Plan(config, tuple(r for r in enabled if issubclass(r, runner.PythonRule)), tuple(r for r in enabled if issubclass(r, runner.SqlRule)))
    if index:
        plan = replace(plan, index=runner.build_index(root, sources, config))
    return plan, {source.rel: source for source in sources}


SINK = "from app.queries import {name}\n\ndef purge(cur):\n    cur.execute({name})\n"


@pytest.mark.parametrize(
    ("queries", "parsed", "found"),
    [
        ('STALE = "DELETE FROM sessions WHERE user_id = NULL"\n', True, 1),  # NULL only in the other module
        ('STALE = "DELETE FROM sessions WHERE user_id IS NULL"\n', False, 0),  # NULL, but compared with no `=`
        ('STALE = "DELETE FROM sessions WHERE user_id = /* unset */ NULL"\n', True, 1),  # a comment between
        ('STALE = "DELETE FROM sessions WHERE user_id = " + "null"\n', True, 1),
        ('STALE = "DELETE FROM sessions WHERE user_id = 4"\nOTHER = "x = NULL"\n', False, 0),  # not the name it reads
        ('STALE = ["a = NULL"]\n', False, 0),  # a collection is no text to the lifter
    ],
)
def test_text_from_another_module(tmp_path: Path, monkeypatch, queries: str, parsed: bool, found: int) -> None:
    root = write_tree(tmp_path / "proj", {"app/__init__.py": "", "app/queries.py": queries, "app/jobs.py": SINK.format(name="STALE")})
    plan, sources = _plan(root)
    source = sources["app/jobs.py"]
    text = source.path.read_text()
    first = analyse.ast_pass(source, text, replace(plan, index=None))
    assert first.sql_own is not None and "STALE" in first.sql_names  # its own text spells nothing
    assert analyse.finished(source, text, plan.config, first) is None  # left to the check
    calls = []
    original = analyse.parse_python
    monkeypatch.setattr(analyse, "parse_python", lambda *args: calls.append(args[0].rel) or original(*args))
    result = analyse.analyse(source, plan, first)
    assert calls == (["app/jobs.py"] if parsed else [])
    assert [finding.rule for finding in result.findings] == ["SQL004"] * found


def test_an_alias_and_a_constant_built_from_another(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path / "proj",
        {
            "app/__init__.py": "",
            "app/base.py": 'NOTHING = " = NULL"\n',
            "app/queries.py": 'from app.base import NOTHING as EMPTY\nSTALE = "DELETE FROM s WHERE u" + EMPTY\n',
            "app/jobs.py": "from app import queries as q\n\ndef purge(cur):\n    cur.execute(q.STALE)\n",
        },
    )
    plan, sources = _plan(root)
    model = sql_words.SqlTextProvider.of(plan.index).pieces({"NOTHING", "EMPTY", "STALE", "purge"}, NULL)
    assert {"NOTHING", "EMPTY", "STALE"} <= model.keys()
    result = analyse.analyse(sources["app/jobs.py"], plan)
    assert [finding.rule for finding in result.findings] == ["SQL004"]


def test_a_sink_with_no_null_anywhere_is_not_parsed(tmp_path: Path, monkeypatch) -> None:
    code = "def stale(cur, user):\n    cur.execute(f\"SELECT id FROM sessions WHERE user_id = {user!r}\")\n"
    root = write_tree(tmp_path / "proj", {"jobs.py": code, "other.py": 'NOTE = "x = NULL"\n'})
    calls = []
    original = analyse.parse_python
    monkeypatch.setattr(analyse, "parse_python", lambda *args: calls.append(args[0].rel) or original(*args))
    report = scan_tree(root)
    assert calls == [] and not report.findings


def _report(root: Path, profile: str) -> str:
    config = Config(root=str(root), profile=profile)
    report = scan_tree(root, config=config)
    return "\n".join(sorted(json.dumps(finding.to_cache(), sort_keys=True, default=str) for finding in report.findings))


@pytest.mark.parametrize("profile", ["default", "audit"])
def test_corpora_and_samples_find_the_same_with_and_without_the_gate(profile: str, monkeypatch) -> None:
    trees = [*sorted(p for p in (REPO / "sample_projects").iterdir() if p.is_dir()), *sorted(p for p in (REPO / "tests" / "corpus").iterdir() if p.is_dir())]
    gated = {tree.name: _report(tree, profile) for tree in trees}
    monkeypatch.setattr(sql_words.Pieces, "spell", lambda self, dialect=None: True)
    ungated = {tree.name: _report(tree, profile) for tree in trees}
    assert gated == ungated


def test_a_name_gets_the_pieces_of_every_name_it_reaches() -> None:
    """ModelText.pieces is the least fixpoint of each name taking the pieces of the names it
    refers to, through cycles, across files; a name that reaches no text touching a word has
    none, and a text is compared with the words only for the names asked about."""
    files = {
        "a.py": {"texts": [["C", ["x = "]], ["D", ["nothing"]]], "refs": [["A", ["B"]], ["D", ["E"]]]},
        "b.py": {"texts": [["C", ["NULL"]], ["F", ["= NULL"]]], "refs": [["B", ["C", "missing"]], ["C", ["A"]]]},
    }
    text = sql_words.ModelText(files)
    model = text.pieces({"A", "B", "C", "D", "E", "missing"}, NULL)
    assert model.keys() == {"A", "B", "C"}
    assert all(model[name].spell() for name in "ABC") and model["A"] == model["C"]
    assert "F" not in text._direct[NULL]  # not reached: its text was never compared
    assert sql_words.ModelText(files) == text and pickle.loads(pickle.dumps(text)) == text


def test_the_model_text_gives_what_the_symbols_give(tmp_path: Path) -> None:
    """The `sql_text` section, made of each file's symbols (model_text), gives every name the
    pieces of each entry so named, through references and import aliases; a section without
    a file's text (a failed provider) leaves the gate open."""
    root = write_tree(tmp_path / "proj", {
        "app/__init__.py": "",
        "app/base.py": 'NOTHING = " = NULL"\nclass Q:\n    SQL = "SELECT 1 FROM t WHERE a"\n\ndef clause():\n    return NOTHING\n',
        "app/queries.py": "from app.base import clause as where\n",
        "app/jobs.py": SINK.format(name="where"),
        "app/other.py": SINK.format(name="SQL"),
    })
    plan, sources = _plan(root)
    text = sql_words.SqlTextProvider.of(plan.index)
    model = text.pieces({"NOTHING", "clause", "where", "SQL", "unknown"}, NULL)
    assert model.keys() == {"NOTHING", "clause", "where"}
    assert all(model[name].spell() for name in ("NOTHING", "clause", "where"))
    gated = [rule for rule in plan.sql_rules if rule.words]
    unknown = replace(plan, index=replace(plan.index, sections={**plan.index.sections, "sql_text": None}))
    for path, spelled in (("app/jobs.py", True), ("app/other.py", False)):
        source = sources[path]
        first = analyse.ast_pass(source, source.path.read_text(), replace(plan, index=None))
        assert first.sql_own is not None and analyse._spelled(source, plan, first, gated) is spelled
        assert analyse._spelled(source, unknown, first, gated)


# SQL004's words: the phrases of a comparison with NULL.
PHRASES = tuple(next(rule for rule in load().rules if rule.code == "SQL004").words or ())


@pytest.mark.parametrize(
    ("code", "dialect", "expected"),
    [
        ('Q = "SELECT id FROM t WHERE a = NULL"', None, True),
        ('Q = "SELECT id FROM t WHERE a=null"', None, True),
        ('Q = "SELECT id FROM t WHERE a <> NULL"', None, True),
        ('Q = "SELECT id FROM t WHERE a != \\n    NULL"', None, True),
        ('Q = "SELECT id FROM t WHERE NULL = a"', None, True),
        ('Q = "SELECT id FROM t WHERE a = + NULL"', None, True),  # sqlglot drops the unary plus
        ('Q = "SELECT id FROM t WHERE a = " + "null"', None, True),  # across two constants
        ('Q = "WHERE a = NU" + "LL"', None, True),
        ('Q = "UPDATE t SET a = NULL WHERE b = 1"', None, True),  # an assignment: SQL004's to tell
        ('Q = "SELECT id FROM t WHERE a IS NULL"', None, False),
        ('Q = "SELECT id FROM t WHERE a IS NOT NULL AND b = 1"', None, False),
        ('Q = "SELECT COALESCE(a, NULL) FROM t"', None, False),
        ('Q = "SELECT id FROM t WHERE a = /* none */ NULL"', None, True),  # a comment between
        ('Q = "SELECT id FROM t WHERE a = -" + "- none\\n NULL"', None, True),  # an opener across pieces
        ('Q = "SELECT id FROM t WHERE a = # none\\n NULL"', "mysql", True),  # MySQL's `#` comment
        ('Q = "SELECT id FROM t WHERE a = # none\\n NULL"', "postgres", False),  # not a comment there
        ('Q = "SELECT id FROM t WHERE a = // none\\n NULL"', "snowflake", True),
        ('Q = "SELECT id FROM t WHERE a IS NULL -- = 1"', "postgres", True),  # a comment and the keyword: cannot tell
        ('Q = "SELECT id FROM t WHERE a IS NULL".replace("_", "")', None, False),  # a cut that joins nothing
        ('Q = "SELECT id FROM t WHERE a = XYNULL".replace("XY", "")', None, True),
        ('Q = ("SELECT id FROM t WHERE a = XY" + "Z NULL").replace("XYZ", "")', None, True),  # a cut across pieces
        ('Q = ("SELECT id FROM t WHERE a = X" + "Y" + "Z NULL").replace("XYZ", "")', None, True),
        ("Q = \"SELECT id FROM t WHERE a LIKE 'x%%'\" % ()", None, False),  # `%%` is no open field
        ('Q = "SELECT id FROM t WHERE a = %" + "(v)s NULL"', None, True),  # a field across pieces: cannot tell
    ],
)
def test_phrases(code: str, dialect: str | None, expected: bool) -> None:
    assert sql_words.own_pieces(ast.parse(code), code, PHRASES).spell(dialect) is expected


def test_phrases_read_what_sqlglots_tokenizers_read() -> None:
    """What `_reading` takes out and reads as `=` covers every spelling of a comparison that
    sqlglot's tokenizer of a dialect reviewer reads has, and COMMENT_OPENERS its comments."""
    from sqlglot import Dialect
    from sqlglot.tokens import TokenType

    from reviewer.config import DIALECTS

    for name in DIALECTS:
        tokenizer = Dialect.get_or_raise(name).tokenizer_class
        spellings = {**tokenizer.KEYWORDS, **tokenizer.SINGLE_TOKENS}
        operators = [text for text, kind in spellings.items() if kind in (TokenType.EQ, TokenType.NEQ)]
        assert operators and [text for text, kind in spellings.items() if kind == TokenType.NULL] == ["NULL"], name
        for operator in operators:
            for text in (f"a {operator} NULL", f"NULL {operator}\n + a"):
                pieces = sql_words.Pieces(PHRASES)
                pieces.add(text)
                assert pieces.spell(name), (name, text)
        openers = {comment if isinstance(comment, str) else comment[0] for comment in tokenizer.COMMENTS}
        assert all(any(opener.startswith(mine) for mine in sql_words.COMMENT_OPENERS.get(name, ("--", "/*"))) for opener in openers), name


_GAPS = ["", " ", "  ", "\n    ", "\t", " + ", "+", " /* c */ ", "/**/", " -- c\n ", " # c\n ", "\n"]
# Weighted towards comparisons with NULL, the cases the gate must not hide.
_SIDES = ["user_id", "t.user_id", "1", "'a'", *["NULL", "null", "Null"] * 3, "NULLIF(a, 1)", "(NULL)", "NULL::int", "NOT NULL"]
_OPERATORS = [*["=", "==", "<>", "!="] * 3, "IS", "IS NOT", "<", ">=", "LIKE", "IS DISTINCT FROM"]
_STATEMENTS = [
    "SELECT id FROM sessions WHERE {}",
    "DELETE FROM sessions WHERE {} AND active",
    "UPDATE sessions SET a = 1 WHERE {}",
    "UPDATE sessions SET {}",
    "SELECT CASE WHEN {} THEN 1 END FROM sessions",
    "SELECT id FROM a JOIN b ON {}",
]


@st.composite
def _sql_in_python(draw) -> str:
    """A module that runs one statement comparing two sides, its text split into constants."""
    comparison = f"{draw(st.sampled_from(_SIDES))}{draw(st.sampled_from(_GAPS))}{draw(st.sampled_from(_OPERATORS))}{draw(st.sampled_from(_GAPS))}{draw(st.sampled_from(_SIDES))}"
    sql = draw(st.sampled_from(_STATEMENTS)).format(comparison)
    cuts = sorted(draw(st.lists(st.integers(0, len(sql)), max_size=3)))
    pieces = [sql[a:b] for a, b in zip([0, *cuts], [*cuts, len(sql)])]
    literals = [f"f{piece.replace('{', '{{').replace('}', '}}')!r}" if draw(st.booleans()) else repr(piece) for piece in pieces]
    return f"def purge(cur):\n    cur.execute({' + '.join(literals)})\n"


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(code=_sql_in_python(), dialect=st.sampled_from(["postgres", "mysql", "snowflake"]))
def test_the_gate_never_hides_a_finding(code: str, dialect: str) -> None:
    """Property: SQL004's findings on a file are the same whether the words gate it or not."""
    with tempfile.TemporaryDirectory() as folder:
        root = write_tree(Path(folder) / "proj", {"jobs.py": code})
        config = Config(root=str(root), dialect=dialect, select=("SQL004",))
        enabled = select(load(), config.select, config.ignore, config.profile)
        sources = discover(root, [root], (), True)
        plan = Plan(config, (), tuple(enabled), index=runner.build_index(root, sources, config))
        gated = analyse.analyse(sources[0], plan)
        with mock.patch.object(sql_words.Pieces, "spell", lambda self, dialect=None: True):
            ungated = analyse.analyse(sources[0], plan)
    assert not gated.errors and not ungated.errors
    assert [f.location for f in gated.findings] == [f.location for f in ungated.findings], code
    event("reported" if gated.findings else "nothing to report")


def test_the_property_meets_findings() -> None:
    """The generated modules reach SQL004's findings, through phrases split and spaced."""
    found = 0
    with tempfile.TemporaryDirectory() as folder:
        code = "def purge(cur):\n    cur.execute('SELECT id FROM sessions WHERE user_id <' + '>\\n + nu' + f'll')\n"
        root = write_tree(Path(folder) / "proj", {"jobs.py": code})
        config = Config(root=str(root), select=("SQL004",))
        sources = discover(root, [root], (), True)
        plan = Plan(config, (), tuple(select(load(), config.select, config.ignore, config.profile)), index=runner.build_index(root, sources, config))
        found = len(analyse.analyse(sources[0], plan).findings)
    assert found == 1


def test_a_cut_of_another_modules_text(tmp_path: Path) -> None:
    """A `.replace` in the file may cut another module's text, which the model's pieces do
    not show: the file is parsed."""
    sink = "from app.queries import STALE\n\ndef purge(cur):\n    cur.execute(STALE.replace('IS', '='))\n"
    root = write_tree(tmp_path / "proj", {"app/__init__.py": "", "app/queries.py": 'STALE = "DELETE FROM s WHERE u IS NULL"\n', "app/jobs.py": sink})
    plan, sources = _plan(root)
    result = analyse.analyse(sources["app/jobs.py"], plan)
    assert [finding.rule for finding in result.findings] == ["SQL004"]


def test_names_the_file_binds_are_not_read_from_another_module(tmp_path: Path, monkeypatch) -> None:
    """The model's text is reached through names the code reads: a name the file only binds
    (`LABEL = ...`, `def describe`) is its own, whatever another module binds to it."""
    jobs = 'LABEL = "x"\nNOTE = "NULL"\n\ndef describe():\n    return NOTE\n\ndef purge(cur):\n    cur.execute("SELECT 1")\n'
    root = write_tree(
        tmp_path / "proj",
        {"app/__init__.py": "", "app/other.py": 'LABEL = "WHERE a ="\n\ndef describe():\n    return "WHERE b ="\n', "app/jobs.py": jobs},
    )
    plan, sources = _plan(root)
    tree = ast.parse(jobs)
    assert sql_words.read_names(tree) == {"NOTE", "cur", "execute"}
    source = sources["app/jobs.py"]
    first = analyse.ast_pass(source, jobs, replace(plan, index=None))
    assert first.sql_own is not None and "LABEL" not in first.sql_names and "describe" not in first.sql_names
    assert not analyse._spelled(source, plan, first, [rule for rule in plan.sql_rules if rule.words])
    # Read, the same names reach the other module's text.
    reads = jobs.replace('cur.execute("SELECT 1")', "cur.execute(LABEL + describe())")
    assert sql_words.read_names(ast.parse(reads)) >= {"LABEL", "describe"}
