"""Fetch an https URL on a host someone else chose, without a door into our own network.

Fediverse sharing asks the visitor's server which software it runs, embeds fetch previews
from PeerTube instances and fediverse posts: in each case a visitor names the host. Every
such request goes through :class:`Guard`, and only through it:

- only ``https`` URLs on port 443, no user name or password in them;
- the name is resolved **once**; every address it resolves to must be public unicast (no
  loopback, private, link-local, unique-local, carrier-grade NAT, multicast, reserved,
  unspecified or documentation address, nor an IPv4-mapped, IPv4-compatible, 6to4, Teredo
  or NAT64 form of one); one bad address refuses the name;
- the connection goes to a checked address, never to the name: nothing resolves it a second
  time, so a DNS answer that changes between the check and the connection cannot steer it.
  TLS still sends the name (SNI) and checks the certificate against it, and the ``Host``
  header carries it;
- a redirect is followed only to a URL that passes the same checks, at most a few times;
- the answer's body is read up to a small limit (64 KB unless the caller asks otherwise),
  and the whole exchange (DNS included) ends after a short total timeout.

An operator can vouch for hosts with a resolve map, like curl's ``--resolve``:
``social.example=http://127.0.0.1:8081`` fetches ``https://social.example/...`` at
``http://127.0.0.1:8081/...`` (``Host: social.example``), skipping the address checks. It
is for tests and private deployments; unmapped hosts always get the full guard.

Every failure is a :class:`GuardError` with a ``kind`` (for metrics) and a one-line reason
that never repeats the host name or its addresses (callers may show it to a visitor).
"""

from __future__ import annotations

import http.client
import ipaddress
import json
import os
import re
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

from .failures import Failure

DEFAULT_TIMEOUT = 2.0  # seconds for a whole fetch, redirects and DNS included
DEFAULT_MAX_BYTES = 64 * 1024
DEFAULT_MAX_REDIRECTS = 3
DEFAULT_CONCURRENCY = 16  # fetches in flight per Guard (per worker process)
MAX_URL = 2048
CHUNK = 16 * 1024
REDIRECTS = frozenset({301, 302, 303, 307, 308})

IP = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, float], list[str]]

_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_BASE = re.compile(r"^(https?)://([^/?#\s@]+)$")


# --- failures


class GuardError(Failure):
    """A guarded fetch that did not happen or did not finish; ``str()`` is the reason."""

    @property
    def reason(self) -> str:
        return str(self)


class Refused(GuardError, kind="refused"):
    """The URL, or an address its name resolves to, is not allowed: no connection was made."""


class Unresolvable(GuardError, kind="dns"):
    """The name does not resolve (or not within the time left)."""


class FetchFailed(GuardError, kind="failed"):
    """Connecting, TLS, the HTTP exchange or the answer failed (timeout, too large, …)."""


# --- addresses


_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")
_6TO4 = ipaddress.ip_network("2002::/16")


def address_problem(ip: IP) -> str | None:
    """What makes ``ip`` unfit for a server-side request, or None for public unicast."""
    if isinstance(ip, ipaddress.IPv6Address):
        embedded: ipaddress.IPv4Address | None = None
        if ip.ipv4_mapped is not None:  # ::ffff:a.b.c.d
            embedded = ip.ipv4_mapped
        elif ip in _NAT64:  # 64:ff9b::a.b.c.d
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        elif ip in _6TO4 and ip.sixtofour is not None:
            embedded = ip.sixtofour
        elif ip.teredo is not None:
            embedded = ip.teredo[1]
        elif ip.packed[:12] == bytes(12) and int(ip) > 1:  # IPv4-compatible ::a.b.c.d
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            inner = address_problem(embedded)
            if inner:
                return inner
        if ip in _NAT64_LOCAL:
            return "private"
        if ip.packed[:12] == bytes(12) and int(ip) > 1:
            return "reserved"  # IPv4-compatible ::a.b.c.d is deprecated and never routed
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip.is_multicast:
        return "multicast"
    if isinstance(ip, ipaddress.IPv4Address) and ip in _CGNAT:
        return "carrier-grade NAT"
    if isinstance(ip, ipaddress.IPv6Address) and ip in ipaddress.ip_network("fc00::/7"):
        return "unique-local"
    if isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local:
        return "site-local"
    if ip.is_reserved:
        return "reserved"
    if ip.is_private or not ip.is_global:
        return "private"
    return None


def parse_ip(text: str) -> IP | None:
    """An IP address literal (``[v6]`` brackets and a ``%zone`` allowed), else None."""
    text = text.strip().removeprefix("[").removesuffix("]").split("%", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


# --- the resolve map


def parse_resolve_map(raw: str | Iterable[str]) -> dict[str, str]:
    """``host=scheme://addr:port,…`` (or a list of such items) → {host: base URL}.

    Raises ValueError naming the first item that is not a host name and a base URL.
    """
    items = raw.split(",") if isinstance(raw, str) else list(raw)
    out: dict[str, str] = {}
    for item in items:
        item = str(item).strip()
        if not item:
            continue
        host, sep, base = item.partition("=")
        name = normal_name(host)
        base = base.strip().rstrip("/")
        if not sep or name is None or not _BASE.match(base):
            raise ValueError(f"expected host=http://address:port, got {item[:60]!r}")
        out[name] = base
    return out


def normal_name(host: str) -> str | None:
    """``host`` lower-cased, without a trailing dot, in ASCII (IDNA): or None if it is
    not a host name (IP literals are not names)."""
    host = host.strip().lower().rstrip(".")
    if not host or parse_ip(host) is not None:
        return None
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError:
        return None
    if len(ascii_host) > 253 or not all(_LABEL.match(p) for p in ascii_host.split(".")):
        return None
    return ascii_host


# --- DNS: once, with a deadline


_dns_pool: ThreadPoolExecutor | None = None
_dns_pid = 0
_dns_lock = threading.Lock()


def _pool() -> ThreadPoolExecutor:
    global _dns_pool, _dns_pid
    with _dns_lock:
        if _dns_pool is None or _dns_pid != os.getpid():  # threads do not survive a fork
            _dns_pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="guard-dns")
            _dns_pid = os.getpid()
        return _dns_pool


def system_resolver(name: str, timeout: float) -> list[str]:
    """Every address of ``name`` from the system's resolver, waiting at most ``timeout``."""

    def lookup() -> list[str]:
        infos = socket.getaddrinfo(name, 443, type=socket.SOCK_STREAM)
        return [str(info[4][0]) for info in infos]

    future = _pool().submit(lookup)
    try:
        return future.result(timeout=max(timeout, 0.001))
    except FutureTimeout:
        raise Unresolvable("the name did not resolve in time", kind="dns_timeout") from None
    except (socket.gaierror, UnicodeError, OSError):
        raise Unresolvable("the name does not resolve") from None


# --- answers


@dataclass(frozen=True)
class Response:
    url: str  # the final URL (after redirects), always https://name/…
    status: int
    headers: Mapping[str, str] = field(default_factory=dict)  # names in lower case
    body: bytes = b""

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError, RecursionError):
            raise FetchFailed("the answer is not JSON", kind="malformed") from None


@dataclass(frozen=True)
class _Target:
    url: str  # https://name/path?query, as requested (no fragment)
    name: str  # host name or IP literal, as in the Host header
    path: str  # path and query
    base: str | None  # the operator's base URL when the name is mapped


# --- the guard


class Guard:
    """Fetches https URLs on hosts named by visitors. Thread-safe; one per process is enough.

    ``resolver`` and ``https_port`` exist for tests (a DNS answer of their choosing, a
    listener on a free port standing in for 443); deployments leave them alone.
    """

    def __init__(
        self,
        *,
        resolve_map: Mapping[str, str] | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        max_bytes: int = DEFAULT_MAX_BYTES,
        max_redirects: int = DEFAULT_MAX_REDIRECTS,
        user_agent: str = "shareproxy",
        concurrency: int = DEFAULT_CONCURRENCY,
        resolver: Resolver | None = None,
        ssl_context: ssl.SSLContext | None = None,
        https_port: int = 443,
    ):
        self.resolve_map = {normal_name(k) or k: v for k, v in (resolve_map or {}).items()}
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.max_redirects = max_redirects
        self.user_agent = user_agent
        self.resolver: Resolver = resolver or system_resolver
        self.https_port = https_port
        if ssl_context is None:
            ssl_context = ssl.create_default_context()
            ssl_context.minimum_version = ssl.TLSVersion.TLSv1_2
        self.ssl_context = ssl_context
        self._slots = threading.BoundedSemaphore(concurrency)

    # -- checks that need no network

    def problem(self, ip: IP) -> str | None:
        """What makes ``ip`` unfit to connect to (see :func:`address_problem`)."""
        return address_problem(ip)

    def mapped(self, name: str) -> str | None:
        """The operator's base URL for ``name``, if it is in the resolve map."""
        return self.resolve_map.get(name)

    def check(self, url: str) -> _Target:
        """Parse ``url`` and apply every rule that needs no DNS. Raises Refused."""
        if len(url) > MAX_URL:
            raise Refused("the URL is too long", kind="url")
        try:
            parts = urlsplit(url.strip())
            port = parts.port
        except ValueError:
            raise Refused("the URL cannot be parsed", kind="url") from None
        if parts.scheme.lower() != "https":
            raise Refused("only https URLs are fetched", kind="scheme")
        if parts.username is not None or parts.password is not None:
            raise Refused("a URL with a user name or password is not fetched", kind="url")
        if port not in (None, 443):
            raise Refused("only port 443 is fetched", kind="port")
        raw_host = parts.hostname or ""
        if any(c in url for c in "\r\n\t\x00") or not raw_host:
            raise Refused("the URL has no valid host", kind="url")
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        ip = parse_ip(raw_host)
        if ip is not None:
            problem = self.problem(ip)
            if problem:
                raise Refused(f"the URL names a {problem} address", kind="address")
            host = f"[{ip}]" if ip.version == 6 else str(ip)
            return _Target(f"https://{host}{path}", host, path, None)
        name = normal_name(raw_host)
        if name is None:
            raise Refused("the URL has no valid host name", kind="url")
        return _Target(f"https://{name}{path}", name, path, self.mapped(name))

    # -- fetching

    def fetch(
        self,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        max_bytes: int | None = None,
        timeout: float | None = None,
    ) -> Response:
        """GET ``url``, following redirects that pass the same checks; return the final
        answer whatever its status (the caller judges it).

        Raises Refused, Unresolvable or FetchFailed (all GuardError).
        """
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        limit = self.max_bytes if max_bytes is None else max_bytes
        target = self.check(url)
        if not self._slots.acquire(timeout=max(deadline - time.monotonic(), 0)):
            raise FetchFailed("too many fetches at once", kind="busy")
        try:
            for hop in range(self.max_redirects + 1):
                try:
                    resp = self._once(target, headers or {}, limit, deadline)
                except Refused as exc:
                    if hop == 0:
                        raise
                    raise Refused(f"a redirect was refused: {exc}", kind="redirect") from None
                location = resp.headers.get("location")
                if resp.status not in REDIRECTS or not location:
                    return resp
                try:
                    target = self.check(urljoin(target.url, location.strip()))
                except Refused as exc:
                    raise Refused(f"a redirect was refused: {exc}", kind="redirect") from None
            raise Refused("too many redirects", kind="redirects")
        finally:
            self._slots.release()

    def _addresses(self, target: _Target, deadline: float) -> list[str]:
        """The checked addresses to connect to (one DNS resolution, every answer checked)."""
        ip = parse_ip(target.name)
        if ip is not None:
            return [str(ip)]  # literal: checked in check()
        found = self.resolver(target.name, deadline - time.monotonic())
        addresses: list[str] = []
        for text in found:
            parsed = parse_ip(text)
            if parsed is None:
                raise Unresolvable("the name resolved to something that is not an address")
            problem = self.problem(parsed)
            if problem:
                raise Refused(f"the name resolves to a {problem} address", kind="address")
            if str(parsed) not in addresses:
                addresses.append(str(parsed))
        if not addresses:
            raise Unresolvable("the name does not resolve")
        return addresses

    def _socket(self, target: _Target, deadline: float) -> tuple[socket.socket, bool]:
        """A TCP socket to a checked address (or to the operator's base); whether TLS
        must be set up on it."""
        if target.base is None:
            return _open(self._addresses(target, deadline), self.https_port, deadline), True
        parts = urlsplit(target.base)
        tls = parts.scheme == "https"
        port = parts.port or (443 if tls else 80)
        host = parts.hostname or ""
        if parse_ip(host) is not None:
            return _open([host], port, deadline), tls
        # the operator vouches for this base; a name in it is resolved as usual
        remaining = max(deadline - time.monotonic(), 0.001)
        try:
            return socket.create_connection((host, port), timeout=remaining), tls
        except OSError:
            raise FetchFailed("could not connect to the server", kind="connect") from None

    def _once(
        self, target: _Target, headers: Mapping[str, str], limit: int, deadline: float
    ) -> Response:
        raw, tls = self._socket(target, deadline)
        current = [raw]  # the socket to shut when time is up (the TLS one once set up)
        fired = threading.Event()

        def abort() -> None:  # the total timeout: unblock whatever read is waiting
            fired.set()
            try:
                current[0].shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raw.close()
            raise FetchFailed("timed out", kind="timeout")
        raw.settimeout(remaining)
        watchdog = threading.Timer(remaining, abort)
        watchdog.daemon = True
        watchdog.start()
        conn: http.client.HTTPConnection | None = None
        answer: http.client.HTTPResponse | None = None
        try:
            sock = raw
            if tls:
                try:
                    sock = self.ssl_context.wrap_socket(
                        raw, server_hostname=target.name.strip("[]")
                    )
                except ssl.SSLCertVerificationError:
                    raise FetchFailed(
                        "the certificate is not valid for the name", kind="tls"
                    ) from None
                except (ssl.SSLError, OSError):
                    if fired.is_set() or time.monotonic() >= deadline:
                        raise FetchFailed("timed out", kind="timeout") from None
                    raise FetchFailed("the TLS handshake failed", kind="tls") from None
                current[0] = sock
            conn = http.client.HTTPConnection(target.name.strip("[]"), timeout=None)
            conn.sock = sock  # connected already: http.client neither resolves nor connects
            sent = {
                "Host": target.name,
                "User-Agent": self.user_agent,
                "Accept": "application/json, */*;q=0.5",
                "Accept-Encoding": "identity",
                "Connection": "close",
            }
            sent.update(headers)
            conn.request("GET", target.path, headers=sent)
            answer = conn.getresponse()
            length = answer.getheader("Content-Length", "")
            if length.isdigit() and int(length) > limit:
                raise FetchFailed("the answer is too large", kind="too_large")
            body = bytearray()
            while True:
                chunk = answer.read(min(CHUNK, limit + 1 - len(body)))
                if not chunk:
                    break
                body += chunk
                if len(body) > limit:
                    raise FetchFailed("the answer is too large", kind="too_large")
            if fired.is_set():
                raise FetchFailed("timed out", kind="timeout")
            if answer.length:  # fewer bytes than Content-Length said
                raise FetchFailed("the answer was cut short", kind="protocol")
            return Response(
                target.url,
                answer.status,
                {k.lower(): v for k, v in answer.getheaders()},
                bytes(body),
            )
        except GuardError:
            raise
        except (OSError, http.client.HTTPException, ValueError):
            if fired.is_set() or time.monotonic() >= deadline:
                raise FetchFailed("timed out", kind="timeout") from None
            raise FetchFailed("the server's answer is not valid HTTP", kind="protocol") from None
        finally:
            watchdog.cancel()
            if answer is not None:
                answer.close()  # it owns the socket's file once the server says "close"
            if conn is not None:
                conn.close()
            current[0].close()
            raw.close()


def _open(addresses: list[str], port: int, deadline: float) -> socket.socket:
    """Connect to the first of these IP addresses that answers, in order, before the
    deadline. No name is involved: nothing here can ask DNS."""
    for address in addresses:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.settimeout(remaining)
        try:
            sock.connect((address, port))
            return sock
        except OSError:
            sock.close()
            continue
    if time.monotonic() >= deadline:
        raise FetchFailed("timed out", kind="timeout")
    raise FetchFailed("could not connect to the server", kind="connect")


def from_settings(settings: Any, **options: Any) -> Guard:
    """A Guard with the operator's resolve map (``SHAREPROXY_FEDIVERSE_RESOLVE``) and
    shareproxy's User-Agent; ``options`` (timeout, max_bytes, …) go to :class:`Guard`."""
    from ._version import __version__

    contact = getattr(settings, "contact", "") or "https://github.com/shareproxy/shareproxy"
    options.setdefault("user_agent", f"shareproxy/{__version__} (+{contact})")
    return Guard(resolve_map=parse_resolve_map(settings.fediverse_resolve), **options)


__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_TIMEOUT",
    "FetchFailed",
    "Guard",
    "GuardError",
    "Refused",
    "Response",
    "Unresolvable",
    "address_problem",
    "from_settings",
    "normal_name",
    "parse_resolve_map",
]
