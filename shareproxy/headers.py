"""Response headers, each rule written once: the security headers every answer carries,
CORS of the machine-facing endpoints, caching, and the Content-Security-Policy of each kind
of page.

The faces (``shareproxy/views``) and the WSGI fast path build their headers from here. No
request context is read: what a rule depends on (the ``Origin`` sent, the allowed hosts, a
widget's origins) is passed in.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import TypeVar

from werkzeug.wrappers import Response

from .urls import origin_allowed

Header = tuple[str, str]
R = TypeVar("R", bound=Response)  # a Flask or werkzeug response, returned as it came

# --- on every answer

NOSNIFF: Header = ("X-Content-Type-Options", "nosniff")
NO_REFERRER: Header = ("Referrer-Policy", "no-referrer")
SECURITY: tuple[Header, ...] = (NOSNIFF, NO_REFERRER)


# Browser features an HTML answer may use: none, unless a view allows some to itself.
# Only features Chromium knows (an unknown one is a console error on every page); web-share
# is left at the browsers' default (this origin only), as Chromium on Linux lacks it.
POLICY_FEATURES = (
    "accelerometer", "autoplay", "camera", "clipboard-read", "clipboard-write",
    "display-capture", "encrypted-media", "fullscreen", "geolocation", "gyroscope", "hid",
    "idle-detection", "magnetometer", "microphone", "midi", "payment", "picture-in-picture",
    "publickey-credentials-get", "screen-wake-lock", "serial", "usb", "xr-spatial-tracking",
)  # fmt: skip


@lru_cache(maxsize=16)
def permissions_policy(*own: str) -> str:
    """A Permissions-Policy denying every feature but ``own`` (allowed to this origin)."""
    return ", ".join(f"{f}=(self)" if f in own else f"{f}=()" for f in POLICY_FEATURES)


def security(resp: R) -> R:
    """The headers every answer carries, unless the view chose its own. An HTML page uses no
    powerful feature, opens no window that may reach back, and is not to be loaded by other
    sites (views that are embedded say otherwise)."""
    for name, value in SECURITY:
        resp.headers.setdefault(name, value)
    if resp.mimetype == "text/html":
        resp.headers.setdefault("Permissions-Policy", permissions_policy())
        resp.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        resp.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
    return resp


def embeddable(resp: R, *features: str) -> R:
    """An answer other sites may load (an iframe, a fragment, a script, an image), allowed
    the browser ``features`` it needs."""
    if features or resp.mimetype == "text/html":
        resp.headers["Permissions-Policy"] = permissions_policy(*features)
    resp.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return resp


# --- caching


def public(max_age: int) -> str:
    """Cache-Control of an answer anyone may keep ``max_age`` seconds."""
    return f"public, max-age={max_age}"


IMMUTABLE = "public, max-age=31536000, immutable"  # content-hashed files
NO_STORE = "no-store"


def no_store(resp: R) -> R:
    """An answer nobody keeps, that tells nobody where the visitor came from."""
    resp.headers["Cache-Control"] = NO_STORE
    resp.headers["Referrer-Policy"] = "no-referrer"
    return resp


# --- CORS


def allowed_origin(origin: str, allowed: Iterable[str]) -> str | None:
    """``origin`` when it names an allowed site (echoed in Access-Control-Allow-Origin)."""
    return origin if origin and origin_allowed(origin, allowed) else None


def cors(resp: R, origin: str, allowed: Iterable[str]) -> R:
    """An answer that depends on ``Origin``: readable by allowed sites' scripts only."""
    resp.vary.add("Origin")
    if allowed_origin(origin, allowed):
        resp.headers["Access-Control-Allow-Origin"] = origin
    return resp


def preflight(resp: R, origin: str, allowed: Iterable[str]) -> R:
    """The answer to a CORS preflight of a GET: allowed sites may send it."""
    if origin_allowed(origin, allowed):
        resp.headers["Access-Control-Allow-Methods"] = "GET, OPTIONS"
        resp.headers["Access-Control-Allow-Headers"] = "Content-Type"
        resp.headers["Access-Control-Max-Age"] = "86400"
    return resp


def open_to_all(resp: R, cache_control: str) -> R:
    """A public file any site may load and read (loader script, assets, an icon)."""
    resp.headers["Cache-Control"] = cache_control
    resp.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    resp.headers["Access-Control-Allow-Origin"] = "*"
    return resp


# --- Content-Security-Policy of each kind of page

# A fragment for pages to include (/snippet): opened on its own, it may load and run nothing.
SNIPPET_CSP = (
    "default-src 'none'; img-src 'self' data:; style-src 'self'; form-action 'none'; "
    "base-uri 'none'; frame-ancestors 'none'"
)


def frame_ancestors(allowed: Iterable[str]) -> str:
    """The sites that may frame the buttons: this server and every allowed host."""
    sources = ["'self'"]
    for host in allowed:
        if ":" in host:  # IPv6 literals cannot be written as CSP host sources
            continue
        sources += [f"http://{host}:*", f"https://{host}:*"]
    return " ".join(sources)


def buttons_csp(
    widget_origins: Iterable[str], allowed: Iterable[str], *, anywhere: bool = False
) -> str:
    """The buttons' iframe: nothing but this server, plus the origins of the widgets the
    visitor activated (two-click mode) in the answer that loads them. ``anywhere``: any
    page may frame it (the answer without buttons for a page that cannot have them)."""
    extra: list[str] = []
    for origin in widget_origins:
        if origin not in extra:
            extra.append(origin)
    more = "".join(" " + o for o in extra)
    style = " 'unsafe-inline'" + more if extra else ""
    parts = [
        "default-src 'none'",
        f"script-src 'self'{more}",
        f"style-src 'self'{style}",
        f"img-src 'self' data:{more}",
        f"connect-src 'self'{more}",
        # without widgets, frames fall back to default-src 'none' (every page is sent with
        # this policy, so its bytes count)
        *([f"frame-src{more}"] if extra else []),
        "form-action 'self'",
        "base-uri 'none'",
        f"frame-ancestors {'*' if anywhere else frame_ancestors(allowed)}",
    ]
    return "; ".join(parts)


# The landing page: its own script, stylesheet and font, and the buttons' iframe previews.
LANDING_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; frame-src 'self'; connect-src 'self'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
# The visitors' info page runs no script and frames nothing.
INFO_CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "form-action 'none'; base-uri 'none'; frame-ancestors 'none'"
)
# The fediverse share page: its own script and style. Its form is sent here and answered
# with a redirect to the visitor's server, which form-action must allow (Chromium applies
# it to the redirect too).
FEDIVERSE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self' https:; base-uri 'none'; frame-ancestors 'none'"
)
ADMIN_CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
# A picture of an embed, opened on its own: nothing runs, nothing loads.
IMAGE_CSP = "default-src 'none'; frame-ancestors 'none'"


def embed_csp(frames: Iterable[str], allowed: Iterable[str]) -> str:
    """An embed frame (/embed): this server's script, style and pictures only, plus the
    provider's origins as frame sources in the answer that loads its player."""
    sources = " ".join(frames) or "'none'"
    parts = [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        f"frame-src {sources}",
        "form-action 'none'",
        "base-uri 'none'",
        f"frame-ancestors {frame_ancestors(allowed)}",
    ]
    return "; ".join(parts)


PLAYER_FEATURES = ("autoplay", "encrypted-media", "fullscreen", "picture-in-picture")


def player_permissions(frames: Iterable[str]) -> str:
    """Permissions-Policy of an embed frame: nothing before the click; after it, what a
    player needs, for the frame and the provider's own origins only."""
    origins = list(frames)
    if not origins:
        return permissions_policy()
    allowed = " ".join(["self", *(f'"{o}"' for o in origins)])
    return ", ".join(
        f"{f}=({allowed})" if f in PLAYER_FEATURES else f"{f}=()" for f in POLICY_FEATURES
    )


# An SVG opened on its own is a document: no scripts, no loads, no framing tricks.
BADGE_SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors *"


def page(resp: R, csp: str, *, max_age: int = 300, vary_language: bool) -> R:
    """A page (the buttons' iframe, the landing and info pages): its policy, the security
    headers, five minutes of caching, and ``Vary: Accept-Language`` when the language was
    negotiated."""
    resp.headers["Content-Security-Policy"] = csp
    resp.headers["Referrer-Policy"] = "no-referrer"
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Cache-Control"] = public(max_age)
    if vary_language:
        resp.vary.add("Accept-Language")
    return resp


__all__ = [
    "ADMIN_CSP",
    "BADGE_SVG_CSP",
    "IMAGE_CSP",
    "INFO_CSP",
    "LANDING_CSP",
    "IMMUTABLE",
    "FEDIVERSE_CSP",
    "PLAYER_FEATURES",
    "NOSNIFF",
    "NO_REFERRER",
    "NO_STORE",
    "POLICY_FEATURES",
    "SNIPPET_CSP",
    "SECURITY",
    "allowed_origin",
    "buttons_csp",
    "cors",
    "embed_csp",
    "embeddable",
    "frame_ancestors",
    "no_store",
    "open_to_all",
    "page",
    "permissions_policy",
    "player_permissions",
    "preflight",
    "public",
    "security",
]
