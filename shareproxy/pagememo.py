"""Pages of buttons sent again: a WSGI layer in front of Flask for ``GET /buttons``.

A page of buttons is the same bytes for the same request as long as the counts it shows
are the same. What decides every byte: the query string (every parameter), the visitor's
Accept-Language (only when ``lang`` is not given), the encodings the client accepts
(:func:`compress.accepted`), and what :meth:`Counts.at_once` answers for the page's
counted buttons (the fresh counts, click counts merged in, and the networks left for the
browser to ask). The assets, translations and settings are fixed for the life of a
process. The page carries no nonce or other per-request value: its policy allows this
server's own script and style files (and, once activated, a widget's origins), never an
inline script.

So the view says in the WSGI environ (:data:`SHOWN`) which counts its page showed, and
this layer keeps what Flask sent (status, headers and body, as encoded) under the
request's key. The next request with the same key asks :meth:`Counts.at_once` again, as
the view would: a purge, a TTL change, a new click, a count that expired or failed all
change that answer. When it is the one the kept page showed, the kept bytes are sent
without Flask; otherwise Flask renders the page anew, which replaces the kept one.
Pages that cannot have buttons and every answer other than a 200 are not kept (the view
marks none of them). What is kept is bounded in bytes, the page sent least recently
dropped first.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from . import compress, metrics
from .counts import Counts
from .lru import SizedLRU

PATH = "/buttons"
ENDPOINT = "buttons.buttons_page"  # the Flask endpoint, for the request metrics
SHOWN = "shareproxy.page_shown"  # the environ key the view puts its Shown under
MAX_BYTES = 4 * 1024 * 1024  # kept pages (bodies as sent, headers, keys) per process
OVERHEAD = 256  # bytes counted for each kept page beside its bytes (objects, the key)

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]
# (query string, Accept-Language or None when ``lang`` was given, encodings accepted)
Key = tuple[str, str | None, tuple[str, ...]]


@dataclass(frozen=True, slots=True)
class Shown:
    """What a page showed of the counts: :meth:`Counts.at_once` for ``url`` and the
    ``wanted`` networks answered ``found`` and ``pending`` (nothing asked: both empty)."""

    url: str
    wanted: tuple[str, ...]
    found: dict[str, int]
    pending: list[str]
    lang_given: bool  # the query named the language: Accept-Language changes nothing


@dataclass(frozen=True, slots=True)
class Kept:
    shown: Shown
    status: str
    headers: list[tuple[str, str]]
    body: bytes
    size: int


class PageMemo:
    def __init__(self, app: WSGIApp, counts: Counts, max_bytes: int = MAX_BYTES) -> None:
        self.app = app
        self.counts = counts
        # bounded by bytes alone: the entry bound is never the one reached
        self._pages: SizedLRU[Key, Kept] = SizedLRU(1 << 30, max_bytes, lambda _, kept: kept.size)
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != PATH or environ.get("REQUEST_METHOD") != "GET":
            return self.app(environ, start_response)
        query = environ.get("QUERY_STRING", "")
        language = environ.get("HTTP_ACCEPT_LANGUAGE", "")
        encodings = compress.accepted(environ.get("HTTP_ACCEPT_ENCODING", ""))
        pages = self._pages
        key: Key = (query, None, encodings)
        kept = pages.get(key)
        if kept is None:
            key = (query, language, encodings)
            kept = pages.get(key)
        if kept is not None and self.current(kept.shown):
            with self._lock:
                if key in pages:
                    pages.touch(key)
            metrics.TALLY.add(ENDPOINT, ())
            start_response(kept.status, list(kept.headers))
            return [kept.body]
        return self._render(environ, start_response, query, language, encodings)

    def current(self, shown: Shown) -> bool:
        """Whether a page that showed ``shown`` shows the same counts now."""
        if not shown.wanted:
            return True
        try:
            found, pending = self.counts.at_once(shown.url, list(shown.wanted))
        except Exception:  # noqa: BLE001 - Flask renders the page and answers the failure
            return False
        return found == shown.found and pending == shown.pending

    def _render(
        self,
        environ: dict[str, Any],
        start_response: StartResponse,
        query: str,
        language: str,
        encodings: tuple[str, ...],
    ) -> Iterable[bytes]:
        """Flask's answer, kept when the view said what its page showed."""
        environ.pop(SHOWN, None)
        sent: list[tuple[str, list[tuple[str, str]]]] = []

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            sent.append((status, list(headers)))
            return start_response(status, headers, exc_info)

        result = self.app(environ, capture)
        shown = environ.get(SHOWN)
        if not isinstance(shown, Shown) or not sent or not sent[-1][0].startswith("200 "):
            return result
        if any(name.lower() == "set-cookie" for name, _ in sent[-1][1]):
            return result  # for this visitor alone (the buttons never set one)
        try:
            body = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        status, headers = sent[-1]
        key: Key = (query, None if shown.lang_given else language, encodings)
        self._keep(key, Kept(shown, status, headers, body, self._size(key, headers, body)))
        return [body]

    @staticmethod
    def _size(key: Key, headers: list[tuple[str, str]], body: bytes) -> int:
        heads = sum(len(name) + len(value) for name, value in headers)
        return OVERHEAD + len(body) + heads + len(key[0]) + len(key[1] or "")

    def _keep(self, key: Key, kept: Kept) -> None:
        if kept.size > self.max_bytes // 8:  # one huge page must not empty the memo
            return
        with self._lock:
            self._pages.put(key, kept)

    @property
    def max_bytes(self) -> int:
        return self._pages.max_bytes

    @max_bytes.setter
    def max_bytes(self, value: int) -> None:
        self._pages.max_bytes = value

    def kept_bytes(self) -> int:
        return self._pages.nbytes

    def __len__(self) -> int:
        return len(self._pages)

    def clear(self) -> None:
        with self._lock:
            self._pages.clear()
