"""The API description: ``GET /openapi.json``."""

from __future__ import annotations

import json
from functools import lru_cache

from flask import Blueprint, Response

from .. import headers
from ..openapi import spec

bp = Blueprint("docs", __name__)


@lru_cache(maxsize=1)
def _body() -> bytes:
    return json.dumps(spec(), separators=(",", ":")).encode()


@bp.get("/openapi.json")
def openapi() -> Response:
    resp = Response(_body(), mimetype="application/json")
    return headers.open_to_all(resp, headers.public(3600))
