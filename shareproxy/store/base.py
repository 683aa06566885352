"""What every store offers: shared count entries, leases, settings and circuits.

The SQLite store is shared by the workers of one host; the Redis store by every instance.
Every method may raise :class:`StoreError`; callers count it and carry on from memory.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple, Protocol

FORGOTTEN_EVERY = 60.0  # seconds between two "store full" lines of one process


def check_every(most: int) -> int:
    """Page writes of one process between two checks of a bound of ``most`` pages: the
    bound is passed by at most ~1 % per process between checks (256 writes at most)."""
    return max(1, min(256, most // 128))


class Forgotten:
    """The "store full" warning, at most once a minute per process with every page
    forgotten since the last line: a flood of unique URLs evicts every few writes, and
    must not flood the log as well."""

    def __init__(self, log: logging.Logger) -> None:
        self.log = log
        self._lock = threading.Lock()
        self._pending = 0
        self._said_at: float | None = None

    def add(self, pages: int, now: float) -> None:
        with self._lock:
            self._pending += pages
            if not self._pending or (
                self._said_at is not None and now - self._said_at < FORGOTTEN_EVERY
            ):
                return
            pages, self._pending, self._said_at = self._pending, 0, now
        self.log.warning(
            "store full: forgot %d pages with the fewest shares (SHAREPROXY_STORE_MAX_PAGES)",
            pages,
        )


class StoreError(Exception):
    """The store did not answer (locked, down, timed out)."""


@dataclass(frozen=True, slots=True)
class Entry:
    """What is known of one (URL, network) pair.

    ``count`` is the last good count (None if there never was one), ``fetched_at`` when it
    was fetched, ``checked_at`` when the network was last asked, and ``error`` the kind of
    failure of that last attempt (None when it succeeded). Times are Unix seconds.
    """

    count: int | None
    fetched_at: float
    checked_at: float
    error: str | None = None

    def pack(self) -> str:
        count = "" if self.count is None else str(self.count)
        return f"{count}|{self.fetched_at:.3f}|{self.checked_at:.3f}|{self.error or ''}"

    @classmethod
    def unpack(cls, packed: str | bytes) -> Entry:
        text = packed.decode() if isinstance(packed, bytes) else packed
        count, fetched, checked, error = text.split("|", 3)
        return cls(int(count) if count else None, float(fetched), float(checked), error or None)

    @classmethod
    def unpack_all(cls, pairs: Iterable[tuple[str, str | bytes | None]]) -> dict[str, Entry]:
        """Unpack (network, packed) pairs, skipping empty and unreadable ones (an entry
        written by another version, or by hand, must not break the counts API)."""
        out: dict[str, Entry] = {}
        for network, packed in pairs:
            if not packed:
                continue
            try:
                out[network] = cls.unpack(packed)
            except (ValueError, UnicodeDecodeError):
                continue
        return out


class Put(NamedTuple):
    """One entry to write (see :meth:`Store.put_entry`)."""

    url: str
    network: str
    entry: Entry
    keep: float
    lease: str | None = None


class Click(NamedTuple):
    """One share click to count (see :meth:`Store.record_click`)."""

    url: str
    network: str
    dedup: list[str]
    keep: float
    now: float
    limit: tuple[str, int, float] | None = None
    # (key, most, window in seconds): first shares of pages, over every client
    first: tuple[str, int, float] | None = None


class Store(Protocol):
    kind: str  # "sqlite" or "redis"
    max_pages: int  # the bound on stored pages (0: none)
    _page_writes: int  # page writes of this process since the bound was last checked

    def ping(self) -> bool: ...

    # count entries, keyed by (normalised URL, network)
    def get_entries(self, url: str, networks: list[str]) -> dict[str, Entry]: ...

    def put_entry(
        self, url: str, network: str, entry: Entry, keep: float, lease: str | None = None
    ) -> None:
        """Keep ``entry`` for ``keep`` seconds; with ``lease`` (one this process holds),
        release that lease in the same step."""
        self.put_entries([Put(url, network, entry, keep, lease)])

    def put_entries(self, puts: list[Put]) -> None:
        """:meth:`put_entry` for each of ``puts``, all in one step (one round trip)."""
        ...

    def purge(self, url: str | None = None) -> int: ...

    def count_entries(self) -> int: ...

    # a short exclusive lease: one upstream call per key across processes and instances
    def acquire_lease(self, key: str, seconds: float) -> bool: ...

    def lease_entry(
        self, key: str, seconds: float, url: str, network: str
    ) -> tuple[bool, Entry | None]:
        """:meth:`acquire_lease`, and when it was taken, the entry of (``url``,
        ``network``) as it is now, in one step (one round trip)."""
        return self.lease_entries(url, {network: key}, seconds)[network]

    def lease_entries(
        self, url: str, leases: dict[str, str], seconds: float
    ) -> dict[str, tuple[bool, Entry | None]]:
        """:meth:`lease_entry` for several networks of one page (``leases``: network ->
        lease key), all in one step (one round trip): network -> (taken, entry)."""
        ...

    def release_lease(self, key: str) -> None:
        """Release a lease this process holds (nothing happens for any other)."""
        ...

    # small shared settings (TTL overrides, circuits, the purge generation)
    def get_meta(self) -> dict[str, str]: ...

    def set_meta(self, key: str, value: str) -> None: ...

    def delete_meta(self, key: str) -> None: ...

    def incr_meta(self, key: str) -> int: ...

    # first-party share clicks: one counter per (normalised URL, network)
    def record_click(
        self,
        url: str,
        network: str,
        dedup: list[str],
        keep: float,
        now: float,
        limit: tuple[str, int, float] | None = None,
        first: tuple[str, int, float] | None = None,
    ) -> str:
        """Add one click unless one of the ``dedup`` keys is live ("repeat"), the
        ``limit`` counter (key, most, window in seconds) is full ("limited"), or the page
        has no counted share yet and the ``first`` counter (the same shape, shared by
        every client) is full ("new_pages_limited"); then store ``dedup[0]`` (kept
        ``keep`` seconds), take one from the limit (and from ``first`` for a page's first
        share) and answer "counted".

        The checks and the writes are one atomic, durable step: however many clicks arrive
        at once, no more than the limit are counted, and when this returns "counted" the
        click survives a killed process.
        """
        outcome = self.add_click(Click(url, network, dedup, keep, now, limit, first))
        if outcome == "counted":
            self._wrote_page(now)
        return outcome

    def add_click(self, click: Click) -> str:
        """The atomic, durable step of :meth:`record_click`."""
        ...

    def _wrote_page(self, now: float) -> None:
        """A page was written: every ``check_every(max_pages)`` writes, keep the pages
        within their bound."""
        self._page_writes += 1
        if self.max_pages and self._page_writes >= check_every(self.max_pages):
            self._page_writes = 0
            self.bound_pages(self.max_pages, now)

    def get_clicks(self, url: str, networks: list[str]) -> dict[str, int]: ...

    def top_clicks(self, network: str, limit: int, offset: int = 0) -> list[tuple[str, int]]:
        """Pages of ``network`` by shares, most first (then by URL), from rank ``offset``."""
        ...

    def top_pages(self, limit: int, offset: int = 0) -> list[tuple[str, int, dict[str, int]]]:
        """Pages by shares on every network together, most first: (url, total, per network)."""
        ...

    def count_clicked(self, network: str | None = None) -> int:
        """How many pages were shared (on ``network``, or on any)."""
        ...

    def click_networks(self) -> dict[str, int]:
        """Total clicks per network (networks with none are left out)."""
        ...

    # the pages kept (a page: a URL with counts or share counters)
    def count_pages(self) -> int: ...

    def bound_pages(self, most: int, now: float) -> int:
        """Forget the pages beyond ``most`` with the fewest counted shares (then the least
        recently used), with their counts and share counters; return how many went.

        A store made with ``max_pages`` calls this itself every ``check_every(max_pages)``
        page writes of its process.
        """
        ...

    # small shared values that expire: salts, the session key, login throttling
    def claim(self, key: str, value: str, keep: float | None, now: float) -> str:
        """Set ``key`` to ``value`` unless it holds a live value; return the live value."""
        ...

    def hit(self, key: str, window: float, now: float) -> int:
        """Add one to a counter that lives ``window`` seconds from its first hit."""
        ...

    def hits(self, key: str, now: float) -> int: ...

    def reserve(self, key: str, limit: int, window: float, now: float) -> bool:
        """Take one of ``limit`` attempts of a counter that lives ``window`` seconds from its
        first attempt; False (nothing taken) once all are taken.

        The check and the increment are one atomic step: however many workers and instances
        ask at once, no more than ``limit`` reservations succeed within a window.
        """
        ...

    def unreserve(self, key: str, now: float) -> None:
        """Give one attempt back (a reservation that turned out legitimate)."""
        ...

    def value(self, key: str, now: float) -> str | None:
        """The live value ``claim`` set for ``key``, or None."""
        ...

    def forget(self, key: str) -> None: ...

    # the servers using this store: each worker checks in every few seconds
    def check_in(self, member: str, info: str, keep: float, now: float) -> None:
        """Set ``member``'s ``info`` (replacing the last one), kept ``keep`` seconds."""
        ...

    def members(self, now: float) -> dict[str, str]:
        """Every member checked in within its ``keep`` seconds, with its info."""
        ...

    def sweep(self, now: float) -> None:
        """Delete what has expired (salts, dedup keys, statistics) if the store must."""
        ...

    # embed previews and pictures: opaque bytes that expire, bounded in total size
    def get_blob(self, key: str, now: float) -> bytes | None:
        """The value kept under ``key``, unless it expired or was evicted."""
        ...

    def put_blob(self, key: str, value: bytes, keep: float, limit: int, now: float) -> None:
        """Keep ``value`` under ``key`` for ``keep`` seconds. When all values then hold more
        than ``limit`` bytes, those closest to expiry go first (never the one just put)."""
        ...

    def blob_usage(self, now: float) -> tuple[int, int]:
        """How many values are kept, and their bytes."""
        ...

    def purge_blobs(self, prefix: str = "") -> int:
        """Forget every value whose key starts with ``prefix``; return how many."""
        ...

    def delete_blobs(self, keys: list[str]) -> int:
        """Forget the values kept under exactly these keys; return how many there were."""
        ...

    # statistics buckets: (resolution "m" or "h", bucket start, network, field) -> amount
    def add_stats(
        self, rows: list[tuple[str, int, str, str, float]], keep: dict[str, float]
    ) -> None: ...

    def get_stats(
        self, resolution: str, since: int, until: int
    ) -> list[tuple[int, str, str, float]]: ...

    def close(self) -> None: ...
