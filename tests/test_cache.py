"""The count cache: one upstream call per (URL, network) per TTL, within a process, across
apps sharing a SQLite file and across apps sharing Redis; stale-while-revalidate,
stale-if-error, failure caching, the 429 circuit and the request deadline."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from fakes import FakeNetworks
from flask import Flask

from shareproxy.networks import COUNT_NETWORKS

PAGE = "https://example.org/story"
N = 12


class Clock:
    """A clock the test moves by hand, shared by every app of a test."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def with_clock(app: Flask, clock: Clock) -> Flask:
    app.extensions["shareproxy"].cache.clock = clock
    return app


def get(app: Flask, networks: str = "buffer", url: str = PAGE) -> dict[str, int]:
    resp = app.test_client().get(f"/api/counts?url={quote(url, safe='')}&networks={networks}")
    assert resp.status_code == 200
    body: dict[str, int] = resp.get_json()
    return body


def join_refresh(app: Flask, network: str = "buffer", url: str = PAGE) -> None:
    """Wait for the background refresh of a key, if one runs (else one that asks nobody)."""
    app.extensions["shareproxy"].cache.refresh(url, network).result(timeout=10)


def hammer(apps: list[Flask], networks: str) -> list[dict[str, int]]:
    """N concurrent identical requests, spread over ``apps``, released at once."""
    start = threading.Barrier(N)

    def one(i: int) -> dict[str, int]:
        start.wait(timeout=10)
        return get(apps[i % len(apps)], networks)

    with ThreadPoolExecutor(N) as pool:
        return list(pool.map(one, range(N)))


# --- one upstream call


def test_concurrent_requests_in_one_process_make_one_call_per_network(
    fake_app: Callable[..., Flask], fake: FakeNetworks
) -> None:
    gate = threading.Event()
    for name in COUNT_NETWORKS:
        fake.set(name, value=5, gate=gate)
    app = fake_app(REQUEST_DEADLINE=10)
    release = threading.Timer(0.2, gate.set)  # hold the answers while requests pile up
    release.start()
    results = hammer([app], ",".join(COUNT_NETWORKS))
    release.join()
    assert all(r == {name: 5 for name in COUNT_NETWORKS} for r in results)
    for name in COUNT_NETWORKS:
        assert fake.calls(name, PAGE) == 1, name


def test_two_apps_sharing_a_sqlite_file_make_one_call(
    fake_app: Callable[..., Flask], fake: FakeNetworks
) -> None:
    gate = threading.Event()
    fake.set("buffer", value=9, gate=gate)
    fake.set("pinterest", value=4, gate=gate)
    apps = [fake_app(REQUEST_DEADLINE=10), fake_app(REQUEST_DEADLINE=10)]
    paths = {app.extensions["shareproxy"].store.path for app in apps}
    assert len(paths) == 1
    release = threading.Timer(0.2, gate.set)
    release.start()
    results = hammer(apps, "buffer,pinterest")
    release.join()
    assert all(r == {"buffer": 9, "pinterest": 4} for r in results)
    assert fake.calls("buffer") == 1
    assert fake.calls("pinterest") == 1


@pytest.mark.redis
def test_two_apps_sharing_redis_make_one_call(
    fake_app: Callable[..., Flask], fake: FakeNetworks, redis_url: str
) -> None:
    gate = threading.Event()
    fake.set("buffer", value=3, gate=gate)
    apps = [fake_app(STORE=redis_url, REQUEST_DEADLINE=10) for _ in range(2)]
    assert apps[0].extensions["shareproxy"].store.kind == "redis"
    release = threading.Timer(0.2, gate.set)
    release.start()
    results = hammer(apps, "buffer")
    release.join()
    assert all(r == {"buffer": 3} for r in results)
    assert fake.calls("buffer") == 1
    # a third instance finds the count in Redis without asking
    assert get(fake_app(STORE=redis_url)) == {"buffer": 3}
    assert fake.calls("buffer") == 1


@pytest.mark.redis
def test_redis_store_uses_its_prefix(redis_url: str) -> None:
    import redis

    from shareproxy.store import Entry, open_store

    store = open_store(redis_url, "/nonexistent")
    prefix = redis_url.split("prefix=", 1)[1]
    assert store.prefix == prefix  # type: ignore[attr-defined]
    store.put_entry(PAGE, "buffer", Entry(3, 1.0, 1.0), 60)
    client = redis.Redis.from_url(redis_url.split("?")[0])
    try:
        assert client.exists(f"{prefix}c:{PAGE}")
    finally:
        client.close()
        store.close()


def test_bad_redis_prefix_is_a_config_error(make_app: Callable[..., Flask]) -> None:
    from shareproxy.settings import ConfigError

    with pytest.raises(ConfigError, match="SHAREPROXY_STORE: prefix="):
        make_app(STORE="redis://127.0.0.1:6379/15?prefix=a*b")


def test_the_cache_holds_for_the_ttl(fake_app: Callable[..., Flask], fake: FakeNetworks) -> None:
    clock = Clock()
    app = with_clock(fake_app(CACHE_TTL_BUFFER=600), clock)
    assert get(app) == {"buffer": 7}
    fake.set("buffer", value=8)
    clock.advance(599)
    assert get(app) == {"buffer": 7}
    assert fake.calls() == 1


def test_ttl_is_never_below_the_network_floor(
    fake_app: Callable[..., Flask], fake: FakeNetworks
) -> None:
    clock = Clock()
    app = with_clock(fake_app(CACHE_TTL=1, CACHE_TTL_FACEBOOK=5), clock)
    assert app.extensions["shareproxy"].cache.ttl("facebook") == 3600
    get(app, "facebook")
    clock.advance(3599)
    get(app, "facebook")
    assert fake.calls("facebook") == 1


# --- stale values and failures


def test_stale_while_revalidate(fake_app: Callable[..., Flask], fake: FakeNetworks) -> None:
    clock = Clock()
    app = with_clock(fake_app(CACHE_TTL_BUFFER=300), clock)
    assert get(app) == {"buffer": 7}
    gate = threading.Event()
    fake.set("buffer", value=11, gate=gate)
    clock.advance(301)
    client = app.test_client()
    # the expired count is served at once, while the refresh waits for the network
    resp = client.get(f"/api/counts?url={PAGE}&networks=buffer")
    assert resp.get_json() == {"buffer": 7}
    assert resp.headers["Cache-Control"] == "public, max-age=0"
    assert get(app) == {"buffer": 7}  # a second request does not start a second refresh
    gate.set()
    join_refresh(app)
    assert get(app) == {"buffer": 11}
    assert fake.calls() == 2


def test_stale_if_error_keeps_the_last_good_count(
    fake_app: Callable[..., Flask], fake: FakeNetworks
) -> None:
    clock = Clock()
    app = with_clock(fake_app(CACHE_TTL_BUFFER=300, FAILURE_TTL=60), clock)
    assert get(app) == {"buffer": 7}
    fake.set("buffer", "error500")
    clock.advance(301)
    assert get(app) == {"buffer": 7}
    join_refresh(app)
    assert fake.calls() == 2
    # the failure is remembered for FAILURE_TTL: the last good count, no new call
    assert get(app) == {"buffer": 7}
    clock.advance(30)
    assert get(app) == {"buffer": 7}
    assert fake.calls() == 2
    # after FAILURE_TTL the network is asked again, and recovers
    fake.set("buffer", value=12)
    clock.advance(31)
    assert get(app) == {"buffer": 7}
    join_refresh(app)
    assert get(app) == {"buffer": 12}
    assert fake.calls() == 3


def test_a_count_older_than_stale_max_is_not_served(
    fake_app: Callable[..., Flask], fake: FakeNetworks
) -> None:
    clock = Clock()
    app = with_clock(fake_app(CACHE_TTL_BUFFER=300, CACHE_STALE_MAX=100), clock)
    assert get(app) == {"buffer": 7}
    fake.set("buffer", "malformed")
    clock.advance(401)
    assert get(app) == {}


def test_failures_are_cached_briefly(fake_app: Callable[..., Flask], fake: FakeNetworks) -> None:
    clock = Clock()
    app = with_clock(fake_app(FAILURE_TTL=60), clock)
    fake.set("buffer", "malformed")
    assert get(app) == {}
    assert get(app) == {}
    clock.advance(59)
    assert get(app) == {}
    assert fake.calls() == 1
    fake.set("buffer", value=2)
    clock.advance(2)
    assert get(app) == {"buffer": 2}
    assert fake.calls() == 2


def test_failures_are_shared_through_the_store(
    fake_app: Callable[..., Flask], fake: FakeNetworks
) -> None:
    clock = Clock()
    first, second = (with_clock(fake_app(), clock) for _ in range(2))
    fake.set("buffer", "error500")
    assert get(first) == {}
    assert get(second) == {}
    assert fake.calls() == 1


def test_429_opens_the_circuit(fake_app: Callable[..., Flask], fake: FakeNetworks) -> None:
    clock = Clock()
    app = with_clock(fake_app(), clock)
    other = with_clock(fake_app(), clock)  # another worker on the same SQLite file
    fake.set("buffer", "rate_limited", retry_after="120")
    assert get(app) == {}
    assert fake.calls() == 1
    # no further calls for any URL, in this worker or (after its sync) another one
    clock.advance(61)  # past FAILURE_TTL, within Retry-After
    assert get(app, url=PAGE + "/2") == {}
    assert get(app) == {}
    assert get(other, url=PAGE + "/3") == {}
    assert fake.calls() == 1
    assert app.extensions["shareproxy"].circuit.open_until("buffer") == (
        pytest.approx(clock.now - 61 + 120)
    )
    # once Retry-After has passed, the network is asked again
    fake.set("buffer", value=4)
    clock.advance(60)
    assert get(app, url=PAGE + "/4") == {"buffer": 4}
    assert fake.calls() == 2


def test_repeated_429_backs_off_longer(fake_app: Callable[..., Flask], fake: FakeNetworks) -> None:
    clock = Clock()
    app = with_clock(fake_app(), clock)
    circuit = app.extensions["shareproxy"].circuit
    fake.set("buffer", "rate_limited", retry_after="1")
    get(app)
    first = circuit.open_until("buffer") - clock.now
    clock.advance(first + 1)
    get(app, url=PAGE + "/2")
    second = circuit.open_until("buffer") - clock.now
    assert fake.calls() == 2
    assert second > first >= 30


# --- the deadline


def test_the_deadline_holds_with_a_hanging_upstream(
    fake_app: Callable[..., Flask], fake: FakeNetworks
) -> None:
    gate = threading.Event()
    fake.set("buffer", value=21, gate=gate)
    app = fake_app(REQUEST_DEADLINE=0.2, UPSTREAM_TIMEOUT=20)
    join_refresh(app, "pinterest")  # pinterest's count is in the cache already
    # the request returns while buffer's answer is still held back by the gate
    resp = app.test_client().get(f"/api/counts?url={PAGE}&networks=buffer,pinterest")
    assert not gate.is_set()
    assert resp.status_code == 200
    assert resp.get_json() == {"pinterest": 7}
    assert resp.headers["Cache-Control"] == "public, max-age=0"
    # the fetch still running finishes in the background and fills the cache
    gate.set()
    join_refresh(app)
    assert get(app, "buffer,pinterest") == {"buffer": 21, "pinterest": 7}
    assert fake.calls("buffer") == 1 and fake.calls("pinterest") == 1
    # ... the shared store too
    assert get(fake_app(), "buffer") == {"buffer": 21}


def test_an_upstream_slower_than_its_timeout_is_a_failure(
    fake_app: Callable[..., Flask], fake: FakeNetworks
) -> None:
    fake.set("buffer", "hang", hang=10)
    app = fake_app(REQUEST_DEADLINE=5, UPSTREAM_TIMEOUT=0.2)
    assert get(app, "buffer") == {}
    entry = app.extensions["shareproxy"].cache.peek(PAGE, "buffer")
    assert entry is not None and entry.error == "timeout" and entry.count is None


def test_normalised_urls_share_one_entry(
    fake_app: Callable[..., Flask], fake: FakeNetworks
) -> None:
    app = fake_app()
    for url in ["https://EXAMPLE.org:443/story?utm_source=x#top", PAGE,
                "https://example.org/story?fbclid=abc", "HTTPS://example.org./story"]:  # fmt: skip
        assert get(app, url=url) == {"buffer": 7}
    assert fake.calls() == 1
    assert fake.calls("buffer", PAGE) == 1  # the network is asked for the normalised URL


def test_purge_forgets_counts(fake_app: Callable[..., Flask], fake: FakeNetworks) -> None:
    app = fake_app()
    get(app)
    app.extensions["shareproxy"].cache.purge(PAGE)
    fake.set("buffer", value=1)
    assert get(app) == {"buffer": 1}
    assert fake.calls() == 2


def test_the_local_cache_is_bounded(fake_app: Callable[..., Flask], fake: FakeNetworks) -> None:
    app = fake_app(CACHE_SIZE=3)
    for i in range(6):
        get(app, url=f"{PAGE}/{i}")
    assert app.extensions["shareproxy"].cache.local_size() == 3
    get(app, url=f"{PAGE}/0")  # forgotten in memory, still in the store
    assert fake.calls() == 6


def test_store_unavailable_still_coalesces_in_process(
    fake_app: Callable[..., Flask], fake: FakeNetworks
) -> None:
    gate = threading.Event()
    fake.set("buffer", value=6, gate=gate)
    app = fake_app(STORE="redis://127.0.0.1:9/0", REQUEST_DEADLINE=10)
    release = threading.Timer(0.2, gate.set)
    release.start()
    results = hammer([app], "buffer")
    release.join()
    assert all(r == {"buffer": 6} for r in results)
    assert fake.calls() == 1


def test_gunicorn_workers_sharing_the_sqlite_file_make_one_call(
    fake: FakeNetworks, tmp_path: Path
) -> None:
    """The real thing: several forked worker processes, one SQLite file, one upstream call."""
    import requests
    from live_support import Gunicorn, clean_env, free_port

    port = free_port()
    env = clean_env(**{f"SHAREPROXY_API_BASE_{n.upper()}": fake.base for n in COUNT_NETWORKS})
    env.update(
        SHAREPROXY_STORE=f"sqlite:///{tmp_path / 'g.db'}",
        SHAREPROXY_ALLOWED_DOMAINS="example.org",
        SHAREPROXY_REQUEST_DEADLINE="10",
    )
    server = Gunicorn.run(
        ["--bind", f"127.0.0.1:{port}", "--workers", "3", "--threads", "4",
         "--control-socket", str(tmp_path / "g.ctl"), "wsgi:app"],
        env, port=port, log_path=tmp_path / "gunicorn.log",
    )  # fmt: skip
    base = server.base
    try:
        gate = threading.Event()
        fake.set("buffer", value=8, gate=gate)
        start = threading.Barrier(N)

        def one(_: int) -> Any:
            start.wait(timeout=10)
            with requests.Session() as session:  # a connection of its own: any worker
                session.trust_env = False
                resp = session.get(
                    f"{base}/api/counts", params={"url": PAGE, "networks": "buffer"}, timeout=20
                )
            return resp.json()

        release = threading.Timer(0.3, gate.set)
        release.start()
        with ThreadPoolExecutor(N) as pool:
            results = list(pool.map(one, range(N)))
        release.join()
        assert all(r == {"buffer": 8} for r in results)
        assert fake.calls("buffer") == 1
    finally:
        server.stop(wait=30)
