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

A page not kept may still be answered without Flask: the buttons face's :attr:`shortcut`
renders a page whose shape it knows (shareproxy/pageshape.py: the same options, language
and counts shown, another URL or title) from the request alone, and says its shape in
its :class:`Shown`. Every page of a shape has the same headers but its length: this layer
keeps the status and headers Flask sent for each shape and accepted encoding, and sends
the shortcut's page with them, compressed as Flask would (:func:`compress.choose`). A
request the shortcut does not answer, or whose shape and encoding Flask has not answered
yet, goes to Flask.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterable
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
# a page rendered without Flask from its request (WSGI environ), or None: what it shows, HTML
Shortcut = Callable[[dict[str, Any]], "tuple[Shown, str] | None"]
MAX_HEADS = 512  # shapes x Accept-Encoding values whose headers are kept
MAX_ACCEPT = 200  # the longest Accept-Encoding a shape's headers are kept for


@dataclass(frozen=True, slots=True)
class Shown:
    """What a page showed of the counts: :meth:`Counts.at_once` for ``url`` and the
    ``wanted`` networks answered ``found`` and ``pending`` (nothing asked: both empty)."""

    url: str
    wanted: tuple[str, ...]
    found: dict[str, int]
    pending: list[str]
    lang_given: bool  # the query named the language: Accept-Language changes nothing
    shape: Hashable = None  # pages of one shape (not None) are sent with the same headers


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
        self.shortcut: Shortcut | None = None
        # (shape, Accept-Encoding) -> status and headers Flask sent a page of that shape
        self._heads: SizedLRU[tuple[Hashable, str], tuple[str, list[tuple[str, str]]]]
        self._heads = SizedLRU(MAX_HEADS, 1 << 30, lambda *_: 1)

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
        if self.shortcut is not None:
            answer = self._shortcut(environ, query, language, encodings)
            if answer is not None:
                status, headers, body = answer
                metrics.TALLY.add(ENDPOINT, ())
                start_response(status, list(headers))
                return [body]
        return self._render(environ, start_response, query, language, encodings)

    def _shortcut(
        self, environ: dict[str, Any], query: str, language: str, encodings: tuple[str, ...]
    ) -> tuple[str, list[tuple[str, str]], bytes] | None:
        """The page the shortcut renders, with the headers Flask sent its shape, encoded as
        Flask encodes it; kept as Flask's would be. None: Flask answers."""
        accept = environ.get("HTTP_ACCEPT_ENCODING", "")
        if len(accept) > MAX_ACCEPT:
            return None
        found = self.shortcut(environ) if self.shortcut is not None else None
        if found is None:
            return None
        shown, html = found
        head = self._heads.get((shown.shape, accept))
        if head is None:
            return None
        with self._lock:
            if (shown.shape, accept) in self._heads:
                self._heads.touch((shown.shape, accept))
        status, sent = head
        body = html.encode()
        if len(body) < compress.MIN_SIZE:  # Flask would send it otherwise (not compressed)
            return None
        encoding: str | None = None
        if encodings:
            encoding, body = compress.choose(body, accept)
        if encoding != _value(sent, "Content-Encoding"):
            return None
        length = str(len(body))
        headers = [(n, length if n == "Content-Length" else v) for n, v in sent]
        key: Key = (query, None if shown.lang_given else language, encodings)
        self._keep(key, Kept(shown, status, headers, body, self._size(key, headers, body)))
        return status, headers, body

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
        accept = environ.get("HTTP_ACCEPT_ENCODING", "")
        if shown.shape is not None and len(accept) <= MAX_ACCEPT and _compressed(headers):
            with self._lock:
                self._heads.put((shown.shape, accept), (status, headers))
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
            self._heads.clear()


def _value(headers: list[tuple[str, str]], name: str) -> str | None:
    return next((v for n, v in headers if n == name), None)


def _compressed(headers: list[tuple[str, str]]) -> bool:
    """Whether Flask's compression saw the page (``Vary: Accept-Encoding``): a page of the
    same shape, as long, is sent the same way."""
    return "Accept-Encoding" in (_value(headers, "Vary") or "")
