"""Page URLs: validation, normalisation (the cache key) and the allowlist."""

from __future__ import annotations

import fnmatch
import ipaddress
import re
from collections.abc import Iterable
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

MAX_URL_LENGTH = 2048
DEFAULT_PORTS = {"http": 80, "https": 443}
# Characters left as they are in a path; everything else is percent-encoded.
_PATH_SAFE = "/%:@!$&'()*+,;=-._~"


class BadURL(ValueError):
    """The value is not a usable page URL. ``status`` is 400, or 403 for a host not allowed
    (``host`` then names it, normalised: letters, digits, ``-._`` or an IPv6 literal)."""

    def __init__(self, message: str, status: int = 400, host: str = ""):
        super().__init__(message)
        self.status = status
        self.host = host


_SPACE_OR_CONTROL = re.compile(r"[\x00-\x20\x7f]")
_HOST_CHARS = re.compile(r"[A-Za-z0-9._-]*")  # of a host in ASCII (IDNA applied)


def normalise(raw: str, tracking: Iterable[str] = ()) -> str:
    """The canonical form of an absolute http(s) URL, used as the cache key.

    Lower-case scheme and host, no default port, no fragment, no user info, no tracking
    parameters; path and query percent-encoded consistently. Idempotent.
    Raises BadURL for anything that is not an absolute http(s) URL of a sane length.
    """
    if not raw:
        raise BadURL("url is missing")
    if len(raw) > MAX_URL_LENGTH:
        raise BadURL(f"url is longer than {MAX_URL_LENGTH} characters")
    if _SPACE_OR_CONTROL.search(raw):
        raise BadURL("url contains spaces or control characters")
    try:
        parts = urlsplit(raw)
        port = parts.port
    except ValueError:
        raise BadURL("url is malformed") from None
    scheme = parts.scheme.lower()
    if not scheme:
        raise BadURL("url must be absolute (https://…)")
    if scheme not in DEFAULT_PORTS:
        raise BadURL("url must use http or https")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise BadURL("url must not contain user name or password")
    host = _host(parts.hostname or "")
    netloc = host if port in (None, DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    path = quote(parts.path or "/", safe=_PATH_SAFE)
    query = _query(parts.query, tuple(tracking))
    result = urlunsplit((scheme, netloc, path, query, ""))
    if len(result) > MAX_URL_LENGTH:
        raise BadURL(f"url is longer than {MAX_URL_LENGTH} characters")
    return result


def _host(host: str) -> str:
    host = host.lower().rstrip(".")
    if not host:
        raise BadURL("url has no host")
    if ":" in host:  # IPv6 literal
        try:
            return f"[{ipaddress.IPv6Address(host).compressed}]"
        except ValueError:
            raise BadURL("url has a malformed host") from None
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError:
        raise BadURL("url has a malformed host") from None
    if not _HOST_CHARS.fullmatch(ascii_host) or len(ascii_host) > 253:
        raise BadURL("url has a malformed host")
    if any(not label or len(label) > 63 for label in ascii_host.split(".")):
        raise BadURL("url has a malformed host")
    return ascii_host


def _query(query: str, tracking: tuple[str, ...]) -> str:
    if not query:
        return ""
    pairs = parse_qsl(query, keep_blank_values=True)
    kept = [(k, v) for k, v in pairs if not _is_tracking(k, tracking)]
    return urlencode(kept, quote_via=quote, safe="-._~")


def _is_tracking(name: str, tracking: tuple[str, ...]) -> bool:
    lowered = name.lower()
    return any(fnmatch.fnmatchcase(lowered, pattern.lower()) for pattern in tracking)


def host_of(url: str) -> str:
    """Host of an already normalised URL, without port or brackets."""
    host = urlsplit(url).hostname or ""
    return host


def host_allowed(host: str, allowed: Iterable[str]) -> bool:
    """Whether ``host`` is in the allowlist: exact hosts, or ``*.domain`` for subdomains."""
    host = host.lower().rstrip(".").strip("[]")
    if not host:
        return False
    for pattern in allowed:
        if pattern.startswith("*."):
            if host.endswith(pattern[1:]) and len(host) > len(pattern) - 1:
                return True
        elif host == pattern.strip("[]"):
            return True
    return False


def page_url(raw: str | None, allowed: Iterable[str], tracking: Iterable[str] = ()) -> str:
    """Validate a page URL from a request and return its normalised form.

    Raises BadURL with status 400 (malformed) or 403 (host not allowed).
    """
    url = normalise(raw or "", tracking)
    host = host_of(url)
    if not host_allowed(host, allowed):
        raise BadURL("url is on a host this server does not serve", status=403, host=host)
    return url


def origin_allowed(origin: str, allowed: Iterable[str]) -> bool:
    """Whether a browser ``Origin`` header names an allowed site (for CORS)."""
    if not origin or len(origin) > 300:
        return False
    try:
        parts = urlsplit(origin)
        parts.port  # noqa: B018 - raises for a malformed port
    except ValueError:
        return False
    if parts.scheme not in DEFAULT_PORTS or parts.path or parts.query or parts.username:
        return False
    return host_allowed(parts.hostname or "", allowed)
