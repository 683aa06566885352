"""First-party share counts: counting, de-duplication, daily salts, and what is stored."""

from __future__ import annotations

import glob
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from admin_support import ADMIN, redis_app, redis_store_or_skip
from flask import Flask

from shareproxy import metrics
from shareproxy.clicks import DAY, ClickCounter
from shareproxy.settings import load
from shareproxy.store import Entry, Store
from shareproxy.store.sqlite import SQLiteStore

URL = "https://example.org/article"
IP = "203.0.113.57"
UA = "Mozilla/5.0 (X11; Linux) UniqueAgent/9.87-shareproxy-test"
T0 = 1_800_000_000.0 - 1_800_000_000.0 % DAY + 10 * 3600  # 10:00 UTC on some day


@contextmanager
def sharing(app: Flask) -> Iterator[Callable[[str, str, str], str]]:
    """Shares made through the app's click counter, as the share view makes them."""
    yield app.extensions["shareproxy"].clicks.record_share


class Clock:
    def __init__(self, now: float = T0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["sqlite", pytest.param("redis", marks=pytest.mark.redis)])
def store(request: Any, tmp_path: Any) -> Iterator[Store]:
    if request.param == "sqlite":
        sqlite_store = SQLiteStore(str(tmp_path / "clicks.db"))
        yield sqlite_store
        sqlite_store.close()
    else:
        redis_store = redis_store_or_skip()
        yield redis_store
        redis_store.flush_prefix()
        redis_store.close()


def counter(store: Store, clock: Clock, mode: str = "fill") -> ClickCounter:
    settings = load({}, {"CLICK_COUNTS": mode, "ALLOWED_DOMAINS": "example.org"})
    return ClickCounter(settings, store, clock)


def test_each_share_adds_one_per_url_and_network(store: Store) -> None:
    c = counter(store, Clock())
    for i in range(3):
        assert c.record(URL, "twitter", f"198.51.{i}.1") == "counted"
    assert c.record(URL, "linkedin", IP) == "counted"
    assert c.record(URL + "/other", "twitter", IP) == "counted"
    assert store.get_clicks(URL, ["twitter", "linkedin", "mastodon"]) == {
        "twitter": 3,
        "linkedin": 1,
    }
    assert store.top_clicks("twitter", 10) == [(URL, 3), (URL + "/other", 1)]
    assert store.click_networks() == {"linkedin": 1, "twitter": 4}


def test_a_repeat_within_24_hours_counts_once(store: Store) -> None:
    clock = Clock()
    c = counter(store, clock)
    assert c.record(URL, "twitter", IP) == "counted"
    clock.now += 3600
    assert c.record(URL, "twitter", IP) == "repeat"
    assert c.record(URL, "twitter", "203.0.113.99") == "repeat"  # same /24: same visitor to us
    assert c.record(URL, "twitter", "203.0.113.200") == "repeat"  # any browser there too
    assert c.record(URL, "twitter", "198.51.100.7") == "counted"  # another network
    assert c.record(URL, "bluesky", IP) == "counted"  # another share target
    assert store.get_clicks(URL, ["twitter", "bluesky"]) == {"twitter": 2, "bluesky": 1}
    if store.kind == "redis":
        return  # Redis expires keys on its own clock: see test_redis_salts_and_dedup_keys_expire
    clock.now = T0 + DAY + 1  # 24 h after the first click
    assert c.record(URL, "twitter", IP) == "counted"
    assert store.get_clicks(URL, ["twitter"]) == {"twitter": 3}


def test_one_client_network_has_an_hourly_budget(store: Store) -> None:
    clock = Clock()
    settings = load({}, {"ALLOWED_DOMAINS": "example.org", "CLICKS_PER_HOUR": "3"})
    c = ClickCounter(settings, store, clock)
    outcomes = [c.record(f"{URL}/{i}", "twitter", f"203.0.113.{i}") for i in range(5)]
    assert outcomes == ["counted"] * 3 + ["limited"] * 2
    assert c.record(URL + "/0", "twitter", IP) == "repeat"  # a repeat takes nothing
    assert c.record(URL, "twitter", "198.51.100.7") == "counted"  # another network's budget
    assert sum(store.click_networks().values()) == 4
    if store.kind == "redis":
        return  # Redis expires keys on its own clock
    clock.now += 3601  # the hour is over
    assert c.record(f"{URL}/9", "twitter", IP) == "counted"


def test_a_repeat_just_after_midnight_still_counts_once(store: Store) -> None:
    midnight = T0 - T0 % DAY + DAY
    clock = Clock(midnight - 60)  # 23:59
    c = counter(store, clock)
    assert c.record(URL, "twitter", IP) == "counted"
    clock.now = midnight + 60  # 00:01, a new salt
    assert c.record(URL, "twitter", IP) == "repeat"
    assert store.get_clicks(URL, ["twitter"]) == {"twitter": 1}


def test_the_salt_rotates_daily_and_old_salts_are_deleted(tmp_path: Any) -> None:
    store = SQLiteStore(str(tmp_path / "salts.db"))
    clock = Clock()
    c = counter(store, clock)
    day = int(T0 // DAY)
    first = c.salt(day, clock.now)
    assert c.salt(day, clock.now) == first  # stable within a day, for every worker
    assert counter(store, clock).salt(day, clock.now) == first
    key_today = c.visitor_key(first, IP, URL, "twitter")
    clock.now += DAY
    second = c.salt(day + 1, clock.now)
    assert second != first
    assert c.visitor_key(second, IP, URL, "twitter") != key_today
    assert c.record(URL, "twitter", IP) == "counted"
    clock.now += 3 * DAY + 700  # later; the sweep runs
    assert c.record(URL, "twitter", IP) == "counted"
    db = sqlite3.connect(str(tmp_path / "salts.db"))
    salts = [k for (k,) in db.execute("SELECT key FROM kv WHERE key LIKE 'v:salt:%'")]
    assert sorted(salts) == [f"v:salt:{day + 3}", f"v:salt:{day + 4}"]
    live = db.execute("SELECT count(*) FROM dedup").fetchone()[0]
    assert live == 1  # only the last click's key; the earlier ones expired and are gone
    db.close()
    store.close()
    # and the old salts are gone from the bytes on disk too, not just from the table
    blob = b"".join(Path(f).read_bytes() for f in glob.glob(str(tmp_path / "salts.db*")))
    for old in (first, second):
        assert old.encode() not in blob


@pytest.mark.redis
def test_redis_salts_and_dedup_keys_expire() -> None:
    store = redis_store_or_skip()
    try:
        now = time.time()
        c = counter(store, Clock(now))
        assert c.record(URL, "twitter", IP) == "counted"
        client = store._client
        day = int(now // DAY)
        salt_ttl = client.pttl(f"{store.prefix}v:salt:{day}")
        assert 0 < salt_ttl <= 2 * DAY * 1000
        dedup = list(client.scan_iter(match=f"{store.prefix}d:*"))
        assert len(dedup) == 1
        assert 0 < client.pttl(dedup[0]) <= DAY * 1000
    finally:
        store.flush_prefix()
        store.close()


def test_mode_off_counts_nothing(store: Store) -> None:
    c = counter(store, Clock(), mode="off")
    assert c.record(URL, "twitter", IP) == "refused"
    assert store.get_clicks(URL, ["twitter"]) == {}


def test_unknown_networks_are_not_counted(store: Store) -> None:
    assert counter(store, Clock()).record(URL, "myspace", IP) == "refused"
    assert store.click_networks() == {}


# --- nothing that identifies a visitor is stored


def forbidden_fragments() -> list[bytes]:
    return [
        IP.encode(),
        b"203.0.113.0",
        b"203.0.113",
        b"2001:db8:abcd",
        b"UniqueAgent",
        UA.encode(),
    ]


def exercise(app: Flask) -> None:
    """Clicks, failed logins and count requests from one distinctive visitor."""
    client = app.test_client()
    with sharing(app) as record:
        record(URL, "twitter", IP)
        record(URL, "linkedin", "2001:db8:abcd:12::1")
    env = {"REMOTE_ADDR": IP}
    headers = {"User-Agent": UA}
    page = client.get("/admin/login", environ_base=env, headers=headers).text
    from admin_support import csrf_of

    for _ in range(3):
        client.post(
            "/admin/login",
            environ_base=env,
            headers=headers,
            data={"csrf": csrf_of(page), "password": "wrong"},
        )
    client.get(f"/api/counts?url={URL}&networks=twitter", environ_base=env, headers=headers)
    metrics.flush()


def test_no_ip_or_user_agent_in_the_sqlite_file(
    make_app: Callable[..., Flask], tmp_path: Any
) -> None:
    app = make_app(**ADMIN)
    exercise(app)
    store = app.extensions["shareproxy"].store
    assert store.get_clicks(URL, ["twitter", "linkedin"]) == {"twitter": 1, "linkedin": 1}
    files = glob.glob(str(tmp_path / "shareproxy.db*"))
    assert files
    blob = b"".join(Path(f).read_bytes() for f in files)
    assert URL.encode() in blob  # the scan does see what is stored
    for fragment in forbidden_fragments():
        assert fragment not in blob, fragment


@pytest.mark.redis
def test_no_ip_or_user_agent_in_redis(make_app: Callable[..., Flask]) -> None:
    store = redis_store_or_skip()
    try:
        app = redis_app(make_app, store)
        exercise(app)
        client = store._client
        dump = []
        for key in client.scan_iter(match=f"{store.prefix}*"):
            dump.append(key)
            kind = client.type(key)
            if kind == "string":
                dump.append(client.get(key))
            elif kind == "hash":
                dump.extend(f"{k}={v}" for k, v in client.hgetall(key).items())
            elif kind == "zset":
                dump.extend(f"{m}={s}" for m, s in client.zrange(key, 0, -1, withscores=True))
            else:
                raise AssertionError(f"unexpected type {kind} of {key}")
        blob = "\n".join(dump).encode()
        assert URL.encode() in blob
        for fragment in forbidden_fragments():
            assert fragment not in blob, fragment
    finally:
        metrics.attach(None)
        store.flush_prefix()
        store.close()


# --- the counts API


def test_counts_api_fills_networks_without_a_count_api(make_app: Callable[..., Flask]) -> None:
    app = make_app()
    with sharing(app) as record:
        record(URL, "twitter", IP)
        record(URL, "twitter", "198.51.100.1")
        record(URL, "pinterest", IP)  # has a count API: not filled in
        record(URL, "facebook", IP)  # count API off (no credentials): filled in
    client = app.test_client()
    got = client.get(f"/api/counts?url={URL}&networks=twitter,linkedin,pinterest").get_json()
    assert got == {"twitter": 2}
    got = client.get(f"/api/counts?url={URL}").get_json()
    assert got == {"facebook": 1, "twitter": 2}


def test_counts_api_adds_clicks_to_upstream_counts(make_app: Callable[..., Flask]) -> None:
    app = make_app(CLICK_COUNTS="add")
    now = time.time()
    app.extensions["shareproxy"].store.put_entry(URL, "pinterest", Entry(40, now, now), 3600)
    with sharing(app) as record:
        record(URL, "pinterest", IP)
        record(URL, "twitter", IP)
    got = app.test_client().get(f"/api/counts?url={URL}&networks=pinterest,twitter,vk")
    assert got.get_json() == {"pinterest": 41, "twitter": 1}


def test_counts_api_leaves_clicks_out_when_off(make_app: Callable[..., Flask]) -> None:
    app = make_app(CLICK_COUNTS="off")
    with sharing(app) as record:
        record(URL, "twitter", IP)
    got = app.test_client().get(f"/api/counts?url={URL}&networks=twitter").get_json()
    assert got == {}
    assert app.extensions["shareproxy"].store.get_clicks(URL, ["twitter"]) == {}


def test_top_shared_page_ranks_pages(make_app: Callable[..., Flask]) -> None:
    from admin_support import login

    app = make_app(**ADMIN)
    with sharing(app) as record:
        for i in range(3):
            record(URL, "twitter", f"198.51.{i}.1")
        record(URL + "?p=<b>&utm_source=x", "twitter", IP)
    client = app.test_client()
    login(client)
    html = client.get("/admin/top").text
    assert html.index(URL + "<") < html.index(URL + "?p=%3Cb%3E<")  # normalised, ranked
    assert "p=<b>" not in html and "utm_source" not in html


def test_clicks_on_foreign_or_malformed_urls_are_not_counted(store: Store) -> None:
    c = counter(store, Clock())
    for url in ("https://evil.example/x", "javascript:alert(1)", "", "x" * 3000):
        assert c.record(url, "twitter", IP) == "refused"
    assert store.click_networks() == {}


def test_clicks_are_counted_under_the_normalised_url(store: Store) -> None:
    c = counter(store, Clock())
    assert (
        c.record("HTTPS://Example.org:443/article?utm_source=feed#top", "twitter", IP) == "counted"
    )
    assert c.record(URL, "twitter", IP) == "repeat"  # the same page: a repeat
    assert store.get_clicks(URL, ["twitter"]) == {"twitter": 1}


def test_a_store_that_is_down_loses_the_click_but_not_the_share(
    make_app: Callable[..., Flask],
    caplog: Any,
) -> None:
    from admin_support import use_store

    from shareproxy.store.redis import RedisStore

    app = use_store(make_app(), RedisStore("redis://127.0.0.1:9/0", prefix="sp-test-down:"))
    try:
        with sharing(app) as record:
            record(URL, "twitter", IP)  # no exception reaches the share view
        assert "click not counted" in caplog.text
        assert IP not in caplog.text and "UniqueAgent" not in caplog.text
        got = app.test_client().get(f"/api/counts?url={URL}&networks=twitter")
        assert got.status_code == 200 and got.get_json() == {}
    finally:
        metrics.attach(None)
