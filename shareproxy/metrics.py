"""Prometheus metrics, and the one place the rest of the code reports events to.

Under gunicorn with several workers, set ``PROMETHEUS_MULTIPROC_DIR`` (the shipped
``gunicorn.conf.py`` does) so ``/metrics`` adds up every worker.
"""

from __future__ import annotations

import os
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

REQUESTS = Counter(
    "shareproxy_requests", "HTTP requests answered", ["endpoint", "status"]
)
CACHE = Counter(
    "shareproxy_cache", "Count lookups by outcome (hit, stale, miss)", ["network", "result"]
)
UPSTREAM_CALLS = Counter(
    "shareproxy_upstream_calls", "Calls to a network's count API", ["network"]
)
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


# Labelled children, looked up once: ``labels()`` costs more than ``inc()`` on the hot path.
_cache_children: dict[tuple[str, str], Any] = {}
_request_children: dict[tuple[str, int], Any] = {}


def cache_child(network: str, result: str) -> Any:
    """The counter of one (network, result): keep it to count many times cheaply."""
    child = _cache_children.get((network, result))
    if child is None:
        child = _cache_children[(network, result)] = CACHE.labels(network, result)
    return child


def cache_result(network: str, result: str) -> None:
    cache_child(network, result).inc()


def upstream_call(network: str, seconds: float, error: str | None) -> None:
    UPSTREAM_CALLS.labels(network).inc()
    UPSTREAM_LATENCY.labels(network).observe(seconds)
    if error:
        UPSTREAM_ERRORS.labels(network, error).inc()


def store_error(op: str) -> None:
    STORE_ERRORS.labels(op).inc()


def request(endpoint: str, status: int) -> None:
    child = _request_children.get((endpoint, status))
    if child is None:
        child = _request_children[(endpoint, status)] = REQUESTS.labels(endpoint, str(status))
    child.inc()


def exposition() -> tuple[bytes, str]:
    """The metrics as Prometheus text, summed over workers when multiprocess mode is on."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(), CONTENT_TYPE_LATEST
