"""The WSGI fast path for cached /api/counts (shareproxy/fastpath.py): byte-identical to
the Flask path, and everything it does not know falls through to Flask."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from fakes import FakeNetworks
from flask import Flask
from werkzeug.test import Client

from shareproxy import metrics

PAGE = "https://example.org/fast"
QUERY = f"/api/counts?url={quote(PAGE, safe='')}&networks=buffer,pinterest"


def setup(fake_app: Callable[..., Flask]) -> tuple[Flask, Any, list[float], list[int]]:
    app = fake_app(CACHE_TTL=1000)
    clock = [1_800_000_000.0]
    app.extensions["shareproxy"].cache.clock = lambda: clock[0]
    fast = app.extensions["shareproxy"].fastpath
    inner = fast.app
    flask_calls = [0]

    def counted(environ: Any, start_response: Any) -> Any:
        flask_calls[0] += 1
        return inner(environ, start_response)

    fast.app = counted
    return app, Client(inner), clock, flask_calls


def shape(resp: Any) -> tuple[str, list[tuple[str, str]], bytes]:
    return resp.status, list(resp.headers.items()), resp.get_data()


def requests_counted() -> float:
    return metrics.REQUESTS.labels("api.counts", "200")._value.get()  # type: ignore[no-any-return]


def test_fast_answers_are_byte_identical_to_flask(fake_app: Callable[..., Flask]) -> None:
    app, flask_only, clock, flask_calls = setup(fake_app)
    client = app.test_client()
    assert client.get(QUERY).status_code == 200  # Flask answers and teaches the fast path
    assert flask_calls == [1]
    clock[0] += 300  # max-age counted down the same way
    for origin in (None, "https://example.org", "https://evil.example.net", ""):
        headers = {"Origin": origin} if origin is not None else {}
        before = requests_counted()
        fast = client.get(QUERY, headers=headers)
        assert requests_counted() == before + 1
        assert flask_calls == [1], "served before Flask"
        slow = flask_only.get(QUERY, headers=headers)
        assert shape(fast) == shape(slow)
        assert fast.headers["Cache-Control"] == "public, max-age=700"
        assert fast.headers["Vary"] == "Origin"
        allowed = fast.headers.get("Access-Control-Allow-Origin")
        assert allowed == ("https://example.org" if origin == "https://example.org" else None)


def test_other_requests_fall_through_to_flask(fake_app: Callable[..., Flask]) -> None:
    app, flask_only, clock, flask_calls = setup(fake_app)
    client = app.test_client()
    client.get(QUERY)
    others = [
        ("GET", QUERY + "&url=x"),  # repeated url: 400
        ("GET", "/api/counts?url=https%3A%2F%2Fevil.example.net%2F&networks=buffer"),  # 403
        ("GET", QUERY.replace("pinterest", "nope")),  # unknown network
        ("GET", f"/api/counts?url={quote(PAGE, safe='')}"),  # click counts merged
        ("HEAD", QUERY),
        ("OPTIONS", QUERY),
        ("GET", "/api/counts/?" + QUERY.split("?")[1]),
    ]
    for method, path in others:
        calls = flask_calls[0]
        fast = client.open(path, method=method, headers={"Origin": "https://example.org"})
        assert flask_calls[0] == calls + 1, path
        slow = flask_only.open(path, method=method, headers={"Origin": "https://example.org"})
        assert shape(fast) == shape(slow), path
    assert client.get(QUERY + "&url=x").status_code == 400


def test_purge_ttl_change_and_expiry_fall_through(
    fake_app: Callable[..., Flask], fake: FakeNetworks
) -> None:
    app, _, clock, flask_calls = setup(fake_app)
    client = app.test_client()
    cache = app.extensions["shareproxy"].cache
    client.get(QUERY)
    fake.set("buffer", value=11)
    fake.set("pinterest", value=11)
    cache.purge(PAGE)
    assert client.get(QUERY).get_json() == {"buffer": 11, "pinterest": 11}
    assert flask_calls == [2]
    assert client.get(QUERY).headers["Cache-Control"] == "public, max-age=1000"
    assert flask_calls == [2]  # fast again
    cache.set_ttl("buffer", 400)
    assert client.get(QUERY).headers["Cache-Control"] == "public, max-age=400"
    assert flask_calls == [3]
    clock[0] += 401  # expired: Flask serves the stale count and refreshes
    client.get(QUERY)
    assert flask_calls == [4]
