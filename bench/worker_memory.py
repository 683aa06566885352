"""RSS of one process serving 100 000 pages x N networks, as a gunicorn worker would.

``python bench/worker_memory.py STORE CACHE_SIZE NETWORKS`` (run by ``bench/run.py memory``).
The app is built as a worker builds it (Prometheus multiprocess mode included). Every
count enters the worker's cache the way a finished fetch puts it there, then every page
is asked once through the WSGI app (``/api/counts?url=…&networks=…`` with an allowed
Origin), so the answer memo, the fast path's table and the URL memo fill as under traffic.
The store itself holds nothing of this (it lives in SQLite's file or in Redis), so what
the worker holds is what is measured: the page URLs are made as they are asked (the same
100 000 each time), never kept in a list of the benchmark's own, which would hold every
URL the cache has let go. Prints one line.
"""

from __future__ import annotations

import gc
import os
import random
import sys
import tempfile
import time
from typing import Any
from urllib.parse import quote

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path[:0] = [ROOT, HERE]
os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix="shareproxy-bench-"))

PAGES = 100_000
CLOSED = "http://127.0.0.1:9"  # the discard port: nothing listens


def rss() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS"):
                return int(line.split()[1]) / 1024
    return float("nan")


def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
    assert status.startswith("200"), status  # also for a page no longer held: {} or stale


def main() -> None:
    from werkzeug.test import EnvironBuilder
    from workload import ORIGIN, realistic_url

    from shareproxy import create_app
    from shareproxy.settings import BY_NAME
    from shareproxy.store import Entry

    store, size, networks = sys.argv[1], int(sys.argv[2]), sys.argv[3].split(",")
    # no network is ever asked: a page the cache no longer holds fails at once (port 9)
    config: dict[str, Any] = {n: CLOSED for n in BY_NAME if n.startswith("API_BASE_")}
    config.update(STORE=store, CACHE_SIZE=size, ALLOWED_DOMAINS="example.org", LOG_LEVEL="error")
    app = create_app(config, log_summary=False)
    cache = app.extensions["shareproxy"].cache
    gc.collect()
    before = rss()
    now = time.time()
    for i in range(PAGES):
        url = realistic_url(i)
        for network in networks:
            t = now - random.random() * 600
            cache._remember(url, network, Entry(random.randint(0, 100_000), t, t, None))
    template = EnvironBuilder(path="/api/counts", headers={"Origin": ORIGIN}).get_environ()
    query = "&networks=" + ",".join(networks)
    started = time.monotonic()
    for i in range(PAGES):
        env = dict(template)
        env["QUERY_STRING"] = "url=" + quote(realistic_url(i), safe="") + query
        b"".join(app(env, start_response))
    seconds = time.monotonic() - started
    gc.collect()
    after = rss()
    print(
        f"app loaded {before:.1f} MB; {PAGES} pages asked ({seconds:.0f} s), "
        f"{cache.local_size()} entries held: RSS {after:.1f} MB"
    )


if __name__ == "__main__":
    main()
