"""reviewer.sql.sqllex: SQL lexing on sqlglot's tokenizer, and the rules that read it."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewer.config import Config
from reviewer.sql.sqllex import FORMAT, NAMED, NUMERIC, QMARK, lex, lex_failure, normalise_placeholders, placeholder_styles
from reviewer.suppress import Directive, parse_directives
from tests.conftest import NO_RELEASE_POINT, scan_tree

FIXTURE = Path(__file__).parent / "data" / "sqllex_project"


def _placeholders(sql: str, dialect: str = "postgres") -> list[tuple[str, str]]:
    lexed = lex(sql, dialect)
    assert lexed is not None
    return [(placeholder.style, placeholder.text) for placeholder in lexed.placeholders]


# ----------------------------------------------------------------------------------------------
# Placeholders


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("SELECT 1 FROM t WHERE a = %s AND b = %s", [(FORMAT, "%s"), (FORMAT, "%s")]),
        ("SELECT 1 FROM t WHERE a = %(user_id)s", [(FORMAT, "%(user_id)s")]),
        ("SELECT 1 FROM t WHERE a = %(name)s", [(FORMAT, "%(name)s")]),  # `name` is a keyword token
        ("SELECT 1 FROM t WHERE a = $1 AND b = $12", [(NUMERIC, "$1"), (NUMERIC, "$12")]),
        ("SELECT 1 FROM t WHERE a = :name AND b IN (:ids)", [(NAMED, ":name"), (NAMED, ":ids")]),
        ("SELECT 1 FROM t WHERE a = ? AND b IN (?, ?) LIMIT ?", [(QMARK, "?")] * 4),
    ],
)
def test_placeholder_styles_and_spellings(sql: str, expected: list[tuple[str, str]]) -> None:
    assert _placeholders(sql) == expected


def test_placeholders_inside_strings_and_comments_are_not_placeholders() -> None:
    sql = "SELECT '%s', $$ ? $$, E'\\' ?' FROM t -- where a = %s\n/* b = :name */ WHERE c = 'x:y'"
    assert _placeholders(sql) == []


def test_casts_and_slices_are_not_named_placeholders() -> None:
    assert _placeholders("SELECT a::text, b[1:2] FROM t WHERE c = :c") == [(NAMED, ":c")]


def test_double_percent_is_an_escaped_percent_sign() -> None:
    sql = "SELECT id FROM t WHERE id %% 2 = 0 AND name LIKE 'a%%' AND b = %s"
    assert _placeholders(sql) == [(FORMAT, "%s")]
    assert normalise_placeholders(sql, "postgres") == "SELECT id FROM t WHERE id % 2 = 0 AND name LIKE 'a%%' AND b = :p1"
    assert _placeholders("SELECT 1 FROM t WHERE a LIKE %%s") == []  # psycopg: a literal `%s`


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT id FROM docs WHERE data ? 'tags'",
        "SELECT id FROM docs WHERE data ? %s",
        "SELECT id FROM docs WHERE data -> 'a' ? 'b'",
        "SELECT id FROM docs WHERE data ?| array['a', 'b'] AND data ?& array['c']",
    ],
)
def test_jsonb_question_mark_operators_are_not_placeholders(sql: str) -> None:
    assert QMARK not in placeholder_styles(sql, "postgres")


def test_a_question_mark_in_a_psycopg_style_query_is_an_operator() -> None:
    # psycopg never binds `?`: with `%s` in the text, `?` is the JSONB operator wherever it is.
    assert placeholder_styles("SELECT id FROM docs WHERE tags ? (%s)", "postgres") == {FORMAT: "%s"}
    assert placeholder_styles("SELECT id FROM docs WHERE tags = ?", "postgres") == {QMARK: "?"}


def test_jsonb_question_mark_in_a_dialect_without_the_operator_tokens() -> None:
    assert placeholder_styles("SELECT id FROM docs WHERE data ?| array['a'] AND id = ?", "sqlite") == {QMARK: "?"}
    assert _placeholders("SELECT id FROM docs WHERE data ?| array['a'] AND id = ?", "sqlite") == [(QMARK, "?")]


def test_normalise_placeholders() -> None:
    sql = "SELECT 1 FROM t WHERE a = %s AND b = %(who)s AND d ? 'k' AND e = $2 AND f = :f"
    assert normalise_placeholders(sql, "postgres") == "SELECT 1 FROM t WHERE a = :p1 AND b = :who AND d ? 'k' AND e = :p2 AND f = :f"
    assert normalise_placeholders("SELECT 1 FROM t WHERE a = ? AND b = ?", "sqlite") == "SELECT 1 FROM t WHERE a = :p1 AND b = :p2"


def test_placeholders_after_dollar_quotes_and_comments_are_found() -> None:
    sql = "SELECT $$owner's copy$$ AS label FROM t -- the owner's rows\nWHERE id = ?"
    assert _placeholders(sql) == [(QMARK, "?")]
    assert normalise_placeholders(sql, "postgres").endswith("WHERE id = :p1")


# ----------------------------------------------------------------------------------------------
# Strings, comments, statements


def test_e_strings_dollar_quotes_and_doubled_quotes() -> None:
    lexed = lex("SELECT E'it\\'s', 'it''s', $$a 'b$$, $fn$ -- not a comment $fn$", "postgres")
    assert lexed is not None
    assert [(literal.kind, literal.value) for literal in lexed.strings] == [
        ("byte_string", "it's"),
        ("string", "it's"),
        ("heredoc_string", "a 'b"),
        ("heredoc_string", " -- not a comment "),
    ]
    assert lexed.comments == ()
    assert lexed.text[lexed.strings[0].start : lexed.strings[0].end] == "E'it\\'s'"


def test_comments_with_their_lines() -> None:
    sql = "-- head: don't\nSELECT 1 /* one\n two */ FROM t; -- tail\n\n  -- alone\nSELECT 2"
    lexed = lex(sql, "postgres")
    assert lexed is not None
    assert [(c.line, c.column, c.text, c.alone) for c in lexed.comments] == [
        (1, 1, "-- head: don't", True),
        (2, 10, "/* one\n two */", False),
        (3, 17, "-- tail", False),
        (5, 3, "-- alone", True),
    ]
    assert [c.body for c in lexed.comments] == [" head: don't", " one\n two ", " tail", " alone"]
    assert lexed.next_code_line(3) == 6


def test_statements_keep_dollar_quoted_bodies_whole() -> None:
    sql = "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; SELECT 2 $$ LANGUAGE sql;\n  UPDATE t SET a = 'x;y';"
    lexed = lex(sql, "postgres")
    assert lexed is not None
    assert [(s.line, s.column, s.text) for s in lexed.statements] == [
        (1, 1, "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; SELECT 2 $$ LANGUAGE sql"),
        (2, 3, "UPDATE t SET a = 'x;y'"),
    ]


def test_untokenisable_text_falls_back() -> None:
    assert lex("SELECT 'unterminated", "postgres") is None
    assert "Error tokenizing" in lex_failure("SELECT 'unterminated", "postgres")
    assert lex_failure("SELECT 1", "postgres") == ""
    assert normalise_placeholders("SELECT 'open %s", "postgres") == "SELECT 'open %s"
    assert placeholder_styles("SELECT $$ 1", "sqlite") == {}


# ----------------------------------------------------------------------------------------------
# Through the rules: a psycopg2 service with a JSONB `?` query and a `$$` function body.


def test_fixture_project_through_the_rules() -> None:
    # The audit profile includes SQL010, which reported both JSONB queries as not parsing.
    config = Config(root=str(FIXTURE), profile="audit", migrations_released=NO_RELEASE_POINT)
    result = scan_tree(FIXTURE, select=("SQL", "RVW"), config=config)
    found = sorted((f.path, f.line, f.rule) for f in result.findings)
    assert found == [
        ("documents/queries.py", 22, "SQL009"),  # `?` after a `$$...$$` literal holding a quote
        ("documents/queries.py", 27, "SQL009"),  # `?` after a `--` comment holding a quote
    ]
    assert result.suppressed == 1  # the directive after the `$$` function body
    assert not result.errors


def test_sql_suppression_directives_come_from_comments() -> None:
    sql = (
        "INSERT INTO notes VALUES ('first line\n"
        "-- reviewer: ignore[SQL002] inside a string');\n"
        "CREATE FUNCTION f() RETURNS int AS $$\n"
        "  -- reviewer: ignore[SQL002] inside a function body\n"
        "  SELECT 1 $$ LANGUAGE sql;\n"
        "/* reviewer: ignore[SQL002] one-off backfill */\n"
        "UPDATE notes SET body = '';\n"
    )
    assert parse_directives(sql, is_sql=True) == [
        Directive(line=6, target=7, codes=("SQL002",), reason="one-off backfill", column=1)
    ]
    assert parse_directives("SELECT 'open -- reviewer: ignore[SQL002]\n", is_sql=True) == []
