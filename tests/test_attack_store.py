"""The store attacked through a real gunicorn (shipped configuration, two workers, SQLite,
the fake networks): shares of thousands of unique 2 KB URLs from as many client networks,
and tens of thousands of unique URLs in /api/counts. The store keeps at most
SHAREPROXY_STORE_MAX_PAGES pages, its file stops growing once it holds them, and the
pages shared most are the ones kept.

Unbounded, 60 000 unique URLs in /api/counts made a 298 MB database. The flood here is
FLOOD unique URLs (SHAREPROXY_TEST_FLOOD, default 20 000: 50 times the bound; each request
is an upstream call and a store write, about 1.3 ms of a worker's CPU); the test proves the
bound by showing that the second half of the flood adds nothing to the file. The whole test
takes about 45 s on a 2-core machine shared with other work; ``SHAREPROXY_TEST_FLOOD=60000``
(60 000 URLs, as in the report of a 298 MB database, which is what CI runs) about 110 s."""

from __future__ import annotations

import os
import sqlite3
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests
from attack_support import Server, flood
from fakes import CREDENTIALS, FakeNetworks

from shareproxy.networks import COUNT_NETWORKS
from shareproxy.store.base import check_every

pytestmark = pytest.mark.faults

BOUND = 400  # SHAREPROXY_STORE_MAX_PAGES of the server below
WORKERS = 2
SLACK = WORKERS * check_every(BOUND)  # each worker may pass it by this much between checks
LONG = "https://example.org/" + "p" * 2000  # a 2 KB page URL, made unique per request
# What a page of such a URL may take in the file (README: with counts on every network,
# each copy of the URL in a table or index overflows into pages of its own), and the WAL.
PAGE_BYTES = 80 * 1024
WAL_BYTES = 4 * 1_048_576 + 1_048_576
FLOOD = int(os.environ.get("SHAREPROXY_TEST_FLOOD") or 20_000)


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeNetworks]:
    server = FakeNetworks()
    yield server
    server.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: Any, fake: FakeNetworks) -> Iterator[Server]:
    settings = {f"SHAREPROXY_API_BASE_{n.upper()}": fake.base for n in COUNT_NETWORKS}
    settings.update({f"SHAREPROXY_{k}": v for k, v in CREDENTIALS.items()})
    found = Server(
        tmp_path_factory.mktemp("attack-store"),
        workers=WORKERS,
        SHAREPROXY_TRUSTED_PROXIES="1",  # X-Forwarded-For: a new client network each share
        SHAREPROXY_STORE_MAX_PAGES=str(BOUND),
        SHAREPROXY_REQUEST_DEADLINE="10",
        # no upstream budget: every unique URL reaches the store, as a slower flood over
        # many minutes would within the budget
        SHAREPROXY_UPSTREAM_BUDGET="0",
        # nor a cap on new pages' first shares: every share reaches the store, as it would
        # over many hours within the cap (test_attack_clicks.py attacks the cap itself)
        SHAREPROXY_FIRST_SHARES_PER_HOUR="0",
        **settings,
    )
    yield found
    found.stop()


def db(server: Server) -> Path:
    return server.log_path.parent / "attack.db"


def query(server: Server, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(db(server))
    try:
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()


def pages(server: Server) -> int:
    return int(query(server, "SELECT count(DISTINCT url) FROM pages")[0][0])


def stored_urls(server: Server) -> int:
    """Pages with anything stored: counts or share counters (not only the pages table)."""
    rows = query(
        server, "SELECT count(*) FROM (SELECT url FROM counts UNION SELECT url FROM clicks)"
    )
    return int(rows[0][0])


def file_bytes(server: Server) -> int:
    return sum(
        os.path.getsize(p)
        for p in (db(server), Path(f"{db(server)}-wal"))
        if os.path.exists(p)
    )  # fmt: skip


def share(server: Server, url: str, client: str, network: str = "twitter") -> int:
    resp = requests.get(
        f"{server.base}/share/{network}",
        params={"url": url},
        headers={"X-Forwarded-For": client},
        allow_redirects=False,
        timeout=30,
    )
    return resp.status_code


def client_network(i: int) -> str:
    """The i-th of many client networks: one IPv6 /48 each."""
    return f"2001:db8:{i // 65536:x}{i % 65536:04x}::1" if i >= 65536 else f"2001:db8:{i:x}::1"


def db_bytes(server: Server) -> int:
    """The database file alone (the WAL varies with the last checkpoint)."""
    return os.path.getsize(db(server))


@pytest.mark.timeout(900)
def test_floods_of_unique_urls_stay_within_the_bound_and_keep_the_most_shared(
    server: Server, fake: FakeNetworks
) -> None:
    # Pages people really share: page k shared by k + 2 client networks.
    popular = [f"https://example.org/popular/{k}" for k in range(10)]
    for k, url in enumerate(popular):
        for j in range(k + 2):
            assert share(server, url, f"198.{51 + j}.{k}.1", "linkedin") == 302
    with ThreadPoolExecutor(16) as pool:
        # 2 000 shares of unique 2 KB URLs, each from a new client network
        shared = Counter(
            pool.map(lambda i: share(server, f"{LONG}/{i}", client_network(i)), range(2000))
        )
    assert shared == Counter({302: 2000})
    assert pages(server) <= BOUND + SLACK
    size_after_shares = file_bytes(server)
    # 2 000 unique 2 KB URLs in /api/counts (each one fetched from two fake networks)
    assert flood(server.port, 0, 2000, f"{LONG}/counts/", "buffer,vk") == Counter({200: 2000})
    assert pages(server) <= BOUND + SLACK
    # then FLOOD unique URLs, in two halves: the store is full before the first
    half = FLOOD // 2
    assert flood(server.port, 0, half, "https://example.org/flood/", "buffer") == Counter(
        {200: half}
    )
    full = db_bytes(server)
    rest = FLOOD - half
    assert flood(server.port, half, rest, "https://example.org/flood/", "buffer") == Counter(
        {200: rest}
    )
    assert fake.calls() >= 2 * 2000 + FLOOD  # they did reach the store, through upstream calls
    assert pages(server) <= BOUND + SLACK
    assert stored_urls(server) <= BOUND + SLACK
    # The files stop growing once they hold the bound: the space of forgotten pages is
    # reused (the second half of the flood adds nothing), and the WAL shrinks back after
    # each checkpoint.
    assert db_bytes(server) <= full * 1.05 + 65536, (full, db_bytes(server))
    assert file_bytes(server) < size_after_shares * 1.5
    assert file_bytes(server) < (BOUND + SLACK) * PAGE_BYTES + WAL_BYTES
    # Every page shared more than once is still there, with every share it had.
    kept = dict(query(server, "SELECT url, n FROM clicks WHERE network = 'linkedin'"))
    assert kept == {url: k + 2 for k, url in enumerate(popular)}
