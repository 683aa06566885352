"""The only module that talks HTTP to the networks.

One pool of kept-alive connections per process (urllib3's, without the ``requests`` layer
above it, whose per-call work cost as much as the call itself), a timeout on every call
(connecting, reading, and the whole call), a cap on the body size, no cookies, and an
honest User-Agent. Network modules build requests and read answers; this module sends
them, and fetches tokens where a network needs one.
"""

from __future__ import annotations

import email.utils
import json
import threading
import time
from base64 import b64encode
from typing import Any, Protocol
from urllib.parse import urlencode, urlsplit, urlunsplit

import certifi
import urllib3
from urllib3.exceptions import HTTPError, NewConnectionError
from urllib3.exceptions import TimeoutError as Urllib3Timeout

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
# What the answers may be compressed with: what urllib3 can decode here (gzip and deflate,
# brotli when it is installed, as it is for shareproxy's own compression).
ACCEPT_ENCODING = urllib3.util.make_headers(accept_encoding=True)["accept-encoding"]


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
        # No proxy or netrc from the environment, no retries, no redirects followed.
        self.pool = urllib3.PoolManager(
            num_pools=32,
            maxsize=size,
            retries=False,
            timeout=urllib3.Timeout(connect=self.timeout, read=self.timeout),
            ca_certs=certifi.where(),
        )
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
        try:
            r = self.pool.request(
                req.method,
                url,
                body=body,
                headers=headers,
                preload_content=False,
                redirect=False,
            )
            try:
                if r.status == 429:
                    raise RateLimited(parse_retry_after(r.headers.get("Retry-After")))
                if r.status >= 500:
                    raise UpstreamFailure(f"HTTP {r.status}", kind="http_5xx")
                length = r.headers.get("Content-Length", "")
                if length.isdigit() and int(length) > limit:
                    raise UpstreamFailure("answer too large", kind="too_large")
                read = bytearray()
                for chunk in r.stream(CHUNK):
                    read += chunk
                    if len(read) > limit:
                        raise UpstreamFailure("answer too large", kind="too_large")
                    if time.monotonic() > deadline:
                        raise UpstreamFailure("answer too slow", kind="timeout")
                return UpstreamResponse(r.status, bytes(read), dict(r.headers))
            except BaseException:
                r.close()  # a half-read answer: its connection is not used again
                raise
            finally:
                r.release_conn()
        except CountError:
            raise
        except NewConnectionError:  # refused, unreachable, no such name
            raise UpstreamFailure("connection failed", kind="connection") from None
        except Urllib3Timeout:
            raise UpstreamFailure("timed out", kind="timeout") from None
        except (urllib3.exceptions.ProtocolError, urllib3.exceptions.SSLError, OSError):
            raise UpstreamFailure("connection failed", kind="connection") from None
        except (HTTPError, ValueError) as exc:
            name = type(exc).__name__
            raise UpstreamFailure(f"request failed: {name}", kind="transport") from None

    def close(self) -> None:
        self.pool.clear()


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
