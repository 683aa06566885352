"""GET /api/counts as the Shariff Wrapper WordPress plugin asks it (``services``), against
the fake networks: names, separators, encoded and raw URLs, the timestamp, ``total``, CORS,
first-party counts, and the fast path."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from fakes import FakeNetworks
from flask import Flask
from werkzeug.test import Client

PAGE = "https://example.org/2026/11/a-post/"
SITE = "https://example.org"


def rawurlencode(text: str) -> str:
    """PHP's rawurlencode(), as the plugin writes data-url and data-services."""
    return quote(text, safe="-_.~")


def plugin(
    client: Any,
    url: str = rawurlencode(PAGE),
    services: str = rawurlencode("facebook|reddit|pinterest"),
    timestamp: str = "1764000000",
    prefix: str = "/api/counts?",
    headers: dict[str, str] | None = None,
) -> Any:
    """The request the plugin's script sends: ``api + 'url=' + data-url + '&services=' +
    data-services + '&timestamp=' + data-timestamp``, attributes as the page carries them."""
    path = prefix + "url=" + url + "&services=" + services + "&timestamp=" + timestamp
    return client.get(path, headers=headers or {})


def test_counts_under_the_plugins_names_with_the_total(
    fake_app: Callable[..., Flask], fake: FakeNetworks
) -> None:
    fake.set("facebook", value=12)
    fake.set("reddit", value=30)
    fake.set("pinterest", value=5)
    resp = plugin(fake_app().test_client())
    assert resp.status_code == 200
    assert resp.mimetype == "application/json"
    body = resp.get_json()
    assert body == {"facebook": 12, "reddit": 30, "pinterest": 5, "total": 47}
    assert list(body) == ["facebook", "reddit", "pinterest", "total"]  # the order asked
    assert all(fake.calls(n, PAGE) == 1 for n in ("facebook", "reddit", "pinterest"))
    assert fake.calls() == 3  # nothing else was asked


def test_separators_pipe_encoded_pipe_and_comma_give_one_answer(
    fake_app: Callable[..., Flask], fake: FakeNetworks
) -> None:
    fake.set("vk", value=4)
    fake.set("buffer", value=6)
    client = fake_app().test_client()
    bodies = {
        plugin(client, services=s).get_data()
        for s in (
            "vk|buffer",
            "vk%7Cbuffer",
            "vk,buffer",
            "vk%2Cbuffer",
            "vk|buffer,vk",
            "|vk||buffer|",
        )
    }
    assert bodies == {b'{"vk":4,"buffer":6,"total":10}'}
    assert fake.calls() == 2


def test_unknown_names_are_ignored_never_an_error(
    fake_app: Callable[..., Flask], fake: FakeNetworks
) -> None:
    fake.set("tumblr", value=3)
    client = fake_app().test_client()
    names = "addthis|tumblr|googleplus|bitcoin|paypalme|rss|patreon|totalnumber|%3Cscript%3E"
    resp = plugin(client, services=names)
    assert resp.status_code == 200
    assert resp.get_json() == {"tumblr": 3, "total": 3}
    assert b"script" not in resp.get_data()
    nothing = plugin(client, services="addthis%7Cflattr")
    assert nothing.status_code == 200 and nothing.get_json() == {"total": 0}


def test_names_we_count_under_another_name(
    fake_app: Callable[..., Flask], fake: FakeNetworks
) -> None:
    """``mailto`` and ``mailform`` are our ``mail`` (first-party counts), ``printer`` our
    ``print`` (never a count): the answer uses the names the page asked with."""
    app = fake_app(CLICK_COUNTS="fill")
    client = app.test_client()
    for reader in ("198.51.100.1", "203.0.113.1"):  # two readers' networks
        shared = client.get(
            f"/share/mail?url={rawurlencode(PAGE)}", environ_base={"REMOTE_ADDR": reader}
        )
        assert shared.status_code == 302
    resp = plugin(client, services=rawurlencode("mailto|printer|mailform|buffer"))
    assert resp.get_json() == {"mailto": 2, "mailform": 2, "buffer": 7, "total": 9}


def test_the_timestamp_never_splits_the_cache(
    fake_app: Callable[..., Flask], fake: FakeNetworks
) -> None:
    client = fake_app().test_client()
    bodies = set()
    for timestamp in ("1764000000", "1764999999", "undefined", '1764000000"', "", "%00%3C"):
        resp = plugin(client, timestamp=timestamp)
        assert resp.status_code == 200, timestamp
        bodies.add(resp.get_data())
    assert len(bodies) == 1
    for name in ("facebook", "reddit", "pinterest"):
        assert fake.calls(name, PAGE) == 1, name
    # the Shariff format of the same page reads the same cache entries
    shariff = client.get(f"/api/counts?url={rawurlencode(PAGE)}&networks=facebook,reddit")
    assert shariff.get_json() == {"facebook": 7, "reddit": 7}
    assert fake.calls() == 3


def test_two_workers_share_the_cache_across_timestamps(
    fake_app: Callable[..., Flask], fake: FakeNetworks
) -> None:
    """Two apps on one store (two workers): the second timestamp, on the other worker,
    still costs no upstream call."""
    first, second = fake_app(), fake_app()
    assert plugin(first.test_client(), timestamp="1").status_code == 200
    assert plugin(second.test_client(), timestamp="2").get_json()["total"] == 21
    assert fake.calls() == 3


def test_an_unencoded_url_with_its_own_query(
    fake_app: Callable[..., Flask], fake: FakeNetworks
) -> None:
    page = "https://example.org/?p=123&lang=de"
    fake.set("vk", value=9)
    client = fake_app().test_client()
    raw = plugin(client, url=page, services="vk|buffer")
    assert raw.status_code == 200
    assert raw.get_json() == {"vk": 9, "buffer": 7, "total": 16}
    assert fake.calls("vk", page) == 1  # the whole page URL was counted, not ?p=123 alone
    encoded = plugin(client, url=rawurlencode(page), services="vk|buffer")
    assert encoded.get_data() == raw.get_data()
    assert fake.calls() == 2  # one page, one cache entry per network


def test_encoded_unencoded_and_twice_encoded_urls_are_one_page(
    fake_app: Callable[..., Flask], fake: FakeNetworks
) -> None:
    page = "https://example.org/caf%C3%A9/?q=a%20b&x=1"  # a permalink, as WordPress makes it
    client = fake_app().test_client()
    forms = [
        rawurlencode(page),
        rawurlencode(rawurlencode(page)),
        page,  # unencoded
        "HTTPS://Example.org:443/caf%C3%A9/?q=a+b&x=1&utm_source=feed",
    ]
    bodies = {plugin(client, url=u, services="buffer").get_data() for u in forms}
    assert bodies == {b'{"buffer":7,"total":7}'}
    assert fake.calls() == 1


def test_what_cannot_be_told_is_refused_not_guessed(
    fake_app: Callable[..., Flask], fake: FakeNetworks
) -> None:
    client = fake_app().test_client()
    # an unencoded URL after services: is "&lang=de" the page's or a parameter of ours?
    resp = client.get("/api/counts?services=vk&url=https://example.org/?p=1&lang=de")
    assert resp.status_code == 400
    error = resp.get_json()["error"]
    assert error.startswith("url is not percent-encoded") and "\n" not in error
    assert resp.headers["Cache-Control"] == "no-store"
    assert fake.calls() == 0


ENC = "url=https%3A%2F%2Fexample.org%2F"  # the page, as the plugin writes it
NOT_SERVED = "url is on a host this server does not serve"


@pytest.mark.parametrize(
    ("query", "status", "error"),
    [
        ("services=vk&timestamp=1", 400, "url is missing"),
        ("url=&services=vk", 400, "url is missing"),
        ("url=undefined&services=vk", 400, "url must be absolute (https://…)"),
        ("url=https%3A%2F%2Fevil.example%2F&services=vk", 403, NOT_SERVED),
        ("url=https://evil.example/?a=1&b=2&services=vk", 403, NOT_SERVED),
        ("url=javascript%3Aalert(1)&services=vk", 400, "url must use http or https"),
        (ENC + "&services=vk&services=buffer", 400, "give 'services' once"),
        (ENC + "&url=https%3A%2F%2Fexample.org%2Fb&services=vk", 400, "give 'url' once"),
        (ENC + "&services=" + "vk|" * 100 + "vk", 400, "'services' names more than 100 services"),
    ],
)
def test_bad_input_is_a_4xx_with_one_line(
    fake_app: Callable[..., Flask], fake: FakeNetworks, query: str, status: int, error: str
) -> None:
    resp = fake_app().test_client().get(f"/api/counts?{query}")
    assert resp.status_code == status
    assert resp.mimetype == "application/json"
    assert resp.get_json() == {"error": error}
    assert fake.calls() == 0


def test_total_only_when_services_is_used(
    fake_app: Callable[..., Flask], fake: FakeNetworks
) -> None:
    client = fake_app().test_client()
    for query in (f"url={rawurlencode(PAGE)}", f"url={rawurlencode(PAGE)}&networks=vk,buffer"):
        body = client.get(f"/api/counts?{query}&timestamp=5").get_json()
        assert body and "total" not in body
    # beside services, networks does not apply
    both = plugin(client, services="vk", timestamp="1&networks=buffer,reddit")
    assert both.get_json() == {"vk": 7, "total": 7}
    # the same networks asked both ways, each answer memoised: never the other's body
    for _ in range(2):
        assert plugin(client, services="vk|buffer").get_data() == b'{"vk":7,"buffer":7,"total":14}'
        shariff = client.get(f"/api/counts?url={rawurlencode(PAGE)}&networks=vk,buffer")
        assert shariff.get_data() == b'{"vk":7,"buffer":7}'


def test_totalnumber_alone_is_every_network_and_their_sum(
    fake_app: Callable[..., Flask], fake: FakeNetworks
) -> None:
    from shareproxy.networks import COUNT_NETWORKS

    for i, name in enumerate(COUNT_NETWORKS):
        fake.set(name, value=i + 1)
    client = fake_app().test_client()
    every = client.get(f"/api/counts?url={rawurlencode(PAGE)}").get_json()
    assert set(every) == set(COUNT_NETWORKS)
    # the plugin's [shariff services="totalnumber"] has no data-timestamp
    total_only = plugin(client, services="totalnumber", timestamp="undefined").get_json()
    assert total_only == {**every, "total": sum(every.values())}
    assert plugin(client, services="").get_json() == total_only
    assert plugin(client, services="totalnumber|vk").get_json() == {
        "vk": every["vk"],
        "total": every["vk"],
    }


def test_a_failed_network_is_left_out_of_the_answer_and_the_total(
    fake_app: Callable[..., Flask], fake: FakeNetworks
) -> None:
    fake.set("facebook", "error500")
    fake.set("reddit", value=4)
    fake.set("pinterest", "malformed")
    body = plugin(fake_app().test_client()).get_json()
    assert body == {"reddit": 4, "total": 4}


def test_first_party_counts_fill_and_add(
    fake_app: Callable[..., Flask], fake: FakeNetworks, tmp_path: Path
) -> None:
    """SHAREPROXY_CLICK_COUNTS plays the role of the plugin's own ranking: shares made
    through shareproxy count, and the total includes them."""
    fake.set("facebook", value=100)
    services = rawurlencode("facebook|twitter|buffer")
    for mode, expected in (
        ("fill", {"facebook": 100, "twitter": 3, "buffer": 7, "total": 110}),
        ("add", {"facebook": 101, "twitter": 3, "buffer": 7, "total": 111}),
        ("off", {"facebook": 100, "buffer": 7, "total": 107}),
    ):
        app = fake_app(CLICK_COUNTS=mode, STORE=f"sqlite:///{tmp_path / mode}.db")
        client = app.test_client()
        for reader in ("198.51.100.1", "203.0.113.1", "192.0.2.1"):  # three readers' networks
            client.get(
                f"/share/twitter?url={rawurlencode(PAGE)}", environ_base={"REMOTE_ADDR": reader}
            )
        client.get(f"/share/facebook?url={rawurlencode(PAGE)}")
        assert plugin(client, services=services).get_json() == expected, mode


def test_cors_for_allowed_origins(fake_app: Callable[..., Flask]) -> None:
    client = fake_app().test_client()
    for origin in (SITE, "https://blog.example.com", "http://localhost:8080"):
        resp = plugin(client, headers={"Origin": origin})
        assert resp.status_code == 200
        assert resp.headers["Access-Control-Allow-Origin"] == origin
        assert "Origin" in resp.headers["Vary"]
    refused = plugin(client, headers={"Origin": "https://evil.example"})
    assert refused.status_code == 200
    assert "Access-Control-Allow-Origin" not in refused.headers
    # an XMLHttpRequest GET without custom headers needs no preflight, but one is answered
    pre = client.options(
        "/api/counts?url=x&services=vk",
        headers={"Origin": SITE, "Access-Control-Request-Method": "GET"},
    )
    assert pre.status_code == 204
    assert pre.headers["Access-Control-Allow-Origin"] == SITE
    assert "GET" in pre.headers["Access-Control-Allow-Methods"]
    # a refusal carries CORS too, so the page's script can read why
    bad = plugin(client, url="undefined", headers={"Origin": SITE})
    assert bad.status_code == 400 and bad.headers["Access-Control-Allow-Origin"] == SITE


def test_wordpress_asking_from_its_own_server(
    fake_app: Callable[..., Flask], fake: FakeNetworks
) -> None:
    """Without "Request external API directly" WordPress asks with its PHP: the prefix
    (ending in ?) gets "?url=", services are sent as a|b and the timestamp ends in a quote."""
    client = fake_app().test_client()
    resp = plugin(
        client, prefix="/api/counts??", services="facebook|reddit", timestamp='1764000000"'
    )
    assert resp.status_code == 200
    assert resp.get_json() == {"facebook": 7, "reddit": 7, "total": 14}


def test_hostile_services_never_give_a_500(fake_app: Callable[..., Flask]) -> None:
    client = fake_app(REQUEST_DEADLINE=0.2).test_client()
    for services in ("%ff%fe", "%00", "|" * 99, "a" * 5000, "%E2%80%AE", "vk%7C%3Cb%3E", "+,+"):
        resp = plugin(client, services=services)
        assert resp.status_code < 500, services
        assert resp.mimetype == "application/json"
        assert b"<b>" not in resp.get_data()
    for url in ("%ff%fe", "https://example.org/%ff", "https://example.org/\u00e9?\u00e9=1", "%25"):
        resp = client.get(f"/api/counts?url={url}&services=vk")
        assert resp.status_code < 500, url


# --- the fast path


def test_the_fast_path_answers_the_plugin_byte_identical(
    fake_app: Callable[..., Flask],
) -> None:
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
    flask_only = Client(inner)
    client = app.test_client()
    for timestamp in ("1", "2"):
        assert plugin(client, timestamp=timestamp).status_code == 200  # Flask answers, teaches
    assert flask_calls == [2]
    clock[0] += 100
    for timestamp in ("1", "2"):
        for origin in (None, SITE, "https://evil.example"):
            headers = {"Origin": origin} if origin else {}
            quick = plugin(client, timestamp=timestamp, headers=headers)
            slow = plugin(flask_only, timestamp=timestamp, headers=headers)
            assert (quick.status, list(quick.headers.items()), quick.get_data()) == (
                slow.status,
                list(slow.headers.items()),
                slow.get_data(),
            )
            assert json.loads(quick.get_data())["total"] == 21
    assert flask_calls == [2], "the fast path answered every repeat"


# --- the timestamp as a cache buster, in parallel against a real server


def test_unique_timestamps_in_parallel_cost_one_upstream_call_per_page_and_network(
    fake_app: Callable[..., Flask], fake: FakeNetworks
) -> None:
    """Many visitors (or an attacker) with unique timestamps and User-Agents, at once:
    every answer is the page's, and each network is asked once per page."""
    import threading
    import urllib.request
    from concurrent.futures import ThreadPoolExecutor

    from werkzeug.serving import WSGIRequestHandler, make_server

    class Quiet(WSGIRequestHandler):
        def log_request(self, code: Any = "-", size: Any = "-") -> None:
            pass

    server = make_server("127.0.0.1", 0, fake_app(), threaded=True, request_handler=Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}/api/counts?"
    pages = [f"https://example.org/post-{i}/?p={i}&lang=de" for i in range(12)]

    def ask(i: int) -> tuple[int, str, bytes]:
        page = pages[i % len(pages)]
        url = page if i % 2 else rawurlencode(page)  # unencoded and encoded alike
        query = f"url={url}&services=vk%7Cbuffer%7Caddthis&timestamp={1764000000 + i}"
        req = urllib.request.Request(base + query, headers={"User-Agent": f"visitor {i}"})
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, page, resp.read()

    try:
        with ThreadPoolExecutor(max_workers=16) as pool:
            answers = list(pool.map(ask, range(120)))
    finally:
        server.shutdown()
        server.server_close()
    assert {status for status, _, _ in answers} == {200}
    assert {body for _, _, body in answers} == {b'{"vk":7,"buffer":7,"total":14}'}
    for page in pages:
        assert fake.calls("vk", page) == 1, page
        assert fake.calls("buffer", page) == 1, page
    assert fake.calls() == 2 * len(pages)
