"""Share badges as images: ``GET /badge/<network>.svg`` and ``GET /badge/<network>.png``.

Parameters: ``url`` (optional; the page whose count is shown, checked against the
allowlist), ``lang``, ``theme`` (color, grey, white, dark; auto means color), ``scale``
(1–4, PNG only). The count is shown when known and hidden otherwise.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request

from .. import services
from ..badges import SCALES, THEMES, BadgeCache, format_count, label_for, png_label, resolve_lang
from ..errors import ApiError
from ..networks import NETWORKS
from ..urls import BadURL, page_url

bp = Blueprint("badges", __name__)

STATIC_MAX_AGE = 86400  # a badge without a count changes only with a new release
RETRY_MAX_AGE = 30  # a count still being fetched: ask again soon
KNOWN_PARAMS = frozenset({"url", "lang", "theme", "scale"})


def badge_cache() -> BadgeCache:
    cache = current_app.extensions.get("shareproxy.badges")
    if cache is None:
        cache = current_app.extensions.setdefault("shareproxy.badges", BadgeCache())
    assert isinstance(cache, BadgeCache)
    return cache


def _one(name: str) -> str | None:
    values = request.args.getlist(name)
    if len(values) > 1:
        raise ApiError(f"give '{name}' once")
    return values[0] if values else None


def _theme() -> str:
    raw = (_one("theme") or "color").strip().lower()
    if raw == "auto":
        return "color"
    if raw not in THEMES:
        raise ApiError("theme must be one of color, grey, white, dark, auto")
    return raw


def _scale(fmt: str) -> int:
    raw = _one("scale")
    if raw is None or raw == "":
        return 1
    if not raw.isdigit() or int(raw) not in SCALES:
        raise ApiError(f"scale must be a whole number from {SCALES[0]} to {SCALES[-1]}")
    return int(raw) if fmt == "png" else 1


def _lang() -> str:
    raw = _one("lang")
    if raw is not None and (
        len(raw) > 35 or not all(c.isascii() and (c.isalnum() or c in "-_") for c in raw)
    ):
        raise ApiError("lang must be a language tag such as 'de' or 'pt-BR'")
    return resolve_lang(raw)


def _count(network: str) -> tuple[str | None, int]:
    """The formatted count (None when unknown or when there is no url) and its max-age."""
    raw_url = _one("url")
    if raw_url is None:
        return None, STATIC_MAX_AGE
    svc = services()
    try:
        url = page_url(raw_url, svc.settings.allowed_domains, svc.settings.tracking_params)
    except BadURL as exc:
        raise ApiError(str(exc), exc.status) from None
    if network not in svc.enabled_counts():
        return None, STATIC_MAX_AGE
    found = svc.cache.lookup(url, [network], float(svc.settings.request_deadline))
    if network not in found.counts:
        return None, min(found.max_age, RETRY_MAX_AGE) if found.complete else 0
    return format_count(found.counts[network]), found.max_age


def _badge(network: str, fmt: str) -> Response:
    if network not in NETWORKS:
        raise ApiError("unknown network", 404)
    theme = _theme()
    scale = _scale(fmt)
    lang = _lang()
    count, max_age = _count(network)

    label = label_for(network, lang)
    if fmt == "png":
        label = png_label(label, label_for(network, "en"))
    title = f"{label}: {NETWORKS[network].label}"
    try:
        rendered = badge_cache().get(fmt, network, label, count, theme, scale, title)
    except ValueError:
        raise ApiError("badge would be too large", 400) from None

    resp = Response(rendered.body, mimetype=rendered.mimetype)
    resp.set_etag(rendered.etag)
    resp.headers["Cross-Origin-Resource-Policy"] = "cross-origin"  # an image for any page
    if max_age > 0:
        resp.headers["Cache-Control"] = f"public, max-age={max_age}"
    else:
        resp.headers["Cache-Control"] = "public, no-cache"
    if fmt == "svg":
        # An SVG opened on its own is a document: no scripts, no loads, no framing tricks.
        resp.headers["Content-Security-Policy"] = (
            "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors *"
        )
    resp.make_conditional(request)  # 304 when If-None-Match names our ETag
    return resp


@bp.get("/badge/<network>.svg")
def badge_svg(network: str) -> Response:
    return _badge(network, "svg")


@bp.get("/badge/<network>.png")
def badge_png(network: str) -> Response:
    return _badge(network, "png")
