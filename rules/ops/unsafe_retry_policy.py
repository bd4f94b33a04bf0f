from __future__ import annotations

import libcst as cst

from reviewer.model import Category, Confidence, Severity
from reviewer.rule import Example, Needs, PythonRule
from reviewer.ops.nodes import has_star_kwargs, is_false_or_none, keyword, string_value

TENACITY = frozenset({"tenacity.retry", "tenacity.Retrying", "tenacity.AsyncRetrying"})
BACKOFF = frozenset({"backoff.on_exception", "backoff.on_predicate"})
URLLIB3_RETRY = frozenset({"urllib3.Retry", "urllib3.util.Retry", "urllib3.util.retry.Retry", "requests.packages.urllib3.util.retry.Retry"})
NON_IDEMPOTENT = frozenset({"POST", "PATCH"})


class UnsafeRetryPolicy(PythonRule):
    """A retry policy never stops, never waits between attempts, or retries non-idempotent
    requests (POST, PATCH).

    tenacity's documented default is "retry forever without waiting": a dependency that is
    down gets hammered by every worker in a tight loop, which keeps it down and burns the
    caller's capacity. backoff's `on_exception` without `max_tries`/`max_time` never gives
    up either. Retrying a POST that timed out after the server acted charges the card twice
    unless the request carries an idempotency key. Bound the attempts, back off with jitter,
    and retry only idempotent calls or ones with an idempotency key."""

    code = "OPS002"
    opt_in = True  # field precision below 0.85 on the tuned projects (reviewer/field_precision.json)
    name = "unsafe-retry-policy"
    summary = "A retry policy never stops, never waits, or retries non-idempotent requests."
    category = Category.OPS
    severity = Severity.MEDIUM
    confidence = Confidence.HIGH
    message = "Unsafe retry policy: {what}"
    fix = "Bound and back off: `@retry(stop=stop_after_attempt(5), wait=wait_random_exponential(multiplier=0.5, max=10))`"
    seed = 'S3:370 "Retry logic with exponential backoff"; S3:371 "Circuit breaker for cascading failure prevention"'
    references = (
        "https://tenacity.readthedocs.io/en/latest/#basic-retry",
        "https://aws.amazon.com/builders-library/timeouts-retries-and-backoff-with-jitter/",
    )
    needs = Needs.words("tenacity", "backoff", "Retry")
    invalid = (
        Example(
            "import requests\nfrom tenacity import retry\n"
            "@retry\n"
            "def fetch_rates():\n"
            '    return requests.get(RATES_URL, timeout=5).json()\n',
            path="app/rates.py",
            lines=(3,),
        ),
        Example(
            "from tenacity import retry, wait_exponential\n"
            "@retry(wait=wait_exponential(max=10))\n"
            "def fetch_rates():\n"
            "    return client.rates()\n",
            path="app/rates.py",
            lines=(2,),
            note="backs off, but never stops",
        ),
        Example(
            "import backoff, requests\n"
            "@backoff.on_exception(backoff.expo, requests.RequestException)\n"
            "def fetch():\n"
            "    return requests.get(URL, timeout=5)\n",
            path="app/rates.py",
            lines=(2,),
        ),
        Example(
            "from urllib3.util.retry import Retry\n"
            'retries = Retry(total=5, backoff_factor=0.5, allowed_methods=["GET", "POST"])\n',
            path="app/http.py",
            lines=(2,),
        ),
    )
    valid = (
        Example(
            "from tenacity import retry, stop_after_attempt, wait_random_exponential\n"
            "@retry(stop=stop_after_attempt(5), wait=wait_random_exponential(multiplier=0.5, max=10))\n"
            "def fetch_rates():\n"
            "    return client.rates()\n",
            path="app/rates.py",
        ),
        Example(
            "import backoff, requests\n"
            "@backoff.on_exception(backoff.expo, requests.RequestException, max_tries=5)\n"
            "def fetch():\n"
            "    return requests.get(URL, timeout=5)\n",
            path="app/rates.py",
        ),
        Example(
            "from urllib3.util.retry import Retry\n"
            "retries = Retry(total=5, backoff_factor=0.5)\n",
            path="app/http.py",
            note="near-miss: urllib3's default methods are idempotent",
        ),
        Example(
            "def retry(func):\n    return func\n"
            "@retry\n"
            "def fetch():\n    return 1\n",
            path="app/util.py",
            note="near-miss: a local decorator named retry",
        ),
    )

    def visit_Decorator(self, node: cst.Decorator) -> None:
        target = node.decorator
        if isinstance(target, (cst.Name, cst.Attribute)) and self.context.resolve(target) == "tenacity.retry":
            self.report(node.decorator, what="bare `@retry` retries forever without waiting")

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if not isinstance(func, (cst.Name, cst.Attribute)) or has_star_kwargs(node):
            return
        qualified = self.context.resolve(func) or ""
        if qualified in TENACITY:
            stop, wait = keyword(node, "stop"), keyword(node, "wait")
            if stop is None and wait is None:
                self.report(node, what="no `stop=` and no `wait=`: retries forever without waiting")
            elif stop is None:
                self.report(node, what="no `stop=`: retries forever")
            elif wait is None:
                self.report(node, what="no `wait=`: retries immediately, without backoff", confidence=Confidence.MEDIUM)
        elif qualified in BACKOFF:
            if keyword(node, "max_tries") is None and keyword(node, "max_time") is None:
                self.report(node, what=f"`{qualified}` without `max_tries` or `max_time` never gives up")
        elif qualified in URLLIB3_RETRY:
            methods = keyword(node, "allowed_methods") or keyword(node, "method_whitelist")
            if methods is None:
                return
            if is_false_or_none(methods.value):
                self.report(node, what="`allowed_methods=None` retries every method, POST included")
            elif isinstance(methods.value, (cst.List, cst.Tuple, cst.Set)):
                verbs = {(string_value(e.value) or "").upper() for e in methods.value.elements}
                risky = sorted(verbs & NON_IDEMPOTENT)
                if risky:
                    self.report(node, what=f"retries non-idempotent `{'`, `'.join(risky)}` requests")
