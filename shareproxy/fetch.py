"""The only module that talks HTTP to the networks.

Kept-alive connections per host and process (a small HTTP/1.1 client of its own: a general
client's per-call work cost several times the call's own system calls), a timeout on every
call (connecting, reading, and the whole call), a cap on the body size, no redirects
followed, no proxy from the environment, no cookies, and an honest User-Agent. Network
modules build requests and read answers; this module sends them, and fetches tokens where
a network needs one.
"""

from __future__ import annotations

import email.utils
import json
import re
import select
import socket
import ssl
import threading
import time
import weakref
import zlib
from base64 import b64encode
from typing import Any, Protocol
from urllib.parse import urlencode, urlsplit, urlunsplit

import certifi

from ._version import __version__
from .guard import Guard, GuardError
from .networks import COUNT_NETWORKS
from .networks.base import (
    CountError,
    Credentials,
    Network,
    NotConfigured,
    RateLimited,
    UpstreamFailure,
    UpstreamRequest,
    UpstreamResponse,
)
from .settings import Settings

CHUNK = 16 * 1024
MAX_LINE = 65_536  # bytes of the status line and of each header line
MAX_HEADERS = 100
# What the answers may be compressed with: gzip and deflate, decoded here within the body
# cap (the answers are small; an answer in another encoding is a failure).
ACCEPT_ENCODING = "gzip, deflate"
DEFAULT_PORTS = {"http": 80, "https": 443}
Host = tuple[str, str, int]  # scheme, host, port
# what a request line or header may not hold (a value with CR or LF would add headers)
_UNSAFE = re.compile(r"[\x00-\x1f\x7f]")
_UNSAFE_PATH = re.compile(r"[\x00-\x20\x7f]")


class NotHTTP(Exception):
    """The server's answer is not HTTP/1.x as this client reads it, or stopped short."""


class Connection:
    """One kept-alive connection: its socket, and what was received and not read yet.

    Reads HTTP/1.x answers itself (a status line, at most ``MAX_HEADERS`` header lines of
    at most ``MAX_LINE`` bytes, then a body by Content-Length, in chunks, or up to the
    connection's end): a general client's per-answer work (a file object per answer, an
    email parser for the headers) cost more CPU than the call's own system calls.
    """

    __slots__ = ("sock", "buf")

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buf = b""

    def close(self) -> None:
        self.sock.close()

    def _fill(self) -> bool:
        data = self.sock.recv(CHUNK)
        self.buf += data
        return bool(data)

    def readline(self) -> bytes:
        while True:
            end = self.buf.find(b"\n", 0, MAX_LINE + 1)
            if end >= 0:
                line, self.buf = self.buf[: end + 1], self.buf[end + 1 :]
                return line
            if len(self.buf) > MAX_LINE:
                raise NotHTTP("line too long")
            if not self._fill():
                raise NotHTTP("closed before the answer's end")

    def read(self, size: int, deadline: float) -> bytes:
        """Exactly ``size`` bytes."""
        while len(self.buf) < size:
            if time.monotonic() > deadline:
                raise UpstreamFailure("answer too slow", kind="timeout")
            if not self._fill():
                raise NotHTTP("answer cut short")
        data, self.buf = self.buf[:size], self.buf[size:]
        return data

    def read_to_end(self, limit: int, deadline: float) -> bytes:
        """Everything up to the connection's end (an answer without a length)."""
        while True:
            if len(self.buf) > limit:
                raise UpstreamFailure("answer too large", kind="too_large")
            if time.monotonic() > deadline:
                raise UpstreamFailure("answer too slow", kind="timeout")
            if not self._fill():
                break
        data, self.buf = self.buf, b""
        return data

    def send(
        self, method: str, path: str, host: str, headers: dict[str, str], body: bytes | None
    ) -> None:
        if _UNSAFE_PATH.search(path) or _UNSAFE.search(method):
            raise ValueError("a request line with control characters")
        lines = [f"{method} {path} HTTP/1.1", f"Host: {host}"]
        for name, value in headers.items():
            if _UNSAFE.search(name) or _UNSAFE.search(value) or ":" in name:
                raise ValueError("a header with control characters")
            lines.append(f"{name}: {value}")
        if body is not None or method in ("POST", "PUT", "PATCH"):
            lines.append(f"Content-Length: {len(body or b'')}")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        self.sock.sendall(head + body if body else head)

    def answer(
        self, method: str, limit: int, deadline: float
    ) -> tuple[int, dict[str, str], bytes, bool]:
        """(status, headers by lower-case name, body, whether the connection serves
        another call). Raises NotHTTP, OSError, or UpstreamFailure (too large, too slow);
        a 429 or 5xx is returned before its body is read."""
        while True:
            version, status = self._status()
            headers = self._headers()
            if not 100 <= status < 200:
                break
            if status == 101:
                raise NotHTTP("switching protocols")
        tokens = {t.strip().lower() for t in headers.get("connection", "").split(",")}
        kept = version == "HTTP/1.1" and "close" not in tokens
        if status == 429 or status >= 500:
            return status, headers, b"", False
        if method == "HEAD" or status in (204, 304):
            return status, headers, b"", kept
        coding = headers.get("transfer-encoding", "").rsplit(",", 1)[-1].strip().lower()
        if coding == "chunked":
            return status, headers, self._chunked(limit, deadline), kept
        if "transfer-encoding" in headers:  # another coding last: up to the end
            return status, headers, self.read_to_end(limit, deadline), False
        length = headers.get("content-length")
        if length is None:
            return status, headers, self.read_to_end(limit, deadline), False
        sizes = {v.strip() for v in length.split(",")}
        size = sizes.pop() if len(sizes) == 1 else ""
        if not size.isdigit():
            raise NotHTTP("a Content-Length that is not one number")
        if int(size) > limit:
            raise UpstreamFailure("answer too large", kind="too_large")
        return status, headers, self.read(int(size), deadline), kept

    def _status(self) -> tuple[str, int]:
        parts = self.readline().decode("latin-1").split(None, 2)
        if len(parts) < 2 or parts[0] not in ("HTTP/1.1", "HTTP/1.0"):
            raise NotHTTP("not an HTTP/1 status line")
        code = parts[1]
        if len(code) != 3 or not code.isdigit():
            raise NotHTTP("not an HTTP status")
        return parts[0], int(code)

    def _headers(self) -> dict[str, str]:
        headers: dict[str, str] = {}
        for _ in range(MAX_HEADERS + 1):
            line = self.readline()
            if line in (b"\r\n", b"\n"):
                return headers
            name, colon, value = line.decode("latin-1").partition(":")
            name = name.lower()
            if not colon or not name or name != name.strip() or _UNSAFE.search(name):
                raise NotHTTP("not a header line")
            value = value.strip()
            headers[name] = f"{headers[name]}, {value}" if name in headers else value
        raise NotHTTP("too many headers")

    def _chunked(self, limit: int, deadline: float) -> bytes:
        body = bytearray()
        while True:
            size_text = self.readline().split(b";", 1)[0].strip()
            try:
                size = int(size_text, 16)
            except ValueError:
                raise NotHTTP("not a chunk size") from None
            if size < 0 or size_text.startswith((b"+", b"-", b"0x", b"0X")):
                raise NotHTTP("not a chunk size")
            if size == 0:
                break
            if len(body) + size > limit:
                raise UpstreamFailure("answer too large", kind="too_large")
            body += self.read(size, deadline)
            if self.read(2, deadline) != b"\r\n":
                raise NotHTTP("a chunk without its end")
        self._headers()  # trailers, if any: read and left
        return bytes(body)


def _closed_by_peer(sock: socket.socket) -> bool:
    """Is an idle kept-alive connection unusable (closed by the server, or sent
    something unasked)? Either makes it readable."""
    poll = select.poll()
    poll.register(sock, select.POLLIN)
    return bool(poll.poll(0))


class Connections:
    """Kept-alive connections to each host, at most ``size`` idle per host; a connection
    serves one call at a time (taken, then given back once its answer was read whole)."""

    def __init__(self, size: int, timeout: float) -> None:
        self.size = size
        self.timeout = timeout
        self.tls = ssl.create_default_context(cafile=certifi.where())
        self._idle: dict[Host, list[Connection]] = {}
        self._lock = threading.Lock()
        # closed when the pool goes, if nobody called clear()
        weakref.finalize(self, _close_all, self._idle)

    def take(self, host: Host) -> Connection:
        while True:
            with self._lock:
                idle = self._idle.get(host)
                conn = idle.pop() if idle else None
            if conn is None:
                break
            if not conn.buf and not _closed_by_peer(conn.sock):
                return conn
            conn.close()
        scheme, name, port = host
        if scheme not in DEFAULT_PORTS:
            raise ValueError(f"no HTTP scheme: {scheme!r}")
        sock = socket.create_connection((name, port), timeout=self.timeout)
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if scheme == "https":
                sock = self.tls.wrap_socket(sock, server_hostname=name)
        except BaseException:
            sock.close()
            raise
        return Connection(sock)

    def give_back(self, host: Host, conn: Connection) -> None:
        with self._lock:
            idle = self._idle.setdefault(host, [])
            if len(idle) < self.size:
                idle.append(conn)
                return
        conn.close()

    def clear(self) -> None:
        with self._lock:
            _close_all(self._idle)


def _close_all(idle: dict[Host, list[Connection]]) -> None:
    for conns in list(idle.values()):
        for conn in conns:
            conn.close()
    idle.clear()


def _decoded(body: bytes, encoding: str, limit: int) -> bytes:
    """The body of an answer sent gzip- or deflate-compressed, within ``limit`` bytes."""
    if encoding in ("", "identity"):
        return body
    if encoding not in ("gzip", "x-gzip", "deflate"):
        raise UpstreamFailure(f"answer in an unknown encoding: {encoding}", kind="transport")
    # gzip or zlib header detected (47); raw deflate, which some servers send (-15)
    for wbits in (47, -15):
        inflate = zlib.decompressobj(wbits)
        try:
            out = inflate.decompress(body, limit + 1)
        except zlib.error:
            continue
        if len(out) > limit or inflate.unconsumed_tail:
            raise UpstreamFailure("answer too large", kind="too_large")
        return out
    raise UpstreamFailure("answer not decodable", kind="transport")


class Upstream(Protocol):
    """Whatever requests are sent for: a network, or an embed provider on fixed hosts.
    Its ``name`` picks the API_BASE_<NAME> setting that replaces scheme, host and port."""

    @property
    def name(self) -> str: ...


DEFAULT_RETRY_AFTER = 60.0
MAX_RETRY_AFTER = 24 * 3600.0


def parse_retry_after(value: str | None, now: float | None = None) -> float:
    """Seconds to wait from a Retry-After header (seconds or an HTTP date)."""
    if not value:
        return DEFAULT_RETRY_AFTER
    value = value.strip()
    if value.isdigit():
        return min(float(value), MAX_RETRY_AFTER)
    try:
        when = email.utils.parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return DEFAULT_RETRY_AFTER
    return min(max(when - (now or time.time()), 1.0), MAX_RETRY_AFTER)


def credentials(settings: Settings) -> Credentials:
    """The values of every setting a count API declares it reads (networks/<name>.py)."""
    return Credentials(
        {
            option.name: str(settings.get(option.name) or "")
            for net in COUNT_NETWORKS.values()
            if net.count is not None
            for option in net.count.options
        }
    )


class Fetcher:
    """Sends the networks' requests for one process."""

    def __init__(self, settings: Settings, pool_size: int | None = None):
        self.settings = settings
        self.timeout = float(settings.upstream_timeout)
        self.max_bytes = int(settings.upstream_max_bytes)
        size = pool_size or int(settings.upstream_workers)
        self.connections = Connections(size, self.timeout)
        contact = settings.contact or "https://github.com/shareproxy/shareproxy"
        self.headers = {
            "User-Agent": f"shareproxy/{__version__} (share count proxy; +{contact})",
            "Accept": "application/json, text/javascript;q=0.9, */*;q=0.5",
            "Accept-Encoding": ACCEPT_ENCODING,
        }
        self._tokens: dict[str, tuple[str, float]] = {}
        self._token_lock = threading.Lock()
        self.credentials = credentials(settings)

    def missing_credentials(self, network: Network) -> list[str]:
        assert network.count is not None
        return network.count.missing(self.credentials)

    def count(self, network: Network, url: str) -> int:
        """Ask ``network`` for the count of ``url``. Raises a CountError subclass."""
        api = network.count
        if api is None:
            raise NotConfigured(f"{network.name} has no count API")
        if self.missing_credentials(network):
            raise NotConfigured(f"{network.name} needs credentials")
        token = self._token(network) if api.auth else None
        resp = self.send(network, api.build(url, self.credentials, token))
        if resp.status == 401 and api.auth:
            with self._token_lock:
                self._tokens.pop(network.name, None)
        return api.extract(resp, url)

    def _token(self, network: Network) -> str:
        assert network.count is not None and network.count.auth is not None
        with self._token_lock:
            cached = self._tokens.get(network.name)
            if cached and cached[1] > time.monotonic():
                return cached[0]
        auth = network.count.auth
        token = auth.extract(self.send(network, auth.build(self.credentials)))
        with self._token_lock:
            # renew a minute early
            self._tokens[network.name] = (token.value, time.monotonic() + token.expires_in - 60)
        return token.value

    def target(self, network: Upstream, url: str) -> str:
        """The request URL, with scheme, host and port replaced by API_BASE_<NETWORK>."""
        base = self.settings.api_base(network.name)
        if not base:
            return url
        over = urlsplit(base)
        parts = urlsplit(url)
        return urlunsplit((over.scheme, over.netloc, parts.path, parts.query, ""))

    def send(
        self, network: Upstream, req: UpstreamRequest, max_bytes: int | None = None
    ) -> UpstreamResponse:
        """Send one request. 429 raises RateLimited; 5xx and transport failures raise
        UpstreamFailure; other answers are returned for the network to read. The body
        is read up to ``max_bytes`` (default UPSTREAM_MAX_BYTES)."""
        limit = self.max_bytes if max_bytes is None else max_bytes
        deadline = time.monotonic() + self.timeout
        url = self.target(network, req.url)
        if req.params:
            url += ("&" if urlsplit(url).query else "?") + urlencode(dict(req.params))
        headers = {**self.headers, **req.headers}
        body: bytes | None = None
        if req.data is not None:
            body = urlencode(dict(req.data)).encode()
            headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        elif req.json is not None:
            body = json.dumps(req.json, allow_nan=False).encode()
            headers.setdefault("Content-Type", "application/json")
        if req.auth is not None:
            pair = f"{req.auth[0]}:{req.auth[1]}".encode("latin-1")
            headers["Authorization"] = "Basic " + b64encode(pair).decode()
        parts = urlsplit(url)
        try:
            host = (parts.scheme, parts.hostname or "", parts.port or DEFAULT_PORTS[parts.scheme])
        except (KeyError, ValueError):
            raise UpstreamFailure("request failed: not an HTTP URL", kind="transport") from None
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        host_header = host[1] if ":" not in host[1] else f"[{host[1]}]"
        if host[2] != DEFAULT_PORTS[host[0]]:
            host_header += f":{host[2]}"
        conn: Connection | None = None
        kept = False
        try:
            conn = self.connections.take(host)
            conn.send(req.method, path, host_header, headers, body)
            status, got, read, kept = conn.answer(req.method, limit, deadline)
            if status == 429:
                raise RateLimited(parse_retry_after(got.get("retry-after")))
            if status >= 500:
                raise UpstreamFailure(f"HTTP {status}", kind="http_5xx")
            if time.monotonic() > deadline:
                raise UpstreamFailure("answer too slow", kind="timeout")
            encoding = got.get("content-encoding", "").strip().lower()
            return UpstreamResponse(status, _decoded(read, encoding, limit), got)
        except CountError:
            kept = False
            raise
        except TimeoutError:
            kept = False
            raise UpstreamFailure("timed out", kind="timeout") from None
        except (OSError, NotHTTP):
            # refused, unreachable, no such name, reset, TLS, not HTTP, cut short
            kept = False
            raise UpstreamFailure("connection failed", kind="connection") from None
        except ValueError as exc:
            kept = False
            name = type(exc).__name__
            raise UpstreamFailure(f"request failed: {name}", kind="transport") from None
        finally:
            if conn is not None:
                if kept:  # read whole: the connection serves the next call
                    self.connections.give_back(host, conn)
                else:  # a half-read answer: its connection is not used again
                    conn.close()

    def close(self) -> None:
        self.connections.clear()


def embed_sender(fetcher: Fetcher, guard: Guard) -> Any:
    """How embed previews reach their providers: providers on fixed hosts through
    ``fetcher`` (API_BASE_<NAME> applies); providers on any host (PeerTube, the
    fediverse) only through the address guard (public addresses only, no redirect
    elsewhere, bounded bodies). Both raise the same typed failures."""

    def send(provider: Any, req: UpstreamRequest, max_bytes: int) -> UpstreamResponse:
        if provider.api_base is not None:
            return fetcher.send(provider, req, max_bytes)
        url = req.url + ("?" + urlencode(dict(req.params)) if req.params else "")
        try:
            resp = guard.fetch(
                url, headers=dict(req.headers), max_bytes=max_bytes, timeout=fetcher.timeout
            )
        except GuardError as exc:
            raise UpstreamFailure(exc.reason, kind=f"guard_{exc.kind}") from None
        if resp.status == 429:
            raise RateLimited(parse_retry_after(resp.headers.get("retry-after")))
        if resp.status >= 500:
            raise UpstreamFailure(f"HTTP {resp.status}", kind="http_5xx")
        return UpstreamResponse(resp.status, resp.body, dict(resp.headers))

    return send
