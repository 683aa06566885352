"""What a site answers besides its pages: ``/openapi.json``, ``/robots.txt``, ``/favicon.ico``."""

from __future__ import annotations

import io
import json
from functools import lru_cache

from flask import Blueprint, Response

from .. import headers
from .context import services

bp = Blueprint("docs", __name__)

# Nothing here is worth indexing, and a crawler following a share link would count a share.
ROBOTS = (
    "# shareproxy: share buttons and share counts, nothing to index.\nUser-agent: *\nDisallow: /\n"
)
ICON_COLOUR = (26, 95, 180)  # the demo page's focus blue


@lru_cache(maxsize=8)
def _body(allowed: tuple[str, ...]) -> bytes:
    from ..openapi import spec  # built for the few who ask, not imported by every worker

    return json.dumps(spec(allowed), separators=(",", ":")).encode()


@bp.get("/openapi.json")
def openapi() -> Response:
    resp = Response(_body(tuple(services().settings.allowed_domains)), mimetype="application/json")
    return headers.open_to_all(resp, headers.public(3600))


@bp.get("/robots.txt")
def robots() -> Response:
    resp = Response(ROBOTS, mimetype="text/plain")
    resp.headers["Cache-Control"] = headers.public(86400)
    return resp


@lru_cache(maxsize=1)
def favicon_bytes() -> bytes:
    """A share sign (three dots joined by two lines) on a blue rounded square, as an ICO
    of 16, 32 and 48 pixels, drawn once."""
    from PIL import Image, ImageDraw

    size = 192  # drawn large, scaled down by the ICO encoder
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((0, 0, size - 1, size - 1), radius=40, fill=ICON_COLOUR + (255,))
    dots = [(132, 48), (56, 96), (132, 144)]
    white = (255, 255, 255, 255)
    draw.line([dots[0], dots[1], dots[2]], fill=white, width=16, joint="curve")
    for x, y in dots:
        draw.ellipse((x - 24, y - 24, x + 24, y + 24), fill=white)
    out = io.BytesIO()
    image.save(out, format="ICO", sizes=[(16, 16), (32, 32), (48, 48)])
    return out.getvalue()


@bp.get("/favicon.ico")
def favicon() -> Response:
    resp = Response(favicon_bytes(), mimetype="image/vnd.microsoft.icon")
    resp.headers["Cache-Control"] = headers.public(86400)
    return headers.embeddable(resp)
