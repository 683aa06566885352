"""Admin statistics: events summed in memory, flushed to shared buckets, read back."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from admin_support import AUTH, redis_store_or_skip
from flask import Flask

from shareproxy import metrics
from shareproxy.store.sqlite import SQLiteStore


@pytest.fixture
def buffer() -> metrics.StatsBuffer:
    buf = metrics.StatsBuffer()
    buf._pid = __import__("os").getpid()  # no background thread: the test flushes
    return buf


def feed(buf: metrics.StatsBuffer, now: float) -> None:
    buf.clock = lambda: now
    for _ in range(6):
        buf.add("pinterest", "hit")
    buf.add("pinterest", "stale")
    buf.add("pinterest", "stale")
    buf.add("pinterest", "miss")
    buf.add("pinterest", "error")
    buf.add("pinterest", "calls", 4)
    buf.add("pinterest", "errors")
    # latencies: three fast calls (bucket 1: ≤ 50 ms), one slow (bucket 7: ≤ 1 s)
    buf.add("pinterest", "lat1", 3)
    buf.add("pinterest", "lat7", 1)


def check(store: Any, now: float) -> None:
    summary = metrics.summary(store, now)
    for span in ("hour", "day"):
        got = summary[span]["pinterest"]
        assert got["requests"] == 20  # two workers, ten lookups each
        assert got["hit"] == 12 and got["stale"] == 4 and got["miss"] == 2
        assert got["hit_ratio"] == 0.6
        assert got["calls"] == 8 and got["errors"] == 2
        assert got["p50"] == 0.05 and got["p95"] == 1.0
    assert sum(summary["series"]["hour"]["pinterest"]) == 20
    assert len(summary["series"]["hour"]["pinterest"]) == 60
    assert len(summary["series"]["day"]["pinterest"]) == 24


def test_two_workers_add_to_the_same_buckets(tmp_path: Any) -> None:
    store = SQLiteStore(str(tmp_path / "stats.db"))
    now = time.time()
    for _ in range(2):  # each worker has its own buffer
        buf = metrics.StatsBuffer()
        buf._pid = __import__("os").getpid()
        buf.attach(store)
        feed(buf, now)
        assert buf.flush() > 0
        assert buf.flush() == 0  # nothing left
    check(store, now)
    # an hour and a half later the minute buckets are out of the hour, the day keeps them
    later = metrics.summary(store, now + 5400)
    assert "pinterest" not in later["hour"]
    assert later["day"]["pinterest"]["requests"] == 20
    store.close()


@pytest.mark.redis
def test_two_workers_add_to_the_same_buckets_in_redis() -> None:
    store = redis_store_or_skip()
    try:
        now = time.time()
        for _ in range(2):
            buf = metrics.StatsBuffer()
            buf._pid = __import__("os").getpid()
            buf.attach(store)
            feed(buf, now)
            buf.flush()
        check(store, now)
        keys = list(store._client.scan_iter(match=f"{store.prefix}s:*"))
        assert keys and all(0 < store._client.ttl(k) <= 2 * 86400 for k in keys)
    finally:
        store.flush_prefix()
        store.close()


def test_a_failed_flush_keeps_the_figures(buffer: metrics.StatsBuffer, tmp_path: Any) -> None:
    class Down:
        def add_stats(self, rows: Any, keep: Any) -> None:
            raise OSError("down")

    buffer.attach(Down())
    feed(buffer, time.time())
    assert buffer.flush() == 0
    store = SQLiteStore(str(tmp_path / "later.db"))
    buffer.attach(store)
    assert buffer.flush() > 0
    assert metrics.summary(store)["hour"]["pinterest"]["requests"] == 10
    store.close()


def test_percentile_of_an_empty_histogram_is_none() -> None:
    assert metrics.percentile({}, 0.5) is None
    assert metrics.percentile({len(metrics.LATENCY_BOUNDS): 1}, 0.5) == metrics.SLOWEST


def test_requests_reach_the_stats_api(make_app: Callable[..., Flask]) -> None:
    app = make_app(ADMIN_TOKEN=AUTH["Authorization"].split()[1])
    client = app.test_client()
    for _ in range(3):
        client.get("/api/counts?url=https://example.org/x&networks=pinterest")
    data = client.get("/admin/api/stats", headers=AUTH).get_json()
    assert data["hour"][metrics.ALL]["requests"] >= 3
    pinterest = data["hour"]["pinterest"]
    assert pinterest["requests"] >= 3
    assert pinterest["calls"] >= 1 and pinterest["errors"] >= 1  # the closed port fails
    assert set(data) >= {"networks", "hour", "day", "series", "clicks", "cache_entries"}


def test_overview_draws_the_charts_on_the_server(make_app: Callable[..., Flask]) -> None:
    from admin_support import ADMIN, login

    app = make_app(**ADMIN)
    store = app.extensions["shareproxy"].store
    minute = int(time.time() // 60) * 60
    store.add_stats(
        [("m", minute - 60 * i, "vk", "hit", float(i + 1)) for i in range(5)], metrics.KEEP
    )
    client = app.test_client()
    login(client)
    html = client.get("/admin/").text
    row = html[html.index(">VK<") :]
    row = row[: row.index("</tr>")]
    chart = row[row.index("<svg") : row.index("</svg>")]
    assert chart.count("<rect") == 60  # one bar per minute of the last hour
    assert "15 in all" in chart
    assert "<script" not in html
