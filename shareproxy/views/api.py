"""The share-count API, in the format of a Shariff backend."""

from __future__ import annotations

import re
from functools import lru_cache

from flask import Blueprint, Response, current_app, request

from .. import clicks, compress, services
from ..errors import ApiError
from ..networks import NETWORKS
from ..urls import MAX_URL_LENGTH, BadURL, origin_allowed, page_url

bp = Blueprint("api", __name__)

MAX_NETWORKS = 64
_NAME = re.compile(r"^[a-z0-9_-]{1,30}$")


def single_arg(name: str) -> str | None:
    """A query parameter given at most once (a repeated one is refused)."""
    values = request.args.getlist(name)
    if len(values) > 1:
        raise ApiError(f"give '{name}' once")
    return values[0] if values else None


@lru_cache(maxsize=4096)
def _checked_url(raw: str, allowed: tuple[str, ...], tracking: tuple[str, ...]) -> str | BadURL:
    """page_url(), remembered: the pages that embed buttons ask about the same URLs."""
    try:
        return page_url(raw, allowed, tracking)
    except BadURL as exc:
        return exc


def requested_url() -> str:
    """The validated, normalised page URL of the request (400/403 otherwise)."""
    settings = services().settings
    raw = single_arg("url") or ""
    if len(raw) > 4 * MAX_URL_LENGTH:  # refused anyway; not worth remembering
        found: str | BadURL = BadURL(f"url is longer than {MAX_URL_LENGTH} characters")
    else:
        found = _checked_url(raw, settings.allowed_domains, settings.tracking_params)
    if isinstance(found, BadURL):
        raise ApiError(str(found), found.status)
    return found


def requested_networks(raw: str | None, default: list[str]) -> list[str]:
    """Names from ``networks=a,b`` (order kept, duplicates dropped), or ``default``."""
    if raw is None or not raw.strip():
        return default
    names: list[str] = []
    for part in raw.split(",")[: MAX_NETWORKS + 1]:
        name = part.strip().lower()
        if not name:
            continue
        if name not in NETWORKS:
            shown = f" '{name}'" if _NAME.match(name) else ""
            raise ApiError(f"unknown network{shown} in 'networks'")
        if name not in names:
            names.append(name)
    if len(names) > MAX_NETWORKS:
        raise ApiError("too many networks")
    return names


def cors(resp: Response) -> Response:
    resp.vary.add("Origin")
    origin = request.headers.get("Origin", "")
    if origin and origin_allowed(origin, services().settings.allowed_domains):
        resp.headers["Access-Control-Allow-Origin"] = origin
    return resp


@bp.after_request
def add_cors(resp: Response) -> Response:
    return cors(resp)


@bp.route("/api/counts", methods=["OPTIONS"])
def preflight() -> Response:
    resp = Response(status=204)
    if origin_allowed(request.headers.get("Origin", ""), services().settings.allowed_domains):
        resp.headers["Access-Control-Allow-Methods"] = "GET, OPTIONS"
        resp.headers["Access-Control-Allow-Headers"] = "Content-Type"
        resp.headers["Access-Control-Max-Age"] = "86400"
    return resp


@bp.get("/api/counts")
def counts() -> Response:
    svc = services()
    url = requested_url()
    enabled = svc.enabled_counts()
    named = single_arg("networks")
    wanted = requested_networks(named, enabled)
    asked = [name for name in wanted if name in enabled]
    mode = svc.settings.click_counts
    if mode == "off" or (mode == "fill" and named and all(n in enabled for n in wanted)):
        # no click count can enter this answer
        body, max_age = svc.cache.answer(url, tuple(asked), svc.deadline)
        if len(body) < compress.MIN_SIZE:  # larger answers are compressed by Flask
            fast = current_app.extensions["shareproxy.fastpath"]
            fast.learn(request.query_string, url, tuple(asked))
    else:
        # first-party share counts, as SHAREPROXY_CLICK_COUNTS says (shareproxy/clicks.py)
        counter = clicks.counter()
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
    resp.headers["Cache-Control"] = f"public, max-age={max_age}"
    return resp
