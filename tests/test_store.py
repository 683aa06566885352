"""The store contract, on real SQLite and real Redis."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from shareproxy.store import Entry, open_store, split_redis_url

PAGE = "https://example.org/a"


@pytest.fixture(params=["sqlite", pytest.param("redis", marks=pytest.mark.redis)])
def store_url(request: Any, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    return str(request.getfixturevalue("redis_url"))


@pytest.fixture
def store(store_url: str, tmp_path: Path) -> Iterator[Any]:
    s = open_store(store_url, str(tmp_path))
    yield s
    s.close()


def test_entries_round_trip(store: Any) -> None:
    assert store.ping()
    assert store.get_entries(PAGE, ["buffer", "vk"]) == {}
    good = Entry(12, 1000.5, 1000.5)
    failed = Entry(None, 0.0, 1001.25, "timeout")
    store.put_entry(PAGE, "buffer", good, 60)
    store.put_entry(PAGE, "vk", failed, 60)
    assert store.get_entries(PAGE, ["buffer", "vk", "line"]) == {"buffer": good, "vk": failed}
    assert store.get_entries(PAGE + "/other", ["buffer"]) == {}
    assert store.count_entries() == 2


def test_purge(store: Any) -> None:
    for url in (PAGE, PAGE + "/b"):
        store.put_entry(url, "buffer", Entry(1, 1.0, 1.0), 60)
    assert store.purge(PAGE) == 1
    assert store.get_entries(PAGE, ["buffer"]) == {}
    assert store.purge() == 1
    assert store.count_entries() == 0


def test_leases_are_exclusive_until_released(store: Any) -> None:
    assert store.acquire_lease("buffer|u", 30)
    assert not store.acquire_lease("buffer|u", 30)
    assert store.acquire_lease("vk|u", 30)
    store.release_lease("buffer|u")
    assert store.acquire_lease("buffer|u", 30)


def test_a_lease_taken_with_its_entry(store: Any) -> None:
    entry = Entry(7, 1000.5, 1000.5)
    assert store.lease_entry("buffer|" + PAGE, 30, PAGE, "buffer") == (True, None)
    assert store.lease_entry("buffer|" + PAGE, 30, PAGE, "buffer") == (False, None)
    # written, and the lease released, in one step
    store.put_entry(PAGE, "buffer", entry, 60, lease="buffer|" + PAGE)
    assert store.get_entries(PAGE, ["buffer"]) == {"buffer": entry}
    assert store.lease_entry("buffer|" + PAGE, 30, PAGE, "buffer") == (True, entry)
    assert store.lease_entry("vk|" + PAGE, 30, PAGE, "vk") == (True, None)


def test_a_pages_leases_taken_together_and_written_together(
    store: Any, store_url: str, tmp_path: Path
) -> None:
    from shareproxy.store import Put

    old = Entry(3, 900.0, 900.0)
    store.put_entry(PAGE, "vk", old, 60)
    other = open_store(store_url, str(tmp_path))  # another process's store
    try:
        assert other.acquire_lease("line|" + PAGE, 30)
        leases = {n: f"{n}|{PAGE}" for n in ("buffer", "vk", "line")}
        assert store.lease_entries(PAGE, leases, 30) == {
            "buffer": (True, None),
            "vk": (True, old),
            "line": (False, None),  # held elsewhere: not taken, not read
        }
        assert not other.acquire_lease("buffer|" + PAGE, 30)
        assert not other.acquire_lease("vk|" + PAGE, 30)
        new = {"buffer": Entry(5, 1000.0, 1000.0), "vk": Entry(3, 900.0, 1000.0, "timeout")}
        store.put_entries(
            [Put(PAGE, n, e, 60, leases[n]) for n, e in new.items()]
            + [Put(PAGE + "/b", "line", Entry(1, 1.0, 1.0), 60, leases["line"])]
        )
        assert store.get_entries(PAGE, ["buffer", "vk", "line"]) == new
        assert store.get_entries(PAGE + "/b", ["line"]) == {"line": Entry(1, 1.0, 1.0)}
        # the leases this process held are released with the write, the other's stays
        assert other.acquire_lease("buffer|" + PAGE, 30)
        assert other.acquire_lease("vk|" + PAGE, 30)
        assert not store.acquire_lease("line|" + PAGE, 30)
        store.put_entries([])
    finally:
        other.close()


def test_only_the_holder_releases_a_lease(store: Any, store_url: str, tmp_path: Path) -> None:
    other = open_store(store_url, str(tmp_path))  # another process's store
    try:
        assert store.acquire_lease("k", 30)
        other.release_lease("k")  # another process's release, or a late one: nothing happens
        other.put_entry(PAGE, "buffer", Entry(1, 1.0, 1.0), 60, lease="k")
        assert not other.acquire_lease("k", 30)
        store.release_lease("k")
        assert other.acquire_lease("k", 30)
        store.release_lease("k")  # released already: the other's lease stays
        assert not store.acquire_lease("k", 30)
    finally:
        other.close()


def test_an_expired_lease_can_be_taken(store: Any) -> None:
    import time

    assert store.acquire_lease("k", 0.05)
    deadline = time.monotonic() + 5
    while not store.acquire_lease("k", 30):
        assert time.monotonic() < deadline, "the lease never expired"
        time.sleep(0.02)


def test_meta(store: Any) -> None:
    assert store.get_meta() == {}
    store.set_meta("ttl:buffer", "900")
    assert store.incr_meta("generation") == 1
    assert store.incr_meta("generation") == 2
    assert store.get_meta() == {"ttl:buffer": "900", "generation": "2"}
    store.delete_meta("ttl:buffer")
    assert store.get_meta() == {"generation": "2"}


def test_urls_with_odd_characters_are_keys_like_any_other(store: Any) -> None:
    odd = "https://example.org/%2A?q=*&r=[x]|y"
    store.put_entry(odd, "buffer", Entry(3, 1.0, 1.0), 60)
    assert store.get_entries(odd, ["buffer"])["buffer"].count == 3
    assert store.purge(odd) == 1


def test_split_redis_url() -> None:
    assert split_redis_url("redis://h:6379/0") == ("redis://h:6379/0", None)
    assert split_redis_url("redis://h:6379/0?prefix=a:b&ssl_cert_reqs=none") == (
        "redis://h:6379/0?ssl_cert_reqs=none", "a:b",
    )  # fmt: skip
    for bad in ["redis://h/0?prefix=", "redis://h/0?prefix=a*", "redis://h/0?prefix=a&prefix=b"]:
        with pytest.raises(ValueError):
            split_redis_url(bad)


def test_a_redis_that_is_down_raises_store_errors(tmp_path: Path) -> None:
    from shareproxy.store import StoreError

    s = open_store("redis://127.0.0.1:9/0", str(tmp_path))
    try:
        assert not s.ping()
        calls = [
            lambda: s.get_entries(PAGE, ["buffer"]),
            lambda: s.put_entry(PAGE, "buffer", Entry(1, 1.0, 1.0), 60),
            lambda: s.purge(PAGE), s.purge, s.count_entries,
            lambda: s.acquire_lease("k", 1), s.get_meta,
            lambda: s.set_meta("a", "b"), lambda: s.incr_meta("a"),
        ]  # fmt: skip
        for call in calls:
            with pytest.raises(StoreError):
                call()
    finally:
        s.close()


def test_unreadable_entries_are_skipped(store: Any) -> None:
    store.put_entry(PAGE, "buffer", Entry(4, 1.0, 1.0), 60)
    store.put_entry(PAGE, "vk", Entry(5, 1.0, 1.0), 60)
    garbage = "not|an|entry|x"  # as if written by another version, or by hand
    if store.kind == "sqlite":
        import sqlite3

        with sqlite3.connect(store.path) as db:
            db.execute("UPDATE counts SET entry = ? WHERE network = 'vk'", (garbage,))
        db.close()
    else:
        store._client.hset(store._key(PAGE), "vk", garbage)
    assert store.get_entries(PAGE, ["buffer", "vk"]) == {"buffer": Entry(4, 1.0, 1.0)}


# --- embed values: bytes that expire, bounded in total size


def test_blobs_round_trip_and_expire(store: Any) -> None:
    now = 1_000_000.0
    assert store.get_blob("i:abc.webp", now) is None
    data = bytes(range(256)) * 4  # every byte value: stored as bytes, not text
    store.put_blob("i:abc.webp", data, 60, 1 << 20, now)
    assert store.get_blob("i:abc.webp", now) == data
    assert store.blob_usage(now) == (1, len(data))
    store.put_blob("i:abc.webp", b"new", 60, 1 << 20, now)
    assert store.get_blob("i:abc.webp", now) == b"new"
    assert store.blob_usage(now) == (1, 3)
    if store.kind == "sqlite":  # Redis expires by its own clock: the time given is not used
        assert store.get_blob("i:abc.webp", now + 61) is None


def test_blobs_are_bounded_and_the_nearest_expiry_goes_first(store: Any) -> None:
    now = 1_000_000.0
    store.put_blob("p:a", b"a" * 400, 300, 1000, now)
    store.put_blob("p:b", b"b" * 400, 100, 1000, now)  # expires first
    store.put_blob("p:c", b"c" * 400, 200, 1000, now)
    assert store.get_blob("p:b", now) is None
    assert store.get_blob("p:a", now) == b"a" * 400
    assert store.get_blob("p:c", now) == b"c" * 400
    assert store.blob_usage(now) == (2, 800)
    # a value larger than the limit is kept alone: everything else goes
    store.put_blob("p:d", b"d" * 1500, 10, 1000, now)
    assert store.get_blob("p:d", now) == b"d" * 1500
    assert store.get_blob("p:a", now) is None and store.get_blob("p:c", now) is None
    assert store.blob_usage(now) == (1, 1500)


def test_blob_delete_by_exact_key(store: Any) -> None:
    now = 1_000_000.0
    for key in ("p:fediverse:host/1", "p:fediverse:host/12", "s:abc"):
        store.put_blob(key, key.encode(), 60, 1 << 20, now)
    # exact keys only: a key that begins another one takes nothing else with it
    assert store.delete_blobs(["p:fediverse:host/1", "s:abc", "s:abc", "p:none"]) == 2
    assert store.get_blob("p:fediverse:host/1", now) is None
    assert store.get_blob("p:fediverse:host/12", now) == b"p:fediverse:host/12"
    assert store.blob_usage(now) == (1, len(b"p:fediverse:host/12"))
    assert store.delete_blobs([]) == 0


def test_blob_purge_by_prefix(store: Any) -> None:
    now = 1_000_000.0
    for key in ("p:youtube:1", "p:youtube:2", "p:vimeo:1", "i:x.jpg"):
        store.put_blob(key, key.encode(), 60, 1 << 20, now)
    assert store.purge_blobs("p:youtube:") == 2
    assert store.get_blob("p:youtube:1", now) is None
    assert store.get_blob("p:vimeo:1", now) == b"p:vimeo:1"
    assert store.blob_usage(now) == (2, len(b"p:vimeo:1") + len(b"i:x.jpg"))
    assert store.purge_blobs() == 2
    assert store.blob_usage(now) == (0, 0)


def test_check_ins_replace_and_expire(store: Any) -> None:
    import time

    now = time.time()  # Redis expires by its own clock
    assert store.members(now) == {}
    store.check_in("web-1:10", "first", 30, now)
    store.check_in("web-1:10", "second", 30, now)
    store.check_in("web-2:7", "other", 0.3, now)
    assert store.members(now) == {"web-1:10": "second", "web-2:7": "other"}
    time.sleep(0.4)
    assert store.members(time.time()) == {"web-1:10": "second"}
    assert store.get_meta() == {}  # check-ins are not shared settings


def test_top_pages_overall_and_per_network_with_pages(store: Any) -> None:
    shares = {
        ("https://example.org/a", "twitter"): 5,
        ("https://example.org/a", "mastodon"): 2,
        ("https://example.org/b", "twitter"): 1,
        ("https://example.org/c", "mastodon"): 4,
        ("https://example.org/d", "bluesky"): 3,
    }
    for (url, network), n in shares.items():
        for i in range(n):
            assert store.record_click(url, network, [f"{url}{network}{i}"], 60, 1000.0) == "counted"
    assert store.count_clicked() == 4
    assert store.count_clicked("twitter") == 2 and store.count_clicked("nobody") == 0
    assert store.top_pages(2) == [
        ("https://example.org/a", 7, {"twitter": 5, "mastodon": 2}),
        ("https://example.org/c", 4, {"mastodon": 4}),
    ]
    assert store.top_pages(2, offset=2) == [
        ("https://example.org/d", 3, {"bluesky": 3}),
        ("https://example.org/b", 1, {"twitter": 1}),
    ]
    assert store.top_pages(2, offset=4) == []
    assert store.top_clicks("twitter", 1) == [("https://example.org/a", 5)]
    assert store.top_clicks("twitter", 1, offset=1) == [("https://example.org/b", 1)]
    if store.kind == "redis":  # the union made for the ranking is not left behind
        assert store._scan(f"{store.prefix}ktop*") == []


def test_top_pages_of_an_empty_store(store: Any) -> None:
    assert store.top_pages(20) == [] and store.count_clicked() == 0


# --- share counters with a limit, and the bound on stored pages


def test_a_click_is_counted_once_per_dedup_key_and_within_its_limit(store: Any) -> None:
    limit = ("net-a", 3, 3600.0)
    assert store.record_click(PAGE, "x", ["k1"], 60, 1000.0, limit) == "counted"
    assert store.record_click(PAGE, "x", ["k1"], 60, 1001.0, limit) == "repeat"
    assert store.record_click(PAGE + "2", "x", ["k2"], 60, 1002.0, limit) == "counted"
    assert store.record_click(PAGE + "3", "x", ["k3"], 60, 1003.0, limit) == "counted"
    assert store.record_click(PAGE + "4", "x", ["k4"], 60, 1004.0, limit) == "limited"
    assert store.record_click(PAGE + "4", "x", ["k4"], 60, 1004.0) == "counted"  # no limit
    assert store.get_clicks(PAGE + "4", ["x"]) == {"x": 1}
    assert store.click_networks() == {"x": 4}


def test_first_shares_of_pages_share_one_hourly_limit(store: Any) -> None:
    """A page's first counted share takes one from the ``first`` counter, shared by every
    client; more shares of a page that has some do not; past it, new pages wait."""
    first = ("first-shares", 2, 3600.0)
    limit = ("net-c", 100, 3600.0)
    assert store.record_click(f"{PAGE}/a", "x", ["a1"], 60, 1000.0, limit, first) == "counted"
    assert store.record_click(f"{PAGE}/a", "y", ["a2"], 60, 1001.0, limit, first) == "counted"
    assert store.record_click(f"{PAGE}/b", "x", ["b1"], 60, 1002.0, limit, first) == "counted"
    # two pages had their first share this hour: a third page is not counted...
    got = store.record_click(f"{PAGE}/c", "x", ["c1"], 60, 1003.0, limit, first)
    assert got == "new_pages_limited"
    assert store.get_clicks(f"{PAGE}/c", ["x"]) == {}
    # ...not even once it has cached counts (stored, but without a share)
    store.put_entry(f"{PAGE}/c", "facebook", Entry(5, 1.0, 1.0, None), 3600)
    got = store.record_click(f"{PAGE}/c", "x", ["c1"], 60, 1004.0, limit, first)
    assert got == "new_pages_limited"
    # pages with shares go on counting, and the refused one took nothing from its client
    assert store.record_click(f"{PAGE}/b", "y", ["b2"], 60, 1005.0, limit, first) == "counted"
    assert store.get_clicks(f"{PAGE}/b", ["x", "y"]) == {"x": 1, "y": 1}
    if store.kind == "sqlite":  # Redis expires the counter by its own clock
        # an hour later, new pages may start again
        got = store.record_click(f"{PAGE}/c", "x", ["c1"], 60, 1003.0 + 3600, limit, first)
        assert got == "counted"


def test_parallel_clicks_never_pass_the_limit(store: Any, tmp_path: Path) -> None:
    import threading

    limit = ("net-b", 5, 3600.0)
    outcomes: list[str] = []
    lock = threading.Lock()

    def click(i: int) -> None:
        got = store.record_click(f"{PAGE}/{i}", "x", [f"key{i}"], 60, 2000.0, limit)
        with lock:
            outcomes.append(got)

    threads = [threading.Thread(target=click, args=(i,)) for i in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("counted") == 5 and outcomes.count("limited") == 35


def test_the_page_bound_keeps_the_most_shared_pages(store: Any) -> None:
    entry = Entry(5, 1.0, 1.0, None)
    # page i has i shares (on one network or spread over two); all have counts
    for i in range(10):
        url = f"{PAGE}/{i}"
        store.put_entry(url, "facebook", entry, 3600)
        for j in range(i):
            store.record_click(url, "x" if j % 2 else "y", [], 60, 3000.0 + i)
    store.put_entry(f"{PAGE}/counts-only", "facebook", entry, 3600)
    assert store.count_pages() == 11
    assert store.bound_pages(6, 4000.0) == 5
    assert store.count_pages() == 6
    kept = [i for i in range(10) if store.get_entries(f"{PAGE}/{i}", ["facebook"])]
    assert kept == [4, 5, 6, 7, 8, 9]
    assert store.get_entries(f"{PAGE}/counts-only", ["facebook"]) == {}
    for i in range(4):
        assert store.get_clicks(f"{PAGE}/{i}", ["x", "y"]) == {}
    # the totals follow: shares of pages 4..9 only
    assert sum(store.click_networks().values()) == sum(range(4, 10))
    assert store.bound_pages(6, 4000.0) == 0


def test_a_bounded_store_bounds_itself(tmp_path: Path) -> None:
    from shareproxy.store.base import check_every

    s = open_store(f"sqlite:///{tmp_path / 'bounded.db'}", str(tmp_path), max_pages=100)
    try:
        entry = Entry(1, 1.0, 1.0, None)
        for i in range(1000):
            s.put_entry(f"{PAGE}/{i}", "facebook", entry, 3600)
        assert s.count_pages() <= 100 + check_every(100)
        # the most recently used pages are the ones kept
        assert s.get_entries(f"{PAGE}/999", ["facebook"])
        assert not s.get_entries(f"{PAGE}/0", ["facebook"])
    finally:
        s.close()


def test_a_full_store_says_so_once_a_minute(store: Any, caplog: Any) -> None:
    """Evictions every few writes of a flood make one warning line a minute, with the
    pages forgotten since the last one."""
    from shareproxy.store.base import FORGOTTEN_EVERY

    entry = Entry(1, 1.0, 1.0, None)
    caplog.set_level(logging.WARNING)
    for i in range(30):
        store.put_entry(f"{PAGE}/{i}", "facebook", entry, 3600)
        store.bound_pages(5, 4000.0 + i)  # one page forgotten each time, past the first 5
    lines = [r.getMessage() for r in caplog.records if "store full" in r.getMessage()]
    assert lines == [
        "store full: forgot 1 pages with the fewest shares (SHAREPROXY_STORE_MAX_PAGES)"
    ]
    store.put_entry(f"{PAGE}/last", "facebook", entry, 3600)
    store.bound_pages(5, 4000.0 + 5 + FORGOTTEN_EVERY)
    lines = [r.getMessage() for r in caplog.records if "store full" in r.getMessage()]
    assert lines[1:] == [
        "store full: forgot 25 pages with the fewest shares (SHAREPROXY_STORE_MAX_PAGES)"
    ]
