from __future__ import annotations

import libcst as cst

from reviewer.model import Category, Confidence, Severity
from reviewer.fixnodes import import_change
from reviewer.rule import Autofix, Change, Example, Needs, PythonRule
from reviewer.web.routes import RoutesProvider
from reviewer.ops.secops import is_dev_path, is_settings_path
from reviewer.ops.nodes import is_true, keyword, string_value, target_name

APP_CLASSES = frozenset({"fastapi.FastAPI", "starlette.applications.Starlette", "starlette.Starlette"})
RUN_SIMPLE = frozenset({"werkzeug.serving.run_simple", "werkzeug.run_simple"})
# The environment variable each fix reads: Django's settings convention, Flask's own variable,
# and a neutral one for Starlette / FastAPI, which read none.
DJANGO_DEBUG = 'os.environ.get("DJANGO_DEBUG") == "1"'
FLASK_DEBUG = 'os.environ.get("FLASK_DEBUG") == "1"'
APP_DEBUG = 'os.environ.get("APP_DEBUG") == "1"'
DJANGO_HOSTS = '[host for host in os.environ.get("DJANGO_ALLOWED_HOSTS", "").split(",") if host]'


def _environment_fix(setting: str, keyword: str) -> str:
    """The finding's fix sentence for a debug keyword that is not Django's `DEBUG` setting."""
    return f"Read it from the environment, off by default: `{keyword}={setting}`"


class DebugModeInProduction(PythonRule):
    """A debug mode or a host wildcard is switched on in code or settings that get deployed.

    Debug modes serve tracebacks with local variables and settings to whoever triggers an
    error; Werkzeug's debugger (Flask `debug=True`) runs arbitrary Python typed into the error
    page. `ALLOWED_HOSTS = ["*"]` turns off Django's Host-header check, which enables cache
    poisoning and password-reset links pointing at an attacker's host. Settings modules named
    for development, tests or examples (`settings/dev.py`, `local_settings.py`) are not
    checked, and values read from the environment are fine. `ALLOWED_HOSTS = ["*"]` is not
    reported when the service raises `DisallowedHost` itself, in code that is not tests: it
    checks the Host header on its own (pretix's middleware matches the domains of its
    tenants), and the wildcard only hands that check to it."""

    code = "SEC006"
    opt_in = True  # field precision 0.50 over 1 judged findings on the tuned projects (label s11)
    name = "debug-mode-in-production"
    summary = "A debug mode or a host wildcard is switched on in deployed code or settings."
    category = Category.SECURITY
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    message = "{what} in deployable code"
    fix = 'Read it from the environment, off by default: `DEBUG = env.bool("DJANGO_DEBUG", default=False)`'
    seed = 'S1:15 "Security Minded"; S5:530 "Follow security best practices"'
    references = (
        "https://docs.djangoproject.com/en/stable/ref/settings/#debug",
        "https://flask.palletsprojects.com/en/stable/debugging/",
        "https://cwe.mitre.org/data/definitions/489.html",
    )
    supersedes = ("B201",)
    fixes = "unsafe"
    # A `debug=True` / `use_debugger=True` argument or a `DEBUG` set to `True` (is_true: the
    # literal), or an `ALLOWED_HOSTS` holding "*".
    needs = Needs(flags=("debug=True", "use_debugger=True", "DEBUG=True")) | Needs(names=("ALLOWED_HOSTS",)) & Needs(strings=("*",))
    index_sections = ("routes",)
    invalid = (
        Example(
            '"""Production settings."""\nDEBUG = True\nALLOWED_HOSTS = ["*"]\n', path="shop/settings/production.py", lines=(2, 3),
            fixed='"""Production settings."""\nimport os\nDEBUG = os.environ.get("DJANGO_DEBUG") == "1"\n'
            'ALLOWED_HOSTS = [host for host in os.environ.get("DJANGO_ALLOWED_HOSTS", "").split(",") if host]\n',
        ),
        Example(
            "from fastapi import FastAPI\napp = FastAPI(title='Orders', debug=True)\n",
            path="app/main.py",
            lines=(2,),
            fixed="from fastapi import FastAPI\nimport os\napp = FastAPI(title='Orders', debug=os.environ.get(\"APP_DEBUG\") == \"1\")\n",
        ),
        Example(
            "from flask import Flask\napp = Flask(__name__)\n"
            "if __name__ == '__main__':\n    app.run(host='0.0.0.0', debug=True)\n",
            path="run.py",
            lines=(4,),
            note="Werkzeug's debugger: code execution from the error page",
            fixed="from flask import Flask\nimport os\napp = Flask(__name__)\n"
            "if __name__ == '__main__':\n    app.run(host='0.0.0.0', debug=os.environ.get(\"FLASK_DEBUG\") == \"1\")\n",
        ),
        Example("import os\nfrom flask import Flask\napp = Flask(__name__)\napp.config['DEBUG'] = True\n", path="app/__init__.py",
                lines=(4,), fixed="import os\nfrom flask import Flask\napp = Flask(__name__)\n"
                "app.config['DEBUG'] = os.environ.get(\"FLASK_DEBUG\") == \"1\"\n"),
    )
    valid = (
        Example(
            "import environ\nenv = environ.Env()\nDEBUG = env.bool('DJANGO_DEBUG', default=False)\n"
            "ALLOWED_HOSTS = env.list('DJANGO_ALLOWED_HOSTS')\n",
            path="shop/settings/production.py",
        ),
        Example("DEBUG = True\nALLOWED_HOSTS = ['*']\n", path="shop/settings/dev.py", note="near-miss: development settings"),
        Example("DEBUG = True\n", path="app/feature_flags.py", note="near-miss: not a settings module"),
        Example(
            'ALLOWED_HOSTS = ["*"]\nMIDDLEWARE = ["shop.middleware.KnownDomainMiddleware"]\n',
            path="shop/settings.py",
            files=((
                "shop/middleware.py",
                "from django.core.exceptions import DisallowedHost\n\n"
                "class KnownDomainMiddleware:\n"
                "    def __init__(self, get_response):\n        self.get_response = get_response\n\n"
                "    def __call__(self, request):\n"
                '        host = request.META.get("HTTP_HOST", "").partition(":")[0]\n'
                "        if not KnownDomain.objects.filter(domainname=host).exists():\n"
                '            raise DisallowedHost(f"Invalid HTTP_HOST header: {host!r}")\n'
                "        return self.get_response(request)\n",
            ),),
            note="near-miss: the service checks the Host header itself against its tenants' domains (pretix)",
        ),
        Example("DEBUG = True\n", path="src/shop/testutils/settings.py", note="near-miss: the settings of the test suite (pretix)"),
        Example("from fastapi import FastAPI\napp = FastAPI(debug=False)\n", path="app/main.py"),
        Example(
            "def run(job):\n    job.run(debug=True)\n",
            path="app/jobs.py",
            note="near-miss: a `run(debug=True)` that is no web app",
        ),
    )

    def visit_Call(self, node: cst.Call) -> None:
        if is_dev_path(self.context.path):
            return
        func = node.func
        qualified = self.context.resolve(func) if isinstance(func, (cst.Name, cst.Attribute)) else None
        debug = keyword(node, "debug")
        if qualified in APP_CLASSES and debug is not None and is_true(debug.value):
            self.report(node, what=f"Debug mode on: `{qualified.rsplit('.', 1)[-1]}(debug=True)`",
                        fix=_environment_fix(APP_DEBUG, "debug"), autofix=self._from_environment(debug.value, APP_DEBUG))
        elif qualified in RUN_SIMPLE:
            flag = keyword(node, "use_debugger")
            if flag is not None and is_true(flag.value):
                self.report(node, what="Debug mode on: `run_simple(use_debugger=True)`",
                            fix=_environment_fix(FLASK_DEBUG, "use_debugger"), autofix=self._from_environment(flag.value, FLASK_DEBUG))
        elif (
            isinstance(func, cst.Attribute)
            and func.attr.value == "run"
            and debug is not None
            and is_true(debug.value)
            and self._flask_app(func.value)
        ):
            self.report(node, what="Debug mode on: `app.run(debug=True)` (Werkzeug's interactive debugger)",
                        fix=_environment_fix(FLASK_DEBUG, "debug"), autofix=self._from_environment(debug.value, FLASK_DEBUG))

    def visit_Assign(self, node: cst.Assign) -> None:
        if is_dev_path(self.context.path):
            return
        for target in node.targets:
            name = target_name(target.target)
            if name is None:
                continue
            if isinstance(target.target, cst.Subscript):
                config = target.target.value
                if name == "DEBUG" and is_true(node.value) and isinstance(config, cst.Attribute) and config.attr.value == "config":
                    self.report(node, what='Debug mode on: `app.config["DEBUG"] = True`',
                                fix=f'Read it from the environment, off by default: `app.config["DEBUG"] = {FLASK_DEBUG}`',
                                autofix=self._from_environment(node.value, FLASK_DEBUG))
                continue
            if not isinstance(target.target, cst.Name) or self.context.scopes.current is not self.context.scopes.module:
                continue
            if not is_settings_path(self.context.path):
                continue
            if name == "DEBUG" and is_true(node.value):
                self.report(node, what="Debug mode on: `DEBUG = True` in a settings module",
                            autofix=self._from_environment(node.value, DJANGO_DEBUG))
            elif name == "ALLOWED_HOSTS" and isinstance(node.value, (cst.List, cst.Tuple)):
                if any(string_value(element.value) == "*" for element in node.value.elements) and not self._own_host_check():
                    self.report(node, what='Host check off: `ALLOWED_HOSTS = ["*"]` in a settings module', fix=(
                        'List the served host names: `ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")`'
                    ), autofix=self._from_environment(node.value, DJANGO_HOSTS))

    def _own_host_check(self) -> bool:
        """The service raises Django's `DisallowedHost` itself: it checks the Host header in
        code of its own (a middleware matching the domains it knows) and leaves
        `ALLOWED_HOSTS` open on purpose."""
        evidence = RoutesProvider.of(self.context.index).evidence
        return any(item.kind == "host-check" and not self.context.index.deployment.non_service(item.file) for item in evidence)

    def _from_environment(self, value: cst.BaseExpression, setting: str) -> Autofix:
        """The literal replaced by a read of the environment that is off (or empty) when the
        variable is unset, with `import os` added where the module lacks it. Unsafe: a
        deployment that relied on the literal must now set the variable."""
        changes = [Change(value, setting)]
        imported = import_change(self.context.module, "import os\n", "os")
        if imported is not None:
            changes.append(imported)
        return Autofix(f"Read it from the environment: `{setting}`", tuple(changes))

    def _flask_app(self, receiver: cst.BaseExpression) -> bool:
        """A Flask app: named like one, or assigned from `Flask(...)` / a `create_app()`."""
        if not isinstance(receiver, cst.Name):
            return False
        if receiver.value in ("app", "application"):
            return True
        found = self.context.scopes.lookup(receiver.value)
        for assignment in found[1] if found else ():
            value = assignment.value
            if isinstance(value, cst.Call) and isinstance(value.func, (cst.Name, cst.Attribute)):
                qualified = self.context.resolve(value.func) or ""
                if qualified in ("flask.Flask", "quart.Quart") or qualified.endswith("create_app"):
                    return True
        return False
