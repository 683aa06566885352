"""Prometheus metrics, and the one place the rest of the code reports events to.

Under gunicorn with several workers, set ``PROMETHEUS_MULTIPROC_DIR`` (the shipped
``gunicorn.conf.py`` does) so ``/metrics`` adds up every worker.

The same events feed the admin overview. Each process adds them up in memory (a dict
increment under a lock, nothing more on the request path); a background thread writes
the sums every ``FLUSH_INTERVAL`` seconds into per-minute and per-hour buckets in the
store, where every worker and instance adds to the same buckets. Minute buckets are kept
two hours, hour buckets two days. Upstream latency is kept as a histogram (counts per
bucket of ``LATENCY_BOUNDS``), so percentiles can be read from the summed buckets.
"""

from __future__ import annotations

import bisect
import logging
import os
import threading
import time
from collections import defaultdict
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

REQUESTS = Counter("shareproxy_requests", "HTTP requests answered", ["endpoint", "status"])
CACHE = Counter(
    "shareproxy_cache", "Count lookups by outcome (hit, stale, miss)", ["network", "result"]
)
UPSTREAM_CALLS = Counter("shareproxy_upstream_calls", "Calls to a network's count API", ["network"])
UPSTREAM_ERRORS = Counter(
    "shareproxy_upstream_errors", "Failed calls to a network's count API", ["network", "kind"]
)
UPSTREAM_LATENCY = Histogram(
    "shareproxy_upstream_latency_seconds",
    "Duration of calls to a network's count API",
    ["network"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0),
)
STORE_ERRORS = Counter("shareproxy_store_errors", "Store operations that failed", ["op"])
UPSTREAM_SKIPPED = Counter(
    "shareproxy_upstream_skipped",
    "Count fetches not made: over the network's upstream budget, or the fetch queue full",
    ["network", "reason"],
)


CLICKS = Counter("shareproxy_clicks", "Shares made through shareproxy", ["network", "result"])
FEDIVERSE_LOOKUPS = Counter(
    "shareproxy_fediverse_lookups",
    "Fediverse software lookups by outcome (found, refused, failed) and kind",
    ["result", "kind"],
)

log = logging.getLogger(__name__)

FLUSH_INTERVAL = 5.0
TALLY_INTERVAL = 1.0  # seconds between reports of the answers served from a memo (TALLY)
KEEP = {"m": 2 * 3600.0, "h": 2 * 86400.0}
STEP = {"m": 60, "h": 3600}
# Upper bounds (seconds) of the latency buckets; the last bucket is everything slower.
LATENCY_BOUNDS = (0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0)
SLOWEST = 60.0  # reported for the bucket past the last bound (the longest timeout allowed)
ALL = "_all"  # the pseudo-network of whole-server figures (HTTP requests, 5xx)
ERROR_KIND = "err_"  # field prefix of failed upstream calls by kind: err_timeout, err_http_500


class StatsBuffer:
    """Sums events per (minute, network, field) in memory; ``flush`` adds them to the store."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: dict[tuple[int, str, str], float] = defaultdict(float)
        self._store: Any = None
        self._pid = 0
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self.clock = time.time

    def attach(self, store: Any) -> None:
        """Write to ``store`` from now on (the latest app of the process wins)."""
        with self._lock:
            self._store = store

    def add(self, network: str, field: str, amount: float = 1.0) -> None:
        minute = int(self.clock() // 60) * 60
        with self._lock:
            self._pending[(minute, network, field)] += amount
            if self._pid != os.getpid():  # first event in this (possibly forked) process
                self._pid = os.getpid()
                self._start()

    def ensure_running(self) -> None:
        """Start this process's background thread if it has none yet."""
        with self._lock:
            if self._pid != os.getpid():
                self._pid = os.getpid()
                self._start()

    def _start(self) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="shareproxy-stats", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        ticks = 0
        every = max(1, round(FLUSH_INTERVAL / TALLY_INTERVAL))
        while not self._stop.wait(TALLY_INTERVAL):
            try:
                TALLY.report()
                ticks += 1
                if ticks % every:
                    continue
                self.flush()
                store = self._store
                if store is not None and hasattr(store, "sweep"):
                    store.sweep(time.time())  # expired salts and keys go even when idle
            except Exception:  # the flusher must not die
                log.exception("statistics flush failed")

    def flush(self) -> int:
        """Write the pending sums; return how many rows were written (kept on failure)."""
        with self._lock:
            pending, self._pending = self._pending, defaultdict(float)
            store = self._store
        if not pending or store is None:
            return 0
        rows: list[tuple[str, int, str, str, float]] = []
        hourly: dict[tuple[int, str, str], float] = defaultdict(float)
        for (minute, network, field), amount in pending.items():
            rows.append(("m", minute, network, field, amount))
            hourly[(minute - minute % 3600, network, field)] += amount
        rows += [("h", hour, n, f, v) for (hour, n, f), v in hourly.items()]
        try:
            store.add_stats(rows, KEEP)
        except Exception:
            STORE_ERRORS.labels("stats").inc()
            with self._lock:  # keep them for the next try
                for key, amount in pending.items():
                    self._pending[key] += amount
            return 0
        return len(rows)


STATS = StatsBuffer()

Hits = tuple[tuple[str, str], ...]  # (network, outcome) of each count an answer holds


class Tally:
    """Answers served from a memo, counted on the request path as one dict increment.

    An answer of twelve networks would otherwise cost thirteen Prometheus updates (each a
    write to a shared file under multiprocess mode) and as many statistics events: more
    than building the answer. :meth:`report` turns the sums into exactly those updates;
    the background thread calls it every ``TALLY_INTERVAL`` seconds, and ``/metrics``
    and the admin overview call it before they read, so their figures are the same as if
    each answer had been counted at once (another worker's, at most a second late)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[tuple[str | None, Hits], int] = {}

    def add(self, endpoint: str | None, hits: Hits) -> None:
        """One answer whose lookup would have counted ``hits`` (and, unless ``endpoint``
        is None, one request to ``endpoint`` answered 200)."""
        key = (endpoint, hits)
        with self._lock:
            seen = self._counts.get(key)
            self._counts[key] = 1 if seen is None else seen + 1
        if seen is None:
            STATS.ensure_running()  # it reports the sums

    def report(self) -> None:
        with self._lock:
            counts, self._counts = self._counts, {}
        for (endpoint, hits), amount in counts.items():
            for network, outcome in hits:
                cache_result(network, outcome, amount)
            if endpoint is not None:
                request(endpoint, 200, amount)


TALLY = Tally()


def attach(store: Any) -> None:
    STATS.attach(store)


def flush() -> int:
    TALLY.report()
    return STATS.flush()


# Labelled children, looked up once: ``labels()`` costs more than ``inc()`` on the hot path.
_cache_children: dict[tuple[str, str], Any] = {}
_request_children: dict[tuple[str, int], Any] = {}


def cache_result(network: str, result: str, amount: int = 1) -> None:
    child = _cache_children.get((network, result))
    if child is None:
        child = _cache_children[(network, result)] = CACHE.labels(network, result)
    child.inc(amount)
    STATS.add(network, result, amount)


def upstream_skipped(network: str, reason: str) -> None:
    """A fetch not made: ``over_budget`` or ``queue_full``."""
    UPSTREAM_SKIPPED.labels(network, reason).inc()
    STATS.add(network, reason)


def upstream_call(network: str, seconds: float, error: str | None) -> None:
    UPSTREAM_CALLS.labels(network).inc()
    UPSTREAM_LATENCY.labels(network).observe(seconds)
    STATS.add(network, "calls")
    STATS.add(network, f"lat{bisect.bisect_left(LATENCY_BOUNDS, seconds)}")
    if error:
        UPSTREAM_ERRORS.labels(network, error).inc()
        STATS.add(network, "errors")
        STATS.add(network, ERROR_KIND + error)


CLICK_FIELDS = {
    "counted": "clicks",
    "repeat": "repeat_clicks",
    "limited": "limited_clicks",
    "new_pages_limited": "limited_clicks",
}


def click(network: str, outcome: str) -> None:
    """One share through shareproxy: "counted", "repeat", "limited" or "new_pages_limited"
    (others: nothing)."""
    field = CLICK_FIELDS.get(outcome)
    if field is None:
        return
    CLICKS.labels(network, outcome).inc()
    STATS.add(network, field)


def fediverse_lookup(result: str, kind: str = "") -> None:
    """A NodeInfo lookup of a visitor's server (never which server)."""
    FEDIVERSE_LOOKUPS.labels(result, kind or "-").inc()


def store_error(op: str) -> None:
    STORE_ERRORS.labels(op).inc()
    STATS.add(ALL, "store_errors")


def request(endpoint: str, status: int, amount: int = 1) -> None:
    child = _request_children.get((endpoint, status))
    if child is None:
        child = _request_children[(endpoint, status)] = REQUESTS.labels(endpoint, str(status))
    child.inc(amount)
    STATS.add(ALL, "requests", amount)
    if status >= 500:
        STATS.add(ALL, "server_errors", amount)


# --- reading the buckets back (admin overview)


def percentile(histogram: dict[int, float], q: float) -> float | None:
    """The upper bound of the latency bucket holding quantile ``q`` (None: no calls)."""
    total = sum(histogram.values())
    if total <= 0:
        return None
    rank = q * total
    seen = 0.0
    for index in sorted(histogram):
        seen += histogram[index]
        if seen >= rank:
            return LATENCY_BOUNDS[index] if index < len(LATENCY_BOUNDS) else SLOWEST
    return SLOWEST


def summary(store: Any, now: float | None = None) -> dict[str, Any]:
    """Figures per network over the last hour (minute buckets) and day (hour buckets).

    ``{"hour": {net: {...}}, "day": {...}, "series": {"hour": {net: [60 values]},
    "day": {net: [24 values]}}}``; each figure set has requests (count lookups), hit,
    stale, miss, hit_ratio, calls, errors, error_kinds (failed calls per kind, most first),
    p50 and p95 (seconds), clicks.
    """
    now = time.time() if now is None else now
    out: dict[str, Any] = {"hour": {}, "day": {}, "series": {"hour": {}, "day": {}}}
    for span, res, count in (("hour", "m", 60), ("day", "h", 24)):
        step = STEP[res]
        last = int(now // step) * step
        first = last - (count - 1) * step
        sums: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        series: dict[str, list[float]] = {}
        for bucket, network, field, value in store.get_stats(res, first, last):
            sums[network][field] += value
            if field in ("hit", "stale", "miss", "error", "circuit_open") or (
                network == ALL and field == "requests"
            ):
                line = series.setdefault(network, [0.0] * count)
                line[(bucket - first) // step] += value
        for network, fields in sums.items():
            out[span][network] = figures(fields)
        out["series"][span] = dict(series)
    return out


def figures(fields: dict[str, float]) -> dict[str, Any]:
    lookups = sum(fields.get(k, 0.0) for k in ("hit", "stale", "miss", "error", "circuit_open"))
    histogram = {
        int(k[3:]): v for k, v in fields.items() if k.startswith("lat") and k[3:].isdigit()
    }
    hits = fields.get("hit", 0.0)
    kinds = {k[len(ERROR_KIND) :]: int(v) for k, v in fields.items() if k.startswith(ERROR_KIND)}
    return {
        "requests": int(lookups) or int(fields.get("requests", 0.0)),
        "hit": int(fields.get("hit", 0.0)),
        "stale": int(fields.get("stale", 0.0)),
        "miss": int(fields.get("miss", 0.0)),
        "hit_ratio": round(hits / lookups, 3) if lookups else None,
        "calls": int(fields.get("calls", 0.0)),
        "errors": int(fields.get("errors", 0.0)),
        "error_kinds": dict(sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0]))),
        "p50": percentile(histogram, 0.5),
        "p95": percentile(histogram, 0.95),
        "clicks": int(fields.get("clicks", 0.0)),
        "server_errors": int(fields.get("server_errors", 0.0)),
        "store_errors": int(fields.get("store_errors", 0.0)),
        "over_budget": int(fields.get("over_budget", 0.0)),
        "queue_full": int(fields.get("queue_full", 0.0)),
    }


def exposition() -> tuple[bytes, str]:
    """The metrics as Prometheus text, summed over workers when multiprocess mode is on."""
    TALLY.report()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(), CONTENT_TYPE_LATEST
