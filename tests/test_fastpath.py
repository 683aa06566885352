"""The WSGI fast path for cached /api/counts (shareproxy/fastpath.py): byte-identical to
the Flask path in every request shape (Shariff's default request with click counts
merged and failing networks, a ``networks=`` subset, ``add`` mode), correct under
purges, TTL changes, new clicks, expiry and failures, and everything it does not know
falls through to Flask."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import pytest
from fakes import FakeNetworks, Worker, serve_worker
from flask import Flask

from shareproxy import clicks, metrics

PAGE = "https://example.org/fast"
PAGE_Q = quote(PAGE, safe="")
QUERY = f"/api/counts?url={PAGE_Q}&networks=buffer,pinterest"
ALLOWED = "https://example.org"
FAILING = ("xing", "tumblr")
ONE, TWO = "192.0.2.10", "198.51.100.10"  # two visitors' addresses (other client networks)
# shape: (settings, the request's query, the network a click changes the answer of)
SHAPES = {
    "default": ({}, f"/api/counts?url={PAGE_Q}", "twitter"),  # fill: clicks merged
    "subset": ({}, f"/api/counts?url={PAGE_Q}&networks=buffer,pinterest,xing,tumblr", None),
    "add": ({"CLICK_COUNTS": "add"}, f"/api/counts?url={PAGE_Q}", "pinterest"),
}


class Server(Worker):
    """An app on the fake networks through its fast path, and how often Flask answered."""

    page = PAGE

    def get(self, path: str, origin: str | None = ALLOWED) -> Any:
        return self.client.get(path, headers={"Origin": origin} if origin is not None else {})


def serve(fake_app: Callable[..., Flask], **overrides: Any) -> Server:
    return serve_worker(Server, fake_app, "fastpath", **overrides)


def shape(resp: Any) -> tuple[str, list[tuple[str, str]], bytes]:
    return resp.status, list(resp.headers.items()), resp.get_data()


def counted_metrics() -> dict[tuple[str, ...], float]:
    """Every cache outcome and /api/counts answer counted so far in this process."""
    metrics.TALLY.report()
    found: dict[tuple[str, ...], float] = {}
    for counter in (metrics.CACHE, metrics.REQUESTS):
        for labels, child in counter._metrics.items():  # type: ignore[attr-defined]
            found[labels] = child._value.get()
    return found


def delta(before: dict[tuple[str, ...], float]) -> dict[tuple[str, ...], float]:
    after = counted_metrics()
    return {k: v - before.get(k, 0.0) for k, v in after.items() if v != before.get(k, 0.0)}


@pytest.fixture
def failing(fake: FakeNetworks) -> FakeNetworks:
    for name in FAILING:
        fake.set(name, "error500")
    return fake


@pytest.mark.parametrize("name", list(SHAPES))
def test_every_shape_is_answered_fast_and_byte_identical_to_flask(
    fake_app: Callable[..., Flask], failing: FakeNetworks, name: str
) -> None:
    overrides, path, _ = SHAPES[name]
    server = serve(fake_app, **overrides)
    for network, visitor in (("twitter", ONE), ("twitter", TWO), ("pinterest", ONE)):
        server.share(network, visitor)
    first = server.get(path)
    assert first.status_code == 200  # Flask answers and teaches the fast path
    assert server.flask_calls == [1]
    answer = first.get_json()
    assert not set(FAILING) & set(answer), "failing networks are left out"
    if name == "default":
        assert answer["twitter"] == 2 and answer["pinterest"] == 7  # fill: clicks where no API
    elif name == "add":
        assert answer["twitter"] == 2 and answer["pinterest"] == 8  # add: upstream + clicks
    else:
        assert answer == {"buffer": 7, "pinterest": 7}
    server.clock[0] += 30  # max-age counted down the same way (the failures' 60 s first)
    for origin in (None, ALLOWED, "https://evil.example.net", ""):
        before = counted_metrics()
        fast = server.get(path, origin)
        fast_counted = delta(before)
        assert server.flask_calls == [1], "served before Flask"
        before = counted_metrics()
        slow = server.flask_only.get(path, headers={"Origin": origin} if origin else {})
        slow_counted = delta(before)
        assert shape(fast) == shape(slow)
        assert fast_counted == slow_counted, "the same metrics, counted the same way"
        assert fast_counted[("api.counts", "200")] == 1
        assert fast_counted[("xing", "error")] == 1
        assert fast.headers["Cache-Control"] == "public, max-age=30"
        assert fast.headers["Vary"] == "Origin"
        allowed = fast.headers.get("Access-Control-Allow-Origin")
        assert allowed == (ALLOWED if origin == ALLOWED else None)
        assert fast.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("name", list(SHAPES))
def test_a_click_through_this_worker_shows_at_once(
    fake_app: Callable[..., Flask], failing: FakeNetworks, name: str
) -> None:
    overrides, path, changed = SHAPES[name]
    server = serve(fake_app, **overrides)
    first = server.get(path)
    assert server.get(path).get_data() == first.get_data()
    assert server.flask_calls == [1]
    server.share("twitter", ONE)
    server.share("pinterest", ONE)
    after = server.get(path)
    if changed is None:  # no click count enters this answer: still the fast one
        assert after.get_data() == first.get_data()
        assert server.flask_calls == [1]
        return
    assert after.get_json()[changed] == first.get_json().get(changed, 0) + 1
    upstream_calls = failing.calls()
    assert server.get(path).get_data() == after.get_data()
    assert server.flask_calls == [2], "rebuilt once, then fast again"
    assert failing.calls() == upstream_calls, "the counts themselves were not fetched again"


@pytest.mark.parametrize("name", ["default", "add"])
def test_another_workers_click_shows_within_the_read_interval(
    fake_app: Callable[..., Flask], failing: FakeNetworks, name: str
) -> None:
    overrides, path, changed = SHAPES[name]
    assert changed is not None
    server = serve(fake_app, **overrides)
    other = serve(fake_app, **overrides)  # another worker on the same store
    first = server.get(path)
    server.monotonic[0] += clicks.READ_CACHE_SECONDS + 1  # no click anywhere: nothing read
    assert server.get(path).get_data() == first.get_data()
    assert server.flask_calls == [1]
    other.share(changed, TWO)
    assert server.get(path).get_data() == first.get_data()  # its click version is 2 s old
    server.monotonic[0] += clicks.VERSION_SECONDS
    after = server.get(path)  # a click was counted somewhere: this page's clicks read again
    assert after.get_json()[changed] == first.get_json().get(changed, 0) + 1
    assert server.flask_calls == [2]
    other.flask_only.get(  # a click on another page: read again, the same counts
        f"/share/{changed}?url={PAGE_Q}%2Fother", environ_base={"REMOTE_ADDR": TWO}
    )
    server.monotonic[0] += clicks.READ_CACHE_SECONDS + 1
    assert server.get(path).get_data() == after.get_data()
    server.monotonic[0] += clicks.READ_KEEP_SECONDS + 1  # read again however quiet it is
    assert server.get(path).get_data() == after.get_data()
    assert server.flask_calls == [2], "unchanged click counts keep the memoised answer"


def test_a_quiet_store_is_not_asked_for_clicks_per_request(
    fake_app: Callable[..., Flask], failing: FakeNetworks
) -> None:
    overrides, path, _ = SHAPES["default"]
    server = serve(fake_app, **overrides)
    store = server.svc.store
    reads = [0]
    get_clicks = store.get_clicks

    def counted(*args: Any) -> Any:
        reads[0] += 1
        return get_clicks(*args)

    store.get_clicks = counted
    server.get(path)
    assert reads == [1]
    step = clicks.READ_CACHE_SECONDS + 1
    for _ in range(int(0.75 * clicks.READ_KEEP_SECONDS // step)):
        server.monotonic[0] += step  # a request every 11 s, no click counted meanwhile
        server.get(path)
    assert reads == [1]
    server.monotonic[0] += 0.25 * clicks.READ_KEEP_SECONDS + 1  # past READ_KEEP_SECONDS
    server.get(path)
    assert reads == [2]


def test_quiet_pages_are_read_again_at_points_spread_over_a_quarter_of_the_keep() -> None:
    keeps = [clicks._keep(f"https://example.org/page/{i}") for i in range(2000)]
    assert all(0.75 * clicks.READ_KEEP_SECONDS <= k <= clicks.READ_KEEP_SECONDS for k in keeps)
    # not one burst: every tenth of that quarter holds some of the pages, none most of them
    tenth = 0.025 * clicks.READ_KEEP_SECONDS
    buckets = [0] * 10
    for k in keeps:
        buckets[min(9, int((k - 0.75 * clicks.READ_KEEP_SECONDS) // tenth))] += 1
    assert min(buckets) > 100 and max(buckets) < 400, buckets


@pytest.mark.parametrize("name", list(SHAPES))
def test_purges_here_and_elsewhere_fall_through(
    fake_app: Callable[..., Flask], failing: FakeNetworks, name: str
) -> None:
    overrides, path, _ = SHAPES[name]
    server = serve(fake_app, **overrides)
    other = serve(fake_app, **overrides)
    server.get(path)
    failing.set("buffer", value=11)
    server.svc.cache.purge(PAGE)
    assert server.get(path).get_json()["buffer"] == 11
    assert server.flask_calls == [2]
    assert server.get(path).headers["Cache-Control"] == "public, max-age=60"  # failures' 60 s
    assert server.flask_calls == [2]  # fast again
    failing.set("buffer", value=12)
    other.svc.cache.purge(None)  # another worker purges everything
    server.clock[0] += 3  # this worker reads the purge generation (every 2 s)
    assert server.get(path).get_json()["buffer"] == 12
    assert server.flask_calls == [3]


@pytest.mark.parametrize("name", list(SHAPES))
def test_ttl_changes_here_and_elsewhere_fall_through(
    fake_app: Callable[..., Flask], fake: FakeNetworks, name: str
) -> None:
    overrides, path, _ = SHAPES[name]
    server = serve(fake_app, **overrides)
    other = serve(fake_app, **overrides)
    assert server.get(path).headers["Cache-Control"] == "public, max-age=1000"
    server.svc.cache.set_ttl("buffer", 400)
    assert server.get(path).headers["Cache-Control"] == "public, max-age=400"
    assert server.flask_calls == [2]
    other.svc.cache.set_ttl("buffer", 300)
    server.clock[0] += 3  # read within the sync interval
    assert server.get(path).headers["Cache-Control"] == "public, max-age=297"
    assert server.flask_calls == [3]
    assert server.get(path).headers["Cache-Control"] == "public, max-age=297"
    assert server.flask_calls == [3]


@pytest.mark.parametrize("name", list(SHAPES))
def test_expiry_and_failures_fall_through(
    fake_app: Callable[..., Flask], failing: FakeNetworks, name: str
) -> None:
    overrides, path, _ = SHAPES[name]
    server = serve(fake_app, **overrides)
    first = server.get(path).get_json()
    assert "xing" not in first and "tumblr" not in first
    xing_calls = failing.calls("xing")
    server.clock[0] += 59
    assert server.get(path).headers["Cache-Control"] == "public, max-age=1"
    assert server.flask_calls == [1]
    failing.set("xing", value=5)  # recovers; tumblr still fails
    server.clock[0] += 2  # the failures are forgotten: both networks asked again
    again = server.get(path)
    assert server.flask_calls == [2]
    assert failing.calls("xing") == xing_calls + 1
    assert again.get_json()["xing"] == 5 and "tumblr" not in again.get_json()
    assert again.headers["Cache-Control"] == "public, max-age=60"  # tumblr's failure again
    assert server.get(path).get_data() == again.get_data()
    assert server.flask_calls == [2]
    failing.set("tumblr", value=3)
    failing.set("buffer", value=9)
    server.clock[0] += 1001  # every count expired: stale ones served, refreshed behind
    stale = server.get(path)
    assert server.flask_calls == [3]
    assert stale.headers["Cache-Control"] == "public, max-age=0"
    assert stale.get_json()["buffer"] == 7
    for _ in range(200):  # until every refresh has landed: a fresh answer, memoised
        final = server.get(path)
        if final.headers["Cache-Control"] != "public, max-age=0":
            break
        time.sleep(0.05)
    assert final.get_json()["buffer"] == 9 and final.get_json()["tumblr"] == 3
    calls = server.flask_calls[0]
    assert server.get(path).get_data() == final.get_data()
    assert server.flask_calls == [calls], "fresh again: fast again"


def test_other_requests_fall_through_to_flask(fake_app: Callable[..., Flask]) -> None:
    server = serve(fake_app)
    client = server.client
    client.get(QUERY)
    others = [
        ("GET", QUERY + "&url=x"),  # repeated url: 400
        ("GET", "/api/counts?url=https%3A%2F%2Fevil.example.net%2F&networks=buffer"),  # 403
        ("GET", QUERY.replace("pinterest", "nope")),  # unknown network
        ("GET", f"/api/counts?url={PAGE_Q}"),  # a query the view has not parsed yet
        ("HEAD", QUERY),
        ("OPTIONS", QUERY),
        ("GET", "/api/counts/?" + QUERY.split("?")[1]),
    ]
    for method, path in others:
        calls = server.flask_calls[0]
        fast = client.open(path, method=method, headers={"Origin": ALLOWED})
        assert server.flask_calls[0] == calls + 1, path
        slow = server.flask_only.open(path, method=method, headers={"Origin": ALLOWED})
        assert shape(fast) == shape(slow), path
    assert client.get(QUERY + "&url=x").status_code == 400


def test_the_memos_are_bounded_by_bytes_with_long_urls_and_query_strings(
    fake_app: Callable[..., Flask],
) -> None:
    """Long URLs and long query strings (a parameter the view ignores) weigh what they
    take: each memo keeps at most a quarter of SHAREPROXY_CACHE_BYTES, whatever the count
    of entries allows (here 100)."""
    cache_bytes = 65_536
    server = serve(fake_app, CACHE_SIZE=400, CACHE_BYTES=cache_bytes)
    counts = server.svc.counts
    long_page = quote(PAGE + "/" + "p" * 1900, safe="")
    junk = "j" * 8000
    for i in range(25):
        path = f"/api/counts?url={long_page}{i}&networks=buffer,twitter&x={junk}"
        assert server.get(path).status_code == 200
    # each answer weighs its 2 KB URL, and so does each query string remembered (kept as
    # a digest of its 10 KB, with the URL it asks): far fewer than 25
    assert 0 < len(counts._answers) <= 8 and counts._answers.nbytes <= cache_bytes // 4
    assert 0 < len(counts._queries) <= 8 and counts._queries.nbytes <= cache_bytes // 4
    assert all(len(digest) == 16 for digest in counts._queries)
    clicks_read = server.svc.clicks._read
    assert 0 < len(clicks_read) <= 8 and clicks_read.nbytes <= cache_bytes // 4
    # the newest is still answered by the fast path, the oldest by Flask again
    calls = server.flask_calls[0]
    server.get(f"/api/counts?url={long_page}24&networks=buffer,twitter&x={junk}")
    assert server.flask_calls[0] == calls
    server.get(f"/api/counts?url={long_page}0&networks=buffer,twitter&x={junk}")
    assert server.flask_calls[0] == calls + 1


def test_the_queries_remembered_are_bounded(fake_app: Callable[..., Flask]) -> None:
    server = serve(fake_app, CACHE_SIZE=40)  # 10 answers, 10 query strings
    counts = server.svc.counts
    for i in range(25):
        assert server.get(f"/api/counts?url={PAGE_Q}{i}&networks=buffer").status_code == 200
    assert len(counts._queries) == 10 and len(counts._answers) == 10
    calls = server.flask_calls[0]
    server.get(f"/api/counts?url={PAGE_Q}24&networks=buffer")  # among the last ten: fast
    assert server.flask_calls[0] == calls
    server.get(f"/api/counts?url={PAGE_Q}0&networks=buffer")  # forgotten: Flask again
    assert server.flask_calls[0] == calls + 1
