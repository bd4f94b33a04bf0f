from __future__ import annotations

import libcst as cst

from reviewer.model import Category, Confidence, Severity
from reviewer.rule import Example, PythonRule
from reviewer.secops import has_star_kwargs, is_false_or_none, keyword, positional

VERBS = frozenset({"get", "post", "put", "patch", "delete", "head", "options", "request"})
REQUESTS = frozenset(f"requests.{verb}" for verb in VERBS) | frozenset(f"requests.api.{verb}" for verb in VERBS)
SESSIONS = frozenset({"requests.Session", "requests.session", "requests.sessions.Session"})
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


class ExternalCallWithoutTimeout(PythonRule):
    """An outbound network call has no timeout, so a slow or silent peer blocks the worker
    forever.

    `requests`, `urllib`, `http.client` and `smtplib` wait indefinitely by default. One
    hanging dependency then holds every worker that calls it, and the service stops
    answering: the cascading failure timeouts exist to stop. httpx has a 5 s default, so
    only an explicit `timeout=None` is reported there; calls that forward `**kwargs` are not
    judged. Bandit's B113 (module-level `requests` only) is off by default in favour of this
    rule, which also follows `requests.Session()` objects."""

    code = "OPS001"
    # bandit's B113 (requests without a timeout) flags the same calls, less precisely.
    supersedes = ("B113",)
    name = "external-call-without-timeout"
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
    triggers = ("requests", "httpx", "urlopen", "http.client", "smtplib", "HTTPConnection", "SMTP")
    invalid = (
        Example(
            "import requests\n"
            "def charge(url, payload):\n"
            "    return requests.post(url, json=payload)\n",
            path="app/payments.py",
            lines=(3,),
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
            "import httpx\nclient = httpx.Client(timeout=None)\n",
            path="app/clients.py",
            lines=(2,),
        ),
        Example(
            "from urllib.request import urlopen\n"
            "def fetch(url):\n"
            "    return urlopen(url).read()\n",
            path="app/fetch.py",
            lines=(3,),
        ),
        Example(
            "import smtplib\n"
            "def send(msg):\n"
            '    with smtplib.SMTP("mail.internal", 25) as smtp:\n'
            "        smtp.send_message(msg)\n",
            path="app/mail.py",
            lines=(3,),
        ),
    )
    valid = (
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
            "def fetch(cache, key):\n    return cache.get(key)\n",
            path="app/cache.py",
            note="near-miss: a `get` that is no HTTP call",
        ),
    )

    def __init__(self, context, settings=None) -> None:
        super().__init__(context, settings)
        self.with_sessions: set[str] = set()  # `with requests.Session() as s:` names

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if (
            node.asname is not None
            and isinstance(node.asname.name, cst.Name)
            and isinstance(node.item, cst.Call)
            and self._is_session_call(node.item)
        ):
            self.with_sessions.add(node.asname.name.value)

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if not isinstance(func, (cst.Name, cst.Attribute)) or has_star_kwargs(node):
            return
        qualified = self.context.resolve(func) or ""
        timeout = keyword(node, "timeout")
        if qualified in REQUESTS:
            self._check_required(node, qualified, timeout, Confidence.HIGH)
        elif isinstance(func, cst.Attribute) and func.attr.value in VERBS and self._is_session(func.value):
            self._check_required(node, f"{_text(func.value)}.{func.attr.value}", timeout, Confidence.MEDIUM)
        elif qualified in HTTPX:
            if timeout is not None and self._is_none_timeout(timeout.value):
                self.report(node, call=qualified, problem="disables the timeout (`timeout=None`)")
        elif qualified in POSITIONAL_TIMEOUT:
            if timeout is None and positional(node, POSITIONAL_TIMEOUT[qualified]) is None:
                self.report(node, call=qualified, problem="has no timeout and waits forever by default",
                            fix=f"Pass a timeout: `{qualified.rsplit('.', 1)[-1]}(..., timeout=10)`")
            elif timeout is not None and is_false_or_none(timeout.value):
                self.report(node, call=qualified, problem="disables the timeout (`timeout=None`)")

    def _check_required(self, node: cst.Call, label: str, timeout: cst.Arg | None, confidence: Confidence) -> None:
        if timeout is None:
            self.report(node, call=label, problem="has no timeout and waits forever by default", confidence=confidence)
        elif is_false_or_none(timeout.value):
            self.report(node, call=label, problem="disables the timeout (`timeout=None`)", confidence=confidence)

    def _is_session(self, receiver: cst.BaseExpression) -> bool:
        if isinstance(receiver, cst.Call):
            return self._is_session_call(receiver)
        if not isinstance(receiver, cst.Name):
            return False
        if receiver.value in self.with_sessions:
            return True
        found = self.context.scopes.lookup(receiver.value)
        if not found or not found[1]:
            return False
        return all(isinstance(a.value, cst.Call) and self._is_session_call(a.value) for a in found[1])

    def _is_session_call(self, call: cst.Call) -> bool:
        return isinstance(call.func, (cst.Name, cst.Attribute)) and self.context.resolve(call.func) in SESSIONS

    def _is_none_timeout(self, value: cst.BaseExpression) -> bool:
        if is_false_or_none(value):
            return True
        if isinstance(value, cst.Call) and isinstance(value.func, (cst.Name, cst.Attribute)):
            if self.context.resolve(value.func) == "httpx.Timeout" and value.args and value.args[0].keyword is None:
                return is_false_or_none(value.args[0].value)
        return False


def _text(node: cst.BaseExpression) -> str:
    return node.value if isinstance(node, cst.Name) else "session"
