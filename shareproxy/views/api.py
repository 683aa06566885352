"""The share-count API, in the format of a Shariff backend, and as the Shariff Wrapper
WordPress plugin asks it (``services``); shareproxy/counts.py answers."""

from __future__ import annotations

from flask import Blueprint, Response, request

from .. import headers
from . import params
from .context import services

bp = Blueprint("api", __name__)


@bp.after_request
def add_cors(resp: Response) -> Response:
    allowed = services().settings.allowed_domains
    return headers.cors(resp, request.headers.get("Origin", ""), allowed)


@bp.route("/api/counts", methods=["OPTIONS"])
def preflight() -> Response:
    allowed = services().settings.allowed_domains
    return headers.preflight(Response(status=204), request.headers.get("Origin", ""), allowed)


@bp.get("/api/counts")
def counts() -> Response:
    svc = services()
    plugin = params.plugin_request()
    if plugin is not None:
        # the Shariff Wrapper plugin: its names, and the total (README, "WordPress")
        url, names = plugin
        if names.everything:
            query = svc.counts.query(url, svc.enabled_counts(), named=False, total=True)
        else:
            query = svc.counts.query(url, names.networks, True, names.labels, total=True)
    else:
        url = params.page_url()
        raw = params.single("networks")
        wanted = params.network_names(raw, svc.enabled_counts())
        query = svc.counts.query(url, wanted, named=bool(raw))
    body, max_age = svc.counts.answer(query, params.time_left(svc.deadline))
    svc.counts.remember(request.query_string, query)
    origin = request.headers.get("Origin", "")
    return Response(body, headers=svc.counts.headers(body, max_age, origin))
