"""The share-count API, in the format of a Shariff backend."""

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
    url = params.page_url()
    enabled = svc.enabled_counts()
    named = params.single("networks")
    wanted = params.network_names(named, enabled)
    asked = [name for name in wanted if name in enabled]
    mode = svc.settings.click_counts
    if mode == "off" or (mode == "fill" and named and all(n in enabled for n in wanted)):
        # no click count can enter this answer
        body, max_age = svc.cache.answer(url, tuple(asked), svc.deadline)
        if svc.fastpath is not None:
            svc.fastpath.learn(request.query_string, url, tuple(asked))
    else:
        # first-party share counts, as SHAREPROXY_CLICK_COUNTS says (shareproxy/clicks.py)
        counter = svc.clicks
        chosen = wanted if named else None

        def merge(found: dict[str, int]) -> dict[str, int]:
            return counter.merge(url, found, chosen, enabled)

        body, max_age = svc.cache.answer(
            url,
            tuple(asked),
            svc.deadline,
            merge=merge,
            version=counter.snapshot(url),
            variant=(mode, tuple(chosen) if chosen is not None else None),
        )
    resp = Response(body, mimetype="application/json")
    resp.headers["Cache-Control"] = headers.public(max_age)
    return resp
