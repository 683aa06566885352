"""The only module that talks HTTP to the networks.

One pooled ``requests.Session`` per process, a timeout on every call (connecting, reading,
and the whole call), a cap on the body size, and an honest User-Agent. Network modules
build requests and read answers; this module sends them, and fetches tokens where a
network needs one.
"""

from __future__ import annotations

import email.utils
import threading
import time
from typing import Any, Protocol
from urllib.parse import urlencode, urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter

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
        self.session = requests.Session()
        self.session.trust_env = False  # no proxy or netrc surprises from the environment
        adapter = HTTPAdapter(pool_connections=32, pool_maxsize=size, max_retries=0)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        contact = settings.contact or "https://github.com/shareproxy/shareproxy"
        self.session.headers.update(
            {
                "User-Agent": f"shareproxy/{__version__} (share count proxy; +{contact})",
                "Accept": "application/json, text/javascript;q=0.9, */*;q=0.5",
            }
        )
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
        kwargs: dict[str, Any] = {
            "params": dict(req.params) or None,
            "headers": dict(req.headers) or None,
            "timeout": (self.timeout, self.timeout),
            "stream": True,
            "allow_redirects": False,
        }
        if req.data is not None:
            kwargs["data"] = dict(req.data)
        if req.json is not None:
            kwargs["json"] = req.json
        if req.auth is not None:
            kwargs["auth"] = req.auth
        try:
            with self.session.request(req.method, self.target(network, req.url), **kwargs) as r:
                if r.status_code == 429:
                    raise RateLimited(parse_retry_after(r.headers.get("Retry-After")))
                if r.status_code >= 500:
                    raise UpstreamFailure(f"HTTP {r.status_code}", kind="http_5xx")
                length = r.headers.get("Content-Length", "")
                if length.isdigit() and int(length) > limit:
                    raise UpstreamFailure("answer too large", kind="too_large")
                body = bytearray()
                for chunk in r.iter_content(CHUNK):
                    body += chunk
                    if len(body) > limit:
                        raise UpstreamFailure("answer too large", kind="too_large")
                    if time.monotonic() > deadline:
                        raise UpstreamFailure("answer too slow", kind="timeout")
                return UpstreamResponse(r.status_code, bytes(body), dict(r.headers))
        except CountError:
            raise
        except requests.Timeout:
            raise UpstreamFailure("timed out", kind="timeout") from None
        except requests.ConnectionError:
            raise UpstreamFailure("connection failed", kind="connection") from None
        except requests.RequestException as exc:
            name = type(exc).__name__
            raise UpstreamFailure(f"request failed: {name}", kind="transport") from None

    def close(self) -> None:
        self.session.close()


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
