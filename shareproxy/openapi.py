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


@lru_cache(maxsize=1)
def spec() -> dict[str, Any]:
    """The OpenAPI document (built once; treat as read-only)."""
    paths: dict[str, Any] = {}
    paths.update(_counts_paths())
    paths.update(_ops_paths())
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
