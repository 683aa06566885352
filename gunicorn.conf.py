"""gunicorn settings for shareproxy: ``gunicorn -c gunicorn.conf.py wsgi:app``.

Environment:
  BIND              full address, e.g. ``0.0.0.0:8000`` or ``unix:/run/shareproxy/sock``
  PORT              port on 127.0.0.1 when BIND is not set (default 8000)
  WEB_CONCURRENCY   worker processes (default: see below)
  GUNICORN_THREADS  threads per worker (default: see below)

Why these values (measured with scripts/gunicorn_bench.sh: wrk -t2 -c32 for 8 s on a shared
2-core machine, fake upstream answering after 200 ms; full table in docs/deployment.md):

  config              cached hit req/s (p99)   every request a miss req/s (p50 / p99)
  sync    w=2         4372 (17 ms)             17 (1.65 s / 1.95 s)
  sync    w=4         4081 (16 ms)             25 (1.28 s / 1.64 s)
  gthread w=2 t=4     5759 (27 ms)             55 (599 ms / 896 ms)
  gthread w=2 t=8     5020 (48 ms)             81 (228 ms / 651 ms)
  gthread w=4 t=4     5705 (34 ms)             70 (411 ms / 661 ms)
  gthread w=2 t=16    5852 (33 ms)             88 (356 ms / 475 ms)
  gthread w=4 t=4 ka0 4191 (42 ms)             85 (368 ms / 692 ms)

- Cached hits are CPU-bound (then ~0.2 ms of Python each, now a few µs in front of Flask,
  the rest gunicorn and the socket): every configuration serves thousands
  a second, far more than pages ask for. Keep-alive (gthread only; sync closes every
  connection) is worth about 30 % there, so keep it on behind nginx.
- A miss waits on the network for up to SHAREPROXY_REQUEST_DEADLINE (1.5 s). A sync worker
  is blocked meanwhile and every request behind it queues (p50 1.3-1.7 s); threads wait in
  parallel and the same two cores answer 3-5x more with a quarter of the latency.
- More processes do not help beyond the cores (the GIL is per process, and each worker
  keeps its own in-memory LRU, so fewer workers means more hits per entry); more threads
  help misses until the CPU is the limit. Chosen: one worker per core (at least 2), 8
  threads each.
"""

from __future__ import annotations

import glob
import os
import shutil
import sys
import tempfile
from typing import Any

# --- where to listen
bind = os.environ.get("BIND") or f"127.0.0.1:{os.environ.get('PORT', '8000')}"

# --- workers (chosen by measurement; numbers in docs/deployment.md)
# gunicorn's gthread worker, except that a connection gets a thread only once its request
# head has arrived (idle and slow clients wait in the poller, at most 5 s), client errors
# are answered as shareproxy's one-line JSON, and error lines name no full address
# (shareproxy/gworker.py).
worker_class = "shareproxy.gworker.Worker"
workers = int(os.environ.get("WEB_CONCURRENCY") or max(2, os.cpu_count() or 1))
threads = int(os.environ.get("GUNICORN_THREADS") or 8)
# Idle keep-alive connections wait in the worker's poller, not in a thread. nginx's
# upstream keepalive_timeout (4 s in deploy/nginx) is shorter, so nginx closes first.
keepalive = 5
# A request never runs much past REQUEST_DEADLINE; 30 s only catches a stuck worker.
timeout = 30
graceful_timeout = 10
# Request lines: no limit of gunicorn's own (its largest is 8190 bytes, less than a query
# string shareproxy accepts: 32 KiB); the worker caps the whole head at 48 KiB and shareproxy
# answers a longer query string with its JSON 414. Headers: at most 64 fields of 8190
# bytes, and 48 KiB in all (shareproxy/gworker.py), else a JSON 431.
limit_request_line = 0
limit_request_fields = 64
limit_request_field_size = 8190
# No periodic restarts: they would empty the worker's in-memory cache.
max_requests = 0
backlog = 1024
# Heartbeat files in RAM: a worker is never killed because a disk stalled.
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"

# --- proxies: X-Forwarded-* is handled in the app (ProxyFix, SHAREPROXY_TRUSTED_PROXIES), the
# one place that decides whom to believe; gunicorn's own handling (which trusts 127.0.0.1
# by default) is off so the two cannot disagree.
forwarded_allow_ips = ""
secure_scheme_headers: dict[str, str] = {}

# --- logs: errors to stderr, access lines without personal data (shareproxy/accesslog.py)
logger_class = "shareproxy.accesslog.PrivacyLogger"
accesslog = os.environ.get("ACCESS_LOG", "-")
errorlog = "-"
access_log_format = '%(h)s - - %(t)s "%(r)s" %(s)s %(b)s %(M)sms'
proc_name = "shareproxy"
# gunicorn's control socket defaults to one path per user ($XDG_RUNTIME_DIR or ~/.gunicorn),
# which two instances on one host would share and a hardened unit cannot write: off.
control_socket_disable = True

# --- /metrics summed over workers: prometheus_client's multiprocess mode needs a directory
# shared by the workers, empty at start. Set before the workers fork (and import the app).
# A directory we made is ours to remove at exit: a marker file inside says so (it survives
# a config reload, which runs this file again with the directory already set).
OWNED = "made-by-shareproxy"
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="shareproxy-metrics-")
    open(os.path.join(os.environ["PROMETHEUS_MULTIPROC_DIR"], OWNED), "x").close()
else:
    for _stale in glob.glob(os.path.join(os.environ["PROMETHEUS_MULTIPROC_DIR"], "*.db")):
        os.remove(_stale)


def on_starting(server: Any) -> None:
    """Refuse to start on a bad configuration; log what is configured, once (the workers,
    forked from here, know it was said)."""
    from shareproxy import startup
    from shareproxy.settings import ConfigError, load

    try:
        settings = load()
    except ConfigError as exc:
        sys.stderr.write(f"shareproxy: configuration error: {exc}\n")
        sys.exit(1)
    startup.say_in_master(settings, lambda line: server.log.info("%s", line))
    problem = startup.store_problem(settings)
    if problem:
        sys.stderr.write(f"shareproxy: configuration error: {problem}\n")
        sys.exit(1)
    # Static files compressed once here: every worker forks with them (shareproxy/compress.py)
    from shareproxy import assets, compress
    from shareproxy.paths import data_dir

    compress.warm(data_dir("static"), [asset.body for asset in assets.assets().values()])


def child_exit(server: Any, worker: Any) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server: Any) -> None:
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")
    if folder and os.path.exists(os.path.join(folder, OWNED)):
        shutil.rmtree(folder, ignore_errors=True)
