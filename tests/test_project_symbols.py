"""The project model's symbol tables (reviewer/project/symbols.py): module names, constants,
enum members, class attributes, re-exports, helper summaries and the class hierarchy, across
modules and across project roots."""

from __future__ import annotations

import ast
import json

from reviewer.project.calls import call_edges
from reviewer.project.symbols import FileSymbols, Part, ProjectSymbols, collect_symbols

TREE = {
    "svc_a/shop/__init__.py": "from .constants import TABLE\n",
    "svc_a/shop/constants.py": (
        "import enum\n"
        "from typing import Final\n"
        "from django.db import models\n"
        'TABLE = "orders"\n'
        'ARCHIVE: Final = TABLE + "_archive"\n'
        'COLUMNS = ("id", "name")\n'
        'MODE = "a" if enum else "b"\n'
        "COUNTER = 0\n"
        "COUNTER += 1\n"
        "def bump():\n"
        "    global LATER\n"
        '    LATER = "x"\n'
        'LATER = "y"\n'
        "class Status(enum.Enum):\n"
        '    ACTIVE = "active"\n'
        "class Kind(models.TextChoices):\n"
        '    TOOL = "tool", "Tool"\n'
        "class Base:\n"
        '    NAME = "base"\n'
        "    def set(self):\n"
        '        self.NAME = "other"\n'
    ),
    "svc_a/shop/db/__init__.py": "",
    "svc_a/shop/db/sqlutil.py": (
        "from ..constants import Status as S, Base\n"
        "def in_clause(column, values):\n"
        '    marks = ",".join("?" * len(values))\n'
        '    return "%s IN (%s)" % (column, marks)\n'
        "def dynamic(value):\n"
        "    return value.strip()\n"
        "class Child(Base):\n"
        "    pass\n"
        "class Sub(S):\n"
        "    pass\n"
    ),
    # A second service with a module of the same qualified name and other values.
    "svc_b/shop/__init__.py": "",
    "svc_b/shop/constants.py": "TABLE = input()\n",
    "svc_b/shop/views.py": "from shop.constants import TABLE\n",
}


def _model() -> ProjectSymbols:
    facts = {}
    for path, code in TREE.items():
        # Through JSON, as the index cache stores them.
        data = json.loads(json.dumps(collect_symbols(path, ast.parse(code), code).to_json()))
        facts[path] = FileSymbols.from_json(path, data)
    return ProjectSymbols.build(facts)


def _built(files: dict[str, str]) -> ProjectSymbols:
    return ProjectSymbols.build({path: collect_symbols(path, ast.parse(code), code) for path, code in files.items()})


def test_modules_are_named_from_their_package_chain_per_root() -> None:
    model = _model()
    assert model.module("svc_a/shop/db/sqlutil.py").name == "shop.db.sqlutil"
    assert model.module("svc_a/shop/db/sqlutil.py").root == "svc_a"
    assert model.module("svc_b/shop/constants.py").name == "shop.constants"


def test_constants_across_modules_and_reexports() -> None:
    model = _model()
    here = "svc_a/shop/db/sqlutil.py"
    assert model.constant(here, "shop.TABLE").text == "orders"  # re-exported by the package
    assert model.constant(here, "shop.constants.ARCHIVE").text == "orders_archive"  # Final, built from another
    assert model.constant(here, "shop.constants.COLUMNS").collection
    assert model.constant(here, "shop.constants.MODE").text is None  # a choice of two literals
    assert model.constant(here, "shop.constants.COUNTER") is None  # rebound
    assert model.constant(here, "shop.constants.LATER") is None  # rebound through `global`


def test_enum_members_and_class_attributes() -> None:
    model = _model()
    here = "svc_a/shop/db/sqlutil.py"
    assert model.constant(here, "S.ACTIVE") is not None
    assert model.constant(here, "S.ACTIVE.value").text == "active"
    assert model.constant(here, "shop.constants.Kind.TOOL") is not None
    assert model.constant(here, "S.MISSING") is None
    assert model.constant(here, "Base.NAME").text == "base"
    # Read on the instance, an attribute a method assigns is not a constant.
    assert model.class_constant(here, "Child", "NAME") is not None
    assert model.class_constant("svc_a/shop/constants.py", "Base", "NAME") is None


def test_roots_do_not_collide() -> None:
    model = _model()
    assert model.constant("svc_b/shop/views.py", "TABLE") is None  # svc_b's TABLE is input()
    assert model.constant("svc_a/shop/__init__.py", "TABLE").text == "orders"


def test_class_hierarchy_across_modules() -> None:
    model = _model()
    here = "svc_a/shop/db/sqlutil.py"
    assert "enum.Enum" in model.lineage(here, "Sub")
    assert model.class_symbol(here, "Sub").enum
    assert "shop.constants.Base" in model.lineage(here, "Child")
    assert "enum.Enum" not in model.lineage(here, "Child")


def test_helper_summary_is_a_template_over_parameters() -> None:
    model = _model()
    summary = model.summary("svc_a/shop/__init__.py", "shop.db.sqlutil.in_clause")
    assert summary is not None and summary.parameters == ("column", "values")
    assert summary.returns == ((Part(""), Part(slot="column"), Part(" IN ("), Part("?"), Part(")")),)
    assert model.summary("svc_a/shop/__init__.py", "shop.db.sqlutil.dynamic") is None


def test_fingerprint_ignores_moved_code_and_files_nobody_can_query() -> None:
    from reviewer.project.symbols import SymbolsProvider

    def fingerprint(tree: dict[str, str]) -> str:
        facts = {path: collect_symbols(path, ast.parse(code), code).to_json() for path, code in tree.items()}
        return SymbolsProvider().merge(json.loads(json.dumps(facts))).fingerprint

    base = {"app/__init__.py": "", "app/constants.py": 'TABLE = "t"\nclass A:\n    X = 1\n'}
    moved = {**base, "app/constants.py": '\n\nTABLE = "t"\n\n\nclass A:\n    X = 1\n'}
    added = {**base, "app/views.py": "def view(cur, x):\n    cur.execute('SELECT 1')\n"}
    changed = {**base, "app/constants.py": 'TABLE = "u"\nclass A:\n    X = 1\n'}
    assert fingerprint(moved) == fingerprint(base) == fingerprint(added)
    assert fingerprint(changed) != fingerprint(base)


def test_the_merged_section_reads_a_file_s_facts_when_a_query_needs_them() -> None:
    """The provider's section keeps the facts as JSON (FileSymbolsTable) and makes a file's
    FileSymbols when a query first reads it: the same answers, module table and fingerprint as
    a section built from every file's FileSymbols, and pickled it is the same section."""
    import pickle

    from reviewer.project.symbols import FileSymbolsTable, SymbolsProvider, _fingerprint

    facts = {path: json.loads(json.dumps(collect_symbols(path, ast.parse(code), code).to_json())) for path, code in TREE.items()}
    lazy = SymbolsProvider().merge(facts)
    built = _model()
    assert isinstance(lazy.files, FileSymbolsTable) and lazy.files._made == {}
    assert lazy.modules == built.modules and lazy.fingerprint == _fingerprint(facts)
    assert lazy.constant("svc_a/shop/db/sqlutil.py", "shop.constants.TABLE") == built.constant("svc_a/shop/db/sqlutil.py", "shop.constants.TABLE")
    assert set(lazy.files._made) < set(TREE)  # only the files the query went through
    again = pickle.loads(pickle.dumps(lazy))
    assert again.files._made == {} and again.fingerprint == lazy.fingerprint
    for path in TREE:
        assert again.files[path] == built.files[path]
        assert again.class_symbol(path, "Child") == built.class_symbol(path, "Child")


def test_the_module_table_of_facts_that_tell_kinds_reads_no_file_s_facts() -> None:
    """Facts read when asked that tell each file's kind (a `--diff` scan's: reviewer.runner.
    StoredSection.kind_of) give the module table without reading any file's facts; a
    migration's `__init__.py` is no package, as its facts say."""
    from reviewer.model import FileKind
    from reviewer.project.symbols import SymbolsProvider
    from reviewer.provider import IndexedFile

    tree = {**TREE, "svc_a/shop/migrations/__init__.py": "from shop.db.sqlutil import in_clause\ndef run():\n    in_clause('a', [1])\n"}
    kinds = {path: FileKind.PYTHON_MIGRATION if "/migrations/" in path else FileKind.PYTHON for path in tree}
    facts = {}
    for path, code in tree.items():
        data = SymbolsProvider().collect_file(IndexedFile(path, kinds[path], None), code, ast.parse(code), None)
        if data is not None:
            facts[path] = json.loads(json.dumps(data))
    read: list[str] = []

    class Asked(dict):
        def __getitem__(self, path: str):
            read.append(path)
            return super().__getitem__(path)

        def kind_of(self, path: str) -> FileKind:
            return kinds[path]

    assert "svc_a/shop/migrations/__init__.py" in facts and not facts["svc_a/shop/migrations/__init__.py"]["package"]
    asked = SymbolsProvider().merge(Asked(facts))
    assert read == [] and asked.modules == SymbolsProvider().merge(dict(facts)).modules


def test_definition_finds_where_a_module_level_name_is_bound() -> None:
    tree = {
        "svc/app/__init__.py": "",
        "svc/app/api/__init__.py": "from .router import api_router\n",
        "svc/app/api/router.py": "from fastapi import APIRouter\napi_router = APIRouter()\n",
        "svc/app/routes/__init__.py": "",
        "svc/app/routes/users.py": "from fastapi import APIRouter\nrouter = APIRouter()\n",
        "svc/app/main.py": (
            "from fastapi import FastAPI\n"
            "from app.api import api_router\n"
            "from app.routes import users\n"
            "app = FastAPI()\n"
            "def create():\n"
            "    local = FastAPI()\n"
        ),
    }
    model = _built(tree)
    main = "svc/app/main.py"
    assert model.definition(main, "api_router") == ("svc/app/api/router.py", "api_router")  # through a re-export
    assert model.definition(main, "users.router") == ("svc/app/routes/users.py", "router")
    assert model.definition(main, "users") == ("svc/app/routes/users.py", "")  # a module
    assert model.definition(main, "app") == (main, "app")  # bound here, not the package `app`
    assert model.definition(main, "app.routes.users.router", absolute=True) == ("svc/app/routes/users.py", "router")
    assert model.definition(main, "FastAPI") is None  # third-party
    assert model.definition(main, "local") is None  # a function's local


def test_modules_below_a_folder_without_init_are_found_by_their_dotted_name() -> None:
    # open-webui's layout: `backend/open_webui/routers/` has no `__init__.py` (PEP 420).
    tree = {
        "backend/open_webui/__init__.py": "",
        "backend/open_webui/routers/ollama.py": "from fastapi import APIRouter\nrouter = APIRouter()\n",
        "backend/open_webui/main.py": "from open_webui.routers import ollama\n",
        "tools/routers/ollama.py": "router = None\n",
    }
    model = _built(tree)
    main = "backend/open_webui/main.py"
    assert model.find_module("open_webui.routers.ollama", main) == "backend/open_webui/routers/ollama.py"
    assert model.definition(main, "ollama.router") == ("backend/open_webui/routers/ollama.py", "router")
    assert model.find_module("routers.ollama", "elsewhere/x.py") is None  # two candidates, neither nearer


def test_call_edges_and_callers() -> None:
    files = {
        "app/__init__.py": "",
        "app/services.py": (
            "def fill(lines):\n    return lines\n"
            "class Orders:\n"
            "    def place(self, lines):\n"
            "        return self.fill(lines)\n"
            "    def fill(self, lines):\n"
            "        return lines\n"
        ),
        "app/views.py": (
            "from django.db import transaction\n"
            "from app import services\n"
            "from app.services import fill as fill_lines\n"
            "@transaction.atomic\n"
            "def checkout(request):\n"
            "    with transaction.atomic(), open('f') as f:\n"
            "        services.fill(request.lines)\n"
            "    fill_lines([])\n"
            "    def later():\n"
            "        services.fill([])\n"
            "    local = object()\n"
            "    local.fill([])\n"
        ),
    }
    facts = {path: FileSymbols.from_json(path, json.loads(json.dumps(collect_symbols(path, ast.parse(text), text).to_json())))
             for path, text in files.items()}
    symbols = ProjectSymbols.build(facts)
    # `open` (a builtin), `local.fill` (a local) and the nested function's call reach no project function by name.
    edges = [(e.caller, e.callee, e.line, e.within, e.decorators) for e in facts["app/views.py"].calls]
    assert edges == [
        ("checkout", "transaction.atomic", 6, (), ("transaction.atomic",)),
        ("checkout", "services.fill", 7, ("transaction.atomic()", "open()"), ("transaction.atomic",)),
        ("checkout", "fill_lines", 8, (), ("transaction.atomic",)),
    ]
    assert [(where, e.line) for where, e in symbols.callers("app/services.py", "fill")] == [("app/views.py", 7), ("app/views.py", 8)]
    assert [(where, e.caller) for where, e in symbols.callers("app/services.py", "Orders.fill")] == [("app/services.py", "Orders.place")]
    assert symbols.qualify("app/views.py", "transaction.atomic") == "django.db.transaction.atomic"


def test_call_edges_in_source_order_with_what_is_open() -> None:
    code = "def f():\n    one(two(three()))\n    with guard(four()), five():\n        six(lambda: seven())\n"
    edges = call_edges(ast.parse(code), frozenset({"one", "two", "three", "four", "five", "six", "seven", "guard"}))
    assert [(edge.callee, edge.within) for edge in edges] == [
        ("one", ()), ("two", ()), ("three", ()), ("guard", ()), ("four", ()), ("five", ("guard()",)), ("six", ("guard()", "five()")),
    ]


def test_ancestry_is_depth_first_in_written_order_and_follows_star_reexports() -> None:
    """`ancestry` lists each base, then its own bases (the order attribute lookup follows:
    `C(A, B)` with `A(X)` looks in A, X, then B); a base re-exported by a package's
    `from .views import *` is the project class, not an external name."""
    files = {
        "app/__init__.py": "",
        "app/generic/__init__.py": "from .views import *\nfrom ._hidden import *\n",
        "app/generic/views.py": "from django.views import View\nclass ObjectView(View):\n    pass\n",
        "app/generic/_hidden.py": "class _Private:\n    pass\n",
        "app/views.py": (
            "from app import generic\n"
            "class X:\n    pass\n"
            "class A(X):\n    pass\n"
            "class B(generic.ObjectView):\n    pass\n"
            "class C(A, B):\n    pass\n"
            "class D(generic._Private):\n    pass\n"
        ),
    }
    model = _built(files)
    here = "app/views.py"
    c = model.class_symbol(here, "C")
    assert model.ancestors(c) == ("app.views.A", "app.views.X", "app.views.B", "app.generic.views.ObjectView", "django.views.View")
    assert [symbol is not None for _, symbol in model.ancestry(c)] == [True, True, True, True, False]
    assert "django.views.View" in model.lineage(here, "B")
    # `*` leaves out private names: the base stays an unresolved name.
    assert model.ancestors(model.class_symbol(here, "D")) == ("app.generic._Private",)


def test_summary_returns_a_local_uri_across_modules_and_methods() -> None:
    """The per-function summary "returns a `data:` / `file:` URI": literals, f-strings, a
    data-URI producer, locals assigned one, and functions returning another function's (or
    their own class's method's) result, resolved across modules; a near-miss returns an
    https URL on one path, or the URL of some data named `data_url`."""
    files = {
        "app/__init__.py": "",
        "app/images.py": (
            "import segno\n"
            "def create_img(data):\n    return segno.make_qr(data).png_data_uri(scale=10)\n"
            "def inline(kind, body):\n    uri = f'data:{kind};base64,{body}'\n    return uri\n"
            "def either(flag):\n    if flag:\n        return 'file:///tmp/x'\n    return 'https://example.com/x'\n"
            "def data_url(name):\n    return normalize_data_url(name)\n"
            "def normalize_data_url(name):\n    return 'https://example.com/' + name\n"
        ),
        "app/mail.py": (
            "from app.images import create_img\nfrom app import images\n"
            "def wrapped(data):\n    return create_img(data)\n"
            "class Mailer:\n"
            "    def qr(self, data):\n        return images.inline('image/png', data)\n"
            "    def again(self, data):\n        return self.qr(data)\n"
            "def loop():\n    return loop()\n"
        ),
    }
    model = _built(files)
    here = "app/mail.py"
    assert model.returns_local_uri(here, "create_img")
    assert model.returns_local_uri(here, "wrapped")
    assert model.returns_local_uri(here, "images.inline")
    assert model.returns_local_uri(here, "Mailer.again")
    assert not model.returns_local_uri(here, "images.either")
    assert not model.returns_local_uri(here, "images.data_url")
    assert not model.returns_local_uri(here, "loop")
    assert not model.returns_local_uri(here, "missing")


def test_members_of_project_classes_and_their_instances_across_modules() -> None:
    """Summary "returns a constant / returns a placeholder clause" of methods and properties,
    through `self`, a base class, another module's helper, and a module-level instance."""
    files = {
        "app/__init__.py": "",
        "app/dialect.py": (
            "def placeholder(key):\n"
            "    if PG:\n"
            '        return f"to_timestamp(:{key})"\n'
            '    return f":{key}"\n'
        ),
        "app/db.py": (
            "from app.dialect import placeholder\n"
            "class Compat:\n"
            '    TABLE = "audit"\n'
            "    @property\n"
            "    def now(self):\n"
            '        return "now()"\n'
            "    @property\n"
            "    def default(self):\n"
            "        if PG:\n"
            "            return self.now\n"
            '        return "NULL"\n'
            "    def stamp(self, key):\n"
            "        return placeholder(key)\n"
            "    def label(self, who):\n"
            "        return who.name\n"
            "    @property\n"
            "    def schema(self):\n"
            "        return self.name\n"
            "    def __init__(self, name):\n"
            "        self.name = name\n"
            "class Database(Compat):\n"
            "    pass\n"
            'db = Database("main")\n'
            "other = make()\n"
        ),
        "app/views.py": "from app.db import db, other\n",
    }
    for path in files:
        data = json.loads(json.dumps(collect_symbols(path, ast.parse(files[path]), files[path]).to_json()))
        assert FileSymbols.from_json(path, data) == collect_symbols(path, ast.parse(files[path]), files[path])
    model = _built(files)
    database = model.instance_class("app/views.py", "db")
    assert database is not None and database.qualified == "app.db.Database"
    assert model.instance_class("app/views.py", "other") is None  # not an instance of a project class
    now = model.member_summary(database, "now")  # inherited from Compat
    assert now is not None and now.prop and now.returns == ((Part("now()"),),)
    default = model.member_summary(database, "default")
    assert default is not None and set(default.returns) == {(Part("now()"),), (Part("NULL"),)}
    stamp = model.member_summary(database, "stamp")
    assert stamp is not None and not stamp.prop and stamp.parameters == ("key",)
    assert set(stamp.returns) == {(Part("to_timestamp(:"), Part(slot="key"), Part(")")), (Part(":"), Part(slot="key"))}
    assert model.constant_summary(database, "TABLE").returns == ((Part("audit"),),)
    # Near misses: a method that returns its argument's data, and a property over an
    # attribute each instance binds.
    assert model.member_summary(database, "label") is None
    assert model.member_summary(database, "schema") is None
    assert model.constant_summary(database, "name") is None


def test_argument_facts_and_parameter_origin_across_modules() -> None:
    """Call edges carry what each call passes; a parameter is request data when one call
    passes request data (through callers passing their own parameter on, or a route handler's
    parameter), a constant when every call of a module-level function passes one."""
    files = {
        "app/__init__.py": "",
        "app/db.py": (
            "def archive(cur, table):\n    pass\n"
            "def drop(cur, table):\n    pass\n"
            "def label(cur, name, *, kind='x'):\n    pass\n"
            "class Store:\n"
            "    def put(self, key):\n        pass\n"
        ),
        "app/views.py": (
            "from flask import request\n"
            "from app.db import archive, drop, label, Store\n"
            "from app import db\n"
            'SEQ = "seq"\n'
            "def relay(cur, table):\n"
            "    archive(cur, table)\n"
            "def purge(cur):\n"
            '    relay(cur, request.args["t"])\n'
            "    drop(cur, SEQ)\n"
            '    db.drop(cur, "x" + SEQ)\n'
            "    label(cur, SEQ, kind=request.args['k'])\n"
            "def local(cur, value):\n"
            "    value = value.strip()\n"
            "    label(cur, value)\n"
            "@app.post('/s')\n"
            "def handler(cur, name):\n"
            "    Store().put(name)\n"
            "    label(cur, name)\n"
            "class Job:\n"
            "    def run(self, cur):\n"
            '        self.put("k")\n'
            "    def put(self, key):\n"
            "        pass\n"
        ),
    }
    edges = {(edge.caller, edge.callee): edge for edge in collect_symbols("app/views.py", ast.parse(files["app/views.py"])).calls}
    assert edges[("relay", "archive")].args[1].kind == "passed"
    assert edges[("purge", "relay")].args[1].kind == "request"
    assert edges[("local", "label")].args[1] is None  # a rebound parameter is nothing known
    model = _built(files)
    assert model.parameter_origin("app/db.py", "archive", "table", 1) == "request data"
    assert model.parameter_origin("app/db.py", "drop", "table", 1) == "constant"
    assert model.parameter_origin("app/db.py", "label", "kind", -1) == "request data"
    assert model.parameter_origin("app/db.py", "label", "name", 1) == "request data"  # a route handler's own parameter
    # Near misses: a method (calls through instances are not resolved) and a function no one calls.
    assert model.parameter_origin("app/views.py", "Job.put", "key", 0) == "unknown"
    assert model.parameter_origin("app/db.py", "Store.put", "key", 0) == "unknown"
    assert model.parameter_origin("app/views.py", "local", "value", 1) == "unknown"


def test_a_route_handlers_scalar_typed_parameter_passed_on_is_no_request_text() -> None:
    """A handler's `item_id: int` (or `Optional[int]`, `int | None`, `Literal[...]`, or Flask's
    `<int:number>`) passed to a helper cannot carry SQL syntax: FastAPI coerces it, Flask's
    converter matches digits only; a `str` one, passed to the same helper, is request data."""
    files = {
        "app/__init__.py": "",
        "app/helpers.py": "def lookup(db, key):\n    pass\ndef find(db, key):\n    pass\n",
        "app/main.py": (
            "from typing import Literal, Optional\n"
            "from app.helpers import lookup, find\n"
            "@app.get('/a/{item_id}')\n"
            "def by_id(item_id: int):\n    lookup(None, item_id)\n"
            "@app.get('/b')\n"
            "def by_optional(item_id: Optional[int] = None, other: 'int | None' = None, kind: Literal['a'] = 'a'):\n"
            "    lookup(None, item_id)\n    lookup(None, kind)\n"
            "@app.get('/c')\n"
            "def by_name(name: str):\n    find(None, name)\n"
            "@app.get('/d')\n"
            "def by_either(key: int | str):\n    find(None, key)\n"
            "@app.route('/e/<int:number>/<slug>')\n"
            "def flask_view(number, slug):\n    lookup(None, number)\n"
            "@app.route('/f/<string:text>')\n"
            "def flask_text(text):\n    find(None, text)\n"
        ),
    }
    model = _built(files)
    assert model.parameter_origin("app/helpers.py", "lookup", "key", 1) == "constant"
    # Near misses: a `str` parameter, and a union that admits text.
    assert model.parameter_origin("app/helpers.py", "find", "key", 1) == "request data"


class _ReadWhenAsked(dict):
    """Facts read as asked (as reviewer.runner.StoredSection reads a `--diff` scan's): each
    file's JSON text tells which words it may hold; reading a file's facts is recorded."""

    def __init__(self, facts: dict) -> None:
        super().__init__(facts)
        self.read: list[str] = []

    def __getitem__(self, path: str):
        self.read.append(path)
        return super().__getitem__(path)

    def mentions(self, path: str, word: str) -> bool:
        return word in json.dumps(dict.__getitem__(self, path))


def test_callers_read_only_the_files_naming_the_function_when_facts_tell() -> None:
    """With facts that say which files may hold a name (FileSymbolsTable.holders_of), `callers`
    and `parameter_origin` read the facts of those files only (and of the modules they resolve
    through), and answer as the whole reverse call index does."""
    from reviewer.project.symbols import FileSymbolsTable

    files = {
        "app/__init__.py": "",
        "app/db.py": "def archive(cur, table):\n    pass\ndef drop(cur, table):\n    pass\n",
        "app/views.py": (
            "from flask import request\nfrom app.db import archive, drop as remove\n"
            "def relay(cur, table):\n    archive(cur, table)\n"
            "def purge(cur):\n    relay(cur, request.args['t'])\n    remove(cur, 'x')\n"
        ),
        **{f"app/other{number}.py": f"def helper{number}(value):\n    return value.strip()\n" for number in range(20)},
    }
    facts = {path: json.loads(json.dumps(collect_symbols(path, ast.parse(code), code).to_json())) for path, code in files.items()}
    whole = ProjectSymbols.build(FileSymbolsTable(dict(facts)))
    asked = _ReadWhenAsked(facts)
    model = ProjectSymbols.build(FileSymbolsTable(asked))
    asked.read.clear()
    for function, parameter in (("archive", "table"), ("drop", "table")):
        assert model.callers("app/db.py", function) == whole.callers("app/db.py", function) != ()
        assert model.parameter_origin("app/db.py", function, parameter, 1) == whole.parameter_origin("app/db.py", function, parameter, 1)
    assert model.parameter_origin("app/db.py", "archive", "table", 1) == "request data"
    assert not any(path.startswith("app/other") for path in asked.read)
    assert "callers" not in model._memo  # no whole index was made


def test_a_files_call_edges_are_made_when_first_read() -> None:
    """FileSymbols.from_json keeps a file's call edges as their JSON until they are read
    (DecodedEdges): counting them makes none, and read, they equal the tuple the facts
    were written from, as a value, pickled or compared."""
    import pickle

    from reviewer.project.calls import DecodedEdges

    source = "from app import db\n\n\ndef save(item):\n    db.add(item, flush=True)\n    db.commit()\n"
    made = collect_symbols("app/save.py", ast.parse(source), source)
    assert len(made.calls) == 2
    read = FileSymbols.from_json("app/save.py", made.to_json())
    assert isinstance(read.calls, DecodedEdges) and read.calls._edges is None
    assert len(read.calls) == 2 and bool(read.calls) and read.calls._edges is None
    assert read.calls == made.calls and made.calls == read.calls and read == made
    assert [edge.callee for edge in read.calls] == ["db.add", "db.commit"] and read.calls[-1].callee == "db.commit"
    assert pickle.loads(pickle.dumps(read.calls)) == made.calls and type(pickle.loads(pickle.dumps(read.calls))) is tuple
    assert FileSymbols.from_json("app/save.py", read.to_json()) == made
