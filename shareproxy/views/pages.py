"""The two pages people read: the landing page for site owners (``/``) and the info page
for visitors (``/info``), where the Info button leads by default.

Both load nothing but this server's own stylesheet, script and font (their
Content-Security-Policy says so), set no cookie and may be cached by anyone. The info page
speaks the buttons' 28 languages and never answers an error: an unknown ``lang`` falls
back to the browser's languages, then English. The landing page is for the people who
embed the buttons and is written in English, like the README; its previews speak any
language.
"""

from __future__ import annotations

from functools import lru_cache

from babel import Locale
from flask import Blueprint, Response, render_template, request

from .. import assets, headers, i18n, icons
from .._version import __version__
from ..networks import NETWORKS
from . import params
from .context import services
from .params import CHOICES, DEFAULT_NETWORKS

bp = Blueprint("pages", __name__)

# The tab icon, inline (no request for /favicon.ico).
FAVICON = (
    "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 24 24'%3E"
    "%3Cpath fill='%233f3cbb' fill-rule='evenodd' "
    f"d='{icons.MARK.replace(' ', '%20')}'/%3E%3C/svg%3E"
)
# Networks that show well in the landing page's previews (a count, a widget, the rest).
PREVIEW_NETWORKS = "facebook,twitter,linkedin,pinterest,mastodon,bluesky,mail,info"
TWOCLICK_NETWORKS = "facebook,twitter,linkedin,pinterest,mail,info"
THEMES = (
    ("color", "each network's colour"),
    ("grey", "one quiet grey"),
    ("white", "outlined, for light pages"),
    ("dark", "for dark pages"),
    ("auto", "white or dark, following the visitor's system"),
)


def sample_url() -> str:
    """A page URL the previews may use: on the first allowed host."""
    for host in services().settings.allowed_domains:
        if host.startswith("*."):
            host = "www." + host[2:]  # "*.example.org" matches www.example.org, not itself
        scheme = "http" if host in ("localhost", "127.0.0.1") else "https"
        shown = f"[{host}]" if ":" in host else host
        return f"{scheme}://{shown}/"
    return "http://localhost/"


@lru_cache(maxsize=1)
def language_names() -> list[tuple[str, str]]:
    """(code, the language's own name) for the language menu, in code order."""
    out = []
    for code in sorted(i18n.LANGUAGES):
        try:
            name = Locale.parse("nb" if code == "no" else code).get_display_name()
        except (ValueError, LookupError):
            name = None
        out.append((code, f"{(name or code)[:1].upper()}{(name or code)[1:]} ({code})"))
    return out


@bp.get("/")
def landing() -> Response:
    settings = services().settings
    sample = sample_url()
    html = render_template(
        "pages/landing.html",
        preview_lang=params.lang("browser"),
        languages=language_names(),
        networks=list(NETWORKS.values()),
        icons=icons,
        defaults=DEFAULT_NETWORKS,
        choices=CHOICES,
        sample=sample,
        sample_host=sample.split("//", 1)[1].rstrip("/"),
        share_count=len(NETWORKS),
        themes=THEMES,
        privacy_url=settings.privacy_url,
        favicon=FAVICON,
        mark=icons.MARK,
        preview_networks=PREVIEW_NETWORKS,
        twoclick_networks=TWOCLICK_NETWORKS,
        allowed=settings.allowed_domains,
        version=__version__,
        css=assets.url("landing.css"),
        js=assets.url("landing.js"),
    )
    resp = Response(html, mimetype="text/html")
    # the "Copy code" buttons, and the same-origin previews of the buttons
    resp.headers["Permissions-Policy"] = headers.permissions_policy("clipboard-write")
    return headers.page(resp, headers.LANDING_CSP, vary_language=not params.lang_fixed())


@bp.get("/info")
def info() -> Response:
    lang = params.lang("browser")  # people reach this page by links: never an error
    settings = services().settings
    html = render_template(
        "pages/info.html",
        _=i18n.translator(lang).gettext,
        lang=lang,
        dir=i18n.direction(lang),
        host=request.host,
        privacy_url=settings.privacy_url,
        click_counts=settings.click_counts != "off",
        css=assets.url("info.css"),
        favicon=FAVICON,
        mark=icons.MARK,
    )
    resp = Response(html, mimetype="text/html")
    return headers.page(resp, headers.INFO_CSP, vary_language=not params.lang_fixed())
