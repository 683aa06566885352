"""Share counting attacked through a real gunicorn (shipped configuration, two workers):
many User-Agents and addresses of one client network in parallel, a flood of shares of
unique pages, and pages that are not shares (forms, HEAD, refused requests)."""

from __future__ import annotations

import sqlite3
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from attack_support import Server

pytestmark = pytest.mark.faults

PAGE = "https://example.org/inflated"
BUDGET = 12  # SHAREPROXY_CLICKS_PER_HOUR of the server below


@pytest.fixture(scope="module")
def server(tmp_path_factory: Any) -> Iterator[Server]:
    # One proxy believed: X-Forwarded-For lets the test speak from many networks.
    found = Server(
        tmp_path_factory.mktemp("attack-clicks"),
        SHAREPROXY_TRUSTED_PROXIES="1",
        SHAREPROXY_CLICKS_PER_HOUR=str(BUDGET),
    )
    yield found
    found.stop()


def db_of(server: Server) -> Path:
    return server.log_path.parent / "attack.db"


def stored_clicks(server: Server, url: str | None = None) -> dict[str, int]:
    """network -> shares counted in the store (of ``url``, or of every page)."""
    conn = sqlite3.connect(db_of(server))
    try:
        if url is None:
            rows = conn.execute("SELECT network, sum(n) FROM clicks GROUP BY network")
        else:
            rows = conn.execute("SELECT network, n FROM clicks WHERE url = ?", (url,))
        return {str(network): int(n) for network, n in rows}
    finally:
        conn.close()


def parallel(calls: list[Callable[[], requests.Response]]) -> Counter[int]:
    """Run every call at once (released together by a barrier); count the statuses."""
    barrier = threading.Barrier(len(calls))
    got: list[int] = [0] * len(calls)

    def run(i: int) -> None:
        barrier.wait()
        try:
            got[i] = calls[i]().status_code
        except requests.RequestException:
            got[i] = 0

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return Counter(got)


def share(
    server: Server,
    network: str,
    url: str,
    client: str,
    agent: str,
    method: str = "GET",
    **extra: str,
) -> Callable[[], requests.Response]:
    def call() -> requests.Response:
        return requests.request(
            method,
            f"{server.base}/share/{network}",
            params={"url": url, **extra},
            headers={"User-Agent": agent, "X-Forwarded-For": client},
            allow_redirects=False,
            timeout=30,
        )

    return call


def test_many_user_agents_of_one_network_add_one_share(server: Server) -> None:
    url = PAGE + "/agents"
    calls = [
        # 40 browsers on 20 addresses of one /24, and of one IPv6 /48
        share(server, "twitter", url, f"198.51.100.{i % 20 + 1}", f"Agent/{i} (attack)")
        for i in range(40)
    ] + [
        share(server, "twitter", url, f"2001:db8:7:{i:x}::{i + 1:x}", f"Agent/{i} (v6)")
        for i in range(20)
    ]
    assert parallel(calls) == Counter({302: 60})  # every visitor still gets their share
    assert stored_clicks(server, url) == {"twitter": 2}  # one per client network
    # another network, or another share target, is another share
    assert share(server, "twitter", url, "203.0.113.9", "Agent/1")().status_code == 302
    assert share(server, "bluesky", url, "198.51.100.1", "Agent/1")().status_code == 302
    assert stored_clicks(server, url) == {"twitter": 3, "bluesky": 1}


def test_a_flood_of_unique_pages_spends_the_hourly_budget_only(server: Server) -> None:
    client = "192.0.2.77"
    calls = [
        share(server, ["twitter", "linkedin", "whatsapp"][i % 3], f"{PAGE}/flood/{i}", client,
              f"Flood/{i}")
        for i in range(60)
    ]  # fmt: skip
    assert parallel(calls) == Counter({302: 60})
    assert sum(_by_url(server, PAGE + "/flood/")) == BUDGET
    # the budget belongs to that client network alone
    other = share(server, "twitter", PAGE + "/flood/0", "192.0.3.1", "Someone else")
    assert other().status_code == 302
    assert sum(_by_url(server, PAGE + "/flood/")) == BUDGET + 1


def _by_url(server: Server, prefix: str) -> list[int]:
    conn = sqlite3.connect(db_of(server))
    try:
        rows = conn.execute("SELECT n FROM clicks WHERE url LIKE ?", (prefix + "%",))
        return [int(n) for (n,) in rows]
    finally:
        conn.close()


def test_only_a_share_that_leaves_counts(server: Server) -> None:
    url = PAGE + "/forms"
    calls = [
        # the Mastodon form, however often it is loaded
        *(share(server, "mastodon", url, f"198.18.{i}.1", "Form") for i in range(10)),
        # HEAD requests (link checkers, prefetchers) go nowhere
        *(share(server, "twitter", url, f"198.18.{i}.1", "Head", "HEAD") for i in range(10)),
        # refused requests: a host that is not a server's name, a page not allowed
        *(share(server, "mastodon", url, f"198.18.{i}.1", "Bad", instance="1.2.3.4")
          for i in range(5)),
        *(share(server, "twitter", "https://evil.example.net/x", f"198.18.{i}.1", "Foreign")
          for i in range(5)),
    ]  # fmt: skip
    assert parallel(calls) == Counter({200: 10, 302: 10, 400: 5, 403: 5})
    assert stored_clicks(server, url) == {}
    # the redirect to the visitor's server is the share, counted once per client network
    # (its software named, as the page's "continue" link does: no lookup leaves the machine)
    answers = parallel([
        share(server, "mastodon", url, "198.18.0.1", f"Masto/{i}", instance="social.example",
              software="mastodon")
        for i in range(8)
    ])  # fmt: skip
    assert answers == Counter({302: 8})
    assert stored_clicks(server, url) == {"mastodon": 1}


FIRST_SHARES = 20  # SHAREPROXY_FIRST_SHARES_PER_HOUR of the server below


def test_many_client_networks_start_at_most_the_hourly_new_pages(tmp_path: Path) -> None:
    """Many IPv6 /48s, each within its own budget, sharing pages nobody shared before: the
    pages that outrank unshared ones in the store grow by at most
    SHAREPROXY_FIRST_SHARES_PER_HOUR an hour, whatever the number of networks; pages that
    have shares go on counting."""
    server = Server(
        tmp_path,
        SHAREPROXY_TRUSTED_PROXIES="1",
        SHAREPROXY_FIRST_SHARES_PER_HOUR=str(FIRST_SHARES),
    )
    try:
        real = [f"{PAGE}/real/{k}" for k in range(5)]
        for k, url in enumerate(real):
            assert (
                share(server, "twitter", url, f"203.0.113.{k + 1}", "Reader")().status_code == 302
            )
        # 120 client networks, each sharing a page of its own at once
        calls = [
            share(server, "twitter", f"{PAGE}/sybil/{i}", f"2001:db8:{i + 1:x}::1", "Sybil")
            for i in range(120)
        ]
        assert parallel(calls) == Counter({302: 120})  # every share still leaves
        assert len(_by_url(server, PAGE + "/sybil/")) == FIRST_SHARES - len(real)
        # more shares of pages that have some are counted, from new networks as before
        for k, url in enumerate(real):
            got = share(server, "linkedin", url, f"2001:db8:ffff:{k:x}::1", "Reader")()
            assert got.status_code == 302
            assert stored_clicks(server, url) == {"twitter": 1, "linkedin": 1}
        metrics = requests.get(f"{server.base}/metrics", timeout=10).text
        assert 'result="new_pages_limited"' in metrics
    finally:
        server.stop()
