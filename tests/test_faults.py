"""Fault tests: a real gunicorn (2 workers) under load while upstreams, the store and the
workers fail. Properties are counts (requests over deadline, 5xx answers, upstream calls),
with a generous margin for a noisy shared machine, not unit timing asserts."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
import requests
from fakes import CREDENTIALS, Behaviour, FakeNetworks
from live_support import Gunicorn, Load, Result, free_port, run_for

from shareproxy.networks import COUNT_NETWORKS
from shareproxy.store import Entry, open_store

pytestmark = pytest.mark.faults

DEADLINE = 0.5
UPSTREAM_TIMEOUT = 1.0
MARGIN = 1.5  # seconds over the deadline still counted as answered in time (shared 2-core box)
STALE_COUNT = 41


class FaultyNetworks(FakeNetworks):
    """The shared fake, plus a slow drip (headers at once, then one byte every 0.2 s) and a
    huge body streamed in chunks (cheap for the fake, however large)."""

    def _answer(self, h: Any, network: str, page: str, b: Behaviour) -> None:
        if b.mode == "huge":
            self._huge(h, b.size)
            return
        if b.mode != "drip":
            super()._answer(h, network, page, b)
            return
        body = b'{"count": 5' + b" " * 60 + b"}"
        try:
            h.send_response(200)
            h.send_header("Content-Type", "application/json")
            h.send_header("Content-Length", str(len(body)))
            h.end_headers()
            for i in range(len(body)):
                if self._closing.wait(0.2):
                    return
                h.wfile.write(body[i : i + 1])
                h.wfile.flush()
        except OSError:
            h.close_connection = True

    @staticmethod
    def _huge(h: Any, size: int) -> None:
        chunk = b"x" * 65536
        try:
            h.send_response(200)
            h.send_header("Content-Type", "application/json")
            h.send_header("Connection", "close")
            h.end_headers()
            h.close_connection = True
            h.wfile.write(b'{"count": 1, "pad": "')
            for _ in range(size // len(chunk)):
                h.wfile.write(chunk)
        except OSError:  # the client stopped reading at its cap
            h.close_connection = True


def counts_path(url: str) -> str:
    return "/api/counts?url=" + quote(url, safe="")


def env_for(fake: FakeNetworks, store: str) -> dict[str, str]:
    env = {f"SHAREPROXY_API_BASE_{n.upper()}": fake.base for n in COUNT_NETWORKS}
    env.update({f"SHAREPROXY_{k}": v for k, v in CREDENTIALS.items()})
    env.update({
        "SHAREPROXY_STORE": store,
        "SHAREPROXY_ALLOWED_DOMAINS": "example.org",
        "SHAREPROXY_REQUEST_DEADLINE": str(DEADLINE),
        "SHAREPROXY_UPSTREAM_TIMEOUT": str(UPSTREAM_TIMEOUT),
        "SHAREPROXY_LOG_LEVEL": "warning",
    })  # fmt: skip
    return env


def seed_stale(store_url: str, urls: list[str]) -> None:
    """Counts fetched two hours ago: expired, but still servable (stale-if-error)."""
    store = open_store(store_url, "/nonexistent")
    then = time.time() - 7200
    for url in urls:
        for network in COUNT_NETWORKS:
            store.put_entry(url, network, Entry(STALE_COUNT, then, then, None), 86400)
    store.close()


def late(results: list[Result]) -> list[Result]:
    return [r for r in results if r.status == 0 or r.seconds > DEADLINE + MARGIN]


def assert_healthy(results: list[Result], stale_urls: set[str]) -> None:
    """Every request answered, in time, never 5xx; stale URLs keep their last good count."""
    assert len(results) >= 20, "the load generator made too few requests"
    bad = [r for r in results if r.status != 200]
    assert not bad, bad[:3]
    over = late(results)
    # a correctness property counted over the run: allow a few stragglers on a noisy box
    assert len(over) <= max(2, len(results) // 50), (len(over), len(results), over[:3])
    for r in results:
        if r.url in stale_urls:
            assert isinstance(r.body, dict) and r.body, r
            assert set(r.body.values()) == {STALE_COUNT}, r


@pytest.fixture(scope="module")
def fake() -> Iterator[FaultyNetworks]:
    server = FaultyNetworks()
    yield server
    server.close()


@pytest.fixture(scope="module")
def live(fake: FaultyNetworks, tmp_path_factory: Any) -> Iterator[tuple[Gunicorn, str]]:
    store = f"sqlite:///{tmp_path_factory.mktemp('faults') / 'faults.db'}"
    seed_stale(store, [])  # create the schema before the workers start
    server = Gunicorn(env_for(fake, store), workers=2)
    yield server, store
    server.stop()


MODES = [
    ("hang", {"hang": 30.0}),
    ("error500", {}),
    ("malformed", {}),
    ("huge", {"size": 50 * 1024 * 1024}),
    ("reset", {}),
    ("drip", {}),
]


@pytest.mark.parametrize(("mode", "kwargs"), MODES, ids=[m for m, _ in MODES])
def test_upstream_failure_under_load(
    live: tuple[Gunicorn, str], fake: FaultyNetworks, mode: str, kwargs: dict[str, Any]
) -> None:
    server, store = live
    stale = [f"https://example.org/{mode}/stale/{i}" for i in range(5)]
    cold = [f"https://example.org/{mode}/cold/{i}" for i in range(30)]
    seed_stale(store, stale)
    for network in COUNT_NETWORKS:
        fake.set(network, mode, **kwargs)
    paths = [counts_path(u) for pair in zip(stale, cold[:5], strict=True) for u in pair]
    paths += [counts_path(u) for u in cold[5:]]
    load = Load(server.base, paths, threads=4).start()
    try:
        results = run_for(load, 4.0)
    finally:
        results += load.stop()
        for network in COUNT_NETWORKS:
            fake.set(network, "typical")
    assert_healthy(results, {counts_path(u) for u in stale})
    assert fake.calls() > 0, "the failure mode was never exercised"
    assert server.proc.poll() is None


def test_rate_limited_network_is_backed_off(
    live: tuple[Gunicorn, str], fake: FaultyNetworks
) -> None:
    server, store = live
    stale = [f"https://example.org/429/stale/{i}" for i in range(3)]
    seed_stale(store, stale)
    for network in COUNT_NETWORKS:
        fake.set(network, "rate_limited", retry_after="120")
    first = [counts_path(f"https://example.org/429/a/{i}") for i in range(40)]
    load = Load(server.base, first + [counts_path(u) for u in stale], threads=4).start()
    try:
        results = run_for(load, 3.0)  # every worker meets a 429 or reads the open circuit
        before = fake.calls()
        load.set_paths([counts_path(f"https://example.org/429/b/{i}") for i in range(40)])
        results += run_for(load, 3.0)
        after = fake.calls()
    finally:
        results += load.stop()
        for network in COUNT_NETWORKS:
            fake.set(network, "typical")
    assert before > 0
    assert after == before, f"{after - before} calls to networks that said 429"
    assert_healthy(results, {counts_path(u) for u in stale})


# --- the store fails


@pytest.fixture
def own_redis() -> Iterator[dict[str, Any]]:
    """A redis-server of our own on a free port (the shared one on 6379 is never touched)."""
    import shutil

    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    port = free_port()
    args = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
            "--appendonly", "no"]  # fmt: skip
    state: dict[str, Any] = {"port": port, "args": args}

    def start() -> None:
        state["proc"] = subprocess.Popen(args, stdout=subprocess.DEVNULL)
        for _ in range(100):
            try:
                with socketpair(port):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    state["start"] = start
    start()
    yield state
    proc = state["proc"]
    if proc.poll() is None:
        proc.kill()
        proc.wait(5)


def socketpair(port: int) -> Any:
    import socket

    return socket.create_connection(("127.0.0.1", port), timeout=0.5)


def test_redis_killed_and_restarted_mid_load(own_redis: dict[str, Any]) -> None:
    import redis

    fake = FaultyNetworks()
    port = own_redis["port"]
    server = Gunicorn(env_for(fake, f"redis://127.0.0.1:{port}/0"), workers=2)
    warm = [counts_path(f"https://example.org/redis/{i}") for i in range(10)]
    try:
        for path in warm:
            assert requests.get(server.base + path, timeout=5).status_code == 200
        load = Load(server.base, warm, threads=4).start()
        try:
            results = run_for(load, 1.5)
            own_redis["proc"].kill()
            own_redis["proc"].wait(5)
            down = run_for(load, 3.0)
            errors_while_down = server.metric("shareproxy_store_errors_total")
            own_redis["start"]()
            load.set_paths([counts_path(f"https://example.org/redis/after/{i}") for i in range(5)])
            after = run_for(load, 3.0)
        finally:
            after_tail = load.stop()
        everything = results + down + after + after_tail
        assert [r for r in everything if r.status != 200] == []
        assert len(late(everything)) <= max(2, len(everything) // 50)
        assert len(down) >= 10
        assert all(r.body for r in down), "cached counts were not served while Redis was down"
        assert errors_while_down > 0, "store errors were not counted"
        # it reconnected by itself: what was fetched after the restart is in the new Redis
        client = redis.Redis(port=port)
        try:
            assert len(client.keys("*")) > 0
        finally:
            client.close()
    finally:
        server.stop()
        fake.close()


def test_sqlite_locked_by_another_writer(tmp_path: Any) -> None:
    fake = FaultyNetworks()
    db = tmp_path / "locked.db"
    store = f"sqlite:///{db}"
    seed_stale(store, [])
    server = Gunicorn(env_for(fake, store), workers=2)
    warm = [counts_path(f"https://example.org/lock/{i}") for i in range(5)]
    try:
        for path in warm:
            assert requests.get(server.base + path, timeout=5).status_code == 200
        paths = warm + [counts_path(f"https://example.org/lock/cold/{i}") for i in range(20)]
        load = Load(server.base, paths, threads=4).start()
        holder = sqlite3.connect(db, isolation_level=None, timeout=10)
        warm_load = Load(server.base, warm, threads=2)
        try:
            run_for(load, 1.0)
            holder.execute("BEGIN EXCLUSIVE")
            # pages never asked before: their counts must be written while the file is
            # locked (the cold pages above may all be fetched and stored by now)
            load.set_paths(counts_path(f"https://example.org/lock/locked/{i}") for i in range(20))
            # cached pages, asked by threads of their own: the lock must not hold them up
            warm_load.start()
            locked = run_for(load, 4.0)
            warm_locked = warm_load.take()
            holder.execute("COMMIT")
            results = locked + run_for(load, 1.5)
        finally:
            results_tail = load.stop()
            warm_tail = warm_load.stop()
            holder.close()
        everything = results + results_tail
        assert [r for r in everything + warm_locked + warm_tail if r.status != 200] == []
        # cached pages kept answering throughout the lock: a few milliseconds each, so 4 s
        # give hundreds; a server stuck behind the lock would give none
        assert len(warm_locked) >= 20, warm_locked
        assert all(r.body for r in warm_locked)
        # a new page's answer may wait for the store up to its deadline and the store's busy
        # timeout: counted over the run, few are late
        assert len(late(everything)) <= max(2, len(everything) // 50), late(everything)[:3]
        assert server.metric("shareproxy_store_errors_total") > 0
    finally:
        server.stop()
        fake.close()


def test_worker_killed_mid_load_is_replaced(tmp_path: Any) -> None:
    fake = FaultyNetworks()
    store = f"sqlite:///{tmp_path / 'kill.db'}"
    seed_stale(store, [])
    server = Gunicorn(env_for(fake, store), workers=2)
    paths = [counts_path(f"https://example.org/kill/{i}") for i in range(10)]
    try:
        load = Load(server.base, paths, threads=4).start()
        try:
            run_for(load, 1.0)
            before = server.workers()
            assert len(before) == 2
            os.kill(before[0], signal.SIGKILL)
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline:
                now = server.workers()
                if len(now) == 2 and before[0] not in now:
                    break
                time.sleep(0.1)
            replaced = server.workers()
            during = load.take()
            after = run_for(load, 2.0)
        finally:
            load.stop()
        assert len(replaced) == 2 and before[0] not in replaced, (before, replaced)
        # only the connections held by the killed worker broke (one per load thread at most)
        assert len([r for r in during if r.status != 200]) <= load.threads
        # the other worker and the new one keep answering
        assert len(after) >= 10
        assert [r for r in after if r.status != 200] == []
    finally:
        server.stop()
        fake.close()
