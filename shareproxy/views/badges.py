"""Share badges as images: ``GET /badge/<network>.svg`` and ``GET /badge/<network>.png``.

Parameters: ``url`` (optional; the page whose count is shown, checked against the
allowlist), ``lang``, ``theme`` (color, grey, white, dark; auto means color), ``scale``
(1–4, PNG only). The count is shown when known and hidden otherwise.
"""

from __future__ import annotations

from flask import Blueprint, Response, request

from .. import headers
from ..badges import SCALES, THEMES, format_count, label_for, png_label
from ..errors import ApiError
from ..networks import NETWORKS
from . import params
from .context import services

bp = Blueprint("badges", __name__)

STATIC_MAX_AGE = 86400  # a badge without a count changes only with a new release
RETRY_MAX_AGE = 30  # a count still being fetched: ask again soon


def _theme() -> str:
    theme = params.choice("theme", (*THEMES, "auto"))
    return "color" if theme == "auto" else theme


def _scale(fmt: str) -> int:
    raw = params.single("scale")
    if raw is None or raw == "":
        return 1
    if not raw.isdigit() or int(raw) not in SCALES:
        raise ApiError(f"scale must be a whole number from {SCALES[0]} to {SCALES[-1]}")
    return int(raw) if fmt == "png" else 1


def _count(network: str) -> tuple[str | None, int]:
    """The formatted count (None when unknown or when there is no url) and its max-age."""
    url = params.optional_page_url()
    if url is None:
        return None, STATIC_MAX_AGE
    svc = services()
    if network not in svc.enabled_counts():
        return None, STATIC_MAX_AGE
    found = svc.cache.lookup(url, [network], params.time_left(svc.deadline), svc.deadline)
    if network not in found.counts:
        return None, min(found.max_age, RETRY_MAX_AGE) if found.complete else 0
    return format_count(found.counts[network]), found.max_age


def _badge(network: str, fmt: str) -> Response:
    if network not in NETWORKS:
        raise ApiError("unknown network", 404)
    theme = _theme()
    scale = _scale(fmt)
    lang = params.lang("english")
    count, max_age = _count(network)

    label = label_for(network, lang)
    if fmt == "png":
        label = png_label(label, label_for(network, "en"))
    title = f"{label}: {NETWORKS[network].label}"
    try:
        rendered = services().badges.get(fmt, network, label, count, theme, scale, title)
    except ValueError:
        raise ApiError("badge would be too large", 400) from None

    resp = Response(rendered.body, mimetype=rendered.mimetype)
    resp.set_etag(rendered.etag)
    headers.embeddable(resp)  # an image for any page
    if max_age > 0:
        resp.headers["Cache-Control"] = headers.public(max_age)
    else:
        resp.headers["Cache-Control"] = "public, no-cache"
    if fmt == "svg":
        resp.headers["Content-Security-Policy"] = headers.BADGE_SVG_CSP
    resp.make_conditional(request)  # 304 when If-None-Match names our ETag
    return resp


@bp.get("/badge/<network>.svg")
def badge_svg(network: str) -> Response:
    return _badge(network, "svg")


@bp.get("/badge/<network>.png")
def badge_png(network: str) -> Response:
    return _badge(network, "png")
