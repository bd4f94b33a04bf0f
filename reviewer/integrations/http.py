"""A small JSON-over-HTTPS client on requests: timeouts, bounded pagination, and errors that
name the request but never the token."""

from __future__ import annotations

from typing import Any, Callable, Iterator

import requests

from reviewer import __version__
from reviewer.integrations import ApiError, redact

TIMEOUT = 30
MAX_PAGES = 50


class Client:
    def __init__(self, base_url: str, headers: dict[str, str], token: str, session: requests.Session | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.session = session or requests.Session()
        self.session.headers.update({"User-Agent": f"reviewer/{__version__}", **headers})

    def request(self, method: str, path: str, json: Any = None, params: dict | None = None) -> requests.Response:
        url = path if path.startswith(("http://", "https://")) else self.base_url + path
        try:
            response = self.session.request(method, url, json=json, params=params, timeout=TIMEOUT)
        except requests.RequestException as error:
            raise ApiError(redact(f"{method} {url} failed: {type(error).__name__}: {error}", self.token)) from None
        if response.status_code >= 400:
            raise ApiError(redact(f"{method} {url} returned {response.status_code}: {_reason(response)}", self.token))
        return response

    def json(self, method: str, path: str, json: Any = None, params: dict | None = None) -> Any:
        response = self.request(method, path, json=json, params=params)
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise ApiError(redact(f"{method} {response.url} returned a body that is not JSON", self.token)) from None

    def pages(self, path: str, params: dict, next_url: Callable[[requests.Response, dict], tuple[str, dict] | None]) -> Iterator[Any]:
        """Every item of a paginated list, at most MAX_PAGES pages."""
        url, query = path, dict(params)
        for _ in range(MAX_PAGES):
            response = self.request("GET", url, params=query)
            items = response.json() if response.content else []
            if not isinstance(items, list):
                raise ApiError(f"GET {response.url} did not return a list")
            yield from items
            following = next_url(response, query)
            if following is None:
                return
            url, query = following
        raise ApiError(f"GET {path}: more than {MAX_PAGES} pages; stopped")


def _reason(response: requests.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        return (response.text or response.reason or "")[:300]
    if isinstance(data, dict):
        return str(data.get("message") or data.get("error") or data)[:300]
    return str(data)[:300]
