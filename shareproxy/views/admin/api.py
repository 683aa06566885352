"""The JSON admin API (/admin/api/…): the same operations as the console's forms, for
scripts, behind a bearer token (guards.py)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from flask import Response, jsonify, request

from ...admin_service import AdminService, NotEmbeddable, TTLRefused, parse_ttl
from ...networks import COUNT_NETWORKS
from ...store import StoreError
from ...urls import BadURL
from .blueprint import bp, service
from .guards import api_error

MAX_JSON_DEPTH = 4


@bp.get("/api/stats")
def api_stats() -> Response:
    return jsonify(service().stats())


def json_depth_ok(raw: bytes, limit: int) -> bool:
    """Whether brackets outside strings nest at most ``limit`` deep (checked before any
    parser recurses into them)."""
    depth = 0
    in_string = escaped = False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth > limit:
                return False
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return True


def json_body() -> Any:
    """The request body as JSON, or None when it is not JSON (or nests too deep)."""
    raw = request.get_data(cache=True)
    if not json_depth_ok(raw, MAX_JSON_DEPTH):
        return None
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        return None


def api_network(network: str) -> Response | None:
    if network not in COUNT_NETWORKS:
        return api_error("unknown network, or one without a count API", 404)
    return None


@bp.get("/api/ttl/<network>")
def api_ttl_get(network: str) -> Response:
    refused = api_network(network)
    if refused is not None:
        return refused
    return jsonify(service().ttl(network))


@bp.put("/api/ttl/<network>")
def api_ttl_put(network: str) -> Response:
    refused = api_network(network)
    if refused is not None:
        return refused
    body = json_body()
    if not isinstance(body, dict) or "seconds" not in body:
        return api_error('send a JSON object {"seconds": N}', 400)
    value = body["seconds"]
    try:
        seconds = None if value is None else parse_ttl(network, value)
    except TTLRefused as exc:
        return api_error(exc.reason, 400)
    if isinstance(value, str):  # units are for people: the API takes a number
        return api_error("seconds must be a whole number", 400)
    try:
        service().set_ttl(network, seconds)
    except StoreError:
        return api_error("store unavailable: nothing changed", 503)
    return jsonify(service().ttl(network))


def purge(what: Callable[[AdminService, str | None], tuple[int, str | None]]) -> Response:
    """A DELETE that forgets one item (``url``, given once) or everything: ``what`` purges
    and says how many values went and the item's URL as kept."""
    values = request.args.getlist("url")
    if len(values) > 1:
        return api_error("give 'url' once", 400)
    try:
        removed, url = what(service(), values[0] if values else None)
    except (BadURL, NotEmbeddable) as exc:
        return api_error(str(exc), 400)
    except StoreError:
        return api_error("store unavailable: nothing purged", 503)
    return jsonify(purged=removed, url=url)


@bp.delete("/api/cache")
def api_cache_delete() -> Response:
    """Forget one page's cached counts (``url``), or every page's."""
    return purge(AdminService.purge_counts)


@bp.delete("/api/embeds")
def api_embeds_delete() -> Response:
    """Forget one video's or post's preview (``url``: its content URL), or all of them."""

    def embeds(admin: AdminService, raw: str | None) -> tuple[int, str | None]:
        removed, item = admin.purge_embeds(raw)
        return removed, item[1].url if item else None

    return purge(embeds)
