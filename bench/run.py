"""shareproxy benchmarks (``make bench``): ratios against a baseline and counts, measured in
one run on this machine. Each part starts its own servers and stops them; every load run
lasts seconds. Usage: ``python bench/run.py [cached amplification hang pages memory embed]``."""

from __future__ import annotations

import gzip
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
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

from shareproxy.networks import COUNT_NETWORKS  # noqa: E402

# The fake upstream must not drop connections itself (socketserver's default backlog is 5).
ThreadingHTTPServer.request_queue_size = 1024

DURATION = float(os.environ.get("BENCH_SECONDS", "3"))
DEADLINE = 1.5  # the shipped SHAREPROXY_REQUEST_DEADLINE
# The six networks that need no credentials: what a default install counts.
OPEN_NETWORKS = [n for n in COUNT_NETWORKS if n not in ("facebook", "reddit", "bluesky")][:6]


def wrk_binary() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    print("wrk is missing: installing it with apt-get", flush=True)
    subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=True)
    return shutil.which("wrk") or "/usr/bin/wrk"


WRK = wrk_binary()
UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def wrk(url: str, connections: int = 32, seconds: float = DURATION, script: str = "") -> dict:
    """Run wrk; return req/s, p50 and p99 (ms), and non-2xx/3xx and socket error counts."""
    args = [WRK, "-t2", f"-c{connections}", f"-d{int(seconds)}s", "--latency", "--timeout", "10s"]
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
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text
    )
    return {
        "rps": float(rps.group(1)) if rps else 0.0,
        "p50": latency("50"),
        "p99": latency("99"),
        "non2xx": int(non2xx.group(1)) if non2xx else 0,
        "socket_errors": sum(map(int, errors.groups())) if errors else 0,
        "raw": text,
    }


def lua_paths(paths: list[str]) -> str:
    """A wrk script that asks each path in turn."""
    fd, name = tempfile.mkstemp(prefix="shareproxy-bench-", suffix=".lua")
    listed = ",\n".join(f'"{p}"' for p in paths)
    body = f"""
paths = {{ {listed} }}
counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter % #paths) + 1])
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


# --- 1. cached /api/counts against a bare Flask app


def bench_cached(rounds: int = 5) -> None:
    print("\n## 1. cached /api/counts vs a bare Flask app (constant JSON), same gunicorn")
    fake = FakeNetworks()
    store = f"sqlite:///{tempfile.mkdtemp(prefix='shareproxy-bench-')}/b.db"
    app = Gunicorn(env_for(fake, store), workers=2)
    bare = Gunicorn(env_for(fake, store), workers=2, app="bare_app:app", pythonpath=HERE)
    with servers(app, bare, fake):
        print(f"gunicorn: {app.config}, 2 workers x 8 threads; wrk -t2 -c32 {DURATION:g} s")
        path = counts_path("https://example.org/cached", OPEN_NETWORKS)
        for _ in range(3):  # both workers hold the answer
            assert requests.get(app.base + path, timeout=5).json()
        bare_runs, app_runs = [], []
        for i in range(rounds):
            if i % 2 == 0:  # alternate which goes first: drift in machine load evens out
                b = wrk(bare.base + "/api/counts")
                a = wrk(app.base + path)
            else:
                a = wrk(app.base + path)
                b = wrk(bare.base + "/api/counts")
            bare_runs.append(b)
            app_runs.append(a)
            print(f"  round {i + 1}: bare {fmt(b)}")
            print(f"           shareproxy {fmt(a)}  errors {a['non2xx'] + a['socket_errors']}")
        rb = statistics.median(r["rps"] for r in bare_runs)
        ra = statistics.median(r["rps"] for r in app_runs)
        p50 = statistics.median(r["p50"] for r in app_runs)
        p99 = statistics.median(r["p99"] for r in app_runs)
        bp50 = statistics.median(r["p50"] for r in bare_runs)
        bp99 = statistics.median(r["p99"] for r in bare_runs)
        print(
            f"median: shareproxy {ra:.0f} req/s (p50 {p50:.2f} ms, p99 {p99:.2f} ms), "
            f"bare {rb:.0f} req/s (p50 {bp50:.2f} ms, p99 {bp99:.2f} ms)"
        )
        # The Shariff-style request without networks= also merges first-party click counts
        # (SHAREPROXY_CLICK_COUNTS=fill), so it is built per request: measured beside.
        plain = counts_path("https://example.org/cached")
        for _ in range(3):
            requests.get(app.base + plain, timeout=5)
        b2, a2 = wrk(bare.base + "/api/counts"), wrk(app.base + plain)
        print(f"  without networks= (click counts merged): {fmt(a2)}; bare {fmt(b2)}; "
              f"ratio {a2['rps'] / b2['rps']:.2f}")  # fmt: skip
        ratios = sorted(a["rps"] / b["rps"] for a, b in zip(app_runs, bare_runs, strict=True))
        print(f"per-round ratios: {', '.join(f'{r:.2f}' for r in ratios)}")
        print(f"RATIO cached/bare req/s = {statistics.median(ratios):.2f} "
              f"(median of {rounds} paired rounds; goal >= 0.90)")  # fmt: skip


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


# --- 4. the pages beside /api/counts


def bench_pages() -> None:
    print("\n## 4. /buttons and /badge beside /api/counts")
    fake = FakeNetworks()
    store = f"sqlite:///{tempfile.mkdtemp(prefix='shareproxy-bench-')}/p.db"
    app = Gunicorn(env_for(fake, store), workers=2)
    with servers(app, fake):
        page = quote("https://example.org/pages", safe="")
        candidates = {
            "/api/counts": f"/api/counts?url={page}",
            "/buttons": f"/buttons?url={page}",
            "/badge": f"/badge/pinterest.svg?url={page}",
        }
        for name, path in candidates.items():
            for _ in range(3):
                status = requests.get(app.base + path, timeout=5).status_code
            if status != 200:
                print(f"  {name}: not in this build (HTTP {status})")
                continue
            print(f"  {name:12s} {fmt(wrk(app.base + path))}")
            if name == "/buttons":
                print(f"  iframe gzip weight: {iframe_weight(app.base + path)} bytes")


def iframe_weight(url: str) -> int:
    """Bytes over the wire (gzip) of the iframe page and every same-origin asset it loads."""
    from urllib.parse import urljoin

    session = requests.Session()
    session.headers["Accept-Encoding"] = "gzip"
    seen, total = set(), 0
    todo = [url]
    while todo:
        u = todo.pop()
        if u in seen:
            continue
        seen.add(u)
        r = session.get(u, timeout=5, stream=True, allow_redirects=False)
        raw = r.raw.read(decode_content=False)
        if r.headers.get("Content-Encoding") != "gzip":  # gunicorn alone does not compress:
            raw = gzip.compress(raw, 6)  # count what nginx's gzip (level 6) would send
        total += len(raw)
        if "html" in r.headers.get("Content-Type", ""):
            html = requests.get(u, timeout=5, allow_redirects=False).text
            # what the browser loads by itself: scripts, images, stylesheets (not the links)
            refs = re.findall(r'\bsrc="([^"]+)"', html)
            refs += re.findall(r'<link\b[^>]*\bhref="([^"]+)"', html)
            for ref in refs:
                full = urljoin(u, ref)
                if full.startswith(url.split("/buttons")[0]) and not ref.startswith("#"):
                    todo.append(full)
    print(f"  iframe resources: {', '.join(sorted(u.split('?')[0].split('/')[-1] for u in seen))}")
    return total


# --- 6. a cached embed placeholder against the buttons page


def bench_embed(rounds: int = 3) -> None:
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


# --- 5. memory


def bench_memory() -> None:
    print("\n## 5. memory: one worker holding 100 000 URLs x 6 networks")
    code = r"""
import os, random, sys, time
from shareproxy import create_app
from shareproxy.store import Entry
def rss():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS"):
                return int(line.split()[1]) / 1024
app = create_app({"STORE": sys.argv[1], "CACHE_SIZE": int(sys.argv[3])}, log_summary=False)
cache = app.extensions["shareproxy"].cache
nets = sys.argv[2].split(",")
before = rss()
now = time.time()
for i in range(100000):
    url = f"https://example.org/{random.choice(['blog', 'news'])}/2026/{i:06d}-an-article-title"
    for n in nets:
        t = now - random.random() * 3600
        cache._remember(url, n, Entry(random.randint(0, 100000), t, t, None))
print(f"{before:.1f} {rss():.1f} {cache.local_size()}")
"""
    store = f"sqlite:///{tempfile.mkdtemp(prefix='shareproxy-bench-')}/m.db"
    for size, what in (
        (600_000, "CACHE_SIZE=600000 (all of them)"),
        (100_000, "the default CACHE_SIZE=100000 (LRU keeps the last 100 000)"),
    ):
        out = subprocess.run(
            [sys.executable, "-c", code, store, ",".join(OPEN_NETWORKS), str(size)],
            capture_output=True, text=True, cwd=ROOT, timeout=300,
        )  # fmt: skip
        if out.returncode != 0:
            print(out.stderr[-2000:])
            return
        before, after, held = out.stdout.split()
        print(f"  {what}: app loaded {float(before):.1f} MB RSS; holding {held} entries "
              f"{float(after):.1f} MB")  # fmt: skip
        print(f"MEMORY ({size} entries) = {float(after):.1f} MB RSS (goal <= 100 MB)")


PARTS = {
    "cached": bench_cached,
    "amplification": bench_amplification,
    "hang": bench_hang,
    "pages": bench_pages,
    "memory": bench_memory,
    "embed": bench_embed,
}


def main() -> None:
    wanted = sys.argv[1:] or list(PARTS)
    print("# shareproxy benchmarks")
    print(f"machine: {machine()}")
    started = time.monotonic()
    for name in wanted:
        PARTS[name]()
    print(f"\n(done in {time.monotonic() - started:.0f} s)")


if __name__ == "__main__":
    main()
