"""A small JSON-over-HTTPS client on requests: timeouts, bounded pagination, credentials only
for the configured API origin, and errors that name the request but never the token.

The token rides in a header on every request, so a URL from an answer (a pagination `Link`,
a redirect) is followed only when it points at the configured API's scheme, host and port and
below its path; redirects are never followed for writes (a 307 would resend the body)."""

from __future__ import annotations

from typing import Any, Callable, Iterator
from urllib.parse import urljoin, urlsplit

import requests

from reviewer import __version__
from reviewer.integrations import ApiError, redact

TIMEOUT = 30
MAX_PAGES = 50
MAX_REDIRECTS = 5
REASON_CHARS = 300
SAFE_METHODS = frozenset({"GET", "HEAD"})


class Client:
    def __init__(self, base_url: str, headers: dict[str, str], token: str, session: requests.Session | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.session = session or requests.Session()
        self.session.headers.update({"User-Agent": f"reviewer/{__version__}", **headers})
        base = urlsplit(self.base_url)
        if base.scheme not in ("http", "https") or not base.hostname:
            raise ApiError(f"the API URL {self.base_url!r} is not an http(s) URL")
        self._origin = _origin(self.base_url)
        self._prefix = base.path.rstrip("/") + "/"

    def _check_target(self, method: str, url: str) -> None:
        """Refuse to send the credentials anywhere but the configured API."""
        if _origin(url) != self._origin or not (urlsplit(url).path + "/").startswith(self._prefix):
            raise ApiError(
                redact(f"{method} {url}: refused: the URL is outside the API at {self.base_url}, and the request would carry the token", self.token)
            )

    def request(self, method: str, path: str, json: Any = None, params: dict | None = None) -> requests.Response:
        url = path if path.startswith(("http://", "https://")) else self.base_url + path
        for _ in range(MAX_REDIRECTS + 1):
            self._check_target(method, url)
            try:
                response = self.session.request(method, url, json=json, params=params, timeout=TIMEOUT, allow_redirects=False)
            except requests.RequestException as error:
                raise ApiError(redact(f"{method} {url} failed: {type(error).__name__}: {error}", self.token)) from None
            if not response.is_redirect:
                break
            target = urljoin(url, response.headers.get("Location", ""))
            if method not in SAFE_METHODS:
                raise ApiError(redact(f"{method} {url} answered with a redirect to {target}; not followed for a write", self.token))
            url, params = target, None  # the Location carries its own query
        else:
            raise ApiError(redact(f"{method} {path}: more than {MAX_REDIRECTS} redirects; stopped", self.token))
        if response.status_code >= 400:
            raise ApiError(redact(f"{method} {url} returned {response.status_code}: {_reason(response, self.token)}", self.token), response.status_code)
        return response

    def json(self, method: str, path: str, json: Any = None, params: dict | None = None) -> Any:
        response = self.request(method, path, json=json, params=params)
        if not response.content:
            return None
        return _decode(response, method, self.token)

    def object(self, method: str, path: str, json: Any = None) -> dict:
        """A JSON object answer; anything else (a list, text, nothing) is an ApiError."""
        data = self.json(method, path, json=json)
        if not isinstance(data, dict):
            raise ApiError(redact(f"{method} {self.base_url}{path} did not return a JSON object", self.token))
        return data

    def pages(self, path: str, params: dict, next_url: Callable[[requests.Response, dict], tuple[str, dict] | None]) -> Iterator[dict]:
        """Every item (a JSON object) of a paginated list, at most MAX_PAGES pages."""
        url, query = path, dict(params)
        for _ in range(MAX_PAGES):
            response = self.request("GET", url, params=query)
            items = _decode(response, "GET", self.token) if response.content else []
            if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
                raise ApiError(redact(f"GET {response.url} did not return a list of objects", self.token))
            yield from items
            following = next_url(response, query)
            if following is None:
                return
            url, query = following
        raise ApiError(f"GET {path}: more than {MAX_PAGES} pages; stopped")


def identifier(item: dict, where: str) -> int | str:
    """The `id` of an object from the API, checked: a malformed answer is an ApiError."""
    value = item.get("id")
    if isinstance(value, bool) or not isinstance(value, (int, str)) or value == "":
        raise ApiError(f"{where}: an item has no usable id")
    return value


def _origin(url: str) -> tuple[str, str, int | None]:
    split = urlsplit(url)
    try:
        port = split.port or {"http": 80, "https": 443}.get(split.scheme)
    except ValueError:
        port = -1
    return split.scheme, (split.hostname or "").lower(), port


def _decode(response: requests.Response, method: str, token: str) -> Any:
    try:
        return response.json()
    except ValueError:
        raise ApiError(redact(f"{method} {response.url} returned a body that is not JSON", token)) from None


def _reason(response: requests.Response, token: str) -> str:
    """The API's own words about an error, redacted before they are cut to length (a token cut
    in half would no longer match)."""
    try:
        data = response.json()
    except ValueError:
        text = response.text or response.reason or ""
    else:
        text = str(data.get("message") or data.get("error") or data) if isinstance(data, dict) else str(data)
    return redact(redact(text, token)[:REASON_CHARS], token)
