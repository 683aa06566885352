"""The count request of the Shariff Wrapper WordPress plugin, read from a raw query string.

With "External API for share counts" set and "Request external API directly" ticked, the
plugin's script asks, from the visitor's page::

    <External API>url=<data-url>&services=<data-services>&timestamp=<data-timestamp>

The configured URL is a prefix (it ends in ``?``); ``data-url`` and ``data-services`` are
percent-encoded by the plugin (``a%7Cb``), ``data-timestamp`` is the post's modification
time (``undefined`` for the total-only shortcode). Without "directly", WordPress asks the
same from its own server as ``<External API>?url=…`` (so ``??url=`` when the prefix ends
in ``?``), with ``services`` as ``a|b`` and a stray ``"`` after the timestamp.

This module turns such a query into the page URL text and the names asked for; the page
URL is validated and normalised afterwards (``shareproxy.urls``), as for every request.
A request with ``services`` is the plugin's: a ``networks`` beside it does not apply and
is ignored.

Pages that write ``data-url`` unencoded send a raw URL, whose own ``?a=1&b=2`` the
browser leaves as it is, so its ``&b=2`` arrives as a parameter of ours. In the plugin's
order (``url`` first, ``services`` after it) the URL is everything up to the last
``&services=``, so it is recovered whole. Anywhere else it cannot be told apart from our
parameters: such a request is refused rather than counted for a page that was not asked
about. A raw URL's ``#fragment`` never reaches a server (the browser drops it and
everything after it, ``services`` included).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote_plus

from .networks import NETWORKS

# The plugin's service names that are ours under another name. Every other name is
# looked up as it is; what we do not know (``addthis``, ``paypal``, …) is ignored.
ALIASES: dict[str, str] = {"printer": "print", "mailto": "mail", "mailform": "mail"}
# Names that ask for the total only (the plugin's ``[shariff services="totalnumber"]``).
TOTALS = frozenset({"total", "totalnumber"})
MAX_NAMES = 100  # the plugin has about 30 services; more is not a page's request
KNOWN = frozenset({"url", "services", "timestamp", "networks"})
_SEPARATORS = re.compile(r"[|,]")
_ENCODED = re.compile(r"https?%3a", re.IGNORECASE)
_RAW = re.compile(r"https?:", re.IGNORECASE)


class Refused(ValueError):
    """The request cannot be read; the message is one line and repeats nothing sent."""


@dataclass(frozen=True)
class Request:
    url: str | None  # the page URL as sent (decoded), None when the query has none
    services: str  # the ``services`` value, decoded


@dataclass(frozen=True)
class Services:
    labels: tuple[tuple[str, str], ...]  # (name as asked, our network), in the order asked
    everything: bool  # no name given, or only the total: every network whose counts are on

    @property
    def networks(self) -> list[str]:
        """Our networks, once each, in the order asked."""
        seen: list[str] = []
        for _, ours in self.labels:
            if ours not in seen:
                seen.append(ours)
        return seen


def _pairs(query: str) -> list[tuple[str, str]]:
    """(name, raw value) of each ``name=value`` of a query string. Names are taken as they
    are: the plugin's are plain words, and a name in % escapes is not one of ours."""
    pairs = []
    for part in query.split("&"):
        if part:
            name, _, value = part.partition("=")
            pairs.append((name, value))
    return pairs


def page_url_text(raw: str) -> str:
    """The page URL a raw ``url`` value names: decoded when it was percent-encoded (twice
    when it was encoded twice), as it is when it came unencoded."""
    if _RAW.match(raw):
        return raw  # unencoded: its % escapes and + belong to the page URL
    text = unquote_plus(raw)
    if _ENCODED.match(text):
        text = unquote_plus(text)  # encoded twice
    return text


def read(query: str) -> Request | None:
    """The plugin's request in a raw query string; None when it has no ``services``
    (then it is a Shariff request, read as such). Raises :class:`Refused`."""
    if "services=" not in query:
        return None  # the Shariff format, the common case: nothing more to read
    query = query.lstrip("?")
    # an unencoded URL first: everything up to the last "&services=" is the URL
    unencoded = query.startswith("url=") and _RAW.match(query, len("url=")) is not None
    cut = query.rfind("&services=") if unencoded else -1
    if cut > 0:
        url_raw: str | None = query[len("url=") : cut]
        pairs = _pairs(query[cut + 1 :])
    else:
        pairs = _pairs(query)
        url_raw = next((value for name, value in pairs if name == "url"), None)
    names = [name for name, _ in pairs]
    if "services" not in names:
        return None
    if names.count("services") > 1:
        raise Refused("give 'services' once")
    if names.count("url") > (0 if cut > 0 else 1):
        raise Refused("give 'url' once")
    if cut < 0 and url_raw is not None and _RAW.match(url_raw):
        if any(name not in KNOWN for name in names):
            raise Refused(
                "url is not percent-encoded and where it ends is unclear: encode it, "
                "or send url first and services after it"
            )
    services = next(value for name, value in pairs if name == "services")
    return Request(
        None if url_raw is None else page_url_text(url_raw),
        unquote_plus(services),
    )


def services(text: str) -> Services:
    """The names of ``services`` (separated by ``|`` or ``,``) mapped to our networks;
    names we do not know are left out. Raises :class:`Refused` for too many names."""
    parts = _SEPARATORS.split(text)
    if len(parts) > MAX_NAMES:
        raise Refused(f"'services' names more than {MAX_NAMES} services")
    labels: list[tuple[str, str]] = []
    named = False
    for part in parts:
        name = part.strip().lower()
        if not name or name in TOTALS:
            continue
        named = True
        ours = ALIASES.get(name, name)
        if ours in NETWORKS and (name, ours) not in labels:
            labels.append((name, ours))
    return Services(tuple(labels), everything=not named)
