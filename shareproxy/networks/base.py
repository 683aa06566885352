"""What a network is: every fact about it, declared in its own module.

Its name, label, colour and icon; its share link; where it has one, its count API with the
settings that API reads; where it has one, the official widget two-click mode loads. The
rest of shareproxy learns about networks from these declarations only (the registry in
``networks/__init__.py`` lists the modules).

A network module never sends a request. Its count API is a pair of pure functions:
``build`` makes the upstream request for a page URL and ``extract`` reads the count from
the answer, checking its shape. ``shareproxy.fetch`` sends the requests. A malformed answer
raises :class:`MalformedResponse`; it never becomes 0.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from markupsafe import escape

from ..failures import Failure

# --- typed failures of an upstream call


class CountError(Failure):
    """A count could not be had. ``kind`` is a short label used in metrics and the admin."""


class MalformedResponse(CountError, kind="malformed"):
    """The answer is not what the network documents (it never becomes 0)."""


class UpstreamFailure(CountError, kind="upstream"):
    """Connection error, timeout, an oversized body or a 5xx/4xx answer."""


class RateLimited(CountError, kind="rate_limited"):
    def __init__(self, retry_after: float):
        super().__init__(f"rate limited, retry after {retry_after:.0f}s")
        self.retry_after = retry_after


class NotConfigured(CountError, kind="not_configured"):
    """A setting the count API needs is not set."""


# --- what travels between a network module and the HTTP layer


@dataclass(frozen=True)
class UpstreamRequest:
    url: str
    method: str = "GET"
    params: Mapping[str, str] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    data: Mapping[str, str] | None = None  # form body
    json: Any = None  # JSON body
    auth: tuple[str, str] | None = None  # HTTP basic auth


@dataclass(frozen=True)
class UpstreamResponse:
    status: int
    body: bytes
    headers: Mapping[str, str]

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError, RecursionError):
            raise MalformedResponse("answer is not JSON") from None

    def text(self) -> str:
        try:
            return self.body.decode("utf-8")
        except UnicodeDecodeError:
            raise MalformedResponse("answer is not UTF-8 text") from None


@dataclass(frozen=True)
class Token:
    value: str
    expires_in: float


class Credentials(Mapping[str, str]):
    """The settings a network's count API may read (credentials and versions)."""

    def __init__(self, values: Mapping[str, str]):
        self._values = dict(values)

    def __getitem__(self, key: str) -> str:
        return self._values.get(key, "")

    def __iter__(self) -> Any:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)


@dataclass(frozen=True)
class Auth:
    """A token exchange done before count calls (OAuth client credentials, sessions)."""

    build: Callable[[Credentials], UpstreamRequest]
    extract: Callable[[UpstreamResponse], Token]


@dataclass(frozen=True)
class Option:
    """A setting a count API reads (``SHAREPROXY_<name>``): a credential or a version.

    The settings reference, the configuration checks and :class:`Credentials` are built
    from these declarations. A ``required`` one must be set, else the network's counts
    are off (and the start-up summary and the admin console say which one is missing).
    """

    name: str
    help: str
    default: str = ""
    secret: bool = False
    required: bool = True


STATUSES = ("documented", "alive", "best effort", "doubtful", "probably dead")


@dataclass(frozen=True)
class CountAPI:
    api_base: str  # scheme://host[:port] of the default endpoint; the setting replaces it
    build: Callable[[str, Credentials, str | None], UpstreamRequest]  # (url, creds, token)
    extract: Callable[[UpstreamResponse, str], int]  # (answer, page url)
    ttl_floor: int = 60
    options: tuple[Option, ...] = ()  # settings the API reads
    auth: Auth | None = None
    status: str = "best effort"  # one of STATUSES: how far the endpoint can be trusted
    name: str = ""  # what the endpoint is, for the README (e.g. "Graph API")

    @property
    def requires(self) -> tuple[str, ...]:
        """Settings that must be set, else the network's counts are off."""
        return tuple(o.name for o in self.options if o.required)

    def missing(self, values: Mapping[str, str]) -> list[str]:
        """The required settings ``values`` lacks, in declaration order."""
        return [name for name in self.requires if not values.get(name)]


@dataclass(frozen=True)
class Page:
    """What a share button is about: the page, its title, the visitor's language and an
    image (Pinterest)."""

    url: str
    title: str = ""
    lang: str = "en"
    media: str = ""


def _no_locale(lang: str) -> str:
    return lang


@dataclass(frozen=True)
class Widget:
    """An official widget a two-click button loads after the first click."""

    name: str  # what it is, for the README
    scripts: tuple[str, ...]  # script URLs; ``{locale}`` becomes ``locale(lang)``
    origins: tuple[str, ...]  # what the CSP must allow once activated, besides the
    # scripts' own origins (which come first by themselves)
    element: Callable[[Network, Page], str]  # the markup the scripts turn into the widget,
    # every value in it HTML-escaped
    locale: Callable[[str], str] = _no_locale

    def __post_init__(self) -> None:
        own = tuple("/".join(src.split("/")[:3]) for src in self.scripts)
        object.__setattr__(self, "origins", tuple(dict.fromkeys(own + self.origins)))


@dataclass(frozen=True)
class Network:
    name: str
    label: str  # the network's own name, e.g. "X"
    color: str  # brand colour, #rrggbb
    share_url: str | None  # template with {url} {title} {text}; None for local actions
    icon: str = ""  # SVG path data, 24×24 viewBox, even-odd fill (see shareproxy/icons.py)
    count: CountAPI | None = None
    widget: Widget | None = None
    kind: str = "network"  # network, action (copy, print, share, info) or fediverse
    note: str = ""  # said in the README's table: what an action does, a parameter it takes
    text_limit: int | None = None  # most characters of a post (title + space + URL)
    url_weight: int | None = None  # what a URL counts towards text_limit (None: its length)
    # what a share takes beside the page's URL and title: "media" (an image), "via" (an
    # account named in the post); /share/<name> and the buttons pass these on
    takes: tuple[str, ...] = ()

    def fit_title(self, url: str, title: str) -> str:
        """``title`` shortened (with an ellipsis) so title, a space and the URL fit the limit."""
        if self.text_limit is None:
            return title
        weight = self.url_weight if self.url_weight is not None else len(url)
        budget = self.text_limit - weight - 1
        if len(title) <= budget:
            return title
        if budget <= 1:
            return ""
        return title[: budget - 1].rstrip() + "\u2026"

    def share_link(self, url: str, title: str = "", *, media: str = "", instance: str = "") -> str:
        """The network's share dialog URL for a page, every value URL-encoded.

        ``instance`` (fediverse only) must already be a validated host name.
        """
        if self.share_url is None:
            raise ValueError(f"{self.name} has no share URL")
        title = self.fit_title(url, title)
        text = f"{title} {url}".strip()
        return self.share_url.format(
            url=quote(url, safe=""),
            title=quote(title, safe=""),
            text=quote(text, safe=""),
            media=quote(media, safe=""),
            instance=instance,
        )

    @property
    def via_shareproxy(self) -> bool:
        """Whether a share leaves through ``/share/<name>`` (and is counted there): links to
        web pages do; app links (``sms:``, ``threema://``) and local actions do not."""
        return self.share_url is not None and self.share_url.startswith("https://")

    def widget_scripts(self, page: Page) -> list[str]:
        """The URLs of the official widget's scripts for ``page``'s language."""
        if self.widget is None:
            raise ValueError(f"{self.name} has no widget")
        locale = self.widget.locale(page.lang)
        return [src.format(locale=locale) for src in self.widget.scripts]

    def widget_html(self, page: Page) -> str:
        """The official widget's markup and scripts for ``page`` (two-click, activated).

        The scripts are deferred: they run after the buttons' own script, in order, so it
        sees each of them render or fail (a content blocker, an unreachable network).
        """
        if self.widget is None:
            raise ValueError(f"{self.name} has no widget")
        scripts = "".join(
            f'<script src="{escape(src)}" defer></script>' for src in self.widget_scripts(page)
        )
        return self.widget.element(self, page) + scripts


# --- small helpers for extract functions


def need(data: Any, *path: str | int) -> Any:
    """Walk ``data`` along ``path``; a missing step is a malformed answer."""
    node = data
    for step in path:
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            where = ".".join(str(p) for p in path)
            raise MalformedResponse(f"answer has no {where}") from None
    return node


def as_count(value: Any, what: str = "count") -> int:
    """An integer ≥ 0 from a JSON number or a decimal string; anything else is malformed."""
    if isinstance(value, bool):
        raise MalformedResponse(f"{what} is not a number")
    if isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        number = int(value.strip())
    else:
        raise MalformedResponse(f"{what} is not a whole number")
    if number < 0:
        raise MalformedResponse(f"{what} is negative")
    return number


def expect_ok(resp: UpstreamResponse) -> None:
    """Raise for an answer that is not a 2xx (fetch already handled 429 and 5xx)."""
    if not 200 <= resp.status < 300:
        raise UpstreamFailure(f"HTTP {resp.status}", kind=f"http_{resp.status}")


def need_list(data: Any, *path: str | int) -> list[Any]:
    """The list at ``path`` in ``data``; a missing step or another type is malformed."""
    found = need(data, *path)
    if not isinstance(found, list):
        where = ".".join(str(p) for p in path) or "answer"
        raise MalformedResponse(f"{where} is not a list")
    return found


def need_text(data: Any, *path: str | int) -> str:
    """The non-empty string at ``path`` in ``data`` (a token); anything else is malformed."""
    found = need(data, *path)
    if not isinstance(found, str) or not found:
        raise MalformedResponse(f"{'.'.join(str(p) for p in path)} is not a string")
    return found


def whole(value: Any, what: str) -> int:
    """A JSON integer, which may be negative (a score); anything else is malformed."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise MalformedResponse(f"{what} is not a whole number")
    return value


# --- declarations for the common shapes


def json_count(
    api_base: str,
    path: str,
    field: str,
    *,
    ttl_floor: int,
    status: str = "best effort",
    url_param: str = "url",
    params: Mapping[str, str] | None = None,
    method: str = "GET",
) -> CountAPI:
    """A count API that takes the page URL in one query parameter (``url_param``, after
    the fixed ``params``) at ``path`` and answers JSON with the number at ``field``
    (dotted for nested objects): a whole number, or a string of decimal digits."""
    steps = field.split(".")

    def build(url: str, creds: Credentials, token: str | None) -> UpstreamRequest:
        query = {**(params or {}), url_param: url}
        return UpstreamRequest(f"{api_base}{path}", method=method, params=query)

    def extract(resp: UpstreamResponse, url: str) -> int:
        expect_ok(resp)
        return as_count(need(resp.json(), *steps), field)

    return CountAPI(api_base, build, extract, ttl_floor=ttl_floor, status=status)


ACTION_COLOR = "#555555"


def action(
    name: str,
    label: str,
    icon: str,
    note: str = "",
    *,
    share_url: str | None = None,
    color: str = ACTION_COLOR,
) -> Network:
    """A local action or an app link (no network behind it): copy, print, mail, …"""
    return Network(name, label, color, share_url, icon, kind="action", note=note)
