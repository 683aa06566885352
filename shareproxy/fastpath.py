"""A WSGI fast path in front of Flask for cached ``GET /api/counts``.

It answers only a query string that Flask's view already validated into (URL, networks)
in this process, for the answers without click counts, and only while
``CountCache.memoised()`` holds a fresh answer for it. The status, body, headers (max-age
counted down, ``Vary: Origin``, the CORS echo for allowed origins, the security headers)
and metrics are those the Flask path gives; everything else falls through to Flask.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from . import compress, metrics
from .cache import CountCache
from .urls import origin_allowed

MAX_QUERIES = 4096
MAX_ORIGINS = 256
ENDPOINT = "api.counts"

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


class FastPath:
    def __init__(self, app: WSGIApp, cache: CountCache, allowed: tuple[str, ...]) -> None:
        self.app = app
        self.cache = cache
        self.allowed = allowed
        self._queries: dict[str, tuple[str, tuple[str, ...]]] = {}
        self._origins: dict[str, bool] = {}

    def learn(self, query: bytes, url: str, networks: tuple[str, ...]) -> None:
        """Flask's view answered ``query`` as ``networks`` of ``url`` (without click counts)."""
        if len(self._queries) >= MAX_QUERIES:
            self._queries.clear()
        self._queries[query.decode("latin-1")] = (url, networks)

    def _allowed(self, origin: str) -> bool:
        found = self._origins.get(origin)
        if found is None:
            if len(self._origins) >= MAX_ORIGINS:
                self._origins.clear()
            found = self._origins[origin] = origin_allowed(origin, self.allowed)
        return found

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/api/counts" and environ.get("REQUEST_METHOD") == "GET":
            known = self._queries.get(environ.get("QUERY_STRING", ""))
            answer = self.cache.memoised(*known) if known is not None else None
            # a body big enough to be compressed is Flask's to encode (compress.py)
            if answer is not None and len(answer[0]) < compress.MIN_SIZE:
                body, max_age = answer
                headers = [
                    ("Content-Type", "application/json"),
                    ("Content-Length", str(len(body))),
                    ("Cache-Control", f"public, max-age={max_age}"),
                    ("Vary", "Origin"),
                ]
                origin = environ.get("HTTP_ORIGIN", "")
                if origin and self._allowed(origin):
                    headers.append(("Access-Control-Allow-Origin", origin))
                headers.append(("X-Content-Type-Options", "nosniff"))
                headers.append(("Referrer-Policy", "no-referrer"))
                metrics.request(ENDPOINT, 200)
                start_response("200 OK", headers)
                return [body]
        return self.app(environ, start_response)
