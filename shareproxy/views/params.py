"""Request parameters, parsed one way for every face (counts, buttons, share, badges).

Each function reads one parameter of the current request and returns it validated, or
raises :class:`ApiError` with a one-line reason that names the parameter and never repeats
what was sent (beyond a plain network name). A parameter given twice is refused.

Machine-facing endpoints (counts, badges, share, embed) are strict: a bad value is a 4xx.
The pages of buttons a visitor sees (the iframe, and /snippet, which a site includes as
it gets it) are read leniently by :func:`options`: what is unknown or wrong is skipped
or replaced by its default, each time with a :class:`Notice` for the site owner (the
loader prints them in the browser's console; /snippet puts them in HTML comments), and a
page URL that cannot have buttons makes the page say so quietly instead of answering an
error. Shariff's values are understood too (``theme=standard``, ``networks`` as a JSON
array).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import lru_cache
from urllib.parse import urlsplit

from flask import request
from werkzeug.datastructures import MultiDict

from .. import arrival, i18n, pageshape, wordpress
from ..errors import ApiError
from ..networks import NETWORKS, fediverse
from ..refusals import REFUSED
from ..settings import Settings
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


def time_left(seconds: float) -> float:
    """What is left of ``seconds`` counted from the moment the request arrived (the
    gunicorn worker notes it; a request that waited for a thread has less left)."""
    return arrival.time_left(request.environ, seconds)


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


def checked_url(raw: str, config: Settings) -> str | BadURL:
    """``raw`` as :func:`page_url` checks it: the page URL, or why it is refused."""
    if len(raw) > 4 * MAX_URL_LENGTH:  # refused anyway; not worth remembering
        return BadURL(f"url is longer than {MAX_URL_LENGTH} characters")
    return _checked_url(raw, config.allowed_domains, config.tracking_params)


def _page_url(raw: str) -> str:
    found = checked_url(raw, settings())
    if isinstance(found, BadURL):
        if found.host:
            REFUSED.refused(found.host)
        raise PageRefused(str(found), found.status, found.host)
    return found


class PageRefused(ApiError):
    """The page URL cannot have buttons: malformed (400) or on a host not served (403,
    ``host`` names it)."""

    def __init__(self, message: str, status: int, host: str = ""):
        super().__init__(message, status)
        self.host = host


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


def _split_names(raw: str) -> list[str]:
    """``a,b`` or, as Shariff's ``data-services`` writes it, ``["a","b"]``."""
    text = raw.strip()
    if text.startswith("["):
        try:
            found = json.loads(text)
        except ValueError:
            found = None
        if isinstance(found, list):
            return [n if isinstance(n, str) else "" for n in found[: MAX_NETWORKS + 1]]
        text = text.strip("[]")
    return [p.strip().strip("'\"") for p in text.split(",")[: MAX_NETWORKS + 1]]


def _shown(name: str) -> str:
    """A network name as a reason may repeat it: only a plain name is."""
    return f" '{name}'" if _NAME.match(name) else ""


def network_names(
    raw: str | None, default: list[str], skipped: list[str] | None = None
) -> list[str]:
    """Names from ``networks=a,b`` or ``networks=["a","b"]`` (order kept, duplicates
    dropped), or ``default``. An unknown name is refused, or, given a ``skipped`` list,
    left out and put there (as :func:`_shown` shows it)."""
    if raw is None or not raw.strip():
        return default
    names: list[str] = []
    for part in _split_names(raw):
        name = part.strip().lower()
        if not name:
            continue
        if name not in NETWORKS:
            if skipped is None:
                raise ApiError(f"unknown network{_shown(name)} in 'networks'")
            skipped.append(_shown(name).strip() or "(not a network name)")
            continue
        if name not in names:
            names.append(name)
    if len(names) > MAX_NETWORKS:
        if skipped is None:
            raise ApiError("too many networks")
        skipped.append(f"(all after the first {MAX_NETWORKS})")
        del names[MAX_NETWORKS:]
    return names


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
    return lang_of(single("lang"), unknown)


def lang_of(raw: str | None, unknown: str = "refuse") -> str:
    """:func:`lang` for a value already read."""
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
    """Whether the request named its language (else the answer varies by Accept-Language).
    Never refuses: the pages that degrade ask it after reading a repeated ``lang``."""
    return "lang" in request.args


def lang_fixed() -> bool:
    """Whether the query alone decides the language: ``lang`` names one the buttons speak
    (a ``lang`` they lack, or none, leaves it to the visitor's Accept-Language)."""
    return lang_fixed_of(request.args.get("lang"))


def lang_fixed_of(raw: str | None) -> bool:
    """:func:`lang_fixed` for the first ``lang`` given (None: none)."""
    if raw is None:
        return False
    raw = raw.strip()
    return len(raw) <= MAX_LANG and bool(_LANG_TAG.match(raw)) and i18n.known(raw) is not None


# --- text, choices and links


def title() -> str:
    """``title``: at most 500 characters, control characters and runs of spaces folded."""
    return title_of(single("title"))


def title_of(raw: str | None) -> str:
    raw = raw or ""
    if len(raw) > MAX_TITLE:
        raise ApiError(f"'title' is longer than {MAX_TITLE} characters")
    return " ".join(_CONTROL.sub(" ", raw).split())


def choice(name: str, accepted: tuple[str, ...]) -> str:
    """One of ``accepted`` (case-insensitive); the first when the parameter is absent."""
    return choice_of(name, single(name), accepted)


def choice_of(name: str, raw: str | None, accepted: tuple[str, ...]) -> str:
    if raw is None or not raw.strip():
        return accepted[0]
    value = raw.strip().lower()
    if value not in accepted:
        raise ApiError(f"'{name}' must be one of: {', '.join(accepted)}")
    return value


def web_url(name: str) -> str:
    """An optional absolute http(s) URL parameter (``info``, ``media``), as given."""
    return web_url_of(name, single(name))


def web_url_of(name: str, raw: str | None) -> str:
    if raw is None or not raw.strip():
        return ""
    try:
        normalise(raw.strip())  # validates: absolute http(s), sane host and length
    except BadURL:
        raise ApiError(f"'{name}' must be an absolute http:// or https:// URL") from None
    return raw.strip()


def origin() -> str:
    """``origin``: the scheme://host[:port] of the embedding site, an allowed one."""
    return origin_of(single("origin"))


def origin_of(raw: str | None) -> str:
    if raw is None or not raw:
        return ""
    if not origin_allowed(raw, settings().allowed_domains):
        raise ApiError("'origin' must be the scheme://host[:port] of an allowed site")
    return raw.lower()


def activate(mode: str, names: list[str]) -> list[str]:
    """``activate``: widgets to load at once in two-click mode, among ``names``. Names that
    do not apply (share mode, a network not shown or without a widget) are ignored: the
    page still renders."""
    return activate_of(single("activate"), mode, names)


def activate_of(raw: str | None, mode: str, names: list[str]) -> list[str]:
    if raw is None or not raw.strip() or mode != "twoclick":
        return []
    widgets = [n for n in names if NETWORKS[n].widget is not None]
    chosen: list[str] = []
    for part in raw.split(",")[:10]:
        name = part.strip().lower()
        if name in widgets and name not in chosen:
            chosen.append(name)
    return chosen


def software() -> str | None:
    """``software`` of the fediverse page: skip the NodeInfo lookup and use this software's
    share page (the note page's "continue" link names ``mastodon``)."""
    raw = single("software")
    if raw is None or not raw.strip():
        return None
    name = raw.strip().lower()
    known = fediverse.SOFTWARE.get(name)
    if known is None or known.endpoint is None:
        pages = sorted(n for n, s in fediverse.SOFTWARE.items() if s.endpoint is not None)
        raise ApiError(f"'software' must be one of: {', '.join(pages)}")
    return name


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


# --- X's via, Shariff's mail address


def via_of(raw: str | None) -> str:
    """``via``: the X account a post names (``via @name``), as Shariff's
    ``data-twitter-via``: 1 to 15 letters, digits or ``_``, with or without ``@``."""
    value = (raw or "").strip().removeprefix("@")
    if not value:
        return ""
    if not _HANDLE.match(value):
        raise ApiError("'via' must be an X account name: 1 to 15 letters, digits or _")
    return value


def mail_of(raw: str | None) -> str:
    """``mail``: where the mail button leads, as Shariff's ``data-mail-url``: ``mailto:``
    (the default: the visitor's mail program), ``mailto:`` with one address, or an http(s)
    page (a contact form). Returned as given, checked."""
    value = (raw or "").strip()
    if not value or value.lower() == "mailto:":
        return ""
    if value[:7].lower() == "mailto:":
        if not _ADDRESS.match(value[7:]):
            raise ApiError("'mail' must be mailto:, mailto:<one address> or an http(s) URL")
        return "mailto:" + value[7:]
    try:
        return web_url_of("mail", value)
    except ApiError:
        raise ApiError("'mail' must be mailto:, mailto:<one address> or an http(s) URL") from None


_HANDLE = re.compile(r"^[A-Za-z0-9_]{1,15}$")
_ADDRESS = re.compile(
    r"^[A-Za-z0-9.!#$%&*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9.-]{1,189}\.[A-Za-z]{2,63}$"
)


# --- a button page's parameters, together


@dataclass(frozen=True)
class Notice:
    """What a lenient read skipped (``warn``) or read differently (``info``): one line
    for the site owner, printed by the loader in the browser's console. Never more of
    the request than a plain network name, a choice's value or a host."""

    level: str  # "info" or "warn"
    text: str


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
    via: str = ""
    mail: str = ""
    activate: list[str] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    # why this page cannot have buttons (lenient read): the reason, and the host refused
    refused: str = ""
    refused_host: str = ""


# Shariff's values where ours differ: (parameter, Shariff's value) -> ours
SHARIFF_VALUES = {("theme", "standard"): "color"}
# Shariff's names of parameters (its data- attributes without data-) -> ours
SHARIFF_NAMES = {
    "services": "networks",
    "button-style": "style",
    "info-url": "info",
    "media-url": "media",
    "mail-url": "mail",
    "twitter-via": "via",
}
# parameters a page reads, besides url, networks and activate
PAGE_PARAMS = ("title", "lang", *CHOICES, "info", "media", "origin", "via", "mail")


def _first(name: str, notices: list[Notice], args: MultiDict[str, str] | None = None) -> str | None:
    """A parameter's first value (of ``args``, else the request's); one given more than
    once is noted."""
    values = (request.args if args is None else args).getlist(name)
    if len(values) > 1:
        notices.append(Notice("warn", f"'{name}' was given {len(values)} times: the first is used"))
    return values[0] if values else None


def options(*, framed: bool = True) -> Options:
    """Every parameter of a page of buttons, read leniently: a value that cannot be used
    is left out or replaced by its default, with a :class:`Notice` saying so, and
    ``refused`` is set when the page URL cannot have buttons. ``framed``: the buttons
    are an iframe, whose ``origin`` (the embedding page) must be an allowed site.

    Pages of one site ask the same parameters but for their URL and title: what the rest
    reads as is remembered per process (:data:`SHAPES`), keyed by every other parameter
    as given and whatever else the reading depends on, so another page reads only its
    URL and title. A request the memo cannot answer the same way (``url`` missing or
    repeated, ``title`` repeated or cut, a page refused) is read in full every time."""
    args = request.args
    language = request.headers.get("Accept-Language", "")
    key = shape_key(args, language, settings(), framed)
    if key is None:
        return _read_options(args, framed)
    shape = SHAPES.get(key)
    if shape is None:
        opts = _read_options(args, framed)
        if not opts.refused:
            SHAPES.put(key, replace(opts, url="", title=""))
        return opts
    opts = of_shape(shape, args)
    _read_url(opts, args["url"])
    return opts


def shape_key(
    args: MultiDict[str, str], language: str, config: Settings, framed: bool
) -> ShapeKey | None:
    """What :func:`options` remembers a request's parameters but URL and title under, or
    None for a request read in full every time."""
    urls, titles = args.getlist("url"), args.getlist("title")
    if len(urls) != 1 or len(titles) > 1 or (titles and len(titles[0]) > MAX_TITLE):
        return None
    rest = tuple(item for item in args.items(multi=True) if item[0] not in _PAGE_KEYS)
    if sum(len(k) + len(v) for k, v in rest) > MAX_SHAPE:
        return None
    decides = not lang_fixed_of(args.get("lang"))
    return (rest, framed, language if decides else None, tuple(config.allowed_domains))


def of_shape(shape: Options, args: MultiDict[str, str]) -> Options:
    """The options remembered for a shape, with the request's own title (its URL is
    left for the caller to read)."""
    opts = replace(
        shape,
        networks=list(shape.networks),
        activate=list(shape.activate),
        notices=list(shape.notices),
    )
    opts.title = title_of(args.get("title", ""))
    return opts


# Parameters of a page read apart from the rest (:func:`options`), and the most text the
# rest may have to be remembered; the memo's bounds (a shape costs about 2 KB).
_PAGE_KEYS = frozenset(("url", "title"))
MAX_SHAPE = 2000
# (the other parameters as given, framed, Accept-Language when it decides, allowed sites)
ShapeKey = tuple[tuple[tuple[str, str], ...], bool, str | None, tuple[str, ...]]


def _weigh(key: ShapeKey, _: Options) -> int:
    return pageshape.OVERHEAD + 2 * sum(len(k) + len(v) for k, v in key[0]) + len(key[2] or "")


SHAPES: pageshape.Shapes[ShapeKey, Options] = pageshape.Shapes(1024, 4 * 1024 * 1024, _weigh)


def _read_options(args: MultiDict[str, str], framed: bool) -> Options:
    """:func:`options`, every parameter read."""
    notices: list[Notice] = []
    raw = {n: _first(n, notices, args) for n in ("url", "networks", "activate", *PAGE_PARAMS)}
    for theirs, name in SHARIFF_NAMES.items():
        given = _first(theirs, notices, args)
        if given is not None:
            notices.append(Notice("info", f"{theirs} (Shariff's name) is read as {name}"))
            if raw[name] is None:
                raw[name] = given
    opts = Options(url="", notices=notices)

    def read(parse: Callable[..., str], *args: object, fallback: str, note: str) -> str:
        try:
            return parse(*args)
        except ApiError as exc:
            notices.append(Notice("warn", f"{exc.message}: {note}"))
            return fallback

    try:
        opts.lang = lang_of(raw["lang"])
    except ApiError as exc:
        opts.lang = lang_of(None)
        notices.append(Notice("warn", f"{exc.message}: the visitor's language is used"))
    for name, accepted in CHOICES.items():
        value = (raw[name] or "").strip()
        ours = SHARIFF_VALUES.get((name, value.lower()))
        if ours is not None:
            text = f"{name}={value} (Shariff's name) is read as {name}={ours}"
            notices.append(Notice("info", text))
            value = ours
        default = accepted[0]
        found = read(choice_of, name, value, accepted, fallback=default, note=f"{default} is used")
        setattr(opts, name, found)
    title_raw = raw["title"] or ""
    if len(title_raw) > MAX_TITLE:
        notices.append(Notice("warn", f"'title' is longer than {MAX_TITLE} characters: cut"))
        title_raw = title_raw[:MAX_TITLE]
    opts.title = title_of(title_raw)
    opts.info = read(web_url_of, "info", raw["info"], fallback="", note="left out")
    opts.media = read(web_url_of, "media", raw["media"], fallback="", note="left out")
    opts.via = read(via_of, raw["via"], fallback="", note="left out")
    opts.mail = read(mail_of, raw["mail"], fallback="", note="mailto: is used")

    skipped: list[str] = []
    opts.networks = network_names(raw["networks"], list(DEFAULT_NETWORKS), skipped)
    for name in skipped:
        notices.append(Notice("warn", f"unknown network {name} in 'networks': skipped"))
    if not opts.networks:
        opts.networks = list(DEFAULT_NETWORKS)
        notices.append(Notice("warn", "no known network in 'networks': the default ones are shown"))
    opts.activate = activate_of(raw["activate"], opts.mode, opts.networks)

    # The embedding page and the page shared: without both, no buttons.
    try:
        opts.origin = origin_of(raw["origin"]) if framed else ""
    except ApiError:
        host = _origin_host(raw["origin"] or "")
        if host:
            opts.refused_host = host
            opts.refused = (
                f"this page's host {host} is not in SHAREPROXY_ALLOWED_DOMAINS of this "
                "shareproxy: add it there"
            )
            REFUSED.refused(host)
        else:
            notices.append(Notice("warn", "'origin' is not a scheme://host[:port]: left out"))
    _read_url(opts, raw["url"] or "")
    return opts


def _read_url(opts: Options, raw: str) -> None:
    """``url`` into ``opts``: the page URL, or why it cannot have buttons."""
    try:
        opts.url = _page_url(raw)
    except PageRefused as exc:
        if opts.refused:
            pass
        elif exc.host:
            opts.refused_host = exc.host
            opts.refused = (
                f"the shared page's host {exc.host} (url, data-url or the canonical link) is "
                "not in SHAREPROXY_ALLOWED_DOMAINS of this shareproxy: add it there, or give "
                "data-url the page's public address"
            )
        else:
            opts.refused = exc.message


def _origin_host(raw: str) -> str:
    """The host of a well-formed ``origin`` (the allowlist refused it), else ""."""
    if len(raw) > 300:
        return ""
    try:
        parts = urlsplit(raw)
        parts.port  # noqa: B018 - raises for a malformed port
        url = normalise(f"{parts.scheme}://{parts.netloc}/")
    except (ValueError, BadURL):
        return ""
    if parts.path or parts.query or parts.fragment or parts.username:
        return ""
    return urlsplit(url).hostname or ""
