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
        from shareproxy.settings import BY_NAME

        # every API base (networks and embed providers) at a closed port
        config: dict[str, Any] = {n: CLOSED for n in BY_NAME if n.startswith("API_BASE_")}
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
        svc.embeds.close()
        svc.store.close()


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    return make_app()


@pytest.fixture
def client(app: Flask) -> Any:
    return app.test_client()


# --- the fake networks (tests/fakes.py) and apps pointed at them


@pytest.fixture
def fake() -> Iterator[Any]:
    from fakes import FakeNetworks

    server = FakeNetworks()
    yield server
    server.close()


@pytest.fixture
def fake_app(make_app: Callable[..., Flask], fake: Any) -> Callable[..., Flask]:
    """Build an app whose every count API is the fake, with credentials for all networks."""
    from fakes import CREDENTIALS

    from shareproxy.networks import COUNT_NETWORKS

    def make(**overrides: Any) -> Flask:
        config: dict[str, Any] = {f"API_BASE_{n.upper()}": fake.base for n in COUNT_NETWORKS}
        config.update(CREDENTIALS)
        # the fake answers at once; a generous deadline keeps a loaded machine from making
        # tests flaky (tests of the deadline set their own)
        config["REQUEST_DEADLINE"] = 10
        config.update(overrides)
        return make_app(**config)

    return make


@pytest.fixture
def redis_url() -> Iterator[str]:
    """A Redis store URL with a key prefix of its own; its keys are removed afterwards.

    Skips when Redis is unreachable, unless SHAREPROXY_TEST_REDIS=required (CI): then fails.
    """
    import os
    import uuid

    import redis

    base = os.environ.get("SHAREPROXY_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    client = redis.Redis.from_url(base, socket_timeout=2, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        client.close()
        reason = f"Redis at {base} is unreachable: {exc}"
        if os.environ.get("SHAREPROXY_TEST_REDIS") == "required":
            pytest.fail(reason + " (SHAREPROXY_TEST_REDIS=required)")
        pytest.skip(reason)
    prefix = f"shareproxy-test:{uuid.uuid4().hex}:"
    yield f"{base}{'&' if '?' in base else '?'}prefix={prefix}"
    for key in client.scan_iter(match=f"{prefix}*", count=500):
        client.delete(key)
    client.close()
