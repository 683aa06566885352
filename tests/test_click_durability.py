"""A share whose redirect was answered is counted, even when workers die (SIGKILL).

A real gunicorn with several workers on one SQLite file; client threads share as fast as
they can (every request for a new page, so none is a repeat, under an hourly budget
raised out of the way) while a killer thread
SIGKILLs random workers. Every 302 a client received must be in the store afterwards.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import requests
from live_support import Gunicorn, clean_env, free_port

ROOT = Path(__file__).resolve().parent.parent
URL = "https://example.org/durable"
CLIENTS = 8
LOAD_SECONDS = 4.0
MAX_LOAD_SECONDS = 40.0
MIN_ACKED = 50
MIN_KILLS = 5
ACKS_PER_KILL = 5


@pytest.mark.faults
def test_no_acknowledged_click_is_lost_when_workers_are_killed(tmp_path: Any) -> None:
    db = tmp_path / "durable.db"
    port = free_port()
    env = clean_env(
        SHAREPROXY_STORE=f"sqlite:///{db}",
        SHAREPROXY_ALLOWED_DOMAINS="example.org",
        SHAREPROXY_LOG_LEVEL="warning",
        SHAREPROXY_CLICKS_PER_HOUR="1000000",
        SHAREPROXY_FIRST_SHARES_PER_HOUR="0",  # every click is a new page's first share
    )
    server = Gunicorn.run(
        ["--workers", "3", "--bind", f"127.0.0.1:{port}",
         "--pythonpath", f"{ROOT},{ROOT / 'tests'}", "--graceful-timeout", "1",
         "--log-level", "warning", "click_server:app"],
        env, port=port, cwd=tmp_path, log_path=tmp_path / "gunicorn.log",
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}/test-share/twitter"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                requests.get(
                    base,
                    params={"url": URL},
                    # counted once however often sent
                    allow_redirects=False,
                    timeout=2,
                )
                break
            except requests.RequestException:  # refused, or accepted before a worker booted
                assert server.proc.poll() is None, "gunicorn did not start"
                assert time.monotonic() < deadline, "gunicorn did not answer"
                time.sleep(0.1)

        acked = [0] * CLIENTS
        sent = [0] * CLIENTS
        stop = threading.Event()

        def client(i: int) -> None:
            session = requests.Session()
            n = 0
            while not stop.is_set():
                n += 1
                sent[i] += 1
                try:
                    resp = session.get(
                        base,
                        params={"url": f"{URL}/{i}-{n}"},
                        allow_redirects=False,
                        timeout=5,
                    )
                except requests.RequestException:
                    session = requests.Session()
                    continue
                if resp.status_code == 302:
                    acked[i] += 1

        kills = [0]

        def killer() -> None:
            # a kill every quarter second, but only once some shares got through since the
            # last one: on a loaded machine workers boot slowly, and killing them faster
            # than they boot would leave no load to test
            last = 0
            while not stop.wait(0.25):
                if sum(acked) - last < ACKS_PER_KILL:
                    continue
                last = sum(acked)
                pids = server.workers()
                if pids:
                    try:
                        os.kill(random.choice(pids), signal.SIGKILL)
                        kills[0] += 1
                    except ProcessLookupError:
                        pass

        threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
        threads.append(threading.Thread(target=killer))
        for t in threads:
            t.start()
        # At least LOAD_SECONDS, and on a loaded machine until the load is enough to tell.
        started = time.monotonic()
        while time.monotonic() - started < LOAD_SECONDS or (
            (sum(acked) < 2 * MIN_ACKED or kills[0] < MIN_KILLS)
            and time.monotonic() - started < MAX_LOAD_SECONDS
        ):
            time.sleep(0.1)
        stop.set()
        for t in threads:
            t.join(10)
    finally:
        server.stop(wait=10)

    conn = sqlite3.connect(db)
    stored = conn.execute(
        "SELECT sum(n) FROM clicks WHERE network = 'twitter' AND url LIKE ?", (URL + "/%",)
    ).fetchone()[0]  # the warm-up click (URL itself) left out
    conn.close()
    print(f"sent {sum(sent)}, acknowledged {sum(acked)}, stored {stored}, kills {kills[0]}")
    assert kills[0] >= MIN_KILLS
    assert sum(acked) >= MIN_ACKED, "too little load to tell"
    assert sum(acked) < sum(sent), "no request failed: the workers were not killed under load"
    assert stored >= sum(acked), f"{sum(acked) - stored} acknowledged clicks lost"
    assert stored <= sum(sent)
