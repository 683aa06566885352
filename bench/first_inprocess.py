"""In-process cost of a first request: what one worker spends on a page never asked before.

Run by ``bench/run.py firstcpu`` (or alone: ``python bench/first_inprocess.py [sqlite|redis
URL] [clients] [--profile]``). The fake networks answer from another process (their own
CPU is not this process's), every network after 20 ms. ``clients`` threads each ask
``/api/counts`` for new pages one after another through the WSGI app (the fast path first,
as under gunicorn); printed: the wall time per request (p50, p90), the process's CPU time
per request (every thread of it: the request threads and the fetch threads), and the store
calls per request. ``--profile`` profiles every thread of the process (cProfile) and prints
the functions with the most time of their own and with the most time under them.
"""

from __future__ import annotations

import cProfile
import io
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from typing import Any
from urllib.parse import quote

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path[:0] = [ROOT, os.path.join(ROOT, "tests"), HERE]
os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix="shareproxy-bench-"))

from inprocess import call, environ  # noqa: E402
from workload import ORIGIN  # noqa: E402

from shareproxy import create_app  # noqa: E402
from shareproxy.networks import COUNT_NETWORKS  # noqa: E402

REQUESTS = int(os.environ.get("FIRST_REQUESTS", "200"))  # per client
HANG = 0.02

FAKE = """
import sys, time
sys.path.insert(0, {tests!r})
from fakes import FakeNetworks
from shareproxy.networks import COUNT_NETWORKS
fake = FakeNetworks()
for name in COUNT_NETWORKS:
    fake.set(name, "hang", hang={hang})
print(fake.base, flush=True)
sys.stdin.read()
"""


def start_fake() -> tuple[subprocess.Popen[str], str]:
    code = FAKE.format(tests=os.path.join(ROOT, "tests"), hang=HANG)
    proc = subprocess.Popen(
        [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    return proc, proc.stdout.readline().strip()


class Counted:
    """Counts the calls of every public method of a store."""

    def __init__(self, store: Any) -> None:
        self.calls: Counter[str] = Counter()
        self._store = store
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._store, name)
        if name.startswith("_") or not callable(value):
            return value

        def counted(*args: Any, **kwargs: Any) -> Any:
            with self._lock:
                self.calls[name] += 1
            return value(*args, **kwargs)

        return counted


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    profile = "--profile" in sys.argv
    store = args[0] if args else "sqlite"
    clients = int(args[1]) if len(args) > 1 else 1
    if store == "sqlite":
        store = f"sqlite:///{tempfile.mkdtemp(prefix='shareproxy-bench-')}/f.db"
    proc, base = start_fake()
    try:
        run(store, base, clients, profile, proc.pid)
    finally:
        assert proc.stdin is not None
        proc.stdin.close()
        proc.wait()


def cpu_of(pid: int) -> float:
    """Seconds of CPU another process has used (user and system)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run(store: str, base: str, clients: int, profile: bool, fake_pid: int) -> None:
    from fakes import CREDENTIALS

    config: dict[str, Any] = {f"API_BASE_{n.upper()}": base for n in COUNT_NETWORKS}
    config.update(CREDENTIALS)
    config.update(
        STORE=store, ALLOWED_DOMAINS="example.org", LOG_LEVEL="warning", UPSTREAM_BUDGET="0"
    )
    # FIRST_CONFIG="UPSTREAM_WORKERS=32 ...": settings to try
    config.update(item.split("=", 1) for item in os.environ.get("FIRST_CONFIG", "").split())
    app = create_app(config, log_summary=False)
    svc = app.extensions["shareproxy"]
    counted = Counted(svc.cache.store)
    svc.cache.store = counted
    svc.cache._refreshes.store = counted
    tag = f"{os.getpid()}-{time.time():.0f}"

    def env(i: int, client: int) -> dict[str, Any]:
        page = quote(f"https://example.org/first/{tag}/{client}/{i}", safe="")
        return environ("/api/counts", f"url={page}", ORIGIN)

    for i in range(20):  # tokens, connections, threads
        call(app, env(i, -1))
    time.sleep(0.3)
    counted.calls.clear()
    walls: list[float] = []
    lock = threading.Lock()

    def client(c: int) -> None:
        mine = []
        for i in range(REQUESTS):
            e = env(i, c)
            started = time.perf_counter()
            profiled(call)(app, e)
            mine.append((time.perf_counter() - started) * 1000)
        with lock:
            walls.extend(mine)

    if profile:
        from shareproxy.cache import Refreshes

        Refreshes._run = profiled(Refreshes._run)  # type: ignore[method-assign]
    PROFILING[0] = profile
    cpu0, wall0, fake0 = time.process_time(), time.perf_counter(), cpu_of(fake_pid)
    threads = [threading.Thread(target=client, args=(c,)) for c in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    time.sleep(0.1)  # the last writes settle
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0 - 0.1
    fake_cpu = cpu_of(fake_pid) - fake0
    PROFILING[0] = False
    n = len(walls)
    walls.sort()
    kind = store.split(":", 1)[0]
    calls = ", ".join(f"{k} {v / n:.1f}" for k, v in sorted(counted.calls.items()))
    print(
        f"FIRSTCPU ({kind}, {clients} client(s), {n} requests): wall p50 "
        f"{statistics.median(walls):.1f} ms, p90 {walls[int(n * 0.9)]:.1f} ms; "
        f"CPU {cpu / n * 1000:.2f} ms per request ({cpu / wall:.2f} cores busy; the fake "
        f"networks' process {fake_cpu / n * 1000:.1f} ms); "
        f"store calls per request: {calls}"
    )
    if profile:
        out = io.StringIO()
        stats = pstats.Stats(*PROFILES, stream=out)
        stats.sort_stats("tottime").print_stats(35)
        stats.sort_stats("cumulative").print_stats(60)
        print(out.getvalue())
    svc.cache.close()
    svc.store.close()


PROFILING = [False]
PROFILES: list[cProfile.Profile] = []
_MINE = threading.local()


def profiled(func: Any) -> Any:
    """``func`` run under a profiler of the calling thread's own while :data:`PROFILING`
    is set (cProfile records one thread, and is switched on and off from that thread)."""

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not PROFILING[0]:
            return func(*args, **kwargs)
        profiler = getattr(_MINE, "profiler", None)
        if profiler is None:
            profiler = _MINE.profiler = cProfile.Profile()
            PROFILES.append(profiler)
        profiler.enable()
        try:
            return func(*args, **kwargs)
        finally:
            profiler.disable()

    return wrapper


if __name__ == "__main__":
    main()
