"""Benchmark: badge rendering and serving next to the counts API, in one run.

Starts the real server (gunicorn as the tests start it, SQLite store in a temporary
directory) with every count API pointed at a closed port except lobsters, which a tiny
local fake answers. Then prints

1. the cold render time of each network's badge (the first request for a badge is rendered,
   whichever worker answers it), PNG at scale 2 and SVG;
2. the throughput of cached badges (PNG and SVG, count shown) and of ``/api/counts`` for the
   same page, measured the same way one after the other, with their ratios.

Load comes from ``wrk`` when it is installed, otherwise from Python threads with keep-alive
connections (slower: on a small machine the generator competes with the server for CPU).

    python bench/badges.py [--duration 5] [--connections 16] [--workers 2] [--python]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler
from urllib.parse import quote

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [ROOT, os.path.join(ROOT, "tests")]

from live_support import Gunicorn  # noqa: E402
from local_server import LocalServer  # noqa: E402

from shareproxy.networks import COUNT_NETWORKS, NETWORKS  # noqa: E402

PAGE = "https://example.org/bench/article"
CLOSED = "http://127.0.0.1:9"


class FakeLobsters(LocalServer):
    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        body = json.dumps([{"score": 1200}, {"score": 34}]).encode()
        h.send_response(200)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)


def get(port: int, path: str) -> tuple[int, bytes, float]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    start = time.perf_counter()
    conn.request("GET", path)
    resp = conn.getresponse()
    body = resp.read()
    elapsed = time.perf_counter() - start
    conn.close()
    return resp.status, body, elapsed


def load_python(port: int, path: str, seconds: float, connections: int) -> float:
    """Requests per second with ``connections`` keep-alive client threads."""
    stop = time.monotonic() + seconds
    done = [0] * connections
    errors = [0] * connections

    def worker(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.monotonic() < stop:
            try:
                conn.request("GET", path)
                resp = conn.getresponse()
                resp.read()
                if resp.status == 200:
                    done[i] += 1
                else:
                    errors[i] += 1
            except (OSError, http.client.HTTPException):
                errors[i] += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.close()

    start = time.monotonic()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if sum(errors):
        print(f"  ({sum(errors)} failed requests on {path})")
    return sum(done) / (time.monotonic() - start)


def load_wrk(port: int, path: str, seconds: float, connections: int) -> float:
    out = subprocess.run(
        ["wrk", "-t", "2", "-c", str(connections), "-d", f"{max(1, round(seconds))}s",
         f"http://127.0.0.1:{port}{path}"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    if "Non-2xx" in out:
        print(f"  (non-2xx answers on {path})")
    match = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if not match:
        raise SystemExit(f"cannot read wrk's output:\n{out}")
    return float(match.group(1))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--duration", type=float, default=5.0, help="seconds per throughput run")
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    ap.add_argument("--python", action="store_true", help="use the Python load generator")
    args = ap.parse_args()
    use_wrk = not args.python and shutil.which("wrk") is not None
    load = load_wrk if use_wrk else load_python

    fake = FakeLobsters()
    tmp = tempfile.mkdtemp(prefix="shareproxy-bench-")
    env = {f"SHAREPROXY_API_BASE_{n.upper()}": CLOSED for n in COUNT_NETWORKS}
    env["SHAREPROXY_API_BASE_LOBSTERS"] = fake.base
    env["SHAREPROXY_STORE"] = f"sqlite:///{tmp}/shareproxy.db"
    env["SHAREPROXY_ALLOWED_DOMAINS"] = "example.org"
    env["SHAREPROXY_LOG_LEVEL"] = "warning"
    server = Gunicorn(env, workers=args.workers, threads=4)
    port = server.port
    try:
        url = quote(PAGE, safe="")
        print(f"shareproxy on 127.0.0.1:{port}, {args.workers} workers; load from "
              f"{'wrk' if use_wrk else 'Python threads'}, {args.connections} connections, "
              f"{args.duration:g}s per run\n")  # fmt: skip

        print("Cold render (first request for each badge, milliseconds, HTTP included):")
        print(f"  {'network':<14} {'png@2x':>8} {'svg':>8}")
        png_times: list[float] = []
        svg_times: list[float] = []
        for name in NETWORKS:
            status_p, _, t_png = get(port, f"/badge/{name}.png?scale=2&theme=grey")
            status_s, _, t_svg = get(port, f"/badge/{name}.svg?theme=grey")
            if status_p != 200 or status_s != 200:
                raise SystemExit(f"badge for {name} failed: {status_p} {status_s}")
            png_times.append(t_png * 1000)
            svg_times.append(t_svg * 1000)
            print(f"  {name:<14} {t_png * 1000:8.1f} {t_svg * 1000:8.1f}")
        print(f"  {'median':<14} {statistics.median(png_times):8.1f} "
              f"{statistics.median(svg_times):8.1f}\n")  # fmt: skip

        counts = f"/api/counts?url={url}&networks=lobsters"
        png = f"/badge/lobsters.png?url={url}&scale=2"
        svg = f"/badge/lobsters.svg?url={url}"
        # Warm up: the count is fetched once, every worker renders each badge once.
        for _ in range(args.workers * 8):
            for path in (counts, png, svg):
                get(port, path)
        status, body, _ = get(port, counts)
        print(f"Warm state: /api/counts answers {status} {body.decode().strip()}")

        results = {}
        for label, path in (("/api/counts", counts), ("badge png@2x", png), ("badge svg", svg)):
            results[label] = load(port, path, args.duration, args.connections)
        base = results["/api/counts"]
        print("\nCached throughput (requests per second, same run):")
        for label, rps in results.items():
            print(f"  {label:<14} {rps:10.0f}   {rps / base:5.2f}× /api/counts")
    finally:
        server.stop()
        fake.close()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
