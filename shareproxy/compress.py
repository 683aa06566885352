"""Compression of what shareproxy sends: the one place that encodes a body.

- Static files (the buttons' CSS and JS, the loader, the admin console's styles) are
  compressed once, when the process starts, at the strongest settings (brotli quality 11,
  gzip by zopfli), and served from memory.
- Pages and other answers of at least ``MIN_SIZE`` bytes in a text type are compressed
  when they are sent (brotli quality 5, gzip level 6). The same page is often sent many
  times over (the buttons of one article to all its readers), so the last bodies
  compressed are kept, bounded by ``MEMO_BYTES``, and sent again without compressing.
- The client's ``Accept-Encoding`` decides: brotli where accepted, else gzip, else none.
  Every answer that could have been compressed says ``Vary: Accept-Encoding``; smaller
  ones (share counts, most badges) are sent as they are and do not vary.

Brotli comes from Google's ``brotli`` package, zopfli from the ``zopfli`` package (see the
README's Dependencies).
"""

from __future__ import annotations

import gzip
import hashlib
import re
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import brotli
import zopfli.gzip
from werkzeug.wrappers import Request, Response

if TYPE_CHECKING:
    from flask import Flask

MIN_SIZE = 512  # bytes: below this the encoding's own overhead eats most of the gain
MEMO_BYTES = 4 * 1024 * 1024  # dynamic bodies kept compressed (their size, both encodings)
# Static gzip: zopfli, a deflate encoder that searches much longer for the same format
# (1-3 % smaller than level 9; about a second at start for every static file).
ZOPFLI = 10
ZOPFLI_ITERATIONS = 5  # more iterations gain a byte or two on these files
STATIC_QUALITY = {"br": 11, "gzip": ZOPFLI}
DYNAMIC_QUALITY = {"br": 5, "gzip": 6}
ENCODINGS = ("br", "gzip")  # in order of preference
COMPRESSIBLE = frozenset({
    "text/html", "text/css", "text/javascript", "text/plain", "text/xml", "text/markdown",
    "application/javascript", "application/json", "application/xml", "application/rss+xml",
    "application/atom+xml", "application/manifest+json", "image/svg+xml", "image/x-icon",
})  # fmt: skip
_TOKEN = re.compile(r"^\s*([a-z0-9*_-]+)\s*(?:;\s*q\s*=\s*([0-9.]+)\s*)?$", re.I)
_MAX_HEADER = 512  # longer Accept-Encoding values are not remembered (and rarely sent)
_MAX_REMEMBERED = 256


def encode(body: bytes, encoding: str, quality: int) -> bytes:
    """``body`` in ``encoding``; gzip above level 9 (``ZOPFLI``) is zopfli's deflate."""
    if encoding == "br":
        out: bytes = brotli.compress(body, quality=quality)
        return out
    if quality == ZOPFLI:
        packed: bytes = zopfli.gzip.compress(body, numiterations=ZOPFLI_ITERATIONS)
        return packed
    return gzip.compress(body, compresslevel=quality, mtime=0)


def _q(value: str | None) -> float:
    if value is None:
        return 1.0
    try:
        return min(max(float(value), 0.0), 1.0)
    except ValueError:
        return 0.0


def parse_accept(header: str) -> tuple[str, ...]:
    """The encodings of ``ENCODINGS`` the client accepts, best first (RFC 9110 12.5.3:
    ``q=0`` refuses, ``*`` stands for any encoding not named)."""
    named: dict[str, float] = {}
    star: float | None = None
    for part in header.split(","):
        m = _TOKEN.match(part)
        if not m:
            continue
        token, q = m.group(1).lower(), _q(m.group(2))
        if token == "*":
            star = q
        elif token == "x-gzip":
            named.setdefault("gzip", q)
        else:
            named[token] = q
    ranked = []
    for rank, encoding in enumerate(ENCODINGS):
        q = named.get(encoding, star if star is not None else 0.0)
        if q > 0:
            ranked.append((-q, rank, encoding))
    return tuple(encoding for _, _, encoding in sorted(ranked))


_accepted: dict[str, tuple[str, ...]] = {}


def accepted(header: str) -> tuple[str, ...]:
    """:func:`parse_accept`, remembered: browsers send a handful of distinct values."""
    found = _accepted.get(header)
    if found is None:
        found = parse_accept(header)
        if len(header) <= _MAX_HEADER:
            if len(_accepted) >= _MAX_REMEMBERED:
                _accepted.clear()
            _accepted[header] = found
    return found


@dataclass(frozen=True)
class Variants:
    """One body and its compressed forms (only those smaller than the body)."""

    body: bytes
    encoded: dict[str, bytes] = field(default_factory=dict)
    etag: str = ""

    @classmethod
    def of(cls, body: bytes, quality: dict[str, int]) -> Variants:
        encoded = {}
        for encoding in ENCODINGS:
            packed = encode(body, encoding, quality[encoding])
            if len(packed) < len(body):
                encoded[encoding] = packed
        return cls(body, encoded, hashlib.sha256(body).hexdigest()[:20])

    def size(self) -> int:
        return len(self.body) + sum(len(v) for v in self.encoded.values())

    def choose(self, accept: str) -> tuple[str | None, bytes]:
        """(encoding or None, bytes to send) for a client's Accept-Encoding."""
        for encoding in accepted(accept):
            packed = self.encoded.get(encoding)
            if packed is not None:
                return encoding, packed
        return None, self.body


_static: dict[bytes, Variants] = {}
_static_lock = threading.Lock()


def static(body: bytes) -> Variants:
    """The variants of a static file's ``body``, compressed at the strongest settings once
    per process (call it when the process starts, as the asset tables do)."""
    found = _static.get(body)
    if found is None:
        found = Variants.of(body, STATIC_QUALITY)
        with _static_lock:
            _static[body] = found
    return found


class Memo:
    """Dynamic bodies recently compressed, least recently used first out, bounded in bytes."""

    def __init__(self, max_bytes: int = MEMO_BYTES):
        self.max_bytes = max_bytes
        self._items: OrderedDict[bytes, Variants] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, body: bytes) -> Variants:
        with self._lock:
            found = self._items.get(body)
            if found is not None:
                self._items.move_to_end(body)
                return found
        found = Variants.of(body, DYNAMIC_QUALITY)
        size = found.size()
        if size > self.max_bytes // 8:  # one huge body must not empty the memo
            return found
        with self._lock:
            if body not in self._items:
                self._items[body] = found
                self._bytes += size
                while self._bytes > self.max_bytes:
                    _, dropped = self._items.popitem(last=False)
                    self._bytes -= dropped.size()
        return found

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0


MEMO = Memo()


def compressible(resp: Response) -> bool:
    """A complete answer in a text type, big enough to be worth compressing."""
    return (
        resp.status_code == 200
        and not resp.direct_passthrough
        and not resp.is_streamed
        and "Content-Encoding" not in resp.headers
        and resp.mimetype in COMPRESSIBLE
        and (resp.content_length or 0) >= MIN_SIZE
    )


def choose(body: bytes, accept: str) -> tuple[str | None, bytes]:
    """The encoding of ``body`` to send a client that accepts ``accept`` (None: as it is),
    and the bytes: from the static variants when it is a static file's, else compressed
    now (or from the memo)."""
    return (_static.get(body) or MEMO.get(body)).choose(accept)


def respond(resp: Response, request: Request) -> Response:
    """Encode ``resp`` as ``request`` accepts, if it is compressible: from the static
    variants when its body is a static file's, else compressed now (or from the memo)."""
    if not compressible(resp):
        return resp
    resp.vary.add("Accept-Encoding")
    encodings = accepted(request.headers.get("Accept-Encoding", ""))
    if not encodings:
        return resp
    encoding, data = choose(resp.get_data(), request.headers.get("Accept-Encoding", ""))
    if encoding is None:
        return resp
    resp.set_data(data)
    resp.headers["Content-Encoding"] = encoding
    etag, weak = resp.get_etag()
    if etag:  # a strong validator differs per encoding
        resp.set_etag(f"{etag}-{encoding}", weak=bool(weak))
        if request.if_none_match:  # the view compared the plain one: compare again
            resp.make_conditional(request)
    return resp


# --- serving


@dataclass(frozen=True)
class StaticFile:
    mimetype: str
    variants: Variants
    modified: float


def load_static(folder: str) -> dict[str, StaticFile]:
    """Every compressible file under ``folder`` (by its relative path with ``/``), read and
    compressed now."""
    import mimetypes
    import os

    found: dict[str, StaticFile] = {}
    for root, _, names in os.walk(folder):
        for name in sorted(names):
            path = os.path.join(root, name)
            mimetype = mimetypes.guess_type(name)[0] or ""
            if mimetype not in COMPRESSIBLE:
                continue
            with open(path, "rb") as fh:
                body = fh.read()
            rel = os.path.relpath(path, folder).replace(os.sep, "/")
            found[rel] = StaticFile(mimetype, static(body), os.path.getmtime(path))
    return found


def warm(folder: str | None, preload: Iterable[bytes] = ()) -> dict[str, StaticFile]:
    """Compress the static files under ``folder`` and the bodies in ``preload`` (files
    other views serve) now. gunicorn's master calls it before the workers fork, so they
    start with the work done; a process on its own does it in :func:`install`."""
    for body in preload:
        static(body)
    return load_static(folder) if folder else {}


def install(app: Flask, preload: Iterable[bytes] = ()) -> None:
    """Compress ``app``'s answers: static files from memory (``preload`` holds bodies that
    other views serve, compressed now), everything else as it is sent."""
    from flask import request

    files = warm(app.static_folder, preload)
    flask_static = app.view_functions.get("static")

    def serve_static(filename: str) -> Any:
        found = files.get(filename)
        if found is None:
            assert flask_static is not None
            return flask_static(filename=filename)
        resp = Response(found.variants.body, mimetype=found.mimetype)
        resp.headers["Cache-Control"] = "no-cache"  # revalidated with the ETag, as Flask does
        resp.set_etag(found.variants.etag)
        resp.last_modified = datetime.fromtimestamp(found.modified, UTC)
        respond(resp, request)
        return resp.make_conditional(request)

    if flask_static is not None:
        app.view_functions["static"] = serve_static

    @app.after_request
    def compress_answer(resp: Response) -> Response:
        return respond(resp, request)
