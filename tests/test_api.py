"""GET /api/counts, /healthz and /metrics through the app, upstreams faked by a local server."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import pytest
from fakes import FakeNetworks
from flask import Flask

from shareproxy.networks import COUNT_NETWORKS

PAGE = "https://example.org/post"


def counts(client: Any, url: str = PAGE, **params: str) -> Any:
    query = "&".join([f"url={quote(url, safe='')}"] + [f"{k}={v}" for k, v in params.items()])
    return client.get(f"/api/counts?{query}")


def test_shariff_format_every_network(fake_app: Callable[..., Flask], fake: FakeNetworks) -> None:
    for i, name in enumerate(sorted(COUNT_NETWORKS)):
        fake.set(name, value=10 + i)
    resp = counts(fake_app().test_client())
    assert resp.status_code == 200
    assert resp.mimetype == "application/json"
    body = resp.get_json()
    assert body == {name: 10 + i for i, name in enumerate(sorted(COUNT_NETWORKS))}
    assert list(body) == list(COUNT_NETWORKS)  # the registry's order
    assert all(type(v) is int for v in body.values())


def test_networks_narrows_the_set(fake_app: Callable[..., Flask], fake: FakeNetworks) -> None:
    resp = counts(fake_app().test_client(), networks="pinterest,buffer,twitter,buffer")
    assert resp.get_json() == {"pinterest": 7, "buffer": 7}
    assert fake.calls() == 2


def test_failed_networks_are_left_out_never_zero(
    fake_app: Callable[..., Flask], fake: FakeNetworks
) -> None:
    fake.set("facebook", "malformed")
    fake.set("pinterest", "error500")
    fake.set("vk", "reset")
    fake.set("buffer", "not_found")
    resp = counts(fake_app().test_client(), networks="facebook,pinterest,vk,buffer,line")
    assert resp.get_json() == {"buffer": 0, "line": 7}


def test_networks_without_credentials_are_off(make_app: Callable[..., Flask]) -> None:
    # make_app points every network at a closed port and sets no credentials
    resp = counts(make_app().test_client(), networks="facebook,reddit,bluesky")
    assert resp.status_code == 200 and resp.get_json() == {}


def test_unknown_network_is_400(client: Any) -> None:
    resp = counts(client, networks="buffer,myspace")
    assert resp.status_code == 400
    assert resp.get_json() == {"error": "unknown network 'myspace' in 'networks'"}
    resp = counts(client, networks="<script>")
    assert resp.status_code == 400
    assert resp.get_json() == {"error": "unknown network in 'networks'"}


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ("", "url is missing"),
        ("url=", "url is missing"),
        ("url=/post", "url must be absolute (https://…)"),
        ("url=example.org/post", "url must be absolute (https://…)"),
        ("url=ftp://example.org/file", "url must use http or https"),
        ("url=javascript:alert(1)", "url must use http or https"),
        ("url=http://[::1", "url is malformed"),
        ("url=http://example.org:99999/", "url is malformed"),
        ("url=http://exa%20mple.org/", "url contains spaces or control characters"),
        ("url=http://exa_mple!.org/", "url has a malformed host"),
        ("url=https:///path", "url has no host"),
        ("url=https://" + "a" * 2050 + ".org/", "url is longer than 2048 characters"),
        ("url=https://user:pw@example.org/", "url must not contain user name or password"),
        ("url=https://user@example.org/", "url must not contain user name or password"),
        ("url=https://example.org/a&url=https://example.org/b", "give 'url' once"),
        ("url=https://example.org/&networks=a&networks=b", "give 'networks' once"),
    ],
)
def test_bad_urls_are_400_with_a_one_line_json_error(client: Any, query: str, error: str) -> None:
    resp = client.get(f"/api/counts?{query}")
    assert resp.status_code == 400
    assert resp.mimetype == "application/json"
    assert resp.get_json() == {"error": error}
    assert "\n" not in resp.get_json()["error"]
    assert resp.headers["Cache-Control"] == "no-store"


def test_host_not_allowed_is_403(client: Any) -> None:
    for url in ["https://evil.example/", "https://example.com/", "https://notexample.org/",
                "https://example.org.evil.example/"]:  # fmt: skip
        resp = counts(client, url)
        assert resp.status_code == 403, url
        assert resp.get_json() == {"error": "url is on a host this server does not serve"}
    # a subdomain matched by *.example.com is allowed
    assert counts(client, "https://blog.example.com/x", networks="twitter").status_code == 200


def test_a_hostile_url_is_never_reflected(client: Any) -> None:
    resp = client.get("/api/counts?url=https://exa<script>mple.org/&networks=%3Cb%3E")
    assert resp.status_code == 400
    assert b"<script>" not in resp.data and b"<b>" not in resp.data


def test_no_input_gives_a_500(client: Any) -> None:
    for query in ["url=%ff%fe", "url=https://example.org/%ff", "networks=%00&url=x",
                  "url=http://%5B::1%5D/", "url=https://example.org/?a=%ff&b",
                  "url=" + "x" * 9000]:  # fmt: skip
        resp = client.get(f"/api/counts?{query}&networks=twitter")
        assert resp.status_code < 500, query
        assert resp.mimetype == "application/json"


def test_cors_echoes_an_allowed_origin(fake_app: Callable[..., Flask]) -> None:
    client = fake_app().test_client()
    resp = client.get(
        f"/api/counts?url={PAGE}&networks=buffer", headers={"Origin": "https://blog.example.com"}
    )
    assert resp.headers["Access-Control-Allow-Origin"] == "https://blog.example.com"
    assert "Origin" in resp.headers["Vary"]
    # errors carry CORS too, so the browser can read them
    resp = client.get("/api/counts", headers={"Origin": "https://example.org"})
    assert resp.status_code == 400
    assert resp.headers["Access-Control-Allow-Origin"] == "https://example.org"


@pytest.mark.parametrize(
    "origin", ["https://evil.example", "null", "https://example.org.evil.example",
               "https://example.org/path", "javascript://example.org"],
)  # fmt: skip
def test_no_cors_headers_for_other_origins(client: Any, origin: str) -> None:
    resp = client.get(f"/api/counts?url={PAGE}&networks=twitter", headers={"Origin": origin})
    assert resp.status_code == 200
    assert "Access-Control-Allow-Origin" not in resp.headers
    pre = client.options("/api/counts", headers={
        "Origin": origin, "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "content-type",
    })  # fmt: skip
    assert not [h for h in pre.headers.keys() if h.startswith("Access-Control-")]


def test_preflight_is_answered(client: Any) -> None:
    resp = client.options(f"/api/counts?url={PAGE}", headers={
        "Origin": "http://localhost:3000", "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "content-type",
    })  # fmt: skip
    assert resp.status_code in (200, 204)
    assert resp.headers["Access-Control-Allow-Origin"] == "http://localhost:3000"
    assert "GET" in resp.headers["Access-Control-Allow-Methods"]
    assert "content-type" in resp.headers["Access-Control-Allow-Headers"].lower()
    assert "Origin" in resp.headers["Vary"]


def test_cache_control_gives_the_remaining_freshness(
    fake_app: Callable[..., Flask], fake: FakeNetworks
) -> None:
    app = fake_app(CACHE_TTL=1000)
    clock = [1_800_000_000.0]
    app.extensions["shareproxy"].cache.clock = lambda: clock[0]
    client = app.test_client()
    resp = counts(client, networks="buffer,facebook")
    # facebook's floor is 3600, buffer's 300: the shortest lifetime wins
    assert resp.headers["Cache-Control"] == "public, max-age=1000"
    clock[0] += 400
    assert counts(client, networks="buffer,facebook").headers["Cache-Control"] == (
        "public, max-age=600"
    )
    assert counts(client, networks="facebook").headers["Cache-Control"] == ("public, max-age=3200")
    assert fake.calls() == 2


def test_cache_control_is_zero_while_a_count_is_missing(
    fake_app: Callable[..., Flask], fake: FakeNetworks
) -> None:
    gate = fake.set("buffer", gate=__import__("threading").Event()).gate
    assert gate is not None
    app = fake_app(REQUEST_DEADLINE=0.05)
    resp = counts(app.test_client(), networks="buffer")
    gate.set()
    assert resp.get_json() == {}
    assert resp.headers["Cache-Control"] == "public, max-age=0"


def test_healthz(make_app: Callable[..., Flask], tmp_path: Any) -> None:
    app = make_app(STORE=f"sqlite:///{tmp_path / 'h.db'}")
    client = app.test_client()
    resp = client.get("/healthz")
    assert resp.status_code == 200 and resp.get_json() == {"status": "ok", "store": "sqlite"}
    # the store file is overwritten by something that is not a database
    (tmp_path / "h.db").write_bytes(b"this is not a database" * 512)
    for suffix in ("-wal", "-shm"):
        (tmp_path / f"h.db{suffix}").unlink(missing_ok=True)
    resp = client.get("/healthz")
    assert resp.status_code == 503
    assert resp.get_json() == {"status": "store unavailable", "store": "sqlite"}
    assert resp.headers["Cache-Control"] == "no-store"
    # and when it is gone
    (tmp_path / "h.db").unlink()
    assert client.get("/healthz").status_code == 503
    assert not (tmp_path / "h.db").exists()


def test_healthz_503_when_redis_is_down(make_app: Callable[..., Flask]) -> None:
    app = make_app(STORE="redis://127.0.0.1:9/0")
    resp = app.test_client().get("/healthz")
    assert resp.status_code == 503 and resp.get_json()["store"] == "redis"


def test_counts_still_answer_when_the_store_is_down(
    fake_app: Callable[..., Flask], fake: FakeNetworks
) -> None:
    client = fake_app(STORE="redis://127.0.0.1:9/0").test_client()
    assert counts(client, networks="buffer").get_json() == {"buffer": 7}
    assert counts(client, networks="buffer").get_json() == {"buffer": 7}
    assert fake.calls() == 1  # remembered in memory


def test_metrics_names(fake_app: Callable[..., Flask], fake: FakeNetworks) -> None:
    client = fake_app().test_client()
    fake.set("vk", "error500")
    counts(client, networks="buffer,vk")
    counts(client, networks="buffer")
    resp = client.get("/metrics")
    assert resp.status_code == 200
    assert resp.mimetype == "text/plain"
    text = resp.get_data(as_text=True)
    for name in [
        "shareproxy_requests_total", "shareproxy_cache_total",
        "shareproxy_upstream_calls_total", "shareproxy_upstream_errors_total",
        "shareproxy_upstream_latency_seconds_bucket", "shareproxy_store_errors",
    ]:  # fmt: skip
        assert name in text, name
    assert 'shareproxy_cache_total{network="buffer",result="hit"}' in text
    assert 'shareproxy_upstream_errors_total{kind="http_5xx",network="vk"}' in text
    assert 'shareproxy_requests_total{endpoint="api.counts",status="200"}' in text


def test_json_body_is_compact_and_not_html(fake_app: Callable[..., Flask]) -> None:
    resp = counts(fake_app().test_client(), networks="buffer")
    assert json.loads(resp.data) == {"buffer": 7}
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert "Set-Cookie" not in resp.headers


def test_other_methods_and_paths_answer_json(client: Any) -> None:
    resp = client.post(f"/api/counts?url={PAGE}")
    assert resp.status_code == 405 and resp.get_json() == {"error": "method not allowed here"}
    assert "GET" in resp.headers["Allow"]
    resp = client.get("/api/nothing")
    assert resp.status_code == 404 and resp.get_json() == {"error": "no such page"}
    resp = client.get("/api/counts?url=" + "a" * 33_000)
    assert resp.status_code == 414 and resp.get_json() == {"error": "request URI too long"}
