"""A WSGI fast path in front of Flask for cached ``GET /api/counts``.

It answers only a query string that Flask's view already parsed in this process
(:meth:`Counts.recall`), and only while :meth:`Counts.memoised` holds a fresh answer for
it, with click counts merged or not; the headers are :meth:`Counts.headers`, the ones
the view sends, and the metrics are counted the same way. Everything else falls through
to Flask.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from . import compress
from .counts import Counts

ENDPOINT = "api.counts"

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


class FastPath:
    def __init__(self, app: WSGIApp, counts: Counts) -> None:
        self.app = app
        self.counts = counts

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/api/counts" and environ.get("REQUEST_METHOD") == "GET":
            query = self.counts.recall(environ.get("QUERY_STRING", ""))
            # a body big enough to be compressed is Flask's to encode (compress.py)
            answer = (
                self.counts.memoised(query, ENDPOINT, compress.MIN_SIZE)
                if query is not None
                else None
            )
            if answer is not None:
                body, max_age = answer
                origin = environ.get("HTTP_ORIGIN", "")
                start_response("200 OK", self.counts.headers(body, max_age, origin))
                return [body]
        return self.app(environ, start_response)
