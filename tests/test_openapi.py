"""/openapi.json describes every public route of the app, and only those."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask

PRIVATE_PREFIXES = ("/admin", "/static")
AUTOMATIC = {"HEAD"}


def public_routes(app: Flask) -> dict[str, set[str]]:
    """OpenAPI-style path -> methods, for every rule a visitor can reach."""
    routes: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(PRIVATE_PREFIXES):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        methods = {m for m in (rule.methods or set()) if m not in AUTOMATIC}
        # Flask adds OPTIONS to every rule; only explicit OPTIONS handlers are API.
        if rule.provide_automatic_options:
            methods.discard("OPTIONS")
        routes.setdefault(path, set()).update(m.lower() for m in methods)
    return {p: m for p, m in routes.items() if m}


def test_spec_is_served_as_json(client: Any) -> None:
    resp = client.get("/openapi.json")
    assert resp.status_code == 200
    assert resp.mimetype == "application/json"
    doc = resp.get_json()
    assert doc["openapi"].startswith("3.")
    assert doc["info"]["version"]


def test_every_public_route_is_described_and_nothing_else(app: Flask, client: Any) -> None:
    doc = client.get("/openapi.json").get_json()
    described = {
        path: {m for m in ops if m in {"get", "post", "put", "delete", "patch", "options"}}
        for path, ops in doc["paths"].items()
    }
    assert public_routes(app) == described


def test_every_ref_resolves_and_every_operation_has_an_id(client: Any) -> None:
    doc = client.get("/openapi.json").get_json()
    refs: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "$ref" in node:
                refs.append(node["$ref"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(doc)
    for ref in refs:
        name = ref.removeprefix("#/components/schemas/")
        assert name in doc["components"]["schemas"], ref
    ids = [op["operationId"] for ops in doc["paths"].values() for op in ops.values()]
    assert len(ids) == len(set(ids))


def test_counts_schema_names_every_count_network(client: Any) -> None:
    from shareproxy.networks import COUNT_NETWORKS

    doc = client.get("/openapi.json").get_json()
    schema = doc["paths"]["/api/counts"]["get"]["responses"]["200"]["content"]["application/json"][
        "schema"
    ]
    assert set(schema["properties"]) == set(COUNT_NETWORKS) | {"total"}
