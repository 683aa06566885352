"""Operations: health check and Prometheus metrics."""

from __future__ import annotations

import hmac
import ipaddress
from functools import lru_cache

from flask import Blueprint, Response, jsonify, request

from .. import headers, metrics
from ..errors import ApiError
from .context import services

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> Response:
    store = services().store
    ok = store.ping()
    resp = jsonify(status="ok" if ok else "store unavailable", store=store.kind)
    resp.status_code = 200 if ok else 503
    resp.headers["Cache-Control"] = headers.NO_STORE
    return resp


@lru_cache(maxsize=8)
def _networks(allowed: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(n, strict=False) for n in allowed)


def metrics_allowed() -> bool:
    """The client is in SHAREPROXY_METRICS_ALLOW, or sent SHAREPROXY_METRICS_TOKEN."""
    settings = services().settings
    token = str(settings.metrics_token or "")
    if token:
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(
            given.strip().encode("utf-8", "replace"), token.encode()
        ):
            return True
    try:
        addr = ipaddress.ip_address((request.remote_addr or "").split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        addr = addr.ipv4_mapped
    return any(addr in net for net in _networks(tuple(settings.metrics_allow)))


@bp.get("/metrics")
def prometheus() -> Response:
    if not metrics_allowed():
        raise ApiError(
            "metrics are served to the networks in SHAREPROXY_METRICS_ALLOW or with "
            "SHAREPROXY_METRICS_TOKEN",
            403,
        )
    body, content_type = metrics.exposition()
    return Response(body, content_type=content_type, headers={"Cache-Control": headers.NO_STORE})
