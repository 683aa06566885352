"""Static files: the buttons' CSS and JS under content-hashed URLs, and the loader script.

``/assets/<digest>/<name>`` changes whenever the file does, so it is cached for a year;
``/embed.js`` is the stable address sites paste, cached for an hour.
"""

from __future__ import annotations

import os
from functools import lru_cache

from flask import Blueprint, Response, abort

from .. import assets, headers

bp = Blueprint("assets", __name__)

EMBED_JS = os.path.join(assets.STATIC, "embed.js")


@lru_cache(maxsize=1)
def embed_source() -> bytes:
    with open(EMBED_JS, "rb") as fh:
        return fh.read()


@bp.get("/embed.js")
def embed_js() -> Response:
    """The loader, at a stable address sites paste: cached for an hour, not a year."""
    resp = Response(embed_source(), mimetype="text/javascript")
    return headers.open_to_all(resp, headers.public(3600))


@bp.get("/assets/<digest>/<name>")
def asset(digest: str, name: str) -> Response:
    found = assets.assets().get(name)
    if found is None or found.digest != digest:
        abort(404)
    resp = Response(found.body, mimetype=found.mimetype)
    return headers.open_to_all(resp, headers.IMMUTABLE)
