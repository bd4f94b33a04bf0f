"""SQL lifted from Python reaches the SqlRules through the sink's template (the one SQL001
reads), Django `.extra(where=[...])` and SQLAlchemy clause strings included."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import scan_tree, write_tree


def _found(tmp_path: Path, code: str) -> list[tuple[int, str]]:
    write_tree(tmp_path, {"app/queries.py": code})
    result = scan_tree(tmp_path, select=("SQL",))
    return sorted((finding.line, finding.rule) for finding in result.findings)


def test_django_extra_where_reaches_the_sql_rules(tmp_path: Path) -> None:
    code = (
        "from shop.models import Product\n"
        "def discontinued():\n"
        '    return Product.objects.extra(where=["retired_at = NULL", "stock > 0"])\n'
    )
    assert _found(tmp_path, code) == [(3, "SQL004")]


def test_sqlalchemy_clause_strings_reach_the_sql_rules(tmp_path: Path) -> None:
    code = (
        "from sqlalchemy import text\n"
        "def smiths(session, User):\n"
        "    return session.query(User).filter(text(\"name LIKE '%smith'\")).all()\n"
    )
    assert _found(tmp_path, code) == [(3, "SQL006")]


def test_select_list_and_order_by_fragments_are_not_statements(tmp_path: Path) -> None:
    code = (
        "from sqlalchemy import func, literal_column, select, text\n"
        "def count(table):\n"
        '    return select(func.count(literal_column("*"))).select_from(table).order_by(text("id DESC"))\n'
    )
    assert _found(tmp_path, code) == []
