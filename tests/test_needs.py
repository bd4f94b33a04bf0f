"""Rules run on a file only when its code meets their needs (reviewer.needs), read from the
`ast` tree the syntax gate parses (issue 13, item 2)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from reviewer import analyse
from reviewer.config import Config
from reviewer.discovery import discover
from reviewer.needs import Needs, file_facts, from_triggers, tree_depth
from reviewer.rule import PythonRule
from reviewer.sql.sinks import SINK_NEEDS
from tests.conftest import scan_tree, write_tree

CODE = '''\
import os.path as osp
from sqlalchemy.orm import Session as S
from . import views

@app.get("/items")
async def handler(request, *args, **kwargs):
    async with pool.acquire() as conn:
        rows = await conn.fetch("SELECT 1")
    settings["SECRET_KEY"] = "x y"
    return [r for r in rows if r]

class Repo(base.Model, Generic[T], metaclass=Meta):
    pass
'''


def facts_of(code: str):
    return file_facts(ast.parse(code))


def test_facts_of_a_file() -> None:
    facts = facts_of(CODE)
    assert {"os", "os.path", "sqlalchemy", "sqlalchemy.orm", "sqlalchemy.orm.Session"} <= facts.imports
    assert not any(name.startswith("views") or name == "." for name in facts.imports)  # relative
    assert {"osp", "S", "Session", "views", "handler", "request", "kwargs", "acquire", "SECRET_KEY", "metaclass"} <= facts.names
    assert "x y" not in facts.names and "x y" in facts.strings
    assert {"get", "acquire", "fetch"} <= facts.calls
    assert facts.decorators == {"get"}
    assert facts.bases == {"Model", "Generic"}
    assert {"AsyncFunctionDef", "AsyncWith", "Await", "comprehension", "StarStar"} <= facts.syntax


def test_the_depth_is_the_depth_of_bounds() -> None:
    tree = ast.parse(CODE)
    assert tree_depth(tree) == ast_depth(tree)
    for code in ("x\n", "del a.b\n", "[*a] = b\n", "f(g(h(i)))\n"):  # the deepest node a `Load()` / `Store()` / `Del()`
        assert tree_depth(ast.parse(code)) == ast_depth(ast.parse(code))


def test_the_syntax_names_every_node_type_of_the_tree() -> None:
    # astfacts.children leaves the expression contexts out; the facts still name them
    tree = ast.parse(CODE + "del x\n")
    walked = {type(node).__name__ for node in ast.walk(tree)}
    assert {"Load", "Store", "Del"} <= walked
    assert walked <= file_facts(tree).syntax <= walked | {"StarStar", "AsyncFor"}


def test_needs_are_alternatives_read_from_code_not_comments() -> None:
    facts = facts_of("# for x in cur.execute(q): jwt\nx = 1\n")
    assert not Needs(loops=True).met_by(facts)
    assert not Needs(calls=("execute",)).met_by(facts)
    assert not Needs.words("jwt").met_by(facts)
    assert Needs(calls=("execute",), names=("x",)).met_by(facts)
    loop = facts_of("total = sum(len(x) for x in rows)\n")
    assert Needs(loops=True).met_by(loop) and Needs(calls=("len",)).met_by(loop)
    assert Needs(name_parts=("ota",)).met_by(loop) and not Needs(name_parts=("Total",)).met_by(loop)
    assert Needs.words("SET ").met_by(facts_of("q = 'UPDATE t SET a = 1'\n"))
    assert (Needs(names=("nope",)) | Needs(async_code=True)).met_by(facts_of("async def f():\n    pass\n"))


@pytest.mark.parametrize(
    "code",
    [
        "from sqlalchemy import text as t\nt(q)\n",  # a function sink under another name
        "import sqlalchemy as sa\nsa.text(q)\n",
        "cur.execute(q)\n",
        "session.query(User).filter(f'id = {x}')\n",
        "Model.objects.raw(q)\n",
    ],
)
def test_calls_that_can_be_sinks_meet_the_sink_needs(code: str) -> None:
    assert SINK_NEEDS.met_by(facts_of(code))


def test_a_file_without_a_possible_sink_does_not() -> None:
    assert not SINK_NEEDS.met_by(facts_of("from django.db import models\nUser.objects.filter(name=x)\n"))


def test_triggers_of_an_older_pack_become_words() -> None:
    assert from_triggers(("print(", ".filter(")) == Needs.words("print", "filter")
    assert from_triggers(("for ",)) is None  # a keyword: the tree says nothing about it
    assert from_triggers(("a b",)) is None
    assert from_triggers(()) is None


def test_libcst_parses_only_files_some_rule_needs(tmp_path: Path, monkeypatch) -> None:
    root = write_tree(
        tmp_path / "proj",
        {
            "db.py": "def find(cur, email):\n    cur.execute(\"SELECT * FROM users WHERE email = '%s'\" % email)\n",
            "plain.py": "# cur.execute(...) in a comment\nVALUE = 1\n",
        },
    )
    parsed: list[str] = []
    real = analyse.parse_python

    def counted(source, text, result, rules):
        parsed.append(source.rel)
        return real(source, text, result, rules)

    monkeypatch.setattr(analyse, "parse_python", counted)
    result = scan_tree(root, select=("SQL", "SQL001"))  # SQL001 is opt-in
    assert parsed == ["db.py"]
    assert {finding.path for finding in result.findings} == {"db.py"}
    assert result.errors == ()


def test_a_rule_that_declares_nothing_runs_on_every_file(tmp_path: Path) -> None:
    class Everywhere(PythonRule):
        code = "XEV001"

    class Picky(PythonRule):
        code = "XPK001"
        needs = Needs(calls=("execute",))

    plan = analyse.Plan(Config(), (Everywhere, Picky), ())
    root = write_tree(tmp_path / "proj", {"a.py": "x = 1\n"})
    [source] = discover(root, [root])
    assert analyse.ast_pass(source, "x = 1\n", plan).libcst == {"XEV001"}
    assert analyse.ast_pass(source, "cur.execute(q)\n", plan).libcst == {"XEV001", "XPK001"}


@pytest.mark.parametrize(
    "code",
    [
        "from psycopg2 import connect as pg_connect\npg_connect(dsn)\n",
        "import psycopg2 as pg\npg.connect(dsn)\n",
        "from sqlalchemy.ext.asyncio import create_async_engine\ncreate_async_engine(url)\n",
    ],
)
def test_a_connect_under_any_name_meets_the_needs_of_ops004(code: str) -> None:
    from reviewer import registry as registry_module

    rule = registry_module.load(()).get("OPS004")
    assert rule is not None and rule.needs is not None
    assert rule.needs.met_by(facts_of(code))
    assert not rule.needs.met_by(facts_of("import sqlalchemy as sa\ncolumn = sa.Column(sa.Integer)\n"))


def ast_depth(tree: ast.AST) -> int:
    """Deepest nesting of node fields in CPython's tree, counted apart from the needs walk."""
    deepest = 0
    stack: list[tuple[ast.AST, int]] = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return deepest


def test_new_facts_of_a_file() -> None:
    facts = facts_of("cur.execute(q)\nconn.cursor()\nrun(debug=True)\nDEBUG = False\napp.config['X'] = None\nclass A(B, metaclass=M):\n    pass\n")
    assert facts.arg_calls == {"execute", "run"} and {"cursor", "execute", "run"} <= facts.calls
    assert facts.keywords == {"debug", "metaclass"}
    assert facts.flags == {"debug=True", "DEBUG=False", "X=None"}
    assert {"True", "False", "None"} <= facts.names


def test_relative_imports_count_as_what_they_resolve_to() -> None:
    tree = ast.parse("from .extras import execute_values as ev\nfrom . import sql\n")
    facts = file_facts(tree, "psycopg2/pool.py")
    assert {"psycopg2.extras", "psycopg2.extras.execute_values", "psycopg2.sql"} <= facts.imports
    assert "psycopg2" in facts.names
    assert not file_facts(tree).imports  # without the path, as before


def test_needs_combine_with_and_and_or() -> None:
    both = Needs(names=("requests",)) & Needs(calls=("get",))
    assert both.met_by(facts_of("import requests\nrequests.get(u)\n"))
    assert not both.met_by(facts_of("import requests\nrequests.post(u)\n"))
    assert not both.met_by(facts_of("d.get(x)\n"))
    either = both | Needs(calls=("urlopen",))
    assert either.met_by(facts_of("urlopen(u)\n")) and not either.met_by(facts_of("d.get(x)\n"))
    assert (Needs(calls=("a",)) & Needs(calls=("b",)) & Needs(calls=("c",))).every.__len__() == 3
    assert not Needs().met_by(facts_of("x = 1\n"))


def test_a_test_runs_on_the_facts_and_the_tree() -> None:
    def is_password(name: str) -> bool:
        return "password" in name

    assert Needs.naming(is_password).met_by(facts_of("h(user.password)\n"))
    assert Needs.naming(is_password).met_by(facts_of("h(form['password'])\n"))
    assert not Needs.naming(is_password).met_by(facts_of("h(token)\n"))
    assert Needs(test=lambda facts: isinstance(facts.tree, ast.Module)).met_by(facts_of("x = 1\n"))


def test_name_parts_in_any_case() -> None:
    needs = Needs(name_parts_nocase=("logger",))
    assert needs.met_by(facts_of("LOGGER.info(x)\n")) and needs.met_by(facts_of("self.audit_Logger.info(x)\n"))
    assert not needs.met_by(facts_of("log.info(x)\n"))


def test_a_qualified_name_needs_its_root_and_its_last_name() -> None:
    from reviewer.needs import qualified

    needs = qualified("requests.get", "smtplib.SMTP")
    for code in ("import requests as r\nr.get(u)\n", "from requests import get as fetch\nfetch(u)\n", "requests.get(u)\n",
                 "from smtplib import SMTP\nSMTP(h)\n"):
        assert needs.met_by(facts_of(code)), code
    assert not needs.met_by(facts_of("from urllib.parse import urlencode\nd.get(k)\n"))


@pytest.mark.parametrize(
    "code",
    [
        "from django.db import connection\nwith connection.cursor() as cursor:\n    pass\n",  # no SQL argument
        "query = request.GET.get('q')\nqs = Item.objects.filter(Q(name__icontains=query))\n",  # a QuerySet, not a Query
        "query = build()\nItem.objects.all().filter(Q(a=1))\n",
    ],
)
def test_code_that_cannot_be_a_sink_does_not_meet_the_sink_needs(code: str) -> None:
    assert not SINK_NEEDS.met_by(facts_of(code))


def test_a_query_clause_meets_the_sink_needs() -> None:
    assert SINK_NEEDS.met_by(facts_of("q = session.query(User)\nq.filter(f'id = {x}')\n"))
    assert SINK_NEEDS.met_by(facts_of("User.query.filter('id = ' + x)\n"))
    assert SINK_NEEDS.met_by(facts_of("session.query(User).join(B).order_by(text_of(x))\n"))


# Code each rule's needs let through before and no longer do: the rule can report nothing there.
NEEDLESS = {
    "OPS001": "from urllib.parse import urlencode\nimport smtplib\nurl = urlencode(q)\n",
    "OPS003": "async def view(request):\n    return cache.get('k')\n",
    "OPS004": "from django.dispatch import Signal\nsaved = Signal()\nsaved.connect(handler)\n",
    "OPS006": "from django.contrib import messages\ndef view(request, password):\n    messages.error(request, 'bad password')\n",
    "ORM006": "async def handler(request):\n    return request.user.name\n",
    "ORM010": "import urllib.parse\nfrom django.db import transaction\nwith transaction.atomic():\n    x = urllib.parse.quote(s)\n",
    "SEC003": "import hashlib\ndigest = hashlib.sha256(payload).hexdigest()\n",
    "SEC006": "from django.conf import settings\nif settings.DEBUG:\n    debug = False\n",
}


@pytest.mark.parametrize("code", sorted(NEEDLESS))
def test_needs_leave_out_code_the_rule_cannot_report_on(code: str) -> None:
    from reviewer import registry as registry_module

    rule = registry_module.load(()).get(code)
    assert rule is not None and rule.needs is not None
    assert not rule.needs_under(rule.options).met_by(facts_of(NEEDLESS[code]))


def test_a_call_under_an_import_alias_is_a_call_of_its_name() -> None:
    from reviewer.needs import called, names_for, qualified_call

    aliased = facts_of("from smtplib import SMTP as Mailer\nMailer(host)\n")
    assert called("SMTP").met_by(aliased) and qualified_call("smtplib.SMTP").met_by(aliased)
    assert names_for(aliased, frozenset({"SMTP"})) == {"SMTP", "Mailer"}
    assert qualified_call("smtplib.SMTP").met_by(facts_of("import smtplib\nsmtplib.SMTP(host)\n"))
    # named, not called: smtplib.SMTP chosen as a class to call later
    assert not qualified_call("smtplib.SMTP").met_by(facts_of("import smtplib\nconnection_class = smtplib.SMTP\n"))
    assert not called("SMTP").met_by(facts_of("from smtplib import SMTP as Mailer\nprint(Mailer)\n"))


def _on(index) -> bool:
    return bool(index)


def _other(index) -> bool:
    return False


def test_needs_of_the_project_are_left_to_the_check() -> None:
    needs = Needs(calls=("delay",)) & (Needs(calls=("commit",)) | Needs.of_project(_on) & Needs(syntax=("FunctionDef",)))
    assert needs.conditions == {_on}
    assert needs.residue(facts_of("def f():\n    task.delay()\n    db.commit()\n")) is None  # met whatever the project
    assert needs.residue(facts_of("def f():\n    task.delay()\n")) == (frozenset({_on}),)
    assert needs.residue(facts_of("task.delay()\n")) == ()
    assert needs.met_by(facts_of("def f():\n    task.delay()\n"))  # in some project
    assert not needs.met_by(facts_of("def f():\n    task.delay()\n"), frozenset())
    both = Needs.of_project(_on) & Needs.of_project(_other) | Needs(calls=("x",))
    assert both.residue(facts_of("y()\n")) == (frozenset({_on, _other}),)


def test_the_token_bound_holds_over_the_tokenizer() -> None:
    import io
    import tokenize

    from reviewer import bounds

    text = "def f(a, b=1.5e3, *c, **d):\n    return [x for x in a if x] + f'{b!r:>10}' + 0x1F  # note\n" * 1500
    assert len(text) >= bounds.COUNT_TOKENS_FROM
    tokens = sum(1 for _ in tokenize.generate_tokens(io.StringIO(text).readline))
    visible = len(bounds._TOKEN_STARTS.findall(text)) + 3 * (text.count("\n") + 1) + 2
    assert tokens <= visible
    assert bounds.token_count(text) is None  # the bound is under COUNT_TOKENS_FROM: not counted
    dense = "x = [" + "1," * 60_000 + "]\n"
    assert bounds.token_count(dense) == sum(1 for _ in tokenize.generate_tokens(io.StringIO(dense).readline))


@pytest.mark.parametrize(
    "text",
    ["", "x", "a\n" * 50, "\n" * 50, "if a:\n" + "".join(" " * depth + "if a:\n" for depth in range(1, 90)) + " " * 90 + "b\n", "(\n)\n", "a;" * 40, "\t" * 3 + "\n"],
)
def test_a_text_holds_at_most_twice_its_length_in_tokens(text: str) -> None:
    """What analyse.too_many_tokens relies on to count only long texts: DEDENT takes no
    character, but there are no more of them than INDENTs, which take one."""
    import io
    import tokenize

    try:
        tokens = sum(1 for _ in tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError):
        return
    assert tokens <= 2 * len(text) + 2


def test_count_lines_is_the_number_of_split_lines() -> None:
    from reviewer.lines import count_lines, split_lines

    for text in ("", "a", "a\n", "a\r\nb", "a\rb\r", "\n\n", "a\u2028b\x0c\n", "\r\n\r"):
        assert count_lines(text) == len(split_lines(text)), repr(text)


@pytest.mark.parametrize(
    ("code", "met"),
    [
        ("import requests\ndef f(u):\n    with transaction.atomic():\n        requests.post(u)\n", True),
        ("import requests\nfrom django.db.transaction import atomic as tx\n@tx\ndef f(u):\n    requests.post(u)\n", True),
        ("import httpx\nasync def f(conn, u):\n    async with conn.transaction():\n        await httpx.post(u)\n", True),
        ("def f(conn, order):\n    with conn:\n        order.tasks.delay()\n", True),
        ("def f(session, u):\n    session.add(X())\n    notify.delay(u)\n    session.commit()\n", True),
        ("import requests\ndef f(lock, u):\n    with lock:\n        requests.post(u)\n", False),  # no transaction opened
        ("def f(items, d):\n    with transaction.atomic():\n        items.append(d.get(1))\n", False),  # no side effect called
        ("import requests\nrequests.post(u)\n", False),  # no function a view could be, no transaction
    ],
)
def test_the_needs_of_orm010(code: str, met: bool) -> None:
    from reviewer import registry as registry_module

    needs = registry_module.load(()).get("ORM010").loaded().needs
    assert needs.met_by(facts_of(code), frozenset()) is met  # in a project without ATOMIC_REQUESTS


def test_orm010_without_a_transaction_waits_for_the_project_settings(tmp_path: Path, monkeypatch) -> None:
    """A view that sends mail and opens no transaction reaches libcst for ORM010 only in a
    project whose Django settings turn ATOMIC_REQUESTS on (Needs.of_project)."""
    view = "from django.core.mail import send_mail\ndef invite(request):\n    send_mail('Hi', 'x', 'a@b.c', ['d@e.f'])\n"
    settings = 'DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", "ATOMIC_REQUESTS": %s}}\n'
    urls = "from django.urls import path\nfrom shop.views import invite\nurlpatterns = [path('invite/', invite)]\n"
    parsed: list[str] = []
    real = analyse.parse_python

    def counted(source, text, result, rules):
        parsed.append(f"{source.rel}:{','.join(sorted(rule.code for rule in rules))}")
        return real(source, text, result, rules)

    monkeypatch.setattr(analyse, "parse_python", counted)
    for on in (False, True):
        parsed.clear()
        files = {"shop/__init__.py": "", "shop/views.py": view, "shop/urls.py": urls, "shop/settings.py": settings % on}
        result = scan_tree(write_tree(tmp_path / f"proj{on}", files), select=("ORM010",))
        assert parsed == (["shop/views.py:ORM010"] if on else [])
        assert [finding.rule for finding in result.findings] == (["ORM010"] if on else [])


@pytest.mark.parametrize(
    ("code", "met"),
    [
        ("import requests\nrequests.get(u)\n", True),
        ("from requests import post as send\nsend(u)\n", True),
        ("def f(s: 'requests.Session', u):\n    return s.get(u)\n", True),
        ("requests.get(u)\n", True),  # unimported, it resolves to itself
        ("import httpx\nhttpx.Client(timeout=None)\n", True),
        ("from urllib.request import urlopen\nurlopen(u, None)\n", True),
        ("import requests\nrequests.get(u, timeout=5)\n", False),
        ("import requests\nrequests.get(u, **kw)\n", False),
        ("def f(requests, d):\n    requests.append(d.get(1))\n", False),  # a local named requests
        ('"""Handler for HEAD requests."""\nd.get(1)\n', False),
        ("import httpx\nasync def f(client):\n    await client.post(u, timeout=None)\n", False),
        ("from urllib.request import urlopen\nurlopen(u, None, 10)\n", False),
        ("import smtplib\nconnection_class = smtplib.SMTP\n", False),
    ],
)
def test_the_needs_of_ops001(code: str, met: bool) -> None:
    from reviewer import registry as registry_module

    needs = registry_module.load(()).get("OPS001").loaded().needs
    assert needs.met_by(facts_of(code)) is met
