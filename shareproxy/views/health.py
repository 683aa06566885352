"""Operations: health check and Prometheus metrics."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from .. import headers, metrics
from .context import services

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> Response:
    store = services().store
    ok = store.ping()
    resp = jsonify(status="ok" if ok else "store unavailable", store=store.kind)
    resp.status_code = 200 if ok else 503
    resp.headers["Cache-Control"] = headers.NO_STORE
    return resp


@bp.get("/metrics")
def prometheus() -> Response:
    body, content_type = metrics.exposition()
    return Response(body, content_type=content_type, headers={"Cache-Control": headers.NO_STORE})
