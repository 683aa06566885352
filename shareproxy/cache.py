"""The count cache: the one place that decides when a network is asked.

Two levels. Each worker keeps a bounded LRU of entries in memory (packed per URL); behind it
the store (SQLite for the workers of one host, Redis for every instance) holds the same
entries for everyone. The in-memory level is private to one process: anything that must
reach every worker (purges, TTL changes, open circuits) goes through the store, which
each worker reads every ``SYNC_INTERVAL`` seconds.

Guarantees:
- one upstream call per (normalised URL, network) per TTL: one fetch in flight per key in
  a process, and a short lease in the store across processes and instances; whoever
  holds the lease re-reads the store before calling, whoever does not waits for it;
- stale-while-revalidate: an expired count is served at once while one refresh runs;
- stale-if-error: a failure keeps the last good count and is itself remembered for
  FAILURE_TTL; a 429 opens the network's circuit for Retry-After (or longer on repeats);
- a lookup never waits past its deadline; late fetches still fill the cache.
"""

from __future__ import annotations

import json
import logging
import struct
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_futures
from dataclasses import dataclass

from . import metrics
from .fetch import Fetcher
from .networks import NETWORKS
from .networks.base import CountError, RateLimited
from .settings import TTL_CEILING, Settings, ttl_floor
from .store import Entry, Store, StoreError

log = logging.getLogger(__name__)

SYNC_INTERVAL = 2.0  # seconds between reads of the shared settings (TTLs, purges, circuits)
MAX_BACKOFF = 24 * 3600.0
Key = tuple[str, str]  # (normalised URL, network)
AnswerKey = tuple[str, tuple[str, ...], Hashable]  # (URL, networks, variant)


_RECORD = struct.Struct("<HHBqdd")  # network, error, has count, count, fetched_at, checked_at


class LocalEntries:
    """The in-memory level: an LRU of URLs, each holding its entries packed in one ``bytes``.

    One record per URL (about 27 bytes per network, plus the URL and one ordered-dict
    slot) instead of a key tuple, an ``Entry`` and three dict slots per (URL, network).
    ``maxsize`` bounds the (URL, network) entries held; a URL's entries are kept and
    forgotten together, least recently used URL first (the URL just written stays even
    if it alone holds more than ``maxsize``). Not thread-safe: the cache's lock guards it.
    """

    def __init__(self, maxsize: int):
        self.maxsize = maxsize
        self._urls: OrderedDict[str, bytes] = OrderedDict()
        self._size = 0
        self._names: list[str] = []  # network and error names, by the index records hold
        self._index: dict[str, int] = {}

    def _code(self, name: str | None) -> int:
        if name is None:
            return 0
        code = self._index.get(name)
        if code is None:
            self._names.append(name)
            code = self._index[name] = len(self._names)
        return code

    def get(self, url: str, network: str) -> Entry | None:
        record = self._urls.get(url)
        code = self._index.get(network)
        if record is None or code is None:
            return None
        self._urls.move_to_end(url)
        for net, error, has_count, count, fetched_at, checked_at in _RECORD.iter_unpack(record):
            if net == code:
                return Entry(
                    count if has_count else None,
                    fetched_at,
                    checked_at,
                    self._names[error - 1] if error else None,
                )
        return None

    def set(self, url: str, network: str, entry: Entry) -> None:
        code = self._code(network)
        try:
            packed = _RECORD.pack(
                code,
                self._code(entry.error),
                entry.count is not None,
                entry.count or 0,
                entry.fetched_at,
                entry.checked_at,
            )
        except struct.error:  # a count beyond 64 bits: not kept in memory (the store decides)
            packed = b""
        old = self._urls.get(url, b"")
        step = _RECORD.size
        kept = [old[i : i + step] for i in range(0, len(old), step)]
        kept = [r for r in kept if _RECORD.unpack_from(r)[0] != code]
        kept.append(packed)
        self._size += len(kept) - (not packed) - len(old) // step
        self._urls[url] = b"".join(kept)
        self._urls.move_to_end(url)
        while self._size > self.maxsize and len(self._urls) > 1:
            _, dropped = self._urls.popitem(last=False)
            self._size -= len(dropped) // step

    def forget(self, url: str) -> None:
        dropped = self._urls.pop(url, None)
        if dropped is not None:
            self._size -= len(dropped) // _RECORD.size

    def clear(self) -> None:
        self._urls.clear()
        self._size = 0

    def __len__(self) -> int:
        return self._size


@dataclass(frozen=True, slots=True)
class Answer:
    """A lookup's answer serialised once, reused until its first count expires."""

    body: bytes
    expires: float  # clock time
    hits: tuple[tuple[str, str], ...]  # (network, outcome) a lookup would have counted
    version: object  # what the merged-in figures were built from (None: nothing merged)


@dataclass(frozen=True)
class Lookup:
    counts: dict[str, int]  # network -> count, only those known
    max_age: int  # seconds every returned count stays fresh (0 when any is stale)
    complete: bool  # False when a fetch was still running at the deadline


class CountCache:
    def __init__(
        self,
        settings: Settings,
        store: Store,
        fetcher: Fetcher,
        clock: Callable[[], float] = time.time,
    ):
        self.settings = settings
        self.store = store
        self.fetcher = fetcher
        self.clock = clock
        self.failure_ttl = float(settings.failure_ttl)
        self.stale_max = float(settings.cache_stale_max)
        self.lease_seconds = 2 * float(settings.upstream_timeout) + 1.0
        self._local = LocalEntries(int(settings.cache_size))
        self._lock = threading.Lock()
        self._inflight: dict[Key, Future[Entry | None]] = {}
        self._executor = ThreadPoolExecutor(
            max_workers=int(settings.upstream_workers), thread_name_prefix="shareproxy-fetch"
        )
        self._ttl_overrides: dict[str, int] = {}
        self._ttls: dict[str, int] = {}  # ttl() memo, emptied whenever overrides change
        # Serialised answers, per (URL, networks), while every count in them is fresh.
        self._answers: OrderedDict[AnswerKey, Answer] = OrderedDict()
        self._answers_max = max(1, min(int(settings.cache_size) // 4, 20_000))
        self._circuits: dict[str, float] = {}
        self._strikes: dict[str, int] = {}
        self._generation: str | None = None
        self._synced_at = 0.0
        self._sync_lock = threading.Lock()

    # --- freshness

    def ttl(self, network: str) -> int:
        """The lifetime of a network's counts: admin override, else settings; ≥ floor."""
        known = self._ttls.get(network)
        if known is not None:
            return known
        seconds = self._ttl_overrides.get(network) or self.settings.ttl_for(network)
        known = self._ttls[network] = min(max(seconds, ttl_floor(network)), TTL_CEILING)
        return known

    def fresh_until(self, network: str, entry: Entry) -> float:
        if entry.error is None:
            return entry.fetched_at + self.ttl(network)
        return entry.checked_at + self.failure_ttl

    def servable(self, network: str, entry: Entry, now: float) -> bool:
        return entry.count is not None and now - entry.fetched_at <= (
            self.ttl(network) + self.stale_max
        )

    def keep_seconds(self, network: str) -> float:
        return self.ttl(network) + self.stale_max + self.failure_ttl

    @property
    def generation(self) -> str | None:
        """The purge generation this worker follows (None before the first sync)."""
        return self._generation

    def ttl_override(self, network: str) -> int | None:
        """The shared override of a network's TTL, if an admin set one."""
        return self._ttl_overrides.get(network)

    def circuit_open_until(self, network: str) -> float:
        return self._circuits.get(network, 0.0)

    # --- the lookup a request makes

    def answer(
        self,
        url: str,
        networks: tuple[str, ...],
        timeout: float,
        merge: Callable[[dict[str, int]], dict[str, int]] | None = None,
        version: object = None,
        variant: Hashable = None,
    ) -> tuple[bytes, int]:
        """The JSON body (``{"network": count}``) and its max-age for ``url``.

        While every count of an answer is fresh nothing can change it (no refresh starts
        before the first one expires; purges and TTL changes empty this memo), so it is
        serialised once and served as bytes until then. ``merge`` adds other figures to
        the counts (click counts); its answer is reused only while the caller's
        ``version`` of those figures is the very object it was built with, and per
        ``variant`` (whatever else the merge depends on).
        """
        now = self.clock()
        self.sync(now)
        key = (url, networks, variant)
        hit = self._memo(key, version, now)
        if hit is not None:
            return hit
        result = self.lookup(url, networks, timeout)
        merged = merge(result.counts) if merge is not None else result.counts
        body = json.dumps(merged, separators=(",", ":")).encode()
        if result.complete and result.max_age > 0:
            with self._lock:
                entries = [self._local.get(url, name) for name in networks]
            if any(entry is None for entry in entries):
                return body, result.max_age
            hits = tuple(
                (name, "hit" if entry.error is None else "error")
                for name, entry in zip(networks, entries, strict=True)
                if entry is not None
            )
            answer = Answer(body, now + result.max_age, hits, version)
            with self._lock:
                self._answers[key] = answer
                if len(self._answers) > self._answers_max:
                    self._answers.popitem(last=False)
        return body, result.max_age

    def memoised(self, url: str, networks: tuple[str, ...]) -> tuple[bytes, int] | None:
        """``answer(url, networks, ...)`` when it is in the memo and fresh (counting the
        same metrics), else None: never fetches or waits (the WSGI fast path, fastpath.py)."""
        now = self.clock()
        self.sync(now)
        return self._memo((url, networks, None), None, now)

    def _memo(self, key: AnswerKey, version: object, now: float) -> tuple[bytes, int] | None:
        """A fresh memoised answer for ``key`` built from ``version`` (counting its cache
        metrics), else None; a stale or outdated one is dropped."""
        with self._lock:
            found = self._answers.get(key)
            if found is None:
                return None
            if not (now < found.expires and found.version is version):
                del self._answers[key]
                return None
            self._answers.move_to_end(key)
        for network, outcome in found.hits:
            metrics.cache_result(network, outcome)
        return found.body, int(found.expires - now)

    def _forget_answers(self, url: str | None = None) -> None:
        with self._lock:
            if url is None:
                self._answers.clear()
            else:
                for key in [k for k in self._answers if k[0] == url]:
                    del self._answers[key]

    def lookup(self, url: str, networks: Iterable[str], timeout: float) -> Lookup:
        """Counts of ``url`` for ``networks``, waiting at most ``timeout`` seconds."""
        start = time.monotonic()
        now = self.clock()
        self.sync(now)
        names = list(networks)
        entries = self._entries(url, names, now)
        counts: dict[str, int] = {}
        max_age = int(self.ttl(names[0])) if names else 0
        pending: dict[str, Future[Entry | None]] = {}
        for name in names:
            entry = entries.get(name)
            if entry is not None and now < self.fresh_until(name, entry):
                metrics.cache_result(name, "hit" if entry.error is None else "error")
                if entry.count is not None and self.servable(name, entry, now):
                    counts[name] = entry.count
                max_age = min(max_age, int(self.fresh_until(name, entry) - now))
            elif entry is not None and self.servable(name, entry, now):
                metrics.cache_result(name, "stale")
                assert entry.count is not None
                counts[name] = entry.count
                max_age = 0
                self.refresh(url, name)
            else:
                metrics.cache_result(name, "miss")
                pending[name] = self.refresh(url, name)
        complete = True
        if pending:
            remaining = max(0.0, timeout - (time.monotonic() - start))
            wait_futures(pending.values(), timeout=remaining)
            now = self.clock()
            for name, future in pending.items():
                if not future.done():
                    complete = False
                    max_age = 0
                    continue
                entry = future.result()
                if entry is None:
                    max_age = 0
                    continue
                if entry.count is not None and self.servable(name, entry, now):
                    counts[name] = entry.count
                max_age = min(max_age, max(0, int(self.fresh_until(name, entry) - now)))
        ordered = {name: counts[name] for name in names if name in counts}
        return Lookup(ordered, max(0, max_age), complete)

    def _entries(self, url: str, names: list[str], now: float) -> dict[str, Entry]:
        found: dict[str, Entry] = {}
        ask: list[str] = []
        with self._lock:
            for name in names:
                entry = self._local.get(url, name)
                if entry is not None:
                    found[name] = entry
                if entry is None or now >= self.fresh_until(name, entry):
                    ask.append(name)
        if ask:
            try:
                shared = self.store.get_entries(url, ask)
            except StoreError:
                metrics.store_error("get")
                shared = {}
            for name, entry in shared.items():
                found[name] = self._remember(url, name, entry)
        return found

    def _remember(self, url: str, name: str, entry: Entry) -> Entry:
        """Keep ``entry`` in memory unless memory already has a newer one; return the newer."""
        with self._lock:
            mine = self._local.get(url, name)
            if mine is not None and mine.checked_at > entry.checked_at:
                return mine
            self._local.set(url, name, entry)
            return entry

    # --- refreshing

    def refresh(self, url: str, network: str) -> Future[Entry | None]:
        """Start (or join) the one refresh of this key in this process."""
        key = (url, network)
        with self._lock:
            future = self._inflight.get(key)
            if future is not None:
                return future
            future = Future()
            self._inflight[key] = future
        try:
            self._executor.submit(self._run, key, future)
        except RuntimeError:  # executor shut down
            with self._lock:
                self._inflight.pop(key, None)
            future.set_result(None)
        return future

    def _run(self, key: Key, future: Future[Entry | None]) -> None:
        entry: Entry | None = None
        try:
            entry = self._refresh(*key)
        except Exception:  # never let a refresh die silently
            log.exception("refresh of %s failed", key[1])
        finally:
            with self._lock:
                self._inflight.pop(key, None)
            future.set_result(entry)

    def _refresh(self, url: str, network: str) -> Entry | None:
        lease = f"{network}|{url}"
        give_up = time.monotonic() + self.lease_seconds + float(self.settings.upstream_timeout)
        delay = 0.01
        while True:
            try:
                got = self.store.acquire_lease(lease, self.lease_seconds)
            except StoreError:
                metrics.store_error("lease")
                # The store is down: coalesce in this process only, and keep the result here.
                return self._fetch(url, network, self._peek(url, network), share=False)
            if got:
                try:
                    return self._refresh_holding_lease(url, network)
                finally:
                    try:
                        self.store.release_lease(lease)
                    except StoreError:
                        metrics.store_error("lease")
            # Another process is asking the network: wait for its answer in the store.
            time.sleep(delay)
            delay = min(delay * 2, 0.1)
            current = self._shared(url, network)
            if current is not None and self.clock() < self.fresh_until(network, current):
                return self._remember(url, network, current)
            if time.monotonic() > give_up:
                return current or self._peek(url, network)

    def _refresh_holding_lease(self, url: str, network: str) -> Entry | None:
        current = self._shared(url, network)
        if current is not None and self.clock() < self.fresh_until(network, current):
            return self._remember(url, network, current)  # someone refreshed it just now
        return self._fetch(url, network, current or self._peek(url, network), share=True)

    def _shared(self, url: str, network: str) -> Entry | None:
        try:
            return self.store.get_entries(url, [network]).get(network)
        except StoreError:
            metrics.store_error("get")
            return None

    def _peek(self, url: str, network: str) -> Entry | None:
        with self._lock:
            return self._local.get(url, network)

    def _fetch(self, url: str, network: str, old: Entry | None, *, share: bool) -> Entry | None:
        now = self.clock()
        if self.circuit_open_until(network) > now:
            metrics.cache_result(network, "circuit_open")
            return old
        net = NETWORKS[network]
        started = time.monotonic()
        error: str | None = None
        count = 0
        try:
            count = self.fetcher.count(net, url)
        except RateLimited as exc:
            error = exc.kind
            self._open_circuit(network, exc.retry_after)
        except CountError as exc:
            error = exc.kind
        metrics.upstream_call(network, time.monotonic() - started, error)
        now = self.clock()
        if error is None:
            self._strikes.pop(network, None)
            entry = Entry(count, now, now, None)
        else:
            log.info("%s count failed: %s", network, error)
            entry = Entry(old.count if old else None, old.fetched_at if old else 0.0, now, error)
        entry = self._remember(url, network, entry)
        if share:
            try:
                self.store.put_entry(url, network, entry, self.keep_seconds(network))
            except StoreError:
                metrics.store_error("put")
        return entry

    def _open_circuit(self, network: str, retry_after: float) -> None:
        strikes = self._strikes.get(network, 0)
        self._strikes[network] = strikes + 1
        backoff = min(max(retry_after, 30.0 * (2**strikes)), MAX_BACKOFF)
        until = self.clock() + backoff
        self._circuits[network] = until
        log.warning("%s is rate limiting: no calls for %.0f s", network, backoff)
        try:
            self.store.set_meta(f"circuit:{network}", f"{until:.3f}")
        except StoreError:
            metrics.store_error("meta")

    # --- what every worker follows

    def sync(self, now: float | None = None, force: bool = False) -> None:
        """Read TTL overrides, circuits and the purge generation from the store."""
        now = self.clock() if now is None else now
        if not force and now - self._synced_at < SYNC_INTERVAL:
            return
        if not self._sync_lock.acquire(blocking=force):
            return
        try:
            self._synced_at = now
            try:
                meta = self.store.get_meta()
            except StoreError:
                metrics.store_error("meta")
                return
            overrides: dict[str, int] = {}
            circuits: dict[str, float] = {}
            for key, value in meta.items():
                kind, _, name = key.partition(":")
                try:
                    if kind == "ttl" and name in NETWORKS:
                        overrides[name] = int(value)
                    elif kind == "circuit" and name in NETWORKS:
                        circuits[name] = float(value)
                except ValueError:
                    log.warning("ignoring malformed shared setting %s", key)
            if overrides != self._ttl_overrides:
                self._ttl_overrides = overrides
                self._ttls = {}
                self._forget_answers()
            for name, until in circuits.items():
                self._circuits[name] = max(self._circuits.get(name, 0.0), until)
            generation = meta.get("generation", "0")
            if self._generation is not None and generation != self._generation:
                with self._lock:
                    self._local.clear()
                    self._answers.clear()
            self._generation = generation
        finally:
            self._sync_lock.release()

    def set_ttl(self, network: str, seconds: int | None) -> None:
        """Share a TTL override with every worker and instance (None removes it)."""
        if seconds is None:
            self.store.delete_meta(f"ttl:{network}")
        else:
            self.store.set_meta(f"ttl:{network}", str(int(seconds)))
        self.sync(force=True)

    def purge(self, url: str | None = None) -> int:
        """Forget one URL's counts, or all of them, in the store and in every worker."""
        removed = self.store.purge(url)
        self.store.incr_meta("generation")
        with self._lock:
            if url is None:
                self._local.clear()
            else:
                self._local.forget(url)
        self._forget_answers(url)
        self.sync(force=True)
        return removed

    def fresh(self, url: str, networks: Iterable[str]) -> dict[str, int]:
        """The counts of ``url`` that are fresh now, without asking any network or waiting.

        For pages that render counts server-side; whatever is missing the browser asks
        ``/api/counts`` for.
        """
        now = self.clock()
        self.sync(now)
        names = list(networks)
        entries = self._entries(url, names, now)
        return {
            name: entry.count
            for name, entry in entries.items()
            if entry.count is not None
            and entry.error is None
            and now < self.fresh_until(name, entry)
        }

    def peek(self, url: str, network: str) -> Entry | None:
        """The shared entry of one key, without asking any network (admin lookups)."""
        return self._shared(url, network) or self._peek(url, network)

    def local_size(self) -> int:
        with self._lock:
            return len(self._local)

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
