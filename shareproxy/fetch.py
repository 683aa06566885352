"""The only module that talks HTTP to the networks.

Kept-alive connections per host and process (the standard library's ``http.client``, with a
small pool of its own: a general HTTP client's per-call work cost as much as the call
itself), a timeout on every call (connecting, reading, and the whole call), a cap on the
body size, no redirects followed, no proxy from the environment, no cookies, and an honest
User-Agent. Network modules build requests and read answers; this module sends them, and
fetches tokens where a network needs one.
"""

from __future__ import annotations

import email.utils
import http.client
import json
import select
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
# What the answers may be compressed with: gzip and deflate, decoded here within the body
# cap (the answers are small; an answer in another encoding is a failure).
ACCEPT_ENCODING = "gzip, deflate"
DEFAULT_PORTS = {"http": 80, "https": 443}
Host = tuple[str, str, int]  # scheme, host, port


def _closed_by_peer(sock: Any) -> bool:
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
        self._idle: dict[Host, list[http.client.HTTPConnection]] = {}
        self._lock = threading.Lock()
        # closed when the pool goes, if nobody called clear()
        weakref.finalize(self, _close_all, self._idle)

    def take(self, host: Host) -> http.client.HTTPConnection:
        with self._lock:
            idle = self._idle.get(host)
            conn = idle.pop() if idle else None
        while conn is not None:
            if conn.sock is not None and not _closed_by_peer(conn.sock):
                return conn
            conn.close()
            with self._lock:
                idle = self._idle.get(host)
                conn = idle.pop() if idle else None
        scheme, name, port = host
        if scheme == "https":
            return http.client.HTTPSConnection(name, port, timeout=self.timeout, context=self.tls)
        if scheme == "http":
            return http.client.HTTPConnection(name, port, timeout=self.timeout)
        raise ValueError(f"no HTTP scheme: {scheme!r}")

    def give_back(self, host: Host, conn: http.client.HTTPConnection) -> None:
        with self._lock:
            idle = self._idle.setdefault(host, [])
            if len(idle) < self.size:
                idle.append(conn)
                return
        conn.close()

    def clear(self) -> None:
        with self._lock:
            _close_all(self._idle)


def _close_all(idle: dict[Host, list[http.client.HTTPConnection]]) -> None:
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
        conn: http.client.HTTPConnection | None = None
        r: http.client.HTTPResponse | None = None
        kept = False
        try:
            conn = self.connections.take(host)
            conn.request(req.method, path, body=body, headers=headers)
            r = conn.getresponse()
            if r.status == 429:
                raise RateLimited(parse_retry_after(r.getheader("Retry-After")))
            if r.status >= 500:
                raise UpstreamFailure(f"HTTP {r.status}", kind="http_5xx")
            length = r.getheader("Content-Length", "")
            if length.isdigit() and int(length) > limit:
                raise UpstreamFailure("answer too large", kind="too_large")
            read = bytearray()
            while chunk := r.read(min(CHUNK, limit + 1 - len(read))):
                read += chunk
                if len(read) > limit:
                    raise UpstreamFailure("answer too large", kind="too_large")
                if time.monotonic() > deadline:
                    raise UpstreamFailure("answer too slow", kind="timeout")
            if r.length:  # fewer bytes than Content-Length said
                raise UpstreamFailure("answer cut short", kind="connection")
            encoding = (r.getheader("Content-Encoding") or "").strip().lower()
            answer = _decoded(bytes(read), encoding, limit)
            kept = not r.will_close  # read whole: the connection serves the next call
            return UpstreamResponse(r.status, answer, dict(r.getheaders()))
        except CountError:
            raise
        except TimeoutError:
            raise UpstreamFailure("timed out", kind="timeout") from None
        except (ValueError, http.client.InvalidURL) as exc:
            # refused before a byte was sent: a path or header with control characters
            name = type(exc).__name__
            raise UpstreamFailure(f"request failed: {name}", kind="transport") from None
        except (OSError, http.client.HTTPException):
            # refused, unreachable, no such name, reset, TLS, not HTTP
            raise UpstreamFailure("connection failed", kind="connection") from None
        finally:
            if r is not None:
                r.close()  # it owns the socket once the server said it closes the connection
            if conn is not None:
                if kept:
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
