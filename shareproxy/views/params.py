"""Request parameters, parsed one way for every face (counts, buttons, share, badges).

Each function reads one parameter of the current request and returns it validated, or
raises :class:`ApiError` with a one-line reason that names the parameter and never repeats
what was sent (beyond a plain network name). A parameter given twice is refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import urlsplit

from flask import request

from .. import i18n, wordpress
from ..errors import ApiError
from ..networks import NETWORKS
from ..urls import MAX_URL_LENGTH, BadURL, host_allowed, normalise, origin_allowed
from ..urls import page_url as check_page_url
from .context import settings

MAX_NETWORKS = 64
MAX_TITLE = 500
MAX_LANG = 35
DEFAULT_NETWORKS = ["facebook", "twitter", "linkedin", "mastodon", "bluesky", "mail", "info"]
# The choice parameters of a button page; the first value is the default.
CHOICES: dict[str, tuple[str, ...]] = {
    "theme": ("color", "grey", "white", "dark", "auto"),
    "orientation": ("horizontal", "vertical"),
    "style": ("standard", "icon", "icon-count"),
    "counts": ("on", "off"),
    "mode": ("share", "twoclick"),
}
_NAME = re.compile(r"^[a-z0-9_-]{1,30}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_LANG_TAG = re.compile(r"^[A-Za-z0-9_-]*$")


def single(name: str) -> str | None:
    """A query parameter given at most once (a repeated one is refused)."""
    values = request.args.getlist(name)
    if len(values) > 1:
        raise ApiError(f"give '{name}' once")
    return values[0] if values else None


# --- the page


@lru_cache(maxsize=4096)
def _checked_url(raw: str, allowed: tuple[str, ...], tracking: tuple[str, ...]) -> str | BadURL:
    """urls.page_url(), remembered: the pages that embed buttons ask about the same URLs."""
    try:
        return check_page_url(raw, allowed, tracking)
    except BadURL as exc:
        return exc


def page_url() -> str:
    """``url``: the validated, normalised page URL (400 malformed, 403 host not served)."""
    found = optional_page_url()
    if found is None:
        return _page_url("")
    return found


def optional_page_url() -> str | None:
    """``url`` as :func:`page_url` checks it, or None when the request has none."""
    raw = single("url")
    return None if raw is None else _page_url(raw)


def _page_url(raw: str) -> str:
    config = settings()
    if len(raw) > 4 * MAX_URL_LENGTH:  # refused anyway; not worth remembering
        found: str | BadURL = BadURL(f"url is longer than {MAX_URL_LENGTH} characters")
    else:
        found = _checked_url(raw, config.allowed_domains, config.tracking_params)
    if isinstance(found, BadURL):
        raise ApiError(str(found), found.status)
    return found


# --- the Shariff Wrapper plugin's request


def plugin_request() -> tuple[str, wordpress.Services] | None:
    """The page URL (validated as :func:`page_url`) and the names of a counts request that
    uses ``services``, as the Shariff Wrapper WordPress plugin sends it; None for any other
    request. ``url`` is read from the raw query string (shareproxy/wordpress.py), so an
    unencoded one keeps its own query; ``timestamp`` is never read."""
    raw = request.query_string.decode("utf-8", "replace")
    try:
        found = wordpress.read(raw)
        if found is None:
            return None
        names = wordpress.services(found.services)
    except wordpress.Refused as exc:
        raise ApiError(str(exc)) from None
    return _page_url(found.url or ""), names


# --- networks


def network_names(raw: str | None, default: list[str]) -> list[str]:
    """Names from ``networks=a,b`` (order kept, duplicates dropped), or ``default``."""
    if raw is None or not raw.strip():
        return default
    names: list[str] = []
    for part in raw.split(",")[: MAX_NETWORKS + 1]:
        name = part.strip().lower()
        if not name:
            continue
        if name not in NETWORKS:
            shown = f" '{name}'" if _NAME.match(name) else ""
            raise ApiError(f"unknown network{shown} in 'networks'")
        if name not in names:
            names.append(name)
    if len(names) > MAX_NETWORKS:
        raise ApiError("too many networks")
    return names


def networks(default: list[str]) -> list[str]:
    """``networks`` of a button page; a refusal lists the names accepted."""
    try:
        return network_names(single("networks"), default)
    except ApiError as exc:
        raise ApiError(f"{exc.message}; accepted: {', '.join(NETWORKS)}", exc.status) from None


# --- language


def lang(unknown: str = "refuse") -> str:
    """``lang``: a language tag (letters, digits, ``-`` and ``_``, at most 35 characters)
    naming one of the languages the buttons speak (``de-AT`` is ``de``).

    What a request without ``lang``, or with one we lack, gets depends on the face:
    ``"refuse"`` (the buttons, the share pages): a 400 naming the languages we have, and
    without ``lang`` the browser's Accept-Language; ``"browser"`` (pages people reach by
    links): the browser's languages, never an error; ``"english"`` (badges, one image for
    every visitor): English, and a 400 only for what is no language tag at all.
    """
    raw = single("lang")
    if raw is not None:
        raw = raw.strip()
    tag = raw is not None and len(raw) <= MAX_LANG and bool(_LANG_TAG.match(raw))
    code = i18n.known(raw) if raw and tag else None
    if code is not None:
        return code
    if unknown == "browser":
        return i18n.negotiate(request.accept_languages)
    if unknown == "english":
        if raw is not None and not tag:
            raise ApiError("lang must be a language tag such as 'de' or 'pt-BR'")
        return i18n.DEFAULT
    if raw:
        raise ApiError(f"'lang' must be one of: {', '.join(sorted(i18n.LANGUAGES))}")
    return i18n.negotiate(request.accept_languages)


def lang_given() -> bool:
    """Whether the request named its language (else the answer varies by Accept-Language)."""
    return single("lang") is not None


# --- text, choices and links


def title() -> str:
    """``title``: at most 500 characters, control characters and runs of spaces folded."""
    raw = single("title") or ""
    if len(raw) > MAX_TITLE:
        raise ApiError(f"'title' is longer than {MAX_TITLE} characters")
    return " ".join(_CONTROL.sub(" ", raw).split())


def choice(name: str, accepted: tuple[str, ...]) -> str:
    """One of ``accepted`` (case-insensitive); the first when the parameter is absent."""
    raw = single(name)
    if raw is None or not raw.strip():
        return accepted[0]
    value = raw.strip().lower()
    if value not in accepted:
        raise ApiError(f"'{name}' must be one of: {', '.join(accepted)}")
    return value


def web_url(name: str) -> str:
    """An optional absolute http(s) URL parameter (``info``, ``media``), as given."""
    raw = single(name)
    if raw is None or not raw.strip():
        return ""
    try:
        normalise(raw.strip())  # validates: absolute http(s), sane host and length
    except BadURL:
        raise ApiError(f"'{name}' must be an absolute http:// or https:// URL") from None
    return raw.strip()


def origin() -> str:
    """``origin``: the scheme://host[:port] of the embedding site, an allowed one."""
    raw = single("origin")
    if raw is None or not raw:
        return ""
    if not origin_allowed(raw, settings().allowed_domains):
        raise ApiError("'origin' must be the scheme://host[:port] of an allowed site")
    return raw.lower()


def activate(mode: str, names: list[str]) -> list[str]:
    """``activate``: widgets to load at once in two-click mode, among ``names``. Names that
    do not apply (share mode, a network not shown or without a widget) are ignored: the
    page still renders."""
    raw = single("activate")
    if raw is None or not raw.strip() or mode != "twoclick":
        return []
    widgets = [n for n in names if NETWORKS[n].widget is not None]
    chosen: list[str] = []
    for part in raw.split(",")[:10]:
        name = part.strip().lower()
        if name in widgets and name not in chosen:
            chosen.append(name)
    return chosen


# --- where this server is reached


def public_base() -> str:
    """scheme://host[/prefix] absolute links to this server start with:
    SHAREPROXY_PUBLIC_URL, else the request's own host when the operator allowed it (421
    otherwise); never an arbitrary Host header."""
    config = settings()
    if config.public_url:
        return str(config.public_url)
    scheme = request.scheme if request.scheme in ("http", "https") else "http"
    try:
        parts = urlsplit(f"//{request.host}")
        port = parts.port
    except ValueError:
        parts, port = None, None
    if parts is None or parts.username or parts.password or parts.path:
        host = ""
    else:
        host = (parts.hostname or "").lower().rstrip(".")
    if not host or not host_allowed(host, config.allowed_domains):
        raise ApiError(
            "this host is not configured: set SHAREPROXY_PUBLIC_URL to the address visitors "
            "reach shareproxy at",
            421,
        )
    shown = f"[{host}]" if ":" in host else host
    return f"{scheme}://{shown}" + (f":{port}" if port else "")


# --- a button page's parameters, together


@dataclass
class Options:
    url: str
    title: str = ""
    networks: list[str] = field(default_factory=lambda: list(DEFAULT_NETWORKS))
    lang: str = i18n.DEFAULT
    theme: str = "color"
    orientation: str = "horizontal"
    style: str = "standard"
    counts: str = "on"
    mode: str = "share"
    info: str = ""
    origin: str = ""
    media: str = ""
    activate: list[str] = field(default_factory=list)


def options() -> Options:
    """Every parameter of a button page, validated (ApiError names the bad one)."""
    opts = Options(url=page_url(), title=title(), networks=networks(DEFAULT_NETWORKS))
    opts.lang = lang()
    for name, accepted in CHOICES.items():
        setattr(opts, name, choice(name, accepted))
    opts.info = web_url("info")
    opts.media = web_url("media")
    opts.origin = origin()
    opts.activate = activate(opts.mode, opts.networks)
    return opts
