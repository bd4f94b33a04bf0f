from __future__ import annotations

from functools import partial

import libcst as cst

from reviewer.entrypoints import is_command_line_program
from reviewer.fixnodes import expression, keyword_argument, with_argument
from reviewer.model import Category, Confidence, Severity
from reviewer.names import dotted
from reviewer.needs import qualified_call
from reviewer.project.uris import is_data_uri_producer, is_local_uri_text
from reviewer.rule import Autofix, Change, Example, Needs, PythonRule
from reviewer.ops.nodes import has_star_kwargs, is_false_or_none, keyword, positional
from reviewer.ops.timeouts import VERBS, httpx_timeout_off, requests_written, untimed_call
from reviewer.walk import descendants

REQUESTS = frozenset(f"requests.{verb}" for verb in VERBS) | frozenset(f"requests.api.{verb}" for verb in VERBS)
SESSIONS = frozenset({"requests.Session", "requests.session", "requests.sessions.Session"})
# Adapters that send with no default timeout: mounting one changes retries, not timeouts.
PLAIN_ADAPTERS = frozenset({"requests.adapters.HTTPAdapter", "requests.HTTPAdapter", "HTTPAdapter"})
# Session methods that, overridden or replaced, can give every request a default timeout.
SENDING_METHODS = frozenset({"request", "send"})
HTTPX = frozenset(f"httpx.{verb}" for verb in VERBS | {"stream"}) | frozenset({"httpx.Client", "httpx.AsyncClient"})
# Callables whose timeout may also come positionally: qualified name -> index of `timeout`.
POSITIONAL_TIMEOUT = {
    "urllib.request.urlopen": 2,
    "http.client.HTTPConnection": 2,
    "http.client.HTTPSConnection": 2,
    "smtplib.SMTP": 3,
    "smtplib.SMTP_SSL": 3,
    "smtplib.LMTP": 99,
}


# Openers that read `data:` and `file:` URIs themselves, with no connection to time out.
LOCAL_SCHEME_OPENERS = frozenset({"urllib.request.urlopen"})
# Prompts that read the terminal, and progress bars drawn on it: a program calling one is run
# by a person, who sees a hang.
PROMPTS = frozenset({"input", "builtins.input", "getpass.getpass"})
PROGRESS_BARS = frozenset({
    "tqdm.tqdm", "tqdm.trange", "tqdm.auto.tqdm", "tqdm.auto.trange", "click.progressbar", "rich.progress.track",
    "rich.progress.Progress", "alive_progress.alive_bar", "progressbar.ProgressBar", "progressbar.progressbar",
})
# Writers of a line of output, and the keyword that ends it: `print(".", end="")` and Django's
# `self.stdout.write(".", ending="")` leave the line open for the next progress mark.
LINE_ENDINGS = {"print": "end", "builtins.print": "end", "self.stdout.write": "ending"}


class ExternalCallWithoutTimeout(PythonRule):
    """An outbound network call has no timeout, so a slow or silent peer blocks the worker
    forever.

    `requests`, `urllib`, `http.client` and `smtplib` wait indefinitely by default. One
    hanging dependency then holds every worker that calls it, and the service stops
    answering: the cascading failure timeouts exist to stop. httpx has a 5 s default, so
    only an explicit `timeout=None` is reported there; calls that forward `**kwargs` are not
    judged. Bandit's B113 (module-level `requests` only) is off by default in favour of this
    rule, which also follows `requests.Session` objects: a local or module-level session, a
    `with` session, a session kept on `self`, a parameter annotated `requests.Session`, and
    instances of a `requests.Session` subclass of the same file. A session is not judged
    when something may give it a default timeout: a subclass that overrides `request` or
    `send`, a mounted adapter other than a plain `HTTPAdapter` (a timeout adapter), or a
    replaced `session.request`. `urlopen` of a URL known to be a `data:` or `file:` URI (a
    literal, a local given one, the result of a data-URI producer such as segno's
    `png_data_uri()` or of a function of any module, or a method of the class, with the
    project model's per-function summary "returns a `data:` / `file:` URI") opens no
    connection and is not reported. Nor is a call in a command-line program (a top-level
    `if __name__ == "__main__":`, a Django management command: reviewer.entrypoints) that a
    person runs and watches: it prompts them (`input()`, `getpass()`) or draws its progress for
    them (a progress bar such as tqdm's, `print(".", end="")`, `self.stdout.write(".",
    ending="")`): someone at the terminal sees the hang and stops it. A program that does
    neither (it prompts nobody and writes whole lines, as a log would) may run unattended (a
    cron job, a hook) and is still checked. Code the service never runs (tests, developer
    tooling, the config's `not-deployed`: discovery.Deployment) is not checked at all."""

    code = "OPS001"
    # bandit's B113 (requests without a timeout) flags the same calls, less precisely.
    supersedes = ("B113",)
    name = "external-call-without-timeout"
    index_sections = ("symbols",)  # the summary "returns a `data:` / `file:` URI" of functions in other modules
    summary = "An outbound network call has no timeout."
    category = Category.OPS
    severity = Severity.MEDIUM
    confidence = Confidence.HIGH
    message = "`{call}` {problem}"
    fix = "Pass a timeout: `requests.post(url, json=payload, timeout=(3.05, 10))`"
    seed = 'S3:372 "Timeout configured appropriately"; S5:519 "Design for failure (circuit breakers, retries, timeouts)"'
    references = (
        "https://requests.readthedocs.io/en/latest/user/advanced/#timeouts",
        "https://www.python-httpx.org/advanced/timeouts/",
    )
    # The timeout `reviewer fix --unsafe-fixes` writes: a Python expression, e.g. "(3.05, 27)".
    options = {"fix-timeout": "10"}
    fixes = "unsafe"
    # What each report needs: a call it can judge (no `**` argument) whose timeout is missing
    # or off: a verb called on `requests` or on a requests session (with requests imported,
    # `requests.<verb or session>` written unimported, or a session type in a string
    # annotation), an httpx call given `timeout=None` / `False` or an `httpx.Timeout(...)`, or a
    # call of one of POSITIONAL_TIMEOUT.
    needs = (
        Needs(imports=("requests",), string_parts=("requests.Session", "requests.session"))
        & Needs(test=partial(untimed_call, tuple((verb, None) for verb in sorted(VERBS))))
        | Needs(names=("requests",), test=requests_written)
        & Needs(test=partial(untimed_call, tuple((verb, None) for verb in sorted(VERBS))))
        | Needs(names=("httpx",), test=httpx_timeout_off)
        | qualified_call(*POSITIONAL_TIMEOUT)
        & Needs(test=partial(untimed_call, tuple((name.rpartition(".")[2], index) for name, index in POSITIONAL_TIMEOUT.items())))
    )
    invalid = (
        Example(
            "import requests\n"
            "def call_tool(url, args):\n"
            "    return requests.post(url, json=args)\n",
            path="app/tools/http.py",
            lines=(3,),
            note="a `tools/` package inside the application is deployed code",
        ),
        Example(
            "from urllib.request import urlopen\n"
            "def normalize_data_url(url):\n"
            '    return url.replace("http://", "https://")\n'
            "def load(data_uri):\n"
            "    return urlopen(normalize_data_url(data_uri)).read()\n",
            path="app/loader.py",
            lines=(5,),
            note="a `data_uri` named for the URL of some data is no `data:` URI",
        ),
        Example(
            "import requests\n"
            "def charge(url, payload):\n"
            "    return requests.post(url, json=payload)\n",
            path="app/payments.py",
            lines=(3,),
            fixed="import requests\n"
            "def charge(url, payload):\n"
            "    return requests.post(url, json=payload, timeout=10)\n",
        ),
        Example(
            "import requests\n"
            "def charge(url, payload):\n"
            "    s = requests.Session()\n"
            "    return s.post(url, json=payload)\n",
            path="app/payments.py",
            lines=(4,),
            note="a Session has no default timeout either",
        ),
        Example(
            "import requests\n"
            "class PaymentsClient:\n"
            "    def __init__(self, base_url):\n"
            "        self.base_url = base_url\n"
            "        self.session = requests.Session()\n"
            '        self.session.headers["User-Agent"] = "shop/1.0"\n'
            "    def charge(self, payload):\n"
            '        return self.session.post(self.base_url + "/charges", json=payload)\n',
            path="app/payments.py",
            lines=(8,),
            note="a session kept on the instance",
        ),
        Example(
            "import requests\n"
            "from typing import Optional\n"
            "def fetch_rates(session: Optional[requests.Session], url):\n"
            "    return session.get(url).json()\n"
            "class ApiSession(requests.Session):\n"
            "    def __init__(self, token):\n"
            "        super().__init__()\n"
            '        self.headers["Authorization"] = f"Bearer {token}"\n'
            "def ping(token, url):\n"
            "    return ApiSession(token).get(url)\n",
            path="app/rates.py",
            lines=(4, 10),
            note="an annotated parameter, and a subclass that only adds a header",
        ),
        Example(
            "import httpx\nclient = httpx.Client(timeout=None)\n",
            path="app/clients.py",
            lines=(2,),
            fixed="import httpx\nclient = httpx.Client(timeout=10)\n",
        ),
        Example(
            "from urllib.request import urlopen\n"
            "def fetch(url):\n"
            "    return urlopen(url).read()\n",
            path="app/fetch.py",
            lines=(3,),
            fixed="from urllib.request import urlopen\n"
            "def fetch(url):\n"
            "    return urlopen(url, timeout=10).read()\n",
        ),
        Example(
            "import smtplib\n"
            "def send(msg):\n"
            '    with smtplib.SMTP("mail.internal", 25) as smtp:\n'
            "        smtp.send_message(msg)\n",
            path="app/mail.py",
            lines=(3,),
        ),
        Example(
            "import requests\n"
            "def charge(url, payload):\n"
            "    return requests.post(\n"
            "        url,\n"
            "        json=payload,  # the charge\n"
            "    )\n",
            path="app/payments.py",
            lines=(3,),
            fixed="import requests\n"
            "def charge(url, payload):\n"
            "    return requests.post(\n"
            "        url,\n"
            "        json=payload,  # the charge\n"
            "        timeout=10,\n"
            "    )\n",
            note="the fix keeps the call's layout and comments",
        ),
        Example(
            "import requests\n\n\ndef main():\n"
            '    requests.post("https://hooks.example.com/notify", json={"done": True})\n\n\n'
            'if __name__ == "__main__":\n    main()\n',
            path="contrib/notify.py",
            lines=(5,),
            note="near-miss: a program run from `__main__` that prompts nobody can hang unattended (a cron job, a hook)",
        ),
        Example(
            "import requests\n"
            "from django.core.management.base import BaseCommand\n\n\n"
            "class Command(BaseCommand):\n"
            "    def handle(self, *args, **options):\n"
            "        for page in range(1, 10):\n"
            '            self.stdout.write(f"*** Page {page}")\n'
            '            requests.get(f"https://wger.de/api/v2/exerciseimage/?page={page}")\n',
            path="exercises/management/commands/download_images.py",
            lines=(9,),
            note="near-miss: a management command that writes whole lines, as a log would, may run from cron (wger)",
        ),
    )
    valid = (
        Example(
            "import requests\n"
            "def create_client(base_url, token):\n"
            '    return requests.post(base_url + "/clients", json={"id": "test"}, headers={"Authorization": token})\n',
            path="devstack/tools/oidc/setup_client.py",
            note="near-miss: developer tooling at the top of the project (devstack/, tools/, scripts/, docs/) is not deployed (keystone)",
        ),
        Example(
            "import requests\n"
            "def create_connection(base_url, token, body):\n"
            '    return requests.post(f"{base_url}/connection", json=body, headers={"Authorization": token})\n',
            path="qa/utils/fides_api.py",
            note="near-miss: a top `qa/` folder of QA scenarios run by hand against a test deployment (ethyca-fides)",
        ),
        Example(
            "import pytest\n"
            "import requests\n"
            "@pytest.fixture\n"
            "def status(base_url):\n"
            '    return requests.get(base_url + "/status/").json()\n',
            path="shop/pytest_plugin.py",
            note="near-miss: a pytest plugin the package ships for test suites is test code (pulpcore)",
        ),
        Example(
            "import requests\n"
            "def charge(url, payload):\n"
            "    return requests.post(url, json=payload, timeout=(3.05, 10))\n",
            path="app/payments.py",
        ),
        Example(
            "import httpx\nclient = httpx.Client()\n",
            path="app/clients.py",
            note="near-miss: httpx's default timeout is 5 s",
        ),
        Example(
            "import requests\n"
            "def call(url, **kwargs):\n"
            "    return requests.get(url, **kwargs)\n",
            path="app/http.py",
            note="near-miss: the timeout may come through **kwargs",
        ),
        Example(
            "import requests\n"
            "from requests.adapters import HTTPAdapter\n"
            "class TimeoutAdapter(HTTPAdapter):\n"
            "    def send(self, request, **kwargs):\n"
            '        kwargs.setdefault("timeout", 10)\n'
            "        return super().send(request, **kwargs)\n"
            "class Client:\n"
            "    def __init__(self):\n"
            "        self.session = requests.Session()\n"
            '        self.session.mount("https://", TimeoutAdapter())\n'
            "    def get(self, url):\n"
            "        return self.session.get(url)\n",
            path="app/client.py",
            note="near-miss: a timeout adapter mounted on the session",
        ),
        Example(
            "import requests\n"
            "class TimeoutSession(requests.Session):\n"
            "    def request(self, method, url, **kwargs):\n"
            '        kwargs.setdefault("timeout", 10)\n'
            "        return super().request(method, url, **kwargs)\n"
            "def fetch(url, session: requests.Session = None):\n"
            "    return TimeoutSession().get(url), (session or requests).get(url, timeout=5)\n",
            path="app/http.py",
            note="near-miss: a session subclass that gives every request a timeout",
        ),
        Example(
            "import segno\n"
            "from urllib.request import urlopen\n"
            "class Mailer:\n"
            "    def qr(self, data):\n"
            "        return segno.make_qr(data).png_data_uri(scale=10)\n"
            "    def attach(self, body, data):\n"
            "        image = urlopen(self.qr(data)).read()\n"
            '        icon = urlopen("data:image/png;base64,iVBORw0KGgo=").read()\n'
            "        return body, image, icon\n",
            path="app/mail.py",
            note="near-miss: `urlopen` of a `data:` URI (a literal, segno's `png_data_uri`) reads no network (privacyidea)",
        ),
        Example(
            "from urllib.request import urlopen\n"
            "from app.utils import create_img\n"
            "def attach(body, serial):\n"
            "    return body, urlopen(create_img(serial)).read()\n",
            path="app/notify.py",
            files=(("app/__init__.py", ""), ("app/utils.py", "import segno\ndef create_img(data):\n    return segno.make_qr(data).png_data_uri(scale=10)\n")),
            note="near-miss: a helper of another module with the summary \"returns a `data:` URI\" (privacyidea's `create_img`)",
        ),
        Example(
            "from getpass import getpass\nfrom smtplib import SMTP\n\n\ndef main():\n"
            '    server = SMTP("mail.example.com")\n    server.starttls()\n'
            '    print(server.login(input("user: "), getpass("password: ")))\n\n\n'
            'if __name__ == "__main__":\n    main()\n',
            path="contrib/check_smtp.py",
            note="near-miss: a command-line program that prompts the person running it: they see a hang and stop it (buildbot)",
        ),
        Example(
            "import requests\n"
            "from django.core.management.base import BaseCommand\n\n\n"
            "class Command(BaseCommand):\n"
            "    def add_arguments(self, parser):\n"
            '        parser.add_argument("--force", action="store_true")\n\n'
            "    def handle(self, *args, **options):\n"
            '        if not options["force"] and input("Delete the space? (y/n) ") != "y":\n'
            "            return\n"
            '        requests.delete("http://localhost:5601/api/spaces/space/arches")\n',
            path="arches/management/commands/kibana.py",
            note="near-miss: an operator's management command that asks before it acts: the person running it sees a hang (arches)",
        ),
        Example(
            "import requests\n"
            "from django.core.management.base import BaseCommand\n\n\n"
            "class Command(BaseCommand):\n"
            "    def handle(self, *args, **options):\n"
            "        for job in TestJob.objects.all():\n"
            '            print(".", end="")\n'
            "            job.build = requests.get(job.url).json()\n",
            path="ci/management/commands/backfill_boot_tests.py",
            note="near-miss: a one-off management command that draws progress dots for the person watching it (squad)",
        ),
        Example(
            "import requests\n"
            "def submit_form(base_url, form):\n"
            '    return requests.post(f"{base_url}/api/processes/", json=form).json()\n',
            path="orchestrator/core/devtools/populator.py",
            note="near-miss: a `devtools/` folder, at any depth, holds developer tooling the service never runs (orchestrator-core)",
        ),
        Example(
            "def fetch(cache, key):\n    return cache.get(key)\n",
            path="app/cache.py",
            note="near-miss: a `get` that is no HTTP call",
        ),
        Example(
            "def authorize(cache, requests):\n"
            '    """Authorize the batch of requests."""\n'
            "    requests.append(cache.get(\"default\"))\n"
            "    return requests\n",
            path="app/auth.py",
            note="near-miss: a local named `requests`, the word in a docstring, and `get` of a cache",
        ),
        Example(
            "import requests\n"
            "from urllib.request import urlopen as fetch\n"
            "def load(url, feed):\n"
            "    return requests.get(url, timeout=5).json(), fetch(feed, None, 10).read()\n",
            path="app/feeds.py",
            note="near-miss: each call gives a timeout, by keyword or at urlopen's position",
        ),
    )

    def __init__(self, context, settings=None) -> None:
        super().__init__(context, settings)
        self.with_sessions: set[str] = set()  # `with requests.Session() as s:` names
        # Session subclasses of this file: class name -> whether it may set a default timeout.
        self.session_classes: dict[str, bool] = {}
        # Per class being walked: attribute -> what `self.<attribute>` was given.
        self.classes: list[_ClassFacts] = []
        self.done_classes: list[_ClassFacts] = []
        # Session calls without a timeout, decided at the end of the file, once every
        # `mount(...)` and attribute of their session is known: (call, label, session key).
        self.pending: list[tuple[cst.Call, str, tuple, bool]] = []
        # Sessions that may have a default timeout (a timeout adapter, a replaced `request`).
        self.timeout_set: set[tuple] = set()
        self.interactive = False  # a command-line program that prompts the person running it

    def visit_Module(self, node: cst.Module) -> None:
        self.interactive = is_command_line_program(self.context.path, node) and any(
            isinstance(call, cst.Call) and self._watched(call) for call in descendants(node))
        classes = [s for s in node.body if isinstance(s, cst.ClassDef)]
        changed = True
        while changed:  # subclasses of subclasses of the same file, in any order
            changed = False
            for cls in classes:
                if cls.name.value in self.session_classes:
                    continue
                for base in cls.bases:
                    name = self.context.resolve(base.value) if isinstance(base.value, (cst.Name, cst.Attribute)) else None
                    if name in SESSIONS or name in self.session_classes:
                        inherited = self.session_classes.get(name or "", False)
                        self.session_classes[cls.name.value] = inherited or _overrides_sending(cls)
                        changed = True
                        break

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.classes.append(_ClassFacts(node.name.value))

    def leave_ClassDef(self, node: cst.ClassDef) -> None:
        self.done_classes.append(self.classes.pop())

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if (
            node.asname is not None
            and isinstance(node.asname.name, cst.Name)
            and isinstance(node.item, cst.Call)
            and self._session_call(node.item) is not None
        ):
            self.with_sessions.add(node.asname.name.value)

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self._assigned(target.target, node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        facts = self.classes[-1] if self.classes else None
        target = node.target
        if facts is not None and self._is_session_type(node.annotation.annotation):
            # `session: requests.Session` in a class body, or `self.session: requests.Session = ...`
            if isinstance(target, cst.Name) and self.context.scopes.function is None:
                facts.annotated.add(target.value)
            elif _self_attribute(target):
                facts.annotated.add(target.attr.value)  # type: ignore[union-attr]
        if node.value is not None:
            self._assigned(target, node.value)

    def _assigned(self, target: cst.BaseExpression, value: cst.BaseExpression) -> None:
        if isinstance(target, cst.Attribute) and target.attr.value in SENDING_METHODS:
            key = self._session_key(target.value)
            if key is not None:
                self.timeout_set.add(key)  # `session.request = partial(session.request, timeout=5)`
            return
        if _self_attribute(target) and self.classes:
            facts = self.classes[-1]
            kind = self._session_call(value) if isinstance(value, cst.Call) else None
            facts.values.setdefault(target.attr.value, []).append(kind is not None)  # type: ignore[union-attr]
            if kind:  # a session subclass that may set its own default timeout
                self.timeout_set.add(("self", facts.name, target.attr.value))  # type: ignore[union-attr]

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if self.interactive or not isinstance(func, (cst.Name, cst.Attribute)):
            return
        if isinstance(func, cst.Attribute) and func.attr.value == "mount" and len(node.args) >= 2:
            key = self._session_key(func.value)
            if key is not None and self._adapter_may_set_timeout(node.args[1].value):
                self.timeout_set.add(key)
            return
        if has_star_kwargs(node):
            return
        qualified = self.context.resolve(func) or ""
        timeout = keyword(node, "timeout")
        if qualified in REQUESTS:
            self._check_required(node, qualified, timeout, Confidence.HIGH)
        elif isinstance(func, cst.Attribute) and func.attr.value in VERBS:
            key = self._session_key(func.value)
            if key is not None and (timeout is None or is_false_or_none(timeout.value)):
                self.pending.append((node, f"{_text(func.value)}.{func.attr.value}", key, timeout is None))
        elif qualified in HTTPX:
            if timeout is not None and self._is_none_timeout(timeout.value):
                self.report(node, call=qualified, problem="disables the timeout (`timeout=None`)", autofix=self._timeout_fix(node, timeout))
        elif qualified in POSITIONAL_TIMEOUT:
            if qualified in LOCAL_SCHEME_OPENERS and self._local_uri(keyword(node, "url") or positional(node, 0)):
                return  # a `data:` / `file:` URI: urllib reads it without a connection
            if timeout is None and positional(node, POSITIONAL_TIMEOUT[qualified]) is None:
                self.report(node, call=qualified, problem="has no timeout and waits forever by default",
                            fix=f"Pass a timeout: `{qualified.rsplit('.', 1)[-1]}(..., timeout=10)`",
                            autofix=self._timeout_fix(node, None))
            elif timeout is not None and is_false_or_none(timeout.value):
                self.report(node, call=qualified, problem="disables the timeout (`timeout=None`)", autofix=self._timeout_fix(node, timeout))

    def finish(self) -> None:
        sessions_on_self = {
            ("self", facts.name, attribute)
            for facts in [*self.done_classes, *self.classes]
            for attribute in {*facts.values, *facts.annotated}
            if (facts.values.get(attribute) and all(facts.values[attribute])) or attribute in facts.annotated
        }
        for node, label, key, missing in self.pending:
            if key in self.timeout_set:
                continue
            if key[0] == "self" and key not in sessions_on_self:
                continue
            self._check_required(node, label, None if missing else keyword(node, "timeout"), Confidence.MEDIUM)

    def _watched(self, call: cst.Call) -> bool:
        """The call prompts the person at the terminal or draws progress for them."""
        if not isinstance(call.func, (cst.Name, cst.Attribute)):
            return False
        name = self.context.resolve(call.func) or dotted(call.func) or ""
        if name in PROMPTS or name in PROGRESS_BARS:
            return True
        ending = keyword(call, LINE_ENDINGS[name]) if name in LINE_ENDINGS else None
        if ending is None or not isinstance(ending.value, cst.SimpleString):
            return False
        text = ending.value.evaluated_value
        return isinstance(text, str) and "\n" not in text

    def _check_required(self, node: cst.Call, label: str, timeout: cst.Arg | None, confidence: Confidence) -> None:
        if timeout is None:
            self.report(node, call=label, problem="has no timeout and waits forever by default", confidence=confidence,
                        autofix=self._timeout_fix(node, None))
        elif is_false_or_none(timeout.value):
            self.report(node, call=label, problem="disables the timeout (`timeout=None`)", confidence=confidence,
                        autofix=self._timeout_fix(node, timeout))

    def _timeout_fix(self, call: cst.Call, timeout: cst.Arg | None) -> Autofix | None:
        """Set the `fix-timeout` option's value as the call's timeout: unsafe, since a call
        that used to wait now fails after that long."""
        value = expression(str(self.settings["fix-timeout"]))
        if value is None:
            return None
        shown = f"timeout={self.settings['fix-timeout']}"
        if timeout is not None:
            return Autofix(f"Set `{shown}`", (Change(timeout.value, value),))
        return Autofix(f"Pass `{shown}`", (Change(call, with_argument(call, keyword_argument("timeout", value))),))

    # -- which object is a requests session ----------------------------------------------
    def _session_key(self, receiver: cst.BaseExpression) -> tuple | None:
        """A key naming the session object `receiver` is, or None when it is not known to be
        a `requests` session without a default timeout. `self.<attribute>` keys are decided
        at the end of the file, when every method of the class has been seen."""
        if isinstance(receiver, cst.Call):
            return ("call", id(receiver)) if self._session_call(receiver) is False else None
        if _self_attribute(receiver) and self.classes:
            return ("self", self.classes[-1].name, receiver.attr.value)  # type: ignore[union-attr]
        if not isinstance(receiver, cst.Name):
            return None
        name = receiver.value
        scopes = self.context.scopes
        if name in self.with_sessions:
            return ("name", id(scopes.current), name)
        parameter = scopes.parameter(name)
        if parameter is not None:
            if parameter.annotation is not None and self._is_session_type(parameter.annotation):
                return ("name", id(scopes.function), name)
            return None
        found = scopes.lookup(name)
        if not found or not found[1]:
            return None
        calls = [a.value for a in found[1]]
        if all(isinstance(c, cst.Call) and self._session_call(c) is False for c in calls):
            return ("name", id(found[0]), name)
        return None

    def _session_call(self, call: cst.Call) -> bool | None:
        """None: not a session; False: a session with no default timeout; True: a session
        whose class may set one."""
        if not isinstance(call.func, (cst.Name, cst.Attribute)):
            return None
        name = self.context.resolve(call.func)
        if name in SESSIONS:
            return False
        if name in self.session_classes:
            return self.session_classes[name]
        return None

    def _is_session_type(self, annotation: cst.BaseExpression) -> bool:
        """`requests.Session`, `Optional[Session]`, `Session | None`, `"requests.Session"`."""
        if isinstance(annotation, cst.SimpleString):
            text = annotation.evaluated_value
            try:
                annotation = cst.parse_expression(text) if isinstance(text, str) else annotation
            except cst.ParserSyntaxError:
                return False
        if isinstance(annotation, (cst.Name, cst.Attribute)):
            name = self.context.resolve(annotation)
            return name in SESSIONS or (name in self.session_classes and not self.session_classes[name])
        if isinstance(annotation, cst.BinaryOperation) and isinstance(annotation.operator, cst.BitOr):
            return self._is_session_type(annotation.left) or self._is_session_type(annotation.right)
        if isinstance(annotation, cst.Subscript) and isinstance(annotation.value, (cst.Name, cst.Attribute)):
            if (self.context.resolve(annotation.value) or "").rsplit(".", 1)[-1] in ("Optional", "Union"):
                return any(
                    isinstance(e.slice, cst.Index) and self._is_session_type(e.slice.value) for e in annotation.slice
                )
        return False

    def _adapter_may_set_timeout(self, adapter: cst.BaseExpression) -> bool:
        """A plain `HTTPAdapter(...)` sets no timeout; a custom adapter of this file does when
        it overrides `send`; one from elsewhere may (not judged)."""
        if isinstance(adapter, cst.Name):
            bound = self.context.scopes.binding(adapter.value)
            adapter = bound if bound is not None else adapter
        if not isinstance(adapter, cst.Call) or not isinstance(adapter.func, (cst.Name, cst.Attribute)):
            return True
        name = self.context.resolve(adapter.func) or ""
        if name in PLAIN_ADAPTERS:
            return False
        local = next(
            (s for s in self.context.module.body if isinstance(s, cst.ClassDef) and s.name.value == name), None
        )
        return _overrides_sending(local) if local is not None else True

    def _local_uri(self, arg: cst.Arg | None, depth: int = 0) -> bool:
        """The URL is a `data:` / `file:` URI: a literal with that prefix, a data-URI producer's
        result, a local every assignment of which is one, or a call of a function that returns
        one (the symbols' summary, across modules)."""
        return arg is not None and self._local_uri_value(arg.value, depth)

    def _local_uri_value(self, value: cst.BaseExpression, depth: int = 0) -> bool:
        if depth > 3:
            return False
        if isinstance(value, (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)):
            return is_local_uri_text(_literal_prefix(value))
        if isinstance(value, cst.Name):
            found = self.context.scopes.lookup(value.value)
            if found and found[1] and all(a.op == "=" for a in found[1]):
                return all(self._local_uri_value(a.value, depth + 1) for a in found[1])
            return False
        if isinstance(value, cst.Call) and isinstance(value.func, (cst.Name, cst.Attribute)):
            name = value.func.value if isinstance(value.func, cst.Name) else value.func.attr.value
            if is_data_uri_producer(name):
                return True
            return self._returns_local_uri(value.func)
        return False

    def _returns_local_uri(self, func: cst.Name | cst.Attribute) -> bool:
        """The called function (of any module, or a method of the enclosing class through
        `self.` / `cls.`) has the summary "returns a `data:` / `file:` URI"."""
        symbols, name = self.context.symbols, dotted(func)
        if symbols is None or name is None:
            return False
        head, _, rest = name.partition(".")
        if head in ("self", "cls"):
            owner = self.context.scopes.enclosing_class
            return bool(owner and rest and "." not in rest) and symbols.returns_local_uri(self.context.path, f"{owner}.{rest}")
        return symbols.returns_local_uri(self.context.path, name)

    def _is_none_timeout(self, value: cst.BaseExpression) -> bool:
        if is_false_or_none(value):
            return True
        if isinstance(value, cst.Call) and isinstance(value.func, (cst.Name, cst.Attribute)):
            if self.context.resolve(value.func) == "httpx.Timeout" and value.args and value.args[0].keyword is None:
                return is_false_or_none(value.args[0].value)
        return False


def _literal_prefix(value: cst.BaseExpression) -> str:
    """The constant text a string literal starts with (an f-string's text before its first hole)."""
    if isinstance(value, cst.ConcatenatedString):
        return _literal_prefix(value.left)
    if isinstance(value, cst.SimpleString):
        text = value.evaluated_value
        return text if isinstance(text, str) else ""
    if isinstance(value, cst.FormattedString):
        first = value.parts[0] if value.parts else None
        return first.value if isinstance(first, cst.FormattedStringText) else ""
    return ""


class _ClassFacts:
    """What the methods of one class give `self.<attribute>`."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.values: dict[str, list[bool]] = {}  # attribute -> per assignment: a session call?
        self.annotated: set[str] = set()  # attributes annotated as a session


def _self_attribute(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name) and node.value.value == "self"


def _overrides_sending(cls: cst.ClassDef) -> bool:
    """The class defines `request` or `send` (where a default timeout is usually set)."""
    return any(
        isinstance(statement, cst.FunctionDef) and statement.name.value in SENDING_METHODS
        for statement in cls.body.body
    )


def _text(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if _self_attribute(node):
        return f"self.{node.attr.value}"  # type: ignore[union-attr]
    return "session"
