"""Helpers of the admin and click tests: admin apps, logging in, a Redis store per test."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from werkzeug.security import generate_password_hash

from shareproxy import metrics
from shareproxy.store.redis import RedisStore

PASSWORD = "correct horse battery staple"
TOKEN = "t0ken-for-the-admin-api-0123456789abcdef"
# Made once: scrypt is slow on purpose. pbkdf2 with few rounds keeps the tests fast; the
# scrypt path is exercised by the hash-password test.
PASSWORD_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
ADMIN = {"ADMIN_PASSWORD_HASH": PASSWORD_HASH, "ADMIN_TOKEN": TOKEN}
AUTH = {"Authorization": f"Bearer {TOKEN}"}

REDIS_URL = os.environ.get("SHAREPROXY_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([0-9a-f]{64})"', html)
    assert found, "page has no CSRF field"
    return found.group(1)


def login(client: Any, password: str = PASSWORD) -> Any:
    token = csrf_of(client.get("/admin/login").get_data(as_text=True))
    return client.post("/admin/login", data={"csrf": token, "password": password})


def redis_store_or_skip() -> RedisStore:
    """A Redis store with a prefix of its own; skip when Redis is unreachable.

    With SHAREPROXY_TEST_REDIS=required an unreachable Redis fails the test instead.
    """
    store = RedisStore(REDIS_URL, prefix=f"sp-test-admin-{uuid.uuid4().hex[:12]}:")
    if not store.ping():
        store.close()
        if os.environ.get("SHAREPROXY_TEST_REDIS") == "required":
            pytest.fail(f"Redis at {REDIS_URL} is unreachable (SHAREPROXY_TEST_REDIS=required)")
        pytest.skip(f"Redis at {REDIS_URL} is unreachable")
    return store


@pytest.fixture
def redis_store() -> Iterator[RedisStore]:
    store = redis_store_or_skip()
    yield store
    metrics.attach(None)
    store.flush_prefix()
    store.close()


def use_store(app: Flask, store: Any) -> Flask:
    """Point an app at ``store`` (a Redis store with a test prefix)."""
    svc = app.extensions["shareproxy"]
    svc.store.close()
    svc.store = store
    svc.cache.store = store
    svc.circuit.store = store
    svc.clicks.store = store
    metrics.attach(store)
    return app


def redis_app(make_app: Callable[..., Flask], store: RedisStore, **overrides: Any) -> Flask:
    config = {
        "STORE": REDIS_URL,
        "SECRET_KEY": "test-secret-0123456789abcdef-0123456789",
        **ADMIN,
        **overrides,
    }
    return use_store(make_app(**config), store)
