"""shareproxy benchmarks (``make bench``): ratios against a baseline and counts, measured in
one run on this machine. Each part starts its own servers and stops them; every load run
lasts seconds (``BENCH_SECONDS``, 3) and ratios are medians of paired rounds
(``BENCH_ROUNDS``, 5). Usage: ``python bench/run.py [part ...]``, the parts being
cached inprocess pages edge hotset first memory amplification hang embed
(default: all)."""

from __future__ import annotations

import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import quote

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path[:0] = [ROOT, os.path.join(ROOT, "tests"), HERE]

from http.server import ThreadingHTTPServer  # noqa: E402

import requests  # noqa: E402
from fakes import CREDENTIALS, FakeNetworks  # noqa: E402
from live_support import Gunicorn, free_port  # noqa: E402
from workload import FAILING, ORIGIN, PAGE, SUBSET, realistic_url  # noqa: E402

from shareproxy.networks import COUNT_NETWORKS  # noqa: E402

# The fake upstream must not drop connections itself (socketserver's default backlog is 5).
ThreadingHTTPServer.request_queue_size = 1024

DURATION = float(os.environ.get("BENCH_SECONDS", "3"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
DEADLINE = 1.5  # the shipped SHAREPROXY_REQUEST_DEADLINE
OPEN_NETWORKS = SUBSET


def wrk_binary() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    print("wrk is missing: installing it with apt-get", flush=True)
    subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=True)
    return shutil.which("wrk") or "/usr/bin/wrk"


WRK = wrk_binary()
UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def wrk(
    url: str,
    connections: int = 32,
    seconds: float = DURATION,
    script: str = "",
    headers: tuple[str, ...] = (),
    threads: int = 2,
) -> dict:
    """Run wrk; return req/s, p50 and p99 (ms), and non-2xx/3xx and socket error counts."""
    args = [WRK, f"-t{min(threads, connections)}", f"-c{connections}", f"-d{int(seconds)}s"]
    args += ["--latency", "--timeout", "10s"]
    for header in headers:
        args += ["-H", header]
    if script:
        args += ["-s", script]
    out = subprocess.run(args + [url], capture_output=True, text=True, timeout=seconds + 30)
    text = out.stdout
    if "Requests/sec" not in text:
        raise RuntimeError(f"wrk failed: {out.stdout[-500:]} {out.stderr[-500:]}")

    def latency(pct: str) -> float:
        m = re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s|m)\s*$", text, re.M)
        return float(m.group(1)) * UNITS[m.group(2)] if m else float("nan")

    rps = re.search(r"Requests/sec:\s+([\d.]+)", text)
    total = re.search(r"(\d+) requests in", text)
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text
    )
    return {
        "rps": float(rps.group(1)) if rps else 0.0,
        "requests": int(total.group(1)) if total else 0,
        "p50": latency("50"),
        "p99": latency("99"),
        "non2xx": int(non2xx.group(1)) if non2xx else 0,
        "socket_errors": sum(map(int, errors.groups())) if errors else 0,
        "raw": text,
    }


def lua_paths(paths: list[str]) -> str:
    """A wrk script that asks each path in turn (each thread from its own offset)."""
    fd, name = tempfile.mkstemp(prefix="shareproxy-bench-", suffix=".lua")
    listed = ",\n".join(f'"{p}"' for p in paths)
    body = f"""
paths = {{ {listed} }}
counter = 0
setup = function(thread) thread:set("offset", math.random(0, #paths - 1)) end
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[((counter + offset) % #paths) + 1])
end
"""
    with os.fdopen(fd, "w") as f:
        f.write(body)
    return name


def lua_unique(prefix: str) -> str:
    """A wrk script whose every request asks a URL never asked before."""
    fd, name = tempfile.mkstemp(prefix="shareproxy-bench-", suffix=".lua")
    body = f"""
counter = 0
setup = function(thread) thread:set("tid", tostring(math.random(1, 1000000000))) end
request = function()
  counter = counter + 1
  return wrk.format("GET", "{prefix}" .. tid .. "-" .. counter)
end
"""
    with os.fdopen(fd, "w") as f:
        f.write(body)
    return name


def lua_same(path: str) -> str:
    """A wrk script asking ``path`` every time, as :func:`lua_unique` asks (the script's own
    cost on the shared CPUs, for comparison)."""
    fd, name = tempfile.mkstemp(prefix="shareproxy-bench-", suffix=".lua")
    body = f"""
counter = 0
setup = function(thread) thread:set("tid", tostring(math.random(1, 1000000000))) end
request = function()
  counter = counter + 1
  local unused = tid .. "-" .. counter
  return wrk.format("GET", "{path}")
end
"""
    with os.fdopen(fd, "w") as f:
        f.write(body)
    return name


def counts_path(url: str, networks: list[str] | None = None) -> str:
    path = "/api/counts?url=" + quote(url, safe="")
    if networks:
        path += "&networks=" + ",".join(networks)
    return path


def env_for(fake: FakeNetworks, store: str, **extra: str) -> dict[str, str]:
    env = {f"SHAREPROXY_API_BASE_{n.upper()}": fake.base for n in COUNT_NETWORKS}
    env.update({f"SHAREPROXY_{k}": v for k, v in CREDENTIALS.items()})
    env.update({
        "SHAREPROXY_STORE": store,
        "SHAREPROXY_ALLOWED_DOMAINS": "example.org",
        "SHAREPROXY_LOG_LEVEL": "warning",
        # no upstream budget: the new-page runs would otherwise measure skipped fetches
        # once 80 % of 300 calls a minute are spent
        "SHAREPROXY_UPSTREAM_BUDGET": "0",
    })  # fmt: skip
    env.update(extra)
    return env


@contextmanager
def servers(*items: Any) -> Iterator[None]:
    try:
        yield
    finally:
        for item in items:
            item.stop() if hasattr(item, "stop") else item.close()


def machine() -> str:
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = 0
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal"):
                mem = int(line.split()[1]) // 1024
    load = os.getloadavg()
    wrk_version = subprocess.run([WRK, "-v"], capture_output=True, text=True).stdout.split("\n")[0]
    return (
        f"{os.cpu_count()} CPUs ({cpu}), {mem} MB RAM, {platform.platform()}, "
        f"Python {platform.python_version()}, {wrk_version.strip()}, "
        f"load average {load[0]:.2f} at start"
    )


def fmt(r: dict) -> str:
    return f"{r['rps']:8.0f} req/s  p50 {r['p50']:6.2f} ms  p99 {r['p99']:6.2f} ms"


# --- shared pieces of the parts below

ORIGIN_HEADER = (f"Origin: {ORIGIN}",)


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (5 min {five:.2f})"


@contextmanager
def redis_server() -> Iterator[str]:
    """A private redis-server on a free port (nothing persisted): yields its store URL."""
    port = free_port()
    proc = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no"], stdout=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                import socket

                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.kill()
        proc.wait()


def sqlite_store(name: str) -> str:
    return f"sqlite:///{tempfile.mkdtemp(prefix='shareproxy-bench-')}/{name}.db"


def record_clicks(base: str, url: str) -> None:
    """First-party shares of ``url`` on networks with and without counts (one visitor: every
    request of the benchmark comes from 127.0.0.1, one client network)."""
    for network in ("twitter", "linkedin", "pinterest"):
        r = requests.get(
            f"{base}/share/{network}?url={quote(url, safe='')}", allow_redirects=False, timeout=5
        )
        assert r.status_code == 302, r.status_code


def warm(base: str, path: str, headers: tuple[str, ...] = ()) -> bytes:
    """Ask until every worker holds the answer: a few requests, then a short wrk run."""
    sent = dict(h.split(": ", 1) for h in headers)
    body = b""
    for _ in range(4):
        r = requests.get(base + path, headers=sent, timeout=10)
        assert r.status_code == 200, (r.status_code, r.text[:200])
        body = r.content
    time.sleep(0.3)  # the failing networks' fetches settle and are remembered
    wrk(base + path, connections=8, seconds=1, headers=headers)
    return body


def paired(
    rounds: int, baseline: Callable[[], dict], shapes: dict[str, Callable[[], dict]]
) -> dict[str, list[float]]:
    """``rounds`` rounds of the baseline and every shape, the order reversed every other
    round so drift in the machine's load evens out; per-round ratios shape / baseline."""
    names = ["baseline", *shapes]
    runs = {"baseline": baseline, **shapes}
    ratios: dict[str, list[float]] = {name: [] for name in shapes}
    for i in range(rounds):
        order = names if i % 2 == 0 else names[::-1]
        got = {name: runs[name]() for name in order}
        base = got["baseline"]
        print(f"  round {i + 1} ({load()}): baseline {fmt(base)}")
        for name in shapes:
            r = got[name]
            ratio = r["rps"] / base["rps"] if base["rps"] else float("nan")
            ratios[name].append(ratio)
            errors = r["non2xx"] + r["socket_errors"]
            print(f"    {name:38s} {fmt(r)}  ratio {ratio:.2f}  errors {errors}")
    return ratios


def summarise(label: str, ratios: list[float], goal: str) -> None:
    ordered = sorted(ratios)
    print(f"RATIO {label} = {statistics.median(ordered):.2f} (median of {len(ordered)} paired "
          f"rounds: {', '.join(f'{r:.2f}' for r in ordered)}; goal {goal})")  # fmt: skip


# --- 1. cached /api/counts against a bare Flask app


def bench_cached() -> None:
    print("\n## 1. cached /api/counts, three request shapes, vs a bare Flask app (constant JSON)")
    fake = FakeNetworks()
    for name in FAILING:
        fake.set(name, "error500")
    store = sqlite_store("c")
    fill = Gunicorn(env_for(fake, store), workers=2)
    add = Gunicorn(env_for(fake, store, SHAREPROXY_CLICK_COUNTS="add"), workers=2)
    bare = Gunicorn(env_for(fake, store), workers=2, app="bare_app:app", pythonpath=HERE)
    with servers(fill, add, bare, fake):
        print(f"gunicorn: {fill.config}, 2 workers x 8 threads each; wrk -t2 -c32 {DURATION:g} s; "
              f"every request with 'Origin: {ORIGIN}' (an allowed origin)")  # fmt: skip
        record_clicks(fill.base, PAGE)
        shapes = {
            "(a) Shariff default (fill, 2 failing)": (fill, counts_path(PAGE)),
            "(b) networks= subset of 6": (fill, counts_path(PAGE, OPEN_NETWORKS)),
            "(c) add mode": (add, counts_path(PAGE)),
        }
        for name, (server, path) in shapes.items():
            body = warm(server.base, path, ORIGIN_HEADER)
            print(f"  {name}: {path[:60]}... -> {body.decode()[:100]}")
        warm(bare.base, "/api/counts", ORIGIN_HEADER)

        def run(server: Any, path: str) -> Callable[[], dict]:
            return lambda: wrk(server.base + path, headers=ORIGIN_HEADER)

        ratios = paired(
            ROUNDS,
            run(bare, "/api/counts"),
            {name: run(server, path) for name, (server, path) in shapes.items()},
        )
        for name, values in ratios.items():
            summarise(f"cached {name} / bare req/s", values, ">= 1.00")


def run_script(name: str) -> None:
    """Run ``bench/<name>`` in a process of its own and print what it printed."""
    out = subprocess.run(
        [sys.executable, os.path.join(HERE, name)],
        capture_output=True, text=True, cwd=ROOT, timeout=600,
    )  # fmt: skip
    print(out.stdout.rstrip())
    if out.returncode != 0:
        print(out.stderr[-3000:])


def bench_inprocess() -> None:
    print("\n## 1b. in-process cost of one cached request (bench/inprocess.py)")
    run_script("inprocess.py")


# --- 2. upstream amplification


def settled_calls(fake: FakeNetworks, most: float = 10.0) -> int:
    """Upstream calls once they stop arriving (fetches started late still count)."""
    last, stable_since, end = -1, time.monotonic(), time.monotonic() + most
    while time.monotonic() < end:
        now = fake.calls()
        if now != last:
            last, stable_since = now, time.monotonic()
        elif time.monotonic() - stable_since > 1.0:
            break
        time.sleep(0.1)
    return last


def per_pair(fake: FakeNetworks, urls: list[str]) -> str:
    from fakes import PATH_OF

    counts = [fake.hits[(PATH_OF[n], u)] for u in urls for n in OPEN_NETWORKS]
    return (f"pairs asked once {counts.count(1)}, never {counts.count(0)}, "
            f"more than once {sum(1 for c in counts if c > 1)} (max {max(counts)})")  # fmt: skip


def bench_amplification() -> None:
    print("\n## 2. upstream amplification: 200 clients, 50 cold URLs")
    urls = [f"https://example.org/amp/{i}" for i in range(50)]
    paths = [counts_path(u, OPEN_NETWORKS) for u in urls]
    script = lua_paths(paths)
    fake = FakeNetworks()
    for n in COUNT_NETWORKS:
        fake.set(n, "hang", hang=0.3)  # answers after 300 ms: requests pile up meanwhile
    store = f"sqlite:///{tempfile.mkdtemp(prefix='shareproxy-bench-')}/a.db"
    app = Gunicorn(env_for(fake, store), workers=4)
    with servers(app, fake):
        r = wrk(app.base + "/", connections=200, seconds=DURATION, script=script)
        calls = settled_calls(fake)
        print(f"  {per_pair(fake, urls)}")
        print(
            f"  one instance, 4 workers, SQLite: {fmt(r)}, "
            f"{r['non2xx'] + r['socket_errors']} errors, {calls} upstream calls"
        )
        print(
            f"AMPLIFICATION (1 instance) = {calls / (len(urls) * len(OPEN_NETWORKS)):.2f} "
            f"calls per (URL, network) (goal 1.00)"
        )

    port = free_port()
    redis = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no"], stdout=subprocess.DEVNULL,
    )  # fmt: skip
    time.sleep(0.3)
    fake = FakeNetworks()
    for n in COUNT_NETWORKS:
        fake.set(n, "hang", hang=0.3)
    store = f"redis://127.0.0.1:{port}/0"
    one = Gunicorn(env_for(fake, store), workers=2)
    two = Gunicorn(env_for(fake, store), workers=2)
    with servers(one, two, fake):
        args = [WRK, "-t1", "-c100", f"-d{int(DURATION)}s", "-s", script]
        runs = [
            subprocess.Popen(args + [s.base + "/"], stdout=subprocess.PIPE, text=True)
            for s in (one, two)
        ]
        for run in runs:
            run.wait(DURATION + 30)
        calls = settled_calls(fake)
        print(f"  {per_pair(fake, urls)}")
        print(
            f"  two instances x 2 workers sharing Redis, 100 clients each: {calls} upstream calls"
        )
        print(
            f"AMPLIFICATION (2 instances, Redis) = "
            f"{calls / (len(urls) * len(OPEN_NETWORKS)):.2f} calls per (URL, network) (goal 1.00)"
        )
    redis.kill()
    redis.wait()


# --- 3. every upstream hangs


def bench_hang() -> None:
    print(f"\n## 3. every upstream hangs: /api/counts latency vs the deadline ({DEADLINE} s)")
    fake = FakeNetworks()
    for n in COUNT_NETWORKS:
        fake.set(n, "hang", hang=60)
    store = f"sqlite:///{tempfile.mkdtemp(prefix='shareproxy-bench-')}/h.db"
    app = Gunicorn(env_for(fake, store, SHAREPROXY_REQUEST_DEADLINE=str(DEADLINE)), workers=2)
    with servers(app, fake):
        script = lua_unique("/api/counts?url=https%3A%2F%2Fexample.org%2Fhang%2F")
        # 8 clients: fewer than the 16 request threads (2 workers x 8); 32: more, so
        # requests also queue for a thread behind others that wait out their deadline.
        for clients in (8, 32):
            r = wrk(app.base + "/", connections=clients, seconds=max(DURATION, 4), script=script)
            errors = r["non2xx"] + r["socket_errors"]
            print(f"  every request a new URL, {clients} clients: {fmt(r)}, {errors} errors")
            print(
                f"HANG ({clients} clients) p99 = {r['p99']:.0f} ms vs deadline "
                f"{DEADLINE * 1000:.0f} ms (goal <= {DEADLINE * 1000 + 100:.0f} ms)"
            )


# --- 3. cost as the work grows


def prefill(store_url: str, urls: list[str], networks: list[str]) -> float:
    """Fresh counts for every (URL, network) written to the store, as fetches would; seconds."""
    from concurrent.futures import ThreadPoolExecutor

    from shareproxy.store import Entry, open_store

    started = time.monotonic()
    store = open_store(store_url, tempfile.mkdtemp(prefix="shareproxy-bench-"))
    now = time.time()

    def put(url: str) -> None:
        for n, network in enumerate(networks):
            store.put_entry(url, network, Entry(100 + n, now, now, None), 7 * 24 * 3600)

    threads = 8 if store_url.startswith("redis") else 1  # SQLite writes one at a time
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(put, urls))
    store.close()
    return time.monotonic() - started


def cache_outcomes(server: Any) -> dict[str, float]:
    """shareproxy_cache_total summed per outcome (hit, error, stale, miss) over the workers."""
    text = requests.get(server.base + "/metrics", timeout=10).text
    out: dict[str, float] = {}
    for line in text.splitlines():
        m = re.match(r'shareproxy_cache_total\{.*result="(\w+)".*\} ([\d.e+]+)$', line)
        if m:
            out[m.group(1)] = out.get(m.group(1), 0.0) + float(m.group(2))
    return out


def stores() -> Iterator[tuple[str, str]]:
    yield "SQLite", sqlite_store("s")
    with redis_server() as url:
        yield "Redis", url


HOT_PAGES = 10_000


def bench_hotset() -> None:
    print(f"\n## 3a. a hot set of {HOT_PAGES} cached pages vs one hot page (Shariff's default "
          "request, every network answering)")  # fmt: skip
    from shareproxy.networks import COUNT_NETWORKS as ALL

    urls = [realistic_url(i) for i in range(HOT_PAGES)]
    paths = [counts_path(u) for u in urls]
    script = lua_paths(paths)
    for kind, store in stores():
        seconds = prefill(store, urls, list(ALL))
        print(f"  {kind}: {len(urls)} pages x {len(ALL)} networks written to the store in "
              f"{seconds:.0f} s")  # fmt: skip
        fake = FakeNetworks()
        app = Gunicorn(env_for(fake, store), workers=2)
        with servers(app, fake):
            warm(app.base, paths[0], ORIGIN_HEADER)
            # every worker answers every page once through Flask (a store read each), then
            # from its memo: warm until each page was asked 10 times (a worker missed one
            # with a chance of 1 in 1000) and the rate stopped rising
            rates: list[float] = []
            asked = 0
            while len(rates) < 30 and (
                asked < 10 * HOT_PAGES or len(rates) < 2 or rates[-1] > 1.05 * rates[-2]
            ):
                r = wrk(app.base + "/", seconds=4, script=script, headers=ORIGIN_HEADER)
                rates.append(r["rps"])
                asked += r["requests"]
            print(f"  warming: {', '.join(f'{r:.0f}' for r in rates)} req/s, {asked} requests")
            hot_set(app, fake, kind, paths[0], script)


def hot_set(app: Any, fake: FakeNetworks, kind: str, one: str, script: str) -> None:
    before, calls = cache_outcomes(app), fake.calls()
    label = f"{HOT_PAGES} pages"
    ratios = paired(
        ROUNDS,
        lambda: wrk(app.base + one, headers=ORIGIN_HEADER),
        {label: lambda: wrk(app.base + "/", script=script, headers=ORIGIN_HEADER)},
    )
    after = cache_outcomes(app)
    delta = {k: after.get(k, 0) - before.get(k, 0) for k in after}
    print(f"  lookups meanwhile by outcome: {delta}; upstream calls {fake.calls() - calls}")
    summarise(f"hot set ({kind}) {label} / one page", ratios[label], ">= 0.80")


def bench_first() -> None:
    print("\n## 3b. the first request for a page, every network answering after 20 ms")
    from shareproxy.networks import COUNT_NETWORKS as ALL

    for kind, store in stores():
        fake = FakeNetworks()
        for name in ALL:
            fake.set(name, "hang", hang=0.02)
        # BENCH_FIRST_SETTINGS="UPSTREAM_WORKERS=32 ...": settings to try (SHAREPROXY_ added)
        tried = dict(
            item.split("=", 1) for item in os.environ.get("BENCH_FIRST_SETTINGS", "").split()
        )
        if tried:
            print(f"  with {tried}")
        extra = {f"SHAREPROXY_{k}": v for k, v in tried.items()}
        app = Gunicorn(env_for(fake, store, **extra), workers=2)
        with servers(app, fake):
            warm(app.base, counts_path(PAGE), ORIGIN_HEADER)  # tokens fetched once
            upstream = upstream_p50(fake)
            print(f"  the fake alone, one count call: p50 {upstream:.1f} ms ({load()})")
            prefix = "/api/counts?url=" + quote("https://example.org/first/", safe="")
            script = lua_unique(prefix)
            alone = lua_unique("/1/links/shares.json?url=" + quote("https://example.org/", safe=""))
            for clients in (1, 4):
                r = wrk(app.base + "/", connections=clients, seconds=max(DURATION, 4),
                        script=script, headers=ORIGIN_HEADER)  # fmt: skip
                errors = r["non2xx"] + r["socket_errors"]
                print(f"  {kind}, {clients} client(s), every request a new page ({len(ALL)} "
                      f"networks): {fmt(r)}, {errors} errors ({load()})")  # fmt: skip
                # the fake under as many calls at once as the server makes for these clients
                f = wrk(fake.base + "/", connections=clients * len(ALL),
                        seconds=max(DURATION, 4), script=alone)  # fmt: skip
                print(f"  the fake alone, {clients * len(ALL)} count calls at once: {fmt(f)}")
                print(f"FIRST ({kind}, {clients} client(s)) p50 = {r['p50']:.1f} ms "
                      f"(goal <= {upstream + 10:.1f} ms: the upstream's {upstream:.1f} ms "
                      f"+ 10 ms; the upstream under as many calls at once {f['p50']:.1f} ms "
                      f"+ 10 ms = {f['p50'] + 10:.1f} ms)")  # fmt: skip


def upstream_p50(fake: FakeNetworks, calls: int = 30) -> float:
    """The fake's own latency: p50 of one count call at a time, on a kept-alive
    connection, as the server's connection pool makes them."""
    session = requests.Session()
    url = fake.base + "/1/links/shares.json?url=" + quote("https://example.org/alone", safe="")
    times = []
    for _ in range(calls):
        started = time.perf_counter()
        session.get(url, timeout=10).raise_for_status()
        times.append((time.perf_counter() - started) * 1000)
    session.close()
    return statistics.median(times)


# --- 6. a cached embed placeholder against the buttons page


def bench_embed(rounds: int = ROUNDS) -> None:
    print("\n## 6. cached /embed placeholder vs /buttons, same gunicorn")
    from embed_fakes import YOUTUBE_ID, FakeProviders

    fake = FakeNetworks()
    providers = FakeProviders()
    store = f"sqlite:///{tempfile.mkdtemp(prefix='shareproxy-bench-')}/e.db"
    extra = {f"SHAREPROXY_API_BASE_{n}": providers.base for n in ("YOUTUBE", "VIMEO")}
    app = Gunicorn(env_for(fake, store, **extra), workers=2)
    with servers(app, fake, providers):
        page = quote("https://example.org/embeds", safe="")
        video = quote(f"https://www.youtube.com/watch?v={YOUTUBE_ID}", safe="")
        buttons = f"/buttons?url={page}&lang=en"
        embed = f"/embed?url={video}&lang=en"
        deadline = time.monotonic() + 60
        while 'data-state="placeholder"' not in requests.get(app.base + embed, timeout=30).text:
            assert time.monotonic() < deadline, "the placeholder never became ready"
            time.sleep(0.5)
        for _ in range(4):  # every worker holds the preview and has rendered both pages
            requests.get(app.base + embed, timeout=5)
            requests.get(app.base + buttons, timeout=5)
        calls = providers.calls()
        print(f"gunicorn: {app.config}, 2 workers x 8 threads; wrk -t2 -c32 {DURATION:g} s")
        pairs = []
        for i in range(rounds):
            order = [("buttons", buttons), ("embed", embed)]
            if i % 2:
                order.reverse()
            got = {name: wrk(app.base + path) for name, path in order}
            pairs.append(got)
            print(f"  round {i + 1}: /buttons {fmt(got['buttons'])}")
            print(f"           /embed   {fmt(got['embed'])}  non-2xx {got['embed']['non2xx']}, "
                  f"socket errors {got['embed']['socket_errors']}")  # fmt: skip
        ratios = sorted(p["embed"]["rps"] / p["buttons"]["rps"] for p in pairs)
        print(f"per-round ratios: {', '.join(f'{r:.2f}' for r in ratios)}")
        print(f"upstream calls during the load: {providers.calls() - calls}")
        print(f"RATIO embed/buttons req/s = {statistics.median(ratios):.2f} "
              f"(median of {rounds} paired rounds)")  # fmt: skip


def bench_memory() -> None:
    print("\n## 3c. memory: one worker serving 100 000 pages x 6 networks (URLs of 80-200 "
          "characters)")  # fmt: skip
    for kind, store in stores():
        for size, what in ((600_000, "CACHE_SIZE=600000 (holds them all)"),
                           (100_000, "the default CACHE_SIZE=100000")):  # fmt: skip
            out = subprocess.run(
                [sys.executable, os.path.join(HERE, "worker_memory.py"), store, str(size),
                 ",".join(OPEN_NETWORKS)],
                capture_output=True, text=True, cwd=ROOT, timeout=900,
            )  # fmt: skip
            if out.returncode != 0:
                print(out.stderr[-3000:])
                return
            print(f"  {kind}, {what}: {out.stdout.strip()}")
            rss = float(re.search(r"RSS ([\d.]+) MB", out.stdout).group(1))  # type: ignore[union-attr]
            print(f"MEMORY ({kind}, CACHE_SIZE={size}) = {rss:.1f} MB RSS (goal <= 100 MB)")


# --- 4. the edge: nginx micro-cache


def bench_edge() -> None:
    print("\n## 4. the shipped nginx site: micro-cached counts vs a static JSON file "
          "from the same server block")  # fmt: skip
    from pathlib import Path

    from deploy_support import Nginx, nginx_binary, nginx_prefix

    if nginx_binary() is None:
        print("  nginx is not installed: skipped")
        return
    fake = FakeNetworks()
    for name in FAILING:
        fake.set(name, "error500")
    app = Gunicorn(env_for(fake, sqlite_store("e"), SHAREPROXY_TRUSTED_PROXIES="1"), workers=2)
    tmp = Path(tempfile.mkdtemp(prefix="shareproxy-bench-nginx-"))
    (tmp / "static").mkdir()
    path = counts_path(PAGE)
    body = warm(app.base, path, ORIGIN_HEADER)
    (tmp / "static" / "bench-static.json").write_bytes(body)
    extra = (f"    location = /bench-static.json {{ root {tmp / 'static'}; "
             "default_type application/json; }")  # fmt: skip

    def lift_rate_limit(site: str) -> str:
        # one wrk client is one address: the per-address limit would answer 429s
        return re.sub(r"^\s*limit_req .*\n", "", site, flags=re.M)

    https = free_port()
    upstreams = [f"127.0.0.1:{app.port}"] * 2
    prefix = nginx_prefix(tmp, upstreams, free_port(), https, workers=2, connections=1024,
                          server_extra=extra, site_edit=lift_rate_limit)  # fmt: skip
    nginx = Nginx(prefix, https)
    with servers(nginx, app, fake):
        base = f"https://127.0.0.1:{https}"
        for p in (path, "/bench-static.json"):
            wrk(base + p, connections=4, seconds=1, headers=ORIGIN_HEADER)
        r = requests.get(base + path, headers={"Origin": ORIGIN}, verify=False, timeout=5)
        print(f"  micro-cache: X-Cache-Status {r.headers.get('X-Cache-Status')}, "
              f"same body as the static file: {r.content == body}; per-address rate limit "
              f"lifted for this run; nginx 2 workers, TLS, wrk -c32")  # fmt: skip
        ratios = paired(
            ROUNDS,
            lambda: wrk(base + "/bench-static.json", headers=ORIGIN_HEADER),
            {"micro-cached /api/counts": lambda: wrk(base + path, headers=ORIGIN_HEADER)},
        )
        summarise("edge micro-cache / static file", ratios["micro-cached /api/counts"], ">= 0.50")


# --- 5. the buttons page


BUTTON_NETWORKS = ["facebook", "pinterest", "reddit", "bluesky", "vk", "buffer", "tumblr"]


def bench_pages() -> None:
    print("\n## 5. /buttons for 7 networks with fresh counts vs bare Flask rendering a "
          "template of the same size")  # fmt: skip
    fake = FakeNetworks()
    store = sqlite_store("p")
    app = Gunicorn(env_for(fake, store), workers=2)
    bare = Gunicorn(env_for(fake, store), workers=2, app="bare_app:app", pythonpath=HERE)
    with servers(app, bare, fake):
        warm(app.base, counts_path(PAGE, BUTTON_NETWORKS))
        path = f"/buttons?url={quote(PAGE, safe='')}&networks={','.join(BUTTON_NETWORKS)}"
        page = warm(app.base, path)
        assert b"data-fetch" not in page, "every count is fresh: the page asks for none"
        bare_path = f"/page?size={len(page)}"
        bare_page = warm(bare.base, bare_path)
        print(f"  /buttons {len(page)} bytes, every count rendered; bare template "
              f"{len(bare_page)} bytes")  # fmt: skip
        accept = ("Accept-Encoding: gzip, deflate, br",)
        # every request another title: a page each worker renders for the first time
        unique = lua_unique(path + "&title=t")
        same = lua_same(path + "&title=t")
        shapes = {
            "/buttons": lambda: wrk(app.base + path),
            "/buttons, compressed (gzip, br)": lambda: wrk(app.base + path, headers=accept),
            "/buttons, a page not rendered before": lambda: wrk(app.base + "/", script=unique),
            # the same page asked through a Lua script as the line above asks: what the
            # script itself costs wrk on the shared CPUs
            "/buttons, the same page through wrk's Lua": lambda: wrk(app.base + "/", script=same),
        }
        ratios = paired(ROUNDS, lambda: wrk(bare.base + bare_path), shapes)
        summarise("/buttons / bare template", ratios["/buttons"], ">= 0.80")
        summarise("/buttons compressed / bare template (uncompressed)",
                  ratios["/buttons, compressed (gzip, br)"], "(for information)")  # fmt: skip
        summarise("/buttons rendered for the first time / bare template",
                  ratios["/buttons, a page not rendered before"], "(for information)")  # fmt: skip
        summarise("/buttons sent again, asked through wrk's Lua / bare template",
                  ratios["/buttons, the same page through wrk's Lua"],
                  "(for information)")  # fmt: skip
        for encoding in ("br", "gzip", "identity"):
            total, parts = iframe_weight(app.base, DEFAULT_IFRAME, encoding)
            print(f"  the default iframe ({encoding}): {total} bytes ({parts})")
            print(f"WEIGHT iframe, 7 networks, Accept-Encoding {encoding} = {total} bytes "
                  "transferred, headers included (goal <= 8192; Chromium's own figure: "
                  "tests/browser/test_browser_weight.py)")  # fmt: skip
    print(f"  in process (bench/first_render.py), {load()}:")
    run_script("first_render.py")


DEFAULT_IFRAME = f"/buttons?url={quote(PAGE, safe='')}"


def iframe_weight(base: str, path: str, encoding: str) -> tuple[int, str]:
    """Bytes on the wire (status line, headers and body as sent) of the iframe page and
    every request it makes: its stylesheet, its script and the counts it asks for."""
    from urllib.parse import urljoin

    session = requests.Session()
    session.headers["Accept-Encoding"] = encoding
    todo, seen, parts, total = [base + path], set(), [], 0
    while todo:
        url = todo.pop(0)
        if url in seen:
            continue
        seen.add(url)
        r = session.get(url, timeout=5, stream=True, allow_redirects=False)
        raw = r.raw.read(decode_content=False)
        head = len(f"HTTP/1.1 {r.status_code} {r.reason}\r\n") + 2
        head += sum(len(f"{k}: {v}\r\n") for k, v in r.headers.items())
        total += head + len(raw)
        name = url.split("?")[0].rsplit("/", 1)[-1]
        parts.append(f"{name} {head}+{len(raw)} {r.headers.get('Content-Encoding', '-')}")
        if "html" in r.headers.get("Content-Type", ""):
            html = requests.get(url, timeout=5).text
            refs = re.findall(r'\bsrc="([^"]+)"', html)
            refs += re.findall(r'<link\b[^>]*\bhref="([^"]+)"', html)
            todo += [urljoin(url, ref.replace("&amp;", "&")) for ref in refs]
            fetch = re.search(r'data-fetch="([^"]+)"', html)
            page_url = re.search(r'data-url="([^"]+)"', html)
            if fetch and page_url:
                todo.append(base + counts_path(page_url.group(1).replace("&amp;", "&"),
                                               fetch.group(1).split(",")))  # fmt: skip
    return total, "; ".join(parts)


PARTS = {
    "cached": bench_cached,
    "inprocess": bench_inprocess,
    "pages": bench_pages,
    "edge": bench_edge,
    "hotset": bench_hotset,
    "first": bench_first,
    "memory": bench_memory,
    "amplification": bench_amplification,
    "hang": bench_hang,
    "embed": bench_embed,
}


def main() -> None:
    wanted = sys.argv[1:] or list(PARTS)
    unknown = [name for name in wanted if name not in PARTS]
    if unknown:
        sys.exit(f"unknown part(s) {', '.join(unknown)}; parts: {' '.join(PARTS)}")
    print("# shareproxy benchmarks")
    print(f"machine: {machine()}")
    started = time.monotonic()
    for name in wanted:
        PARTS[name]()
    print(f"\n(done at {load()} in {time.monotonic() - started:.0f} s)")


if __name__ == "__main__":
    main()
