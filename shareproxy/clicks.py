"""First-party share counts: every share made through shareproxy adds one.

One counter per (normalised URL, network) lives in the store. What one client can add:

- **one share per (page, network) per 24 h** from one client network (IPv4 /24, IPv6 /48),
  whatever its User-Agent or cookies;
- **at most SHAREPROXY_CLICKS_PER_HOUR counted shares per hour** from one client network,
  over every page and network together (the hour starts with its first counted share).

Nobody learns who clicked: the keys are HMACs of the client's network (never the address
itself) with the URL and network, or alone for the hourly budget, under a random salt that
changes every day (UTC). No address, network or user agent is stored; the salt of a day is
deleted from the store a day after that day ends, and each key when its window is over.
Once the salt is gone, nobody (the operator included) can test whether a given visitor made
a given click.

For the views: a share counts only when it leaves for the network. Call
:meth:`ClickCounter.record_share` just before answering with the redirect to the network's
own share page, never for a page that still asks the visitor something (a form, a picker),
and never for a HEAD request.

Durability: :meth:`ClickCounter.record` returns only after the increment is committed
(SQLite: WAL with ``synchronous=FULL`` for that write; Redis: see the README on
persistence), so a share whose redirect was sent is not lost when a worker dies.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import sys
import threading
import time
from collections.abc import Callable
from typing import NamedTuple

from . import metrics
from .lru import SizedLRU
from .networks import NETWORKS
from .privacy import anonymize_ip
from .settings import Settings
from .store import Store, StoreError
from .urls import BadURL, page_url

log = logging.getLogger(__name__)

DEDUP_SECONDS = 24 * 3600
DAY = 24 * 3600
HOUR = 3600
READ_CACHE_SECONDS = 10.0  # how long a worker reuses the click counts of a URL it read...
# ...or, while no click was counted anywhere since, between 3/4 of this and this long (a
# page's own share of it, so that a worker's pages are not all read again at once: with
# 10 000 pages in use that was a burst of 10 000 store reads per worker every minute)
READ_KEEP_SECONDS = 600.0
READ_CACHE_SIZE = 12_000  # pages; as many as answers the count memo keeps (counts.MAX_ANSWERS)
# ...and at most a quarter of SHAREPROXY_CACHE_BYTES, as each memo of counts.py: a read
# weighs its URL and counts, plus its tuple and dict slot (~200 bytes, rounded up)
READ_SHARE = 4
READ_OVERHEAD = 256
VERSION_SECONDS = 2.0  # how often a worker reads the store's click version
FIRST_KEY = "first-shares"  # the hourly counter of pages whose first share was counted
VERSION_KEY = "clicks"  # shared setting: the number of clicks counted, by every server


class Read(NamedTuple):
    """The click counts of a URL as a worker read them."""

    counts: dict[str, int]
    at: float  # monotonic time of the read
    version: str | None  # the click version known before the read (None: unknown)
    keep: float  # seconds it is reused while the click version stays the same


def _keep(url: str) -> float:
    """How long a quiet page's read is reused: its own point in the last quarter of
    ``READ_KEEP_SECONDS`` (by its hash, which differs from process to process)."""
    return READ_KEEP_SECONDS * (0.75 + 0.25 * (hash(url) & 0xFFFF) / 0xFFFF)


def _read_weight(url: str, read: Read) -> int:
    return sys.getsizeof(url) + sys.getsizeof(read.counts) + READ_OVERHEAD


class ClickCounter:
    """Counts shares; ``clock`` is injectable so tests can move through days."""

    def __init__(self, settings: Settings, store: Store, clock: Callable[[], float] = time.time):
        self.settings = settings
        self.store = store
        self.clock = clock
        self.monotonic = time.monotonic  # the age of reads (tests move it)
        # URL -> its last read, oldest first: plain dicts (lru.SizedLRU), as a lookup happens on
        # every counts request (cachetools' TTLCache costs microseconds, a dict a tenth of one)
        self._read: SizedLRU[str, Read] = SizedLRU(
            READ_CACHE_SIZE, int(settings.cache_bytes) // READ_SHARE, _read_weight
        )
        self._read_lock = threading.Lock()
        self._version: str | None = None
        self._version_at = -VERSION_SECONDS

    # --- salts

    def salt(self, day: int, now: float) -> str:
        """The secret salt of UTC day number ``day``: made on first use, gone after day+1."""
        expires_at = (day + 2) * DAY  # needed through the next day, for the 24 h window
        return self.store.claim(f"salt:{day}", secrets.token_hex(32), expires_at - now, now)

    @staticmethod
    def visitor_key(salt: str, remote_addr: str, url: str, network: str) -> str:
        """The key of one share of ``url`` on ``network`` by the client's network."""
        message = "\0".join((anonymize_ip(remote_addr), url, network))
        return hmac.new(bytes.fromhex(salt), message.encode(), hashlib.sha256).hexdigest()

    @staticmethod
    def budget_key(salt: str, remote_addr: str) -> str:
        """The key of the client network's hourly share budget."""
        message = "clicks-per-hour\0" + anonymize_ip(remote_addr)
        digest = hmac.new(bytes.fromhex(salt), message.encode(), hashlib.sha256).hexdigest()
        return f"clicks:{digest}"

    # --- counting

    def record(self, url: str, network: str, remote_addr: str) -> str:
        """Count one share of ``url`` on ``network`` by a client at ``remote_addr``.

        Answers "counted"; "repeat" (this client network shared this page there within
        24 h); "limited" (its hourly budget is spent); "new_pages_limited" (the page has
        no counted share yet and SHAREPROXY_FIRST_SHARES_PER_HOUR is spent); "refused"
        (counting off, an unknown network, a URL not on an allowed host). The URL is
        normalised as the counts API does, so both use the same key. Raises StoreError
        when the store cannot take it.
        """
        if self.settings.click_counts == "off" or network not in NETWORKS:
            return "refused"
        try:
            url = page_url(url, self.settings.allowed_domains, self.settings.tracking_params)
        except BadURL:
            return "refused"
        now = self.clock()
        day = int(now // DAY)
        today = self.salt(day, now)
        keys = [self.visitor_key(today, remote_addr, url, network)]
        # A repeat shortly after midnight was keyed with yesterday's salt.
        yesterday = self.salt(day - 1, now) if now - day * DAY < DEDUP_SECONDS else None
        if yesterday is not None:
            keys.append(self.visitor_key(yesterday, remote_addr, url, network))
        limit = (self.budget_key(today, remote_addr), int(self.settings.clicks_per_hour), HOUR)
        most_first = int(self.settings.first_shares_per_hour)
        first = (FIRST_KEY, most_first, HOUR) if most_first else None
        outcome = self.store.record_click(url, network, keys, DEDUP_SECONDS, now, limit, first)
        metrics.click(network, outcome)
        if outcome == "counted":
            with self._read_lock:
                self._read.pop(url)  # this worker shows its own click at once
            try:  # the others read the page's clicks again (after READ_CACHE_SECONDS)
                self.store.incr_meta(VERSION_KEY)
            except StoreError:
                metrics.store_error("click_version")
        return outcome

    def record_share(self, url: str, network: str, remote_addr: str) -> str:
        """Count one share made through shareproxy, as :meth:`record`, for a share view.

        Call it just before sending the redirect to the network (module docstring): when
        it returns, the click is on disk. A store failure is logged and counted, never
        raised ("error"): the visitor still gets their share.
        """
        try:
            return self.record(url, network, remote_addr or "")
        except StoreError as exc:
            metrics.store_error("click")
            log.warning("click not counted: %s", exc)
            return "error"

    def counts(self, url: str, networks: list[str]) -> dict[str, int]:
        """Click counts of ``url``, read from the store at most every 10 s per worker (or
        7.5-10 minutes, while no click was counted anywhere: see :meth:`snapshot`)."""
        known = self.snapshot(url)
        return {n: known[n] for n in networks if n in known}

    def snapshot(self, url: str) -> dict[str, int]:
        """Every click count of ``url`` as this worker last read it: the same object until
        the counts differ, so a caller can tell by identity whether an answer built from
        it is still current.

        A read is reused for ``READ_CACHE_SECONDS``; after that, while the store's click
        version (counted clicks, by every worker and instance; read every
        ``VERSION_SECONDS``) is the one known before the read, nothing was counted since
        and the read is reused for up to ``READ_KEEP_SECONDS`` (:func:`_keep`). This
        worker's own click drops the read at once. A page another worker counts a click
        for shows it within ``READ_CACHE_SECONDS``, as a wide set of pages costs no store
        read per request.
        """
        now = self.monotonic()
        found = self._read.get(url)
        if found is not None and (
            now - found.at < READ_CACHE_SECONDS
            or (
                now - found.at < found.keep
                and found.version is not None
                and found.version == self.version(now)
            )
        ):
            return found.counts
        version = self.version(now)
        try:
            known = self.store.get_clicks(url, list(NETWORKS))
        except StoreError:
            metrics.store_error("clicks")
            known = {}  # remembered too: a store that is down is not asked per request
            version = None
        if found is not None and known == found.counts:
            known = found.counts  # unchanged: the same object
        with self._read_lock:
            self._read.put(url, Read(known, now, version, _keep(url)))  # the oldest reads go first
        return known

    def version(self, now: float) -> str | None:
        """The store's click version, read at most every ``VERSION_SECONDS``."""
        if now - self._version_at >= VERSION_SECONDS:
            self._version_at = now
            try:
                self._version = self.store.get_meta().get(VERSION_KEY, "0")
            except StoreError:
                metrics.store_error("meta")
                self._version = None
        return self._version

    def merge(
        self, url: str, upstream: dict[str, int], wanted: list[str] | None, enabled: list[str]
    ) -> dict[str, int]:
        """``upstream`` counts with the clicks added as SHAREPROXY_CLICK_COUNTS says.

        ``fill``: networks without a working count API (none known, or off for lack of
        credentials) report their clicks; ``add``: every network reports upstream + clicks.
        ``wanted`` is the list the request named (None: every network with clicks).
        Networks with no click are left out unless upstream has them.
        """
        mode = self.settings.click_counts
        if mode == "off":
            return upstream
        names = list(wanted) if wanted is not None else list(NETWORKS)
        if mode == "fill":
            names = [n for n in names if n not in enabled]
        clicks = self.counts(url, names)
        out = dict(upstream)
        for name in names:
            got = clicks.get(name, 0)
            if got <= 0:
                continue
            out[name] = (upstream.get(name, 0) if mode == "add" else 0) + got
        if mode == "add":
            # networks with an upstream count but no click keep their count as it is
            for name, value in upstream.items():
                out.setdefault(name, value)
        return out
