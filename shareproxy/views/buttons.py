"""The buttons: the iframe page, the plain-links snippet and the loader script.

Nothing these pages make the browser load comes from anywhere but this server until the
visitor clicks; their Content-Security-Policy says so. In two-click mode a click on a
placeholder reloads the iframe with ``activate=<network>``: only that answer's policy
adds the origins of that network's widget.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import urlencode, urlsplit

from flask import Blueprint, Response, abort, render_template, request
from markupsafe import Markup, escape

from .. import assets, i18n, icons, permissions_policy, services
from ..errors import ApiError
from ..networks import NETWORKS
from ..urls import BadURL, host_allowed, normalise, origin_allowed
from .api import cors, requested_networks, requested_url, single_arg

bp = Blueprint("buttons", __name__)

DEFAULT_NETWORKS = ["facebook", "twitter", "linkedin", "mastodon", "bluesky", "mail", "info"]
CHOICES: dict[str, tuple[str, ...]] = {
    "theme": ("color", "grey", "white", "dark", "auto"),
    "orientation": ("horizontal", "vertical"),
    "style": ("standard", "icon", "icon-count"),
    "counts": ("on", "off"),
    "mode": ("share", "twoclick"),
}
MAX_TITLE = 500
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# Facebook's SDK wants a locale with a region.
FB_LOCALES = {
    "ar": "ar_AR", "bg": "bg_BG", "cs": "cs_CZ", "da": "da_DK", "de": "de_DE", "en": "en_US",
    "es": "es_ES", "fa": "fa_IR", "fi": "fi_FI", "fr": "fr_FR", "he": "he_IL", "hr": "hr_HR",
    "hu": "hu_HU", "it": "it_IT", "ja": "ja_JP", "ko": "ko_KR", "nl": "nl_NL", "no": "nb_NO",
    "pl": "pl_PL", "pt": "pt_PT", "ro": "ro_RO", "ru": "ru_RU", "sk": "sk_SK", "sl": "sl_SI",
    "sr": "sr_RS", "sv": "sv_SE", "tr": "tr_TR", "zh": "zh_CN",
}  # fmt: skip
EMBED_JS = os.path.join(assets.STATIC, "embed.js")


# --- parameters


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


def choice(name: str) -> str:
    raw = single_arg(name)
    accepted = CHOICES[name]
    if raw is None or not raw.strip():
        return accepted[0]
    value = raw.strip().lower()
    if value not in accepted:
        raise ApiError(f"'{name}' must be one of: {', '.join(accepted)}")
    return value


def language() -> str:
    """``lang`` if given (400 if we lack it), else the best of Accept-Language, else en."""
    raw = single_arg("lang")
    if raw is not None and raw.strip():
        code = i18n.known(raw) if len(raw) <= 35 else None
        if code is None:
            raise ApiError(f"'lang' must be one of: {', '.join(sorted(i18n.LANGUAGES))}")
        return code
    return i18n.negotiate(request.accept_languages)


def title_arg() -> str:
    raw = single_arg("title") or ""
    if len(raw) > MAX_TITLE:
        raise ApiError(f"'title' is longer than {MAX_TITLE} characters")
    return " ".join(_CONTROL.sub(" ", raw).split())


def web_url_arg(name: str) -> str:
    """An optional absolute http(s) URL parameter (``info``, ``media``), as given."""
    raw = single_arg(name)
    if raw is None or not raw.strip():
        return ""
    try:
        normalise(raw.strip())  # validates: absolute http(s), sane host and length
    except BadURL:
        raise ApiError(f"'{name}' must be an absolute http:// or https:// URL") from None
    return raw.strip()


def origin_arg() -> str:
    raw = single_arg("origin")
    if raw is None or not raw:
        return ""
    if not origin_allowed(raw, services().settings.allowed_domains):
        raise ApiError("'origin' must be the scheme://host[:port] of an allowed site")
    return raw.lower()


def networks_arg() -> list[str]:
    try:
        return requested_networks(single_arg("networks"), DEFAULT_NETWORKS)
    except ApiError as exc:
        raise ApiError(f"{exc.message}; accepted: {', '.join(NETWORKS)}", exc.status) from None


def activate_arg(mode: str, networks: list[str]) -> list[str]:
    """Widgets to load at once in two-click mode. Names that do not apply (share mode, a
    network not shown or without a widget) are ignored: the page still renders."""
    raw = single_arg("activate")
    if raw is None or not raw.strip() or mode != "twoclick":
        return []
    widgets = [n for n in networks if NETWORKS[n].widget is not None]
    names: list[str] = []
    for part in raw.split(",")[:10]:
        name = part.strip().lower()
        if name in widgets and name not in names:
            names.append(name)
    return names


def options() -> Options:
    """Every parameter of a button page, validated (ApiError names the bad one)."""
    opts = Options(url=requested_url(), title=title_arg(), networks=networks_arg())
    opts.lang = language()
    for name in CHOICES:
        setattr(opts, name, choice(name))
    opts.info = web_url_arg("info")
    opts.media = web_url_arg("media")
    opts.origin = origin_arg()
    opts.activate = activate_arg(opts.mode, opts.networks)
    return opts


# --- what each button is


@dataclass
class Button:
    name: str
    kind: str  # link, mastodon, twoclick, widget, copy, print, share, info
    label: str  # visible text in the standard style
    aria: str  # accessible name
    icon: str
    href: str = ""
    popup: bool = False
    count: str | None = None
    extra: str = ""  # explanation (two-click), data-text (mastodon), "copied" (copy)
    widget: Markup | None = None

    @property
    def hidden_text(self) -> tuple[str, str]:
        """Text read before and after the visible label, for screen readers only.

        The accessible name comes from the content, so it always contains the visible
        label and count (WCAG 2.5.3): "Share on " + "X", or "Info" + ": Information …".
        """
        if self.aria == self.label:
            return "", ""
        before, found, after = self.aria.partition(self.label)
        return (before, after) if found else ("", f": {self.aria}")


def share_path(name: str, opts: Options) -> str:
    query = {"url": opts.url}
    if opts.title:
        query["title"] = opts.title
    if opts.media and name == "pinterest":
        query["media"] = opts.media
    return f"/share/{name}?{urlencode(query)}"


def widget_markup(name: str, opts: Options) -> Markup:
    """The official widget of ``name``, for an activated two-click button."""
    net = NETWORKS[name]
    assert net.widget is not None
    locale = FB_LOCALES.get(opts.lang, "en_US")
    url, title = escape(opts.url), escape(opts.title)
    if name == "facebook":
        body = (
            f'<div id="fb-root"></div><div class="fb-share-button" data-href="{url}" '
            'data-layout="button_count" data-size="small"></div>'
        )
    elif name == "twitter":
        href = escape(net.share_link(opts.url, opts.title))
        body = f'<a class="twitter-share-button" href="{href}" data-lang="{opts.lang}">X</a>'
    elif name == "linkedin":
        body = f'<script type="IN/Share" data-url="{url}"></script>'
    elif name == "pinterest":
        href = escape(net.share_link(opts.url, opts.title, media=opts.media))
        body = f'<a data-pin-do="buttonPin" data-pin-count="beside" href="{href}">{title}</a>'
    else:
        body = ""
    scripts = "".join(
        f'<script src="{escape(src.format(locale=locale))}" async></script>'
        for src in net.widget.scripts
    )
    if name == "facebook":
        scripts = scripts.replace('sdk.js"', 'sdk.js#xfbml=1&amp;version=v25.0"')
    return Markup(body + scripts)


def buttons_for(opts: Options, _: Callable[[str], str], *, absolute: str = "") -> list[Button]:
    out: list[Button] = []
    for name in opts.networks:
        net = NETWORKS[name]
        label = net.label
        aria = _("Share on %(network)s") % {"network": net.label}
        b = Button(name, "link", label, aria, icons.path(name))
        if name == "info":
            b.kind, b.label = "info", _("Info")
            b.aria = _("Information about these buttons")
            b.extra = _("Nothing is sent to a network until you click one of these buttons.")
            b.href = opts.info or f"{absolute}/info?{urlencode({'lang': opts.lang})}"
        elif name == "copy":
            b.kind, b.label = "copy", _("Copy link")
            b.aria, b.extra = b.label, _("Link copied")
        elif name == "print":
            b.kind = "print"
            b.label = b.aria = _("Print")
        elif name == "share":
            b.kind = "share"
            b.label = b.aria = _("Share")
        elif name == "mail":
            b.label, b.aria = _("Mail"), _("Send by e-mail")
            b.href = net.share_link(opts.url, opts.title)
        elif net.kind == "fediverse":
            b.kind, b.href = "mastodon", absolute + share_path(name, opts)
            b.extra = opts.title and f"{net.fit_title(opts.url, opts.title)} {opts.url}"
            b.extra = b.extra or opts.url
        elif opts.mode == "twoclick" and net.widget is not None:
            if name in opts.activate:
                b.kind, b.widget = "widget", widget_markup(name, opts)
            else:
                b.kind = "twoclick"
                b.extra = _(
                    "The first click loads the %(network)s button, which sends data to "
                    "%(network)s; the second click shares."
                ) % {"network": net.label}
        else:
            assert net.share_url is not None
            if net.share_url.startswith("https://"):
                b.href, b.popup = absolute + share_path(name, opts), True
            else:  # app schemes (sms:, threema://): straight to the app
                b.href = net.share_link(opts.url, opts.title)
        out.append(b)
    return out


def add_counts(opts: Options, buttons: list[Button]) -> list[str]:
    """Fill fresh cached counts in; return the networks the browser should ask for."""
    if opts.counts != "on" or opts.style == "icon":
        return []
    svc = services()
    enabled = set(svc.enabled_counts())
    wanted = [b.name for b in buttons if b.name in enabled and b.kind in ("link", "twoclick")]
    if not wanted:
        return []
    fresh = svc.cache.fresh(opts.url, wanted)
    for b in buttons:
        if b.name in fresh:
            b.count = i18n.format_count(fresh[b.name])
    return [n for n in wanted if n not in fresh]


# --- headers


def frame_ancestors(allowed: tuple[str, ...]) -> str:
    sources = ["'self'"]
    for host in allowed:
        if ":" in host:  # IPv6 literals cannot be written as CSP host sources
            continue
        sources += [f"http://{host}:*", f"https://{host}:*"]
    return " ".join(sources)


def button_csp(activated: list[str]) -> str:
    extra: list[str] = []
    for name in activated:
        widget = NETWORKS[name].widget
        assert widget is not None
        extra += [o for o in widget.origins if o not in extra]
    more = "".join(" " + o for o in extra)
    style = " 'unsafe-inline'" + more if extra else ""
    frames = more.strip() or "'none'"
    parts = [
        "default-src 'none'",
        f"script-src 'self'{more}",
        f"style-src 'self'{style}",
        f"img-src 'self' data:{more}",
        f"connect-src 'self'{more}",
        f"frame-src {frames}",
        "form-action 'self'",
        "base-uri 'none'",
        f"frame-ancestors {frame_ancestors(services().settings.allowed_domains)}",
    ]
    return "; ".join(parts)


def secure(resp: Response, csp: str, *, vary_language: bool) -> Response:
    resp.headers["Content-Security-Policy"] = csp
    resp.headers["Referrer-Policy"] = "no-referrer"
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Cache-Control"] = "public, max-age=300"
    if vary_language:
        resp.vary.add("Accept-Language")
    return resp


def page_context(opts: Options) -> dict[str, object]:
    return {
        "o": opts,
        "_": i18n.translator(opts.lang).gettext,
        "lang": opts.lang,
        "dir": i18n.direction(opts.lang),
    }


# --- routes


@bp.get("/buttons")
def buttons_page() -> Response:
    opts = options()
    ctx = page_context(opts)
    buttons = buttons_for(opts, i18n.translator(opts.lang).gettext)
    fetch = add_counts(opts, buttons)
    html = render_template(
        "buttons/page.html",
        buttons=buttons,
        fetch=",".join(fetch),
        css=assets.url("buttons.css"),
        js=assets.url("buttons.js"),
        **ctx,
    )
    resp = Response(html, mimetype="text/html")
    # The copy and share buttons; the page is made to be framed by other sites.
    resp.headers["Permissions-Policy"] = permissions_policy("clipboard-write")
    resp.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return secure(resp, button_csp(opts.activate), vary_language=single_arg("lang") is None)


def public_base() -> str:
    """scheme://host[/prefix] the snippet's links start with: SHAREPROXY_PUBLIC_URL, else the
    request's own host when the operator allowed it; never an arbitrary Host header."""
    settings = services().settings
    if settings.public_url:
        return str(settings.public_url)
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
    if not host or not host_allowed(host, settings.allowed_domains):
        raise ApiError(
            "this host is not configured: set SHAREPROXY_PUBLIC_URL to the address visitors "
            "reach shareproxy at",
            421,
        )
    shown = f"[{host}]" if ":" in host else host
    return f"{scheme}://{shown}" + (f":{port}" if port else "")


SNIPPET_CSP = (
    "default-src 'none'; img-src 'self' data:; style-src 'self'; form-action 'none'; "
    "base-uri 'none'; frame-ancestors 'none'"
)


@bp.get("/snippet")
def snippet() -> Response:
    """The buttons as plain links (no script, no style) for server-side includes."""
    opts = options()
    if opts.mode != "share":
        raise ApiError("'mode' must be share for a snippet (two-click needs the iframe)")
    _ = i18n.translator(opts.lang).gettext
    base = public_base()
    buttons = [
        b for b in buttons_for(opts, _, absolute=base) if b.kind in ("link", "mastodon", "info")
    ]
    add_counts(opts, buttons)
    html = render_template("buttons/snippet.html", buttons=buttons, **page_context(opts))
    resp = Response(html, mimetype="text/html")
    resp.headers["Cache-Control"] = "public, max-age=300"
    # A fragment for pages to include: opened on its own, it may load and run nothing.
    resp.headers["Content-Security-Policy"] = SNIPPET_CSP
    resp.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    cors(resp)  # allowed sites may fetch it from the browser; nobody else
    if single_arg("lang") is None:
        resp.vary.add("Accept-Language")
    return resp


@lru_cache(maxsize=1)
def embed_source() -> bytes:
    with open(EMBED_JS, "rb") as fh:
        return fh.read()


@bp.get("/embed.js")
def embed_js() -> Response:
    """The loader, at a stable address sites paste: cached for an hour, not a year."""
    resp = Response(embed_source(), mimetype="text/javascript")
    resp.headers["Cache-Control"] = "public, max-age=3600"
    resp.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    resp.headers["Access-Control-Allow-Origin"] = "*"
    return resp


@bp.get("/assets/<digest>/<name>")
def asset(digest: str, name: str) -> Response:
    found = assets.assets().get(name)
    if found is None or found.digest != digest:
        abort(404)
    resp = Response(found.body, mimetype=found.mimetype)
    resp.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    resp.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    resp.headers["Access-Control-Allow-Origin"] = "*"
    return resp
