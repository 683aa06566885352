"""What the admin console and the ``shareproxy`` command show, in words an operator reads.

No Flask here: each function takes the process's services (and the clock) and returns
plain rows, so the console's pages, the JSON API and the command line say the same thing.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

from . import human
from .networks import COUNT_NETWORKS, NETWORKS
from .settings import TTL_CEILING, ttl_floor
from .store import Entry

FAILING_SHARE = 0.5  # at least this share of the last hour's calls failed: "failing"
PAGE_SIZE = 20  # rows per page of the rankings


# --- network states


def error_kinds(kinds: dict[str, int]) -> str:
    """{"timeout": 3, "http_5xx": 1} -> "timeout ×3, http_5xx ×1"; one kind alone: "timeout"."""
    if len(kinds) == 1:
        return next(iter(kinds))
    return ", ".join(f"{kind} ×{n}" for kind, n in kinds.items())


def network_state(
    off: str | None,
    circuit_until: float,
    hour: dict[str, Any],
    now: float,
    hanging: bool = False,
) -> tuple[str, str]:
    """(level, words) of one network: level is ok, idle (no calls in the last hour),
    degraded, failing or off.

    ``off``: why its counts are off (settings.counts_off); ``circuit_until``: when its circuit
    closes; ``hour``: its figures over the last hour (metrics.figures); ``hanging``: the
    circuit opened because calls kept timing out (else for a 429).
    """
    if off:
        return "off", f"off: {off}"
    if circuit_until > now:
        why = "not answering" if hanging else "rate limited"
        return "failing", f"circuit open for {math.ceil(circuit_until - now)} s ({why})"
    calls = int(hour.get("calls", 0))
    errors = int(hour.get("errors", 0))
    kinds = dict(hour.get("error_kinds") or {})
    skipped = int(hour.get("over_budget", 0))
    if skipped and errors < FAILING_SHARE * calls:
        plural = "es" if skipped != 1 else ""
        return "degraded", (
            f"over its upstream budget: {skipped} fetch{plural} skipped in the last hour"
        )
    if calls and errors:
        what = error_kinds(kinds) if kinds else "errors"
        tally = f"{errors} of {calls} call{'s' if calls != 1 else ''} in the last hour"
        if errors >= FAILING_SHARE * calls:
            return "failing", f"failing: {what}, {tally}"
        return "degraded", f"some calls fail: {what}, {tally}"
    if not calls:
        return "idle", "on · idle"
    return "ok", "on"


def network_states(
    services: Any, hour: dict[str, dict[str, Any]], now: float | None = None
) -> list[dict[str, Any]]:
    """Every network with a count API: its state in words, TTL and floor."""
    now = time.time() if now is None else now
    rows = []
    for name, net in COUNT_NETWORKS.items():
        off = services.off.get(name)
        until = services.circuit.open_until(name)
        hanging = services.circuit.hanging(name)
        level, words = network_state(off, until, hour.get(name, {}), now, hanging)
        rows.append(
            {
                "network": name,
                "label": net.label,
                "on": not off,
                "level": level,
                "state": words,
                "circuit_open_until": until if until > now else None,
                "ttl": services.cache.ttl(name),
                "floor": ttl_floor(name),
            }
        )
    return rows


def headline(states: list[dict[str, Any]]) -> str:
    """ "9 networks on · 1 failing (Pinterest) · 2 off (no credentials)"."""
    by: dict[str, list[str]] = {}
    for row in states:
        by.setdefault(row["level"], []).append(row["label"])
    parts = [f"{len(by.get('ok', [])) + len(by.get('idle', []))} on"]
    for level, word in (("failing", "failing"), ("degraded", "with errors")):
        if by.get(level):
            parts.append(f"{len(by[level])} {word} ({', '.join(by[level])})")
    if by.get("off"):
        parts.append(f"{len(by['off'])} off (no credentials)")
    return " · ".join(parts)


# --- TTLs


def ttl_rows(services: Any, names: list[str] | None = None) -> list[dict[str, Any]]:
    """Each network's TTL, where it comes from, its floor and the ceiling."""
    settings = services.settings
    rows = []
    for name in names if names is not None else list(COUNT_NETWORKS):
        override = services.cache.ttl_override(name)
        if override is not None:
            source = "override"
        elif settings.get(f"CACHE_TTL_{name.upper()}") is not None:
            source = f"SHAREPROXY_CACHE_TTL_{name.upper()}"
        else:
            source = "SHAREPROXY_CACHE_TTL"
        rows.append(
            {
                "network": name,
                "label": COUNT_NETWORKS[name].label,
                "seconds": services.cache.ttl(name),
                "source": source,
                "override": override,
                "configured": settings.ttl_for(name),
                "floor": ttl_floor(name),
                "ceiling": TTL_CEILING,
            }
        )
    return rows


# --- a page's cache entries


def entry_state(services: Any, name: str, entry: Entry | None, now: float) -> tuple[str, str]:
    """(level, words) of one cached entry: not cached, fresh, stale, failed."""
    if entry is None:
        return "none", "not cached: the next request asks the network"
    cache = services.cache
    due = cache.fresh_until(name, entry) - now
    if entry.error is not None:
        retry = f"retry in {human.duration(due)}" if due >= 1 else "retry on the next request"
        kept = "; the last good count is served" if entry.count is not None else ""
        return "failed", f"last call failed ({entry.error}), {retry}{kept}"
    if due >= 1:
        return "fresh", f"fresh, refreshed in {human.duration(due)}"
    if due > 0:
        return "fresh", "fresh, refreshed within a second"
    return "stale", f"stale for {human.duration(-due)}, refreshed on the next request"


def lookup(
    services: Any, clicks: dict[str, int], url: str, now: float | None = None
) -> list[dict[str, Any]]:
    """Every network with a count API (and every other one shared here) for ``url``."""
    now = time.time() if now is None else now
    clicks = dict(clicks)
    rows = []
    for name, net in COUNT_NETWORKS.items():
        entry = services.cache.peek(url, name)
        level, words = entry_state(services, name, entry, now)
        rows.append(
            {
                "network": name,
                "label": net.label,
                "count": entry.count if entry is not None else None,
                "age": int(now - entry.fetched_at) if entry and entry.count is not None else None,
                "next_refresh": (
                    max(0, int(services.cache.fresh_until(name, entry) - now)) if entry else None
                ),
                "error": entry.error if entry is not None else None,
                "level": level,
                "state": words,
                "clicks": clicks.pop(name, 0),
            }
        )
    for name, n in clicks.items():
        other = NETWORKS.get(name)
        rows.append(
            {
                "network": name,
                "label": other.label if other else name,
                "count": None,
                "age": None,
                "next_refresh": None,
                "error": None,
                "level": "nocount",
                "state": "no count API: shares counted here only",
                "clicks": n,
            }
        )
    return rows


# --- rankings, a page at a time


@dataclass(frozen=True)
class Paging:
    page: int  # 1-based
    pages: int
    total: int  # rows in all
    size: int = PAGE_SIZE

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.size

    @property
    def first(self) -> int:
        return self.offset + 1 if self.total else 0

    @property
    def last(self) -> int:
        return min(self.total, self.offset + self.size)


def paging(raw: str | None, total: int, size: int = PAGE_SIZE) -> Paging:
    """Page ``raw`` (from the query string) of ``total`` rows; out of range: the nearest."""
    pages = max(1, math.ceil(total / size))
    try:
        page = int(raw or "1")
    except ValueError:
        page = 1
    return Paging(page=min(max(page, 1), pages), pages=pages, total=total, size=size)
