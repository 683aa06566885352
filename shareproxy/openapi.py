"""The OpenAPI 3 description of the public HTTP API, served at ``/openapi.json``.

Built once per process from the networks the code knows; ``tests/test_openapi.py`` keeps it
true (every public route is described, and nothing else).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from ._version import __version__
from .networks import COUNT_NETWORKS

_ERROR_REF = {"$ref": "#/components/schemas/Error"}


def _error(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": _ERROR_REF}},
    }


def _json(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


URL_PARAM: dict[str, Any] = {
    "name": "url",
    "in": "query",
    "required": True,
    "description": "Absolute http(s) URL of the page, on a host the server is allowed to serve.",
    "schema": {"type": "string", "maxLength": 2048},
    "example": "https://example.org/article",
}
NETWORKS_PARAM: dict[str, Any] = {
    "name": "networks",
    "in": "query",
    "required": False,
    "description": (
        "Comma-separated network names (default: every network whose counts are on). "
        "Networks without a count API are accepted and left out of the answer."
    ),
    "schema": {"type": "string"},
    "example": "facebook,reddit,pinterest",
}
BAD_INPUT = {
    "400": _error("Bad input (missing, malformed or repeated parameter); one-line reason."),
    "414": _error("Query string too long."),
}


def _counts_paths() -> dict[str, Any]:
    counts_schema = {
        "type": "object",
        "description": "Share count per network; a network whose count is unknown is absent.",
        "properties": {name: {"type": "integer", "minimum": 0} for name in COUNT_NETWORKS},
        "additionalProperties": False,
    }
    cors_header = {
        "Access-Control-Allow-Origin": {
            "description": "The request's Origin, when it is an allowed site.",
            "schema": {"type": "string"},
        }
    }
    return {
        "/api/counts": {
            "get": {
                "operationId": "getCounts",
                "summary": "Cached share counts of one page (Shariff backend format).",
                "parameters": [URL_PARAM, NETWORKS_PARAM],
                "responses": {
                    "200": {
                        "description": "Counts known within the request deadline.",
                        "headers": {
                            "Cache-Control": {
                                "description": "public, max-age=<seconds the counts stay fresh>",
                                "schema": {"type": "string"},
                            },
                            **cors_header,
                        },
                        "content": {"application/json": {"schema": counts_schema}},
                    },
                    **BAD_INPUT,
                    "403": _error("The page's host is not on the allowlist."),
                },
            },
            "options": {
                "operationId": "preflightCounts",
                "summary": "CORS preflight; allowed origins get the CORS headers.",
                "responses": {"204": {"description": "No content.", "headers": cors_header}},
            },
        }
    }


def _ops_paths() -> dict[str, Any]:
    return {
        "/healthz": {
            "get": {
                "operationId": "health",
                "summary": "Health check: the store answers.",
                "responses": {
                    "200": _json("Healthy.", {"$ref": "#/components/schemas/Health"}),
                    "503": _json(
                        "The store does not answer.", {"$ref": "#/components/schemas/Health"}
                    ),
                },
            }
        },
        "/metrics": {
            "get": {
                "operationId": "metrics",
                "summary": "Prometheus metrics (text exposition format).",
                "responses": {
                    "200": {
                        "description": "Metrics.",
                        "content": {"text/plain": {"schema": {"type": "string"}}},
                    }
                },
            }
        },
        "/openapi.json": {
            "get": {
                "operationId": "openapi",
                "summary": "This description.",
                "responses": {"200": _json("OpenAPI 3 document.", {"type": "object"})},
            }
        },
    }


def _q(name: str, description: str, **schema: Any) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": {"type": "string", **schema},
    }


def _body(description: str, media: str) -> dict[str, Any]:
    return {"description": description, "content": {media: {"schema": {"type": "string"}}}}


NETWORK_PATH_PARAM: dict[str, Any] = {
    "name": "network",
    "in": "path",
    "required": True,
    "description": "Network name, e.g. facebook.",
    "schema": {"type": "string"},
    "example": "pinterest",
}
BUTTON_PARAMS = [
    URL_PARAM,
    _q("networks", "Comma-separated networks to show, in order.", example="facebook,mail"),
    _q("title", "Title shared with the URL (at most 300 characters)."),
    _q("lang", "Interface language (default: from Accept-Language).", example="de"),
    _q("orientation", "horizontal or vertical."),
    _q("style", "Button style."),
    _q("theme", "Colour theme."),
    _q("counts", "on or off: show share counts."),
    _q("mode", "share (plain links) or twoclick (official widgets after a first click)."),
    _q("activate", "twoclick: networks whose widget loads on the first click."),
    _q("info", "Absolute http(s) URL of an explanation page."),
    _q("media", "Absolute http(s) URL of an image (pinterest)."),
    _q("origin", "scheme://host[:port] of the embedding site (for postMessage)."),
]
PAGE_ERRORS = {
    "400": _error("Bad parameter; one-line reason."),
    "403": _error("The page's host is not on the allowlist."),
    "404": _error("No such network or asset."),
    "414": _error("Query string too long."),
}


def _page_paths() -> dict[str, Any]:
    """The buttons (iframe, snippet, script), share links and badges."""
    html = _body("HTML page.", "text/html")
    return {
        "/": {
            "get": {
                "operationId": "landing",
                "summary": "Landing page for site owners: live previews and the snippet builder.",
                "parameters": [
                    _q("lang", "Language of the previews (unknown: the browser's, else en).")
                ],
                "responses": {"200": html, **PAGE_ERRORS},
            }
        },
        "/info": {
            "get": {
                "operationId": "info",
                "summary": "Info page for visitors: what the buttons send to whom, and when.",
                "parameters": [
                    _q("lang", "Language of the page (unknown: the browser's, else en).")
                ],
                "responses": {"200": html, **PAGE_ERRORS},
            }
        },
        "/buttons": {
            "get": {
                "operationId": "buttons",
                "summary": "The share buttons of one page, to embed in an iframe.",
                "parameters": BUTTON_PARAMS,
                "responses": {"200": html, **PAGE_ERRORS},
            }
        },
        "/snippet": {
            "get": {
                "operationId": "snippet",
                "summary": "The buttons as an HTML snippet to paste into a page.",
                "parameters": BUTTON_PARAMS,
                "responses": {"200": html, **PAGE_ERRORS},
            }
        },
        "/embed.js": {
            "get": {
                "operationId": "embedScript",
                "summary": "Script that turns marked elements into button iframes.",
                "responses": {"200": _body("JavaScript.", "text/javascript"), **PAGE_ERRORS},
            }
        },
        "/assets/{digest}/{name}": {
            "get": {
                "operationId": "asset",
                "summary": "Static asset under a content digest (cached for a year).",
                "parameters": [
                    {
                        "name": "digest",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string"},
                    },
                    {"name": "name", "in": "path", "required": True, "schema": {"type": "string"}},
                ],  # fmt: skip
                "responses": {"200": _body("The asset.", "*/*"), **PAGE_ERRORS},
            }
        },
        "/share/{network}": {
            "get": {
                "operationId": "share",
                "summary": "Count a click (first-party) and redirect to the network's share page.",
                "parameters": [
                    NETWORK_PATH_PARAM,
                    URL_PARAM,
                    _q("title", "Title shared with the URL."),
                    _q("media", "Image URL (pinterest)."),
                    _q("instance", "The visitor's fediverse server (mastodon)."),
                    _q("lang", "Interface language (mastodon page)."),
                ],
                "responses": {
                    "200": _body("Page asking for the visitor's fediverse server.", "text/html"),
                    "302": {"description": "Redirect to the network's share page."},
                    **PAGE_ERRORS,
                },
            }
        },
        "/badge/{network}.svg": {
            "get": {
                "operationId": "badgeSvg",
                "summary": "Share-count badge as SVG.",
                "parameters": [
                    NETWORK_PATH_PARAM,
                    URL_PARAM,
                    _q("theme", "color, grey, white, dark or auto."),
                    _q("lang", "Language of the label."),
                ],
                "responses": {"200": _body("SVG image.", "image/svg+xml"), **PAGE_ERRORS},
            }
        },
        "/badge/{network}.png": {
            "get": {
                "operationId": "badgePng",
                "summary": "Share-count badge as PNG.",
                "parameters": [
                    NETWORK_PATH_PARAM,
                    URL_PARAM,
                    _q("theme", "color, grey, white or dark."),
                    _q("scale", "1 to 4."),
                    _q("lang", "Language of the label."),
                ],
                "responses": {"200": _body("PNG image.", "image/png"), **PAGE_ERRORS},
            }
        },
    }


@lru_cache(maxsize=1)
def spec() -> dict[str, Any]:
    """The OpenAPI document (built once; treat as read-only)."""
    paths: dict[str, Any] = {}
    paths.update(_counts_paths())
    paths.update(_ops_paths())
    paths.update(_page_paths())
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "shareproxy",
            "version": __version__,
            "description": (
                "Privacy-friendly share buttons with server-side, cached share counts. "
                "Errors are JSON objects with a one-line `error`."
            ),
            "license": {"name": "MIT"},
        },
        "paths": paths,
        "components": {
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["error"],
                    "properties": {"error": {"type": "string"}},
                },
                "Health": {
                    "type": "object",
                    "required": ["status", "store"],
                    "properties": {"status": {"type": "string"}, "store": {"type": "string"}},
                },
            }
        },
    }
