"""The upstream side attacked through a real gunicorn (shipped configuration, SQLite, the
fake networks): every network hanging while requests for uncached pages pour in."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from attack_support import Server
from fakes import CREDENTIALS, FakeNetworks

from shareproxy.networks import COUNT_NETWORKS

pytestmark = pytest.mark.faults

DEADLINE = 1.5  # SHAREPROXY_REQUEST_DEADLINE's default, which the server keeps
# A correctness bound, not a benchmark: requests that queued behind a whole wave of
# waiting ones took 2-4 x DEADLINE; the slack covers a loaded test machine.
SLACK = 1.5


def all_fake(fake: FakeNetworks) -> dict[str, str]:
    settings = {f"SHAREPROXY_API_BASE_{n.upper()}": fake.base for n in COUNT_NETWORKS}
    settings.update({f"SHAREPROXY_{k}": v for k, v in CREDENTIALS.items()})
    return settings


@pytest.fixture
def fake() -> Iterator[FakeNetworks]:
    server = FakeNetworks()
    yield server
    server.close()


def wave(base: str, pages: list[str]) -> list[float]:
    """Ask /api/counts for every page at once; each request's seconds (all must be 200)."""
    barrier = threading.Barrier(len(pages))
    took: list[float] = [0.0] * len(pages)
    statuses: list[int] = [0] * len(pages)

    def ask(i: int) -> None:
        barrier.wait()
        started = time.monotonic()
        resp = requests.get(f"{base}/api/counts", params={"url": pages[i]}, timeout=30)
        took[i] = time.monotonic() - started
        statuses[i] = resp.status_code

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(len(pages))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert statuses == [200] * len(pages)
    return took


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]


@pytest.mark.timeout(240)
def test_hanging_networks_do_not_hold_requests_past_their_deadline(
    tmp_path: Any, fake: FakeNetworks
) -> None:
    for network in COUNT_NETWORKS:
        fake.set(network, "hang", hang=60.0)
    server = Server(tmp_path, **all_fake(fake))
    try:
        first = wave(server.base, [f"https://example.org/hang/a/{i}" for i in range(32)])
        # every request answers within its deadline (and the slack), none queues behind
        # another wave of waiting ones
        assert p99(first) < DEADLINE + SLACK, sorted(first)
        # The networks now count as slow: nobody waits for them, and they get one call at
        # a time per worker instead of one per page.
        calls = fake.calls()
        second = wave(server.base, [f"https://example.org/hang/b/{i}" for i in range(32)])
        assert p99(second) < DEADLINE / 2, sorted(second)
        assert fake.calls() - calls <= 2 * len(COUNT_NETWORKS)
        # Once the hanging calls time out (SHAREPROXY_UPSTREAM_TIMEOUT, 5 s), the circuits
        # open: no call at all until a probe may go, and the console says why.
        time.sleep(6)
        calls = fake.calls()
        third = wave(server.base, [f"https://example.org/hang/c/{i}" for i in range(32)])
        assert p99(third) < DEADLINE / 2, sorted(third)
        assert fake.calls() == calls
    finally:
        log = server.stop()
    assert "is not answering: no calls for 30 s" in log
