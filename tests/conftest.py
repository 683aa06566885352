"""Shared fixtures: apps on a throw-away SQLite file, and their test clients."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask

from shareproxy import create_app

# Point every network that has a count API at a closed local port unless a test gives
# its own base: no test may reach the internet.
CLOSED = "http://127.0.0.1:9"


@pytest.fixture
def make_app(tmp_path: Any) -> Iterator[Callable[..., Flask]]:
    apps: list[Flask] = []

    def make(**overrides: Any) -> Flask:
        from shareproxy.networks import COUNT_NETWORKS

        config: dict[str, Any] = {f"API_BASE_{n.upper()}": CLOSED for n in COUNT_NETWORKS}
        config["STORE"] = f"sqlite:///{tmp_path / 'shareproxy.db'}"
        config["ALLOWED_DOMAINS"] = "example.org,*.example.com,localhost,127.0.0.1"
        config.update(overrides)
        app = create_app(config, log_summary=False)
        app.config["TESTING"] = True
        apps.append(app)
        return app

    yield make
    for app in apps:
        svc = app.extensions["shareproxy"]
        svc.cache.close()
        svc.store.close()


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    return make_app()


@pytest.fixture
def client(app: Flask) -> Any:
    return app.test_client()
