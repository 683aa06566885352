"""The pieces of the count path alone, each with a fake of what it receives: the circuit
on a real store, the cache with a fetch function instead of HTTP, the answer memo."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from shareproxy import arrival
from shareproxy.cache import CountCache
from shareproxy.circuit import FIRST_BACKOFF, MAX_BACKOFF, TIMEOUT_STRIKES, Circuit
from shareproxy.clicks import ClickCounter
from shareproxy.counts import Counts
from shareproxy.networks.base import CountError, RateLimited, UpstreamFailure
from shareproxy.settings import load
from shareproxy.store.sqlite import SQLiteStore

PAGE = "https://example.org/piece"
T0 = 1_800_000_000.0


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SQLiteStore]:
    s = SQLiteStore(str(tmp_path / "pieces.db"))
    yield s
    s.close()


class Upstream:
    """The fetch function the cache receives: counts calls, answers from a table."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []
        self.answers: dict[str, int | CountError] = {}
        self.gate = threading.Event()
        self.gate.set()

    def __call__(self, network: str, url: str) -> int:
        self.gate.wait(10)
        self.calls.append((network, url))
        found = self.answers.get(network, 5)
        if isinstance(found, CountError):
            raise found
        return found


def make_cache(store: SQLiteStore, upstream: Upstream, **settings: object) -> CountCache:
    config = load(environ={}, overrides={"REQUEST_DEADLINE": 10, **settings})
    cache = CountCache(config, store, upstream, Circuit(store), clock=lambda: T0)
    return cache


# --- the circuit


def test_a_429_opens_the_circuit_for_retry_after_and_longer_on_repeats(
    store: SQLiteStore,
) -> None:
    circuit = Circuit(store)
    assert circuit.allows("buffer", T0)
    circuit.failed("buffer", RateLimited(120), T0)
    assert circuit.open_until("buffer") == T0 + 120
    assert not circuit.allows("buffer", T0 + 119) and circuit.allows("buffer", T0 + 120)
    circuit.failed("buffer", RateLimited(1), T0 + 200)
    assert circuit.open_until("buffer") == T0 + 200 + 2 * FIRST_BACKOFF  # second strike
    circuit.succeeded("buffer")
    circuit.failed("buffer", RateLimited(1), T0 + 300)
    assert circuit.open_until("buffer") == T0 + 300 + FIRST_BACKOFF  # forgiven
    circuit.failed("vk", RateLimited(10**9), T0)
    assert circuit.open_until("vk") == T0 + MAX_BACKOFF


def test_other_failures_leave_the_circuit_closed(store: SQLiteStore) -> None:
    circuit = Circuit(store)
    for kind in ("http_5xx", "connection", "malformed", "timeout"):
        circuit.failed("buffer", UpstreamFailure("bad", kind=kind), T0)
    assert circuit.allows("buffer", T0) and circuit.waits("buffer")


def timeout() -> UpstreamFailure:
    return UpstreamFailure("timed out", kind="timeout")


def test_timeouts_in_a_row_open_the_circuit_then_one_probe_goes(store: SQLiteStore) -> None:
    circuit = Circuit(store)
    for _ in range(TIMEOUT_STRIKES - 1):
        circuit.failed("buffer", timeout(), T0)
    assert circuit.allows("buffer", T0)
    circuit.failed("buffer", UpstreamFailure("HTTP 500", kind="http_5xx"), T0)  # it answered
    for _ in range(TIMEOUT_STRIKES):
        circuit.failed("buffer", timeout(), T0)
    assert circuit.open_until("buffer") == T0 + FIRST_BACKOFF
    assert circuit.hanging("buffer") and not circuit.waits("buffer")
    assert not circuit.begin("buffer", T0 + 1)
    # closed again: one probe at a time, and nobody waits for it
    later = T0 + FIRST_BACKOFF
    assert circuit.begin("buffer", later)
    assert not circuit.begin("buffer", later) and not circuit.ready("buffer", later)
    assert not circuit.waits("buffer")
    # the probe times out too: open again at once, for longer
    circuit.failed("buffer", timeout(), later)
    circuit.end("buffer")
    assert circuit.open_until("buffer") == later + 2 * FIRST_BACKOFF
    # the next probe answers: back to normal
    again = later + 2 * FIRST_BACKOFF
    assert circuit.begin("buffer", again)
    circuit.succeeded("buffer")
    circuit.end("buffer")
    assert circuit.waits("buffer")
    assert circuit.begin("buffer", again) and circuit.begin("buffer", again)


def test_a_late_answer_stops_the_waiting_until_one_answers(store: SQLiteStore) -> None:
    circuit = Circuit(store)
    assert circuit.begin("vk", T0) and circuit.begin("vk", T0)
    circuit.late("vk", T0)  # a request's deadline passed while the calls were out
    assert not circuit.waits("vk") and circuit.allows("vk", T0)
    assert not circuit.begin("vk", T0)  # calls are out: no more until one answers
    circuit.succeeded("vk")
    circuit.end("vk")
    assert circuit.waits("vk")


def test_a_slow_network_is_known_to_every_worker(store: SQLiteStore) -> None:
    mine, theirs, later = Circuit(store), Circuit(store), Circuit(store)
    mine.late("line", T0)  # the store hears of it from a thread of its own
    for _ in range(200):
        if "slow:line" in store.get_meta():
            break
        time.sleep(0.01)
    theirs.absorb(store.get_meta(), T0 + 2)
    assert not theirs.waits("line")
    theirs.succeeded("line")  # their own probe answered
    theirs.absorb(store.get_meta(), T0 + 4)  # the same mark again: taken once
    assert theirs.waits("line")
    later.absorb(store.get_meta(), T0 + 3600)  # a worker started much later: too old
    assert later.waits("line")


def test_a_hanging_network_is_known_to_every_worker(store: SQLiteStore) -> None:
    mine, theirs = Circuit(store), Circuit(store)
    for _ in range(TIMEOUT_STRIKES):
        mine.failed("tumblr", timeout(), T0)
    theirs.absorb(store.get_meta(), T0)
    assert theirs.open_until("tumblr") == T0 + FIRST_BACKOFF
    assert theirs.hanging("tumblr") and not theirs.waits("tumblr")
    mine.failed("pinterest", RateLimited(60), T0)
    theirs.absorb(store.get_meta(), T0)
    assert not theirs.hanging("pinterest") and theirs.waits("pinterest")


def test_every_worker_learns_of_an_open_circuit_through_the_store(store: SQLiteStore) -> None:
    mine, theirs = Circuit(store), Circuit(store)
    mine.failed("pinterest", RateLimited(60), T0)
    theirs.absorb(store.get_meta(), T0)
    assert theirs.open_until("pinterest") == T0 + 60
    theirs.absorb({"circuit:vk": "not a number", "ttl:vk": "600"}, T0)  # ignored, no error
    assert theirs.allows("vk", T0)


# --- the cache with a fake fetch function


def test_the_cache_asks_its_fetch_function_once_per_ttl(store: SQLiteStore) -> None:
    upstream = Upstream()
    with closing(make_cache(store, upstream)) as cache:
        upstream.gate.clear()
        waiting = [threading.Thread(target=cache.lookup, args=(PAGE, ["buffer"], 10))]
        waiting += [threading.Thread(target=cache.lookup, args=(PAGE, ["buffer"], 10))]
        for t in waiting:
            t.start()
        upstream.gate.set()
        for t in waiting:
            t.join(10)
        assert cache.lookup(PAGE, ["buffer"], 10).counts == {"buffer": 5}
        assert upstream.calls == [("buffer", PAGE)]


class Counting:
    """A store whose calls of some methods are recorded."""

    def __init__(self, store: SQLiteStore) -> None:
        self.store = store
        self.calls: list[tuple[str, object]] = []

    def __getattr__(self, name: str) -> object:
        value = getattr(self.store, name)
        if name not in ("lease_entries", "lease_entry", "put_entries", "put_entry"):
            return value

        def recorded(*args: object) -> object:
            self.calls.append((name, args))
            return value(*args)

        return recorded


def test_a_new_pages_leases_are_taken_in_one_round_trip(store: SQLiteStore, tmp_path: Path) -> None:
    upstream = Upstream()
    counting = Counting(store)
    cache = make_cache(counting, upstream)  # type: ignore[arg-type]
    networks = ["buffer", "vk", "tumblr", "reddit"]
    try:
        assert cache.lookup(PAGE, networks, 10).counts == {n: 5 for n in networks}
        leases = [args for name, args in counting.calls if name.startswith("lease")]
        assert len(leases) == 1
        assert leases[0][:2] == (PAGE, {n: f"{n}|{PAGE}" for n in networks})
        writes = [args[0] for name, args in counting.calls if name == "put_entries"]
        assert len(writes) == 1  # by the last of them to finish
        assert sorted(put.network for put in writes[0]) == sorted(networks)
        # every lease was released with its write: another process may take each now
        other = SQLiteStore(str(tmp_path / "pieces.db"))
        assert all(other.acquire_lease(f"{n}|{PAGE}", 30) for n in networks)
        other.close()
        assert store.get_entries(PAGE, networks).keys() == set(networks)
    finally:
        cache.close()


def test_a_lease_taken_for_a_fetch_that_does_not_call_is_given_back(
    store: SQLiteStore, tmp_path: Path
) -> None:
    from shareproxy.cache import PageLeases

    other = SQLiteStore(str(tmp_path / "pieces.db"))  # another process
    try:
        leases = PageLeases(store, PAGE, 30, store.put_entries)
        for network in ("buffer", "vk", "line"):
            leases.add(network)
        leases.forgo("line")  # before the round trip: never taken
        assert leases.take("buffer") == (True, None)
        assert not other.acquire_lease(f"vk|{PAGE}", 30)  # taken with buffer's
        leases.forgo("vk")  # its circuit opened meanwhile: released at once
        assert other.acquire_lease(f"vk|{PAGE}", 30)
        assert other.acquire_lease(f"line|{PAGE}", 30)
        # a second take asks the store again: the lease is not free now
        assert leases.take("vk") == (False, None)
    finally:
        other.close()


def test_a_pages_counts_are_written_together_and_their_leases_held_until_then(
    store: SQLiteStore, tmp_path: Path
) -> None:
    from shareproxy.cache import PageLeases
    from shareproxy.store import Entry, Put

    writes: list[list[str]] = []

    def write(puts: list[Put]) -> None:
        writes.append([put.network for put in puts])
        store.put_entries(puts)

    def put(network: str) -> Put:
        return Put(PAGE, network, Entry(1, T0, T0), 60, f"{network}|{PAGE}")

    other = SQLiteStore(str(tmp_path / "pieces.db"))  # another process
    try:
        two = PageLeases(store, PAGE + "/two", 30, write)
        for network in ("buffer", "vk"):
            two.add(network)
        assert two.take("buffer")[0] and two.take("vk")[0]
        two.put(put("buffer")._replace(url=PAGE + "/two", lease=f"buffer|{PAGE}/two"))
        assert writes == []  # vk is still fetching
        two.release("buffer")  # kept: its write releases it
        assert not other.acquire_lease(f"buffer|{PAGE}/two", 30)
        two.put(put("vk")._replace(url=PAGE + "/two", lease=f"vk|{PAGE}/two"))
        assert writes == [["buffer", "vk"]]  # the last to finish writes both
        assert other.acquire_lease(f"buffer|{PAGE}/two", 30)

        writes.clear()
        leases = PageLeases(store, PAGE, 30, write)
        for network in ("buffer", "vk", "line"):
            leases.add(network)
        assert all(leases.take(n)[0] for n in ("buffer", "vk", "line"))
        leases.put(put("buffer"))
        leases.put(put("vk"))
        assert writes == [] and store.get_entries(PAGE, ["buffer"]) == {}
        leases.flush()  # the lookup stopped waiting: line must not hold the others back
        assert writes == [["buffer", "vk"]]
        assert other.acquire_lease(f"buffer|{PAGE}", 30)
        assert other.acquire_lease(f"vk|{PAGE}", 30)
        assert not other.acquire_lease(f"line|{PAGE}", 30)
        leases.put(put("line"))  # after the flush: at once
        assert writes == [["buffer", "vk"], ["line"]]
        assert other.acquire_lease(f"line|{PAGE}", 30)
    finally:
        other.close()


def test_writes_arriving_together_go_in_one_call_and_share_its_failure() -> None:
    from shareproxy.cache import Batched
    from shareproxy.store import StoreError

    written: list[list[int]] = []
    first_in = threading.Event()
    go_on = threading.Event()

    def write(items: list[int]) -> None:
        written.append(items)
        if items == [0]:
            first_in.set()
            go_on.wait(10)
        if 13 in items:
            raise StoreError("down")

    batched: Batched[int] = Batched(write)
    errors: dict[int, BaseException] = {}

    def put(i: int) -> None:
        try:
            batched.put([i])
        except StoreError as exc:
            errors[i] = exc

    first = threading.Thread(target=put, args=(0,))
    first.start()
    assert first_in.wait(10)
    rest = [threading.Thread(target=put, args=(i,)) for i in (11, 12, 13)]
    for t in rest:
        t.start()
    deadline = time.monotonic() + 10
    while len(batched._waiting) < 3:  # all three wait for the first write
        assert time.monotonic() < deadline
        time.sleep(0.005)
    go_on.set()
    for t in [first, *rest]:
        t.join(10)
    assert written[0] == [0]
    assert sorted(written[1]) == [11, 12, 13] and len(written) == 2
    assert sorted(errors) == [11, 12, 13]  # each of the batch hears of its failure


def test_an_open_circuit_keeps_the_fetch_function_uncalled(store: SQLiteStore) -> None:
    upstream = Upstream()
    upstream.answers["buffer"] = RateLimited(300)
    with closing(make_cache(store, upstream)) as cache:
        assert cache.lookup(PAGE, ["buffer"], 10).counts == {}
        assert cache.circuit.open_until("buffer") == T0 + 300
        assert cache.lookup(PAGE + "/other", ["buffer"], 10).counts == {}
        assert upstream.calls == [("buffer", PAGE)]


def test_a_lookup_does_not_wait_for_a_slow_network_again(store: SQLiteStore) -> None:
    upstream = Upstream()
    with closing(make_cache(store, upstream)) as cache:
        upstream.gate.clear()  # every call hangs
        started = time.monotonic()
        assert cache.lookup(PAGE, ["buffer"], 0.3).counts == {}
        assert time.monotonic() - started >= 0.3  # the first request waited its deadline
        started = time.monotonic()
        result = cache.lookup(PAGE + "/2", ["buffer"], 5.0)
        assert time.monotonic() - started < 1.0  # the next one does not wait at all
        assert result.counts == {} and not result.complete and result.max_age == 0
        assert cache.refresh(PAGE + "/2", "buffer").result(5) is None  # not asked: busy
        upstream.gate.set()  # it answers: requests wait for it again
        deadline = time.monotonic() + 5
        while not cache.circuit.waits("buffer") and time.monotonic() < deadline:
            time.sleep(0.02)
        assert cache.lookup(PAGE + "/3", ["buffer"], 5.0).counts == {"buffer": 5}
        assert ("buffer", PAGE + "/2") not in upstream.calls  # one call at a time while slow


def test_a_lookup_with_little_of_its_deadline_left_does_not_call_a_network_slow(
    store: SQLiteStore,
) -> None:
    upstream = Upstream()
    cache = make_cache(store, upstream)
    try:
        upstream.gate.clear()  # every call hangs
        started = time.monotonic()
        # a request that waited for a thread: 0.2 s left of its 2 s
        result = cache.lookup(PAGE, ["buffer"], 0.2, 2.0)
        assert 0.2 <= time.monotonic() - started < 1.0  # what was left, no more
        assert result.counts == {} and not result.complete
        assert cache.circuit.waits("buffer")  # the network had no fair chance
        # one that could wait 1.2 s of its 2 s: the network is slow
        assert cache.lookup(PAGE + "/2", ["buffer"], 1.2, 2.0).counts == {}
        assert not cache.circuit.waits("buffer")
    finally:
        upstream.gate.set()
        cache.close()


def test_a_deadline_counts_from_the_requests_arrival() -> None:
    now = time.monotonic()
    assert arrival.time_left({}, 1.5) == 1.5  # no arrival noted: all of it
    assert 0.9 < arrival.time_left({arrival.ARRIVED: now - 0.5}, 1.5) <= 1.0
    assert arrival.time_left({arrival.ARRIVED: now - 3.0}, 1.5) == 0.0


def test_the_budget_is_shared_and_keeps_a_fifth_for_refreshes(store: SQLiteStore) -> None:
    upstream = Upstream()
    budget = 10
    one = make_cache(store, upstream, UPSTREAM_BUDGET=budget, CACHE_TTL=300)
    two = make_cache(store, upstream, UPSTREAM_BUDGET=budget, CACHE_TTL=300)  # another worker
    try:
        for i in range(3):  # pages that will be cached
            assert one.lookup(f"{PAGE}/known/{i}", ["buffer"], 5).counts == {"buffer": 5}
        # a flood of new pages, through both workers: they stop at 80 % of the budget
        found = [
            cache.lookup(f"{PAGE}/new/{i}/{j}", ["buffer"], 5).counts
            for i in range(20)
            for j, cache in enumerate((one, two))
        ]
        assert len(upstream.calls) == budget * 80 // 100
        assert found.count({"buffer": 5}) == budget * 80 // 100 - 3
        assert found.count({}) == 40 - (budget * 80 // 100 - 3)  # absent, never 0
        assert one.budget_used("buffer") == (budget * 80 // 100, budget)
        # Later (another minute), the cached counts have expired; a new flood takes its 80 %
        # again, and the refreshes of the cached pages still find the last fifth.
        for cache in (one, two):
            cache.clock = lambda: T0 + 301
        for i in range(20):
            one.lookup(f"{PAGE}/again/{i}", ["buffer"], 5)
        assert len(upstream.calls) == 2 * (budget * 80 // 100)
        for i in range(3):  # stale, served at once and refreshed
            assert one.lookup(f"{PAGE}/known/{i}", ["buffer"], 5).counts == {"buffer": 5}
        deadline = time.monotonic() + 5
        while len(upstream.calls) < 2 * budget - 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(0.1)
        assert len(upstream.calls) == 2 * budget - 2  # 16 new pages, 2 of the 3 refreshes
        assert one.budget_used("buffer") == (budget, budget)
    finally:
        one.close()
        two.close()


def test_a_budget_of_zero_is_no_budget(store: SQLiteStore) -> None:
    upstream = Upstream()
    with closing(make_cache(store, upstream, UPSTREAM_BUDGET=1, UPSTREAM_BUDGET_BUFFER=0)) as cache:
        for i in range(5):
            assert cache.lookup(f"{PAGE}/{i}", ["buffer", "vk"], 5).counts["buffer"] == 5
        assert [n for n, _ in upstream.calls].count("vk") == 1  # vk keeps the global one


def test_the_fetch_queues_are_bounded_and_known_pages_go_first(store: SQLiteStore) -> None:
    upstream = Upstream()
    cache = make_cache(store, upstream, UPSTREAM_WORKERS=1, CACHE_TTL=300)
    pool = cache._refreshes
    try:
        assert cache.lookup(f"{PAGE}/known", ["buffer"], 5).counts == {"buffer": 5}
        upstream.gate.clear()  # the one fetch thread hangs on its next call
        cache.refresh(f"{PAGE}/busy", "buffer")
        deadline = time.monotonic() + 5
        while pool.queued() and time.monotonic() < deadline:
            time.sleep(0.01)
        flood = [cache.refresh(f"{PAGE}/flood/{i}", "buffer") for i in range(3 * pool.queue_max)]
        dropped = [f for f in flood if f.done()]
        assert len(dropped) == 2 * pool.queue_max  # not queued: no memory, no waiting
        assert all(f.result() is None for f in dropped)
        assert pool.queued() == pool.queue_max
        cache.clock = lambda: T0 + 301
        known = cache.refresh(f"{PAGE}/known", "buffer", first=True)  # queue not full
        assert not known.done()
        upstream.gate.set()
        known.result(10)
        # the known page was fetched right after the call that was running
        order = [url for _, url in upstream.calls]
        assert order.index(f"{PAGE}/known", 1) == order.index(f"{PAGE}/busy") + 1
    finally:
        upstream.gate.set()
        cache.close()


def test_the_cache_announces_purges_and_ttl_changes(store: SQLiteStore) -> None:
    cache = make_cache(store, Upstream())
    heard: list[str | None] = []
    cache.on_change(heard.append)
    try:
        cache.purge(PAGE)
        cache.set_ttl("buffer", 900)
        cache.purge(None)
        assert heard[0] == PAGE and heard.count(None) >= 2
    finally:
        cache.close()


# --- the answer memo


def test_a_memoised_answer_is_the_same_bytes_and_forgotten_on_purge(store: SQLiteStore) -> None:
    upstream = Upstream()
    cache = make_cache(store, upstream, CLICK_COUNTS="off")
    counts = Counts(cache.settings, cache, ClickCounter(cache.settings, store), ["buffer"])
    try:
        query = counts.query(PAGE, ["buffer"], named=True)
        assert counts.memoised(query) is None
        body, max_age = counts.answer(query)
        assert body == b'{"buffer":5}' and max_age == 3600
        assert counts.memoised(query) == (body, 3600)
        upstream.answers["buffer"] = 6
        cache.purge(PAGE)
        assert counts.memoised(query) is None
        assert counts.answer(query)[0] == b'{"buffer":6}'
        assert len(upstream.calls) == 2
    finally:
        cache.close()


def test_an_answer_with_clicks_is_memoised_while_the_click_counts_stay(
    store: SQLiteStore,
) -> None:
    cache = make_cache(store, Upstream(), ALLOWED_DOMAINS="example.org")
    clicks = ClickCounter(cache.settings, store)
    counts = Counts(cache.settings, cache, clicks, ["buffer"])
    try:
        merged = counts.query(PAGE, ["buffer", "twitter"], named=True)  # fill: twitter clicks
        assert merged.merges
        counts.remember(b"b", merged)
        assert counts.recall("b") == merged  # the fast path answers it too
        body, _ = counts.answer(merged)
        assert body == b'{"buffer":5}'
        assert counts.memoised(merged) == (body, 3600)
        clicks._read.clear()  # read again, the same counts: still memoised
        assert counts.memoised(merged) == (body, 3600)
        assert clicks.record(PAGE, "twitter", "192.0.2.1") == "counted"
        assert counts.memoised(merged) is None  # this worker's click: built again
        assert counts.answer(merged)[0] == b'{"buffer":5,"twitter":1}'
        assert counts.memoised(merged) == (b'{"buffer":5,"twitter":1}', 3600)
    finally:
        cache.close()


def test_an_answer_looked_up_across_a_purge_is_not_memoised(store: SQLiteStore) -> None:
    upstream = Upstream()
    cache = make_cache(store, upstream, CLICK_COUNTS="off")
    counts = Counts(cache.settings, cache, ClickCounter(cache.settings, store), ["buffer"])
    try:
        query = counts.query(PAGE, ["buffer"], named=True)
        upstream.gate.clear()  # the lookup waits on the network...
        answered: list[tuple[bytes, int]] = []
        worker = threading.Thread(target=lambda: answered.append(counts.answer(query)))
        worker.start()
        for _ in range(200):
            if cache._refreshes._inflight:
                break
            threading.Event().wait(0.01)
        cache.purge(PAGE)  # ...while the page is purged
        upstream.gate.set()
        worker.join(10)
        assert answered and answered[0][0] == b'{"buffer":5}'
        assert counts.memoised(query) is None, "not kept: it may predate the purge"
        assert counts.answer(query)[0] == b'{"buffer":5}'
        assert counts.memoised(query) is not None
    finally:
        cache.close()


def test_the_click_reads_kept_are_bounded(
    store: SQLiteStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shareproxy import clicks as clicks_module

    monkeypatch.setattr(clicks_module, "READ_CACHE_SIZE", 3)
    settings = load(environ={}, overrides={"ALLOWED_DOMAINS": "example.org"})
    clicks = ClickCounter(settings, store)
    first = clicks.snapshot(f"{PAGE}/0")
    for i in range(1, 4):
        clicks.snapshot(f"{PAGE}/{i}")
    assert list(clicks._read) == [f"{PAGE}/1", f"{PAGE}/2", f"{PAGE}/3"]  # the oldest went
    assert clicks.snapshot(f"{PAGE}/0") == first  # read again
    assert len(clicks._read) == 3


@pytest.mark.redis
def test_the_budget_is_shared_through_redis(redis_url: str) -> None:
    from shareproxy.store import open_store

    shared = open_store(redis_url, "/nonexistent")
    upstream = Upstream()
    caches = [make_cache(shared, upstream, UPSTREAM_BUDGET=5) for _ in range(3)]  # type: ignore[arg-type]
    try:
        for i in range(30):
            caches[i % 3].lookup(f"{PAGE}/redis/{i}", ["buffer"], 5)
        assert len(upstream.calls) == 5 * 80 // 100
        assert caches[0].budget_used("buffer") == (4, 5)
    finally:
        for cache in caches:
            cache.close()
        shared.close()


# --- writes behind a lookup that stopped waiting


def test_writes_behind_run_in_order_on_their_thread_and_are_bounded() -> None:
    from shareproxy.cache import Behind

    behind = Behind(most=2)
    gate = threading.Event()
    ran: list[int] = []
    assert behind.put(lambda: (gate.wait(5), ran.append(1)) and None)
    until = time.monotonic() + 5
    while behind.waiting() and time.monotonic() < until:  # the first is running
        time.sleep(0.01)
    assert behind.put(lambda: ran.append(2))
    assert behind.put(lambda: ran.append(3))
    assert not behind.put(lambda: ran.append(4))  # two wait already: refused
    assert ran == []  # nobody who put a job waited for it
    gate.set()
    behind.close()  # those waiting still run
    assert not behind.put(lambda: ran.append(5))
    until = time.monotonic() + 5
    while ran != [1, 2, 3] and time.monotonic() < until:
        time.sleep(0.01)
    assert ran == [1, 2, 3]


class HeldWrites:
    """A store whose writes of counts wait until the test lets them through."""

    def __init__(self, store: SQLiteStore) -> None:
        self.store = store
        self.writing = threading.Event()
        self.let_through = threading.Event()

    def __getattr__(self, name: str) -> object:
        return getattr(self.store, name)

    def put_entries(self, puts: list[object]) -> None:
        self.writing.set()
        self.let_through.wait(6)
        self.store.put_entries(puts)  # type: ignore[arg-type]


def test_a_lookup_that_stops_waiting_does_not_wait_for_the_store_either(
    store: SQLiteStore,
) -> None:
    vk_answers = threading.Event()

    def fetch(network: str, url: str) -> int:
        if network == "vk":
            vk_answers.wait(10)
        return 5

    held = HeldWrites(store)
    config = load(environ={}, overrides={"REQUEST_DEADLINE": 10})
    cache = CountCache(config, held, fetch, Circuit(store), clock=lambda: T0)  # type: ignore[arg-type]
    with closing(cache):
        started = time.monotonic()
        result = cache.lookup(PAGE, ["buffer", "vk"], 0.3)
        took = time.monotonic() - started
        try:
            assert result.counts == {"buffer": 5}
            # buffer's count is written behind the lookup, which answered meanwhile: a
            # lookup that waited for the write would have taken the 6 s the store held it
            assert held.writing.wait(5)
            assert took < 3, took
            assert store.get_entries(PAGE, ["buffer"]) == {}
        finally:
            held.let_through.set()
            vk_answers.set()
        until = time.monotonic() + 5
        while not store.get_entries(PAGE, ["buffer"]) and time.monotonic() < until:
            time.sleep(0.01)
        assert store.get_entries(PAGE, ["buffer"])["buffer"].count == 5
