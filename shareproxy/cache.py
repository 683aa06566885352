"""The count cache: the one place that decides when a network is asked.

It receives the function that asks (``fetch(network, url) -> count``, raising a
:class:`CountError`) and the :class:`~shareproxy.circuit.Circuit` that says whether a
network may be asked now; it knows nothing of HTTP or of the networks' modules. Higher
pieces (the answer memo of :mod:`shareproxy.counts`) follow its changes through
:meth:`CountCache.on_change`.

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
  FAILURE_TTL; the circuit hears of every failure (a 429, or timeouts in a row, open it);
- a lookup never waits past its deadline, and not at all for a network whose circuit is
  open, on probation or slow (:mod:`shareproxy.circuit`); late fetches still fill the cache;
- an upstream budget per network and minute, shared through the store
  (SHAREPROXY_UPSTREAM_BUDGET): past it a page gets no count for that network until the
  budget returns, and refreshes of cached counts keep a fifth of it for themselves;
- bounded fetch queues, refreshes of cached counts before pages not fetched yet
  (:class:`Refreshes`): a flood of new URLs cannot delay the pages already known.

The refresh machinery (:class:`Refreshes`: one refresh per key in a process, a lease in
the store across processes) is not tied to counts: the embed previews
(shareproxy/embeds/service.py) run on it too.
"""

from __future__ import annotations

import logging
import struct
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Hashable, Iterable
from concurrent.futures import Future
from concurrent.futures import wait as wait_futures
from dataclasses import dataclass
from functools import partial
from typing import Any, Generic, TypeVar

from . import metrics
from .circuit import Circuit
from .lru import SizedLRU
from .networks.base import CountError
from .settings import Settings, clamp_ttl
from .store import Entry, Put, Store, StoreError

log = logging.getLogger(__name__)

SYNC_INTERVAL = 2.0  # seconds between reads of the shared settings (TTLs, purges, circuits)
BUDGET = "budget:"  # store counter of a network's upstream calls in the current minute
BUDGET_WINDOW = 60.0
NEW_PAGES_SHARE = 80  # per cent of a budget that counts of pages not cached yet may take
# writes of pages whose lookup stopped waiting, queued behind it (past that: not made, the
# count kept in memory and its lease left to expire, as when the store refuses a write)
BEHIND_MOST = 1024
Key = tuple[str, str]  # (normalised URL, network)
Fetch = Callable[[str, str], int]  # (network, normalised URL) -> count; raises CountError
Listener = Callable[[str | None], None]  # a URL whose counts changed, None: any may have


def lease_key(url: str, network: str) -> str:
    """The store's lease of one (URL, network) refresh."""
    return f"{network}|{url}"


# A URL's record: the number of its entries, then per entry its network's index, flags,
# the count (4 bytes, 8 when it needs them), when it was fetched, when it was last checked
# (only when that differs) and the error kind's index (only after a failure). Times stay
# exact doubles. Six counts fetched without error take 85 bytes (were 6 x 29).
HAS_COUNT, WIDE, CHECKED, ERROR = 1, 2, 4, 8
_FIELDS = [
    struct.Struct(
        "<"
        + ("q" if flags & WIDE else "I" if flags & HAS_COUNT else "")
        + "d"
        + ("d" if flags & CHECKED else "")
        + ("B" if flags & ERROR else "")
    )
    for flags in range(16)
]
_HEAD = struct.Struct("<BB")  # network index, flags
_MOST_NAMES = 255  # indices fit in a byte (networks and error kinds: a few dozen)

# What one URL costs besides its text and record: its slot in a generation's dict and in
# the old generation's queue, with the table's spare room (40 to 77 bytes on CPython 3.11,
# as full as the table is: 77 for 100 000 URLs), rounded up.
URL_OVERHEAD = 80


def _chunks(record: bytes) -> Iterable[tuple[int, int, int]]:
    """(network index, flags, offset of the fields) of each entry of a record."""
    at = 1
    for _ in range(record[0]):
        net, flags = record[at], record[at + 1]
        yield net, flags, at + 2
        at += 2 + _FIELDS[flags].size


class LocalEntries:
    """The in-memory level: URLs, each holding its entries packed in one ``bytes``, least
    recently used URLs forgotten first (:class:`lru.SizedLRU`).

    One record per URL (~14 bytes per network, plus the URL and one dict slot) instead of
    a key tuple, an ``Entry`` and three dict slots per (URL, network). Two bounds:
    ``maxsize`` (URL, network) entries, and ``max_bytes`` of memory, the URLs' text
    included (0: no byte bound), so long URLs cannot grow it past its budget. A URL's
    entries are kept and forgotten together (the URL just written stays even if it alone
    is over a bound). Not thread-safe: the cache's lock guards it.
    """

    def __init__(self, maxsize: int, max_bytes: int = 0):
        self._urls: SizedLRU[str, bytes] = SizedLRU(
            maxsize, max_bytes, self.cost, lambda _url, record: record[0]
        )
        self._names: list[str] = []  # network and error names, by the index records hold
        self._index: dict[str, int] = {}

    @property
    def maxsize(self) -> int:
        return self._urls.most

    @property
    def max_bytes(self) -> int:
        return self._urls.max_bytes

    @staticmethod
    def cost(url: str, record: bytes) -> int:
        """The bytes one URL with its record takes."""
        return sys.getsizeof(url) + sys.getsizeof(record) + URL_OVERHEAD

    def _code(self, name: str | None) -> int:
        if name is None:
            return 0
        code = self._index.get(name)
        if code is None:
            if len(self._names) >= _MOST_NAMES:
                raise ValueError("too many names")
            self._names.append(name)
            code = self._index[name] = len(self._names)
        return code

    def get(self, url: str, network: str) -> Entry | None:
        record = self._urls.use(url)
        code = self._index.get(network)
        if record is None or code is None:
            return None
        for net, flags, at in _chunks(record):
            if net == code:
                return self._entry(flags, _FIELDS[flags].unpack_from(record, at))
        return None

    def _entry(self, flags: int, fields: tuple[Any, ...]) -> Entry:
        i = 0
        count: int | None = None
        if flags & HAS_COUNT:
            count = fields[0]
            i = 1
        fetched_at = fields[i]
        checked_at = fields[i + 1] if flags & CHECKED else fetched_at
        error = self._names[fields[-1] - 1] if flags & ERROR else None
        return Entry(count, fetched_at, checked_at, error)

    def _pack(self, code: int, entry: Entry) -> bytes:
        flags = 0
        fields: list[Any] = []
        if entry.count is not None:
            flags |= HAS_COUNT
            if not 0 <= entry.count < 2**32:
                flags |= WIDE
            fields.append(entry.count)
        fields.append(entry.fetched_at)
        if entry.checked_at != entry.fetched_at:
            flags |= CHECKED
            fields.append(entry.checked_at)
        if entry.error is not None:
            flags |= ERROR
            fields.append(self._code(entry.error))
        return _HEAD.pack(code, flags) + _FIELDS[flags].pack(*fields)

    def set(self, url: str, network: str, entry: Entry) -> None:
        old = self._urls.get(url)
        replaced = self._index.get(network)
        kept = []
        if old is not None:
            kept = [
                old[at - 2 : at + _FIELDS[flags].size]
                for net, flags, at in _chunks(old)
                if net != replaced
            ]
        try:
            kept.append(self._pack(self._code(network), entry))
        except (ValueError, struct.error):  # a count beyond 64 bits: not kept in memory
            pass  # (the store decides)
        self._urls.put(url, bytes([len(kept)]) + b"".join(kept))

    def forget(self, url: str) -> None:
        self._urls.pop(url)

    def clear(self) -> None:
        self._urls.clear()

    def __len__(self) -> int:
        return self._urls.nunits

    @property
    def nbytes(self) -> int:
        """The bytes held, as the byte bound counts them."""
        return self._urls.nbytes


K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
Task = tuple[K, str, Callable[[], V | None], Future[V | None]]
QUEUE_PER_THREAD = 8  # runs a refresh pool queues per thread, in each of its two queues


class Refreshes(Generic[K, V]):
    """The one refresh of an item at a time, whatever the item (a count, an embed preview).

    In a process, a key has at most one refresh in flight: whoever asks while it runs
    joins it (:meth:`start`). Across processes and instances, a short lease in the store
    decides who calls upstream (:meth:`under_lease`): the holder re-reads the store first
    (someone may have refreshed the item just now) and shares what it fetched; the others
    wait for that answer in the store, at most the lease and ``patience`` seconds. When the
    store does not answer, each process asks for itself and keeps the result in memory.
    """

    def __init__(
        self,
        store: Store,
        *,
        workers: int,
        name: str,
        lease_seconds: float,
        patience: float,
        first_wait: float = 0.01,
        longest_wait: float = 0.1,
        queue_max: int | None = None,
    ) -> None:
        self.store = store
        self.lease_seconds = lease_seconds
        self.patience = patience
        self.first_wait = first_wait
        self.longest_wait = longest_wait
        self.workers = workers
        self.name = name
        # Two bounded queues: refreshes of items this process has ("first") go before new
        # items, and a run that finds its queue full is not queued (its future gives None),
        # so a flood of new items can neither grow memory nor delay the known ones.
        self.queue_max = QUEUE_PER_THREAD * workers if queue_max is None else queue_max
        self._lock = threading.Lock()
        self._ready = threading.Condition(self._lock)
        self._queues: tuple[deque[Task[K, V]], deque[Task[K, V]]] = (deque(), deque())
        self._threads: list[threading.Thread] = []
        self._idle = 0
        self._closed = False
        self._inflight: dict[K, Future[V | None]] = {}

    def start(
        self, key: K, label: str, run: Callable[[], V | None], *, first: bool = False
    ) -> Future[V | None]:
        """Queue ``run`` for ``key`` (before the others when ``first``), or join the run
        already queued or running. The future gives its result: None when it failed
        (logged under ``label``) or when its queue was full (:meth:`full` says which)."""
        with self._lock:
            return self._start(key, label, run, first, None)

    def start_many(
        self, runs: list[tuple[K, str, Callable[[], V | None], Callable[[], None]]]
    ) -> list[Future[V | None]]:
        """:meth:`start` for each (key, label, run, queued) of ``runs`` at once: no thread
        starts any of them before all are queued; ``queued()`` is called for each run
        that was queued (not joined, not dropped)."""
        with self._lock:
            return [self._start(key, label, run, False, queued) for key, label, run, queued in runs]

    def _start(
        self,
        key: K,
        label: str,
        run: Callable[[], V | None],
        first: bool,
        queued: Callable[[], None] | None,
    ) -> Future[V | None]:
        future = self._inflight.get(key)
        if future is not None:
            return future
        future = Future()
        queue = self._queues[0 if first else 1]
        if self._closed or len(queue) >= self.queue_max:
            if not self._closed:
                metrics.upstream_skipped(label, "queue_full")
            future.set_result(None)
            return future
        self._inflight[key] = future
        if queued is not None:
            queued()
        queue.append((key, label, run, future))
        if self._idle:
            self._ready.notify()
        elif len(self._threads) < self.workers:
            thread = threading.Thread(
                target=self._work, name=f"{self.name}-{len(self._threads)}", daemon=True
            )
            self._threads.append(thread)
            thread.start()
        return future

    def full(self, first: bool = False) -> bool:
        """Is the queue that :meth:`start` would use full?"""
        with self._lock:
            return len(self._queues[0 if first else 1]) >= self.queue_max

    def queued(self) -> int:
        with self._lock:
            return len(self._queues[0]) + len(self._queues[1])

    def _work(self) -> None:
        while True:
            with self._lock:
                self._idle += 1
                while not (self._queues[0] or self._queues[1] or self._closed):
                    self._ready.wait()
                self._idle -= 1
                if self._closed:
                    return
                task = (self._queues[0] or self._queues[1]).popleft()
            self._run(*task)

    def _run(
        self, key: K, label: str, run: Callable[[], V | None], future: Future[V | None]
    ) -> None:
        result: V | None = None
        try:
            result = run()
        except Exception:  # never let a refresh die silently
            log.exception("refresh of %s failed", label)
        finally:
            with self._lock:
                self._inflight.pop(key, None)
            future.set_result(result)

    def under_lease(
        self,
        lease: str,
        *,
        shared: Callable[[], V | None],
        local: Callable[[], V | None],
        fresh: Callable[[V], bool],
        keep: Callable[[V], V],
        fetch: Callable[[V | None, bool], V | None],
        claim: Callable[[], tuple[bool, V | None]] | None = None,
        release: Callable[[], None] | None = None,
    ) -> V | None:
        """Refresh one item, one process at a time: ``shared()`` reads the store's copy,
        ``local()`` this worker's, ``fresh(v)`` says whether a copy needs no call,
        ``keep(v)`` puts a copy in memory (returning the newer one), and ``fetch(old,
        share)`` calls upstream (writing to the store when ``share``). ``claim()``, when
        given, takes the lease and reads the store's copy in one step (else the lease is
        taken, then ``shared()`` read); ``release()``, when given, gives the lease back
        (else the store releases it)."""
        give_up = time.monotonic() + self.lease_seconds + self.patience
        delay = self.first_wait
        while True:
            try:
                if claim is not None:
                    got, current = claim()
                else:
                    got, current = self.store.acquire_lease(lease, self.lease_seconds), None
            except StoreError:
                metrics.store_error("lease")
                # The store is down: coalesce in this process only, and keep the result here.
                return fetch(local(), False)
            if got:
                try:
                    if claim is None:
                        current = shared()
                    if current is not None and fresh(current):
                        return keep(current)  # someone refreshed it just now
                    return fetch(current or local(), True)
                finally:
                    try:
                        if release is not None:
                            release()
                        else:
                            self.store.release_lease(lease)
                    except StoreError:
                        metrics.store_error("lease")
            # Another process is asking upstream: wait for its answer in the store.
            time.sleep(delay)
            delay = min(delay * 2, self.longest_wait)
            current = shared()
            if current is not None and fresh(current):
                return keep(current)
            if time.monotonic() > give_up:
                return current or local()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            dropped = [task for queue in self._queues for task in queue]
            for queue in self._queues:
                queue.clear()
            for key, *_ in dropped:
                self._inflight.pop(key, None)
            self._ready.notify_all()
        for *_, future in dropped:
            future.set_result(None)


class PageLeases:
    """The store leases of the fetches one lookup starts for a page, taken together, and
    their counts, written together.

    The first of those fetches to need its lease takes the leases of every network queued
    by then (:meth:`add`), with their entries, in one store round trip
    (:meth:`Store.lease_entries`) instead of one per network; a network queued after that
    round trip is taken by its own fetch, with whatever else waits then. A fetch that does
    not call after all gives its lease back (:meth:`forgo`, :meth:`release`).

    A fetched count (:meth:`put`) is written, its lease released in the same step, with
    those of the page's other fetches: by the last of them to finish, or, once the lookup
    stops waiting, behind it (:meth:`flush`: a network still out then must not hold back
    the others' counts, nor the store the answer), and by each fetch at once after that.
    A lease whose count waits to be written stays taken meanwhile, so no other process
    asks for the same count.
    """

    def __init__(
        self,
        store: Store,
        url: str,
        seconds: float,
        write: Callable[[list[Put]], None],
        behind: Callable[[Callable[[], None]], bool] | None = None,
    ) -> None:
        self.store = store
        self.url = url
        self.seconds = seconds
        self.write = write
        # how the lookup's flush writes (:class:`Behind`'s put; default: at once, here)
        self.behind = behind or _at_once
        self._lock = threading.Lock()
        self._waiting: list[str] = []  # queued, lease not asked for yet
        self._taken: dict[str, tuple[bool, Entry | None]] = {}
        self._fetching: set[str] = set()  # lease taken, count not put yet
        self._puts: list[Put] = []  # counts put, not written yet
        self._flushed = False

    def add(self, network: str) -> None:
        with self._lock:
            self._waiting.append(network)

    def take(self, network: str) -> tuple[bool, Entry | None]:
        """(lease taken, the store's entry) for ``network``; asked once for the batch, a
        second call asks the store again (the lease was not free the first time)."""
        with self._lock:
            if network not in self._taken:
                if network not in self._waiting:
                    self._waiting.append(network)
                asked, self._waiting = self._waiting, []
                leases = {name: lease_key(self.url, name) for name in asked}
                # a StoreError leaves nothing taken: each fetch asks again for itself
                taken = self.store.lease_entries(self.url, leases, self.seconds)
                self._taken.update(taken)
                self._fetching.update(name for name, (got, _) in taken.items() if got)
            return self._taken.pop(network)

    def forgo(self, network: str) -> None:
        """``network``'s fetch will not call: release its lease if the batch took it."""
        with self._lock:
            if network in self._waiting:
                self._waiting.remove(network)
                return
            got, _ = self._taken.pop(network, (False, None))
            self._fetching.discard(network)
            batch = self._ready()
        self._write(batch)
        if got:
            self._release(network)

    def put(self, put: Put) -> None:
        """Write a fetched count (releasing its lease) with the page's others: now if no
        other is still fetching or the lookup flushed, else with the last of them."""
        with self._lock:
            self._fetching.discard(put.network)
            self._puts.append(put)
            batch = self._ready()
        self._write(batch)

    def release(self, network: str) -> None:
        """A fetch is done with its lease: released, unless its count waits to be
        written (the write releases it)."""
        with self._lock:
            if any(put.network == network for put in self._puts):
                return
            self._fetching.discard(network)
            batch = self._ready()
        self._write(batch)
        self._release(network)

    def flush(self) -> None:
        """The lookup stopped waiting: what waits is written behind it (the lookup does not
        wait for the store), and every count put later at once."""
        with self._lock:
            self._flushed = True
            batch = self._ready()
        if batch and not self.behind(partial(self._write, batch)):
            metrics.store_error("put")  # too many writes waiting: this one is not made

    def _ready(self) -> list[Put]:
        if not self._puts or (self._fetching and not self._flushed):
            return []
        batch, self._puts = self._puts, []
        return batch

    def _write(self, batch: list[Put]) -> None:
        if not batch:
            return
        try:
            self.write(batch)
        except StoreError:
            metrics.store_error("put")

    def _release(self, network: str) -> None:
        try:
            self.store.release_lease(lease_key(self.url, network))
        except StoreError:
            metrics.store_error("lease")


def _at_once(job: Callable[[], None]) -> bool:
    job()
    return True


class Behind:
    """Runs jobs (store writes nobody waits for) on one thread of its own, in the order
    given. At most ``most`` wait at a time: :meth:`put` refuses more (returns False), so a
    store that hangs cannot grow the queue without end."""

    def __init__(self, most: int) -> None:
        self.most = most
        self._lock = threading.Lock()
        self._ready = threading.Condition(self._lock)
        self._jobs: deque[Callable[[], None]] = deque()
        self._thread: threading.Thread | None = None
        self._closed = False

    def put(self, job: Callable[[], None]) -> bool:
        with self._lock:
            if self._closed or len(self._jobs) >= self.most:
                return False
            self._jobs.append(job)
            if self._thread is None or not self._thread.is_alive():  # none yet, or forked
                self._thread = threading.Thread(
                    target=self._run, name="shareproxy-writes", daemon=True
                )
                self._thread.start()
            self._ready.notify()
            return True

    def _run(self) -> None:
        while True:
            with self._lock:
                while not self._jobs and not self._closed:
                    self._ready.wait()
                if not self._jobs:
                    return
                job = self._jobs.popleft()
            try:
                job()
            except Exception:  # the writer must not die
                log.exception("a store write failed")

    def waiting(self) -> int:
        with self._lock:
            return len(self._jobs)

    def close(self) -> None:
        """No more jobs; those waiting are still run."""
        with self._lock:
            self._closed = True
            self._ready.notify_all()


T = TypeVar("T")


class Batched(Generic[T]):
    """Writes that arrive while another is written go together in the next one.

    :meth:`put` returns once its items are written (or raises what the write raised): the
    first caller writes its items alone; those arriving meanwhile wait their turn, and the
    next of them writes every item waiting then in one call of ``write``.
    """

    def __init__(self, write: Callable[[list[T]], None]) -> None:
        self._write = write
        self._lock = threading.Lock()  # guards _waiting
        self._turn = threading.Lock()  # one write at a time
        self._waiting: list[list[object]] = []  # [item, done, error]

    def put(self, items: list[T]) -> None:
        slot: list[object] = [items, False, None]
        with self._lock:
            self._waiting.append(slot)
        with self._turn:
            if not slot[1]:
                with self._lock:
                    batch, self._waiting = self._waiting, []
                error: BaseException | None = None
                try:
                    self._write([item for s in batch for item in s[0]])  # type: ignore[attr-defined]
                except BaseException as exc:  # every waiter hears of it
                    error = exc
                for s in batch:
                    s[1], s[2] = True, error
        if isinstance(slot[2], BaseException):
            raise slot[2]


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
        fetch: Fetch,
        circuit: Circuit,
        clock: Callable[[], float] = time.time,
    ):
        self.settings = settings
        self.store = store
        self.fetch = fetch
        self.circuit = circuit
        self.clock = clock
        self.failure_ttl = float(settings.failure_ttl)
        self.stale_max = float(settings.cache_stale_max)
        self.lease_seconds = 2 * float(settings.upstream_timeout) + 1.0
        self._local = LocalEntries(int(settings.cache_size), int(settings.cache_bytes))
        self._lock = threading.Lock()
        self._refreshes: Refreshes[Key, Entry] = Refreshes(
            store,
            workers=int(settings.upstream_workers),
            name="shareproxy-fetch",
            lease_seconds=self.lease_seconds,
            patience=float(settings.upstream_timeout),
        )
        self._writes: Batched[Put] = Batched(lambda puts: self.store.put_entries(puts))
        # writes of the counts a lookup had when it stopped waiting, one job per page
        self._behind = Behind(most=BEHIND_MOST)
        self._ttl_overrides: dict[str, int] = {}
        self._ttls: dict[str, int] = {}  # ttl() memo, emptied whenever overrides change
        self._listeners: list[Listener] = []
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
        known = self._ttls[network] = clamp_ttl(network, seconds)
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

    # --- who follows the changes

    def on_change(self, listener: Listener) -> None:
        """Call ``listener(url)`` when a URL's counts were purged, ``listener(None)`` when
        any count may have changed its value or lifetime (purge of all, TTL change)."""
        self._listeners.append(listener)

    def _changed(self, url: str | None) -> None:
        for listener in self._listeners:
            listener(url)

    # --- the lookup a request makes

    def lookup(
        self,
        url: str,
        networks: Iterable[str],
        timeout: float,
        whole: float | None = None,
        meanwhile: Callable[[], None] | None = None,
    ) -> Lookup:
        """Counts of ``url`` for ``networks``, waiting at most ``timeout`` seconds: what is
        left of the request's ``whole`` deadline (default: all of it). A network still
        out after the lookup waited at least half the whole deadline for it is slow.
        ``meanwhile()`` is called once the fetches are started, before they are waited for."""
        start = time.monotonic()
        now = self.clock()
        self.sync(now)
        names = list(networks)
        entries = self._entries(url, names, now)
        counts: dict[str, int] = {}
        max_age = int(self.ttl(names[0])) if names else 0
        pending: dict[str, Future[Entry | None]] = {}
        misses: list[str] = []
        unanswered = False
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
                self.refresh(url, name, first=True)
            else:
                metrics.cache_result(name, "miss")
                misses.append(name)
        leases = None
        if misses:  # their leases taken in one store round trip, their counts written in one
            leases = PageLeases(
                self.store, url, self.lease_seconds, self._writes.put, self._behind.put
            )
            futures = self._refreshes.start_many(
                [
                    ((url, name), name, partial(self._refresh, url, name, leases),
                     partial(leases.add, name))
                    for name in misses
                ]
            )  # fmt: skip
            for name, future in zip(misses, futures, strict=True):
                if self.circuit.waits(name):
                    pending[name] = future
                else:  # open, on probation or slow: its fetch goes on without us
                    unanswered = True
        if leases is not None and not pending:  # nobody waits: each count written at once
            leases.flush()
        if meanwhile is not None:
            meanwhile()
        complete = not unanswered
        if unanswered:
            max_age = 0
        if pending:
            remaining = max(0.0, timeout - (time.monotonic() - start))
            try:
                wait_futures(pending.values(), timeout=remaining)
            finally:
                if leases is not None:  # what is fetched is written now
                    leases.flush()
            # not when the request came with little of its deadline left (it waited for a
            # thread): the network had no fair chance
            waited = remaining >= (timeout if whole is None else whole) / 2
            now = self.clock()
            for name, future in pending.items():
                if not future.done():
                    if waited:
                        self.circuit.late(name, now)
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

    def outcomes(self, url: str, networks: Iterable[str]) -> tuple[tuple[str, str], ...] | None:
        """How a lookup of ``networks`` would count each of them in memory now ("hit" or
        "error"), or None when one is not in this worker's memory."""
        out: list[tuple[str, str]] = []
        with self._lock:
            for name in networks:
                entry = self._local.get(url, name)
                if entry is None:
                    return None
                out.append((name, "hit" if entry.error is None else "error"))
        return tuple(out)

    def _remember(self, url: str, name: str, entry: Entry) -> Entry:
        """Keep ``entry`` in memory unless memory already has a newer one; return the newer."""
        with self._lock:
            mine = self._local.get(url, name)
            if mine is not None and mine.checked_at > entry.checked_at:
                return mine
            self._local.set(url, name, entry)
            return entry

    # --- refreshing

    def refresh(self, url: str, network: str, first: bool = False) -> Future[Entry | None]:
        """Start (or join) the one refresh of this key in this process; ``first``: a count
        that is cached already, queued before the pages not fetched yet."""
        return self._refreshes.start(
            (url, network), network, lambda: self._refresh(url, network), first=first
        )

    def _refresh(self, url: str, network: str, leases: PageLeases | None = None) -> Entry | None:
        """Refresh one key; ``leases``: the page's leases, taken together with those of
        the page's other refreshes that one lookup started."""
        if not self.circuit.ready(network, self.clock()):  # no call: no lease either
            if leases is not None:
                leases.forgo(network)
            metrics.cache_result(network, "circuit_open")
            return self._peek(url, network)
        lease = lease_key(url, network)
        release: Callable[[], None] | None = None
        if leases is not None:
            claim = partial(leases.take, network)
            release = partial(leases.release, network)
        else:
            claim = partial(self.store.lease_entry, lease, self.lease_seconds, url, network)
        return self._refreshes.under_lease(
            lease,
            shared=lambda: self._shared(url, network),
            local=lambda: self._peek(url, network),
            fresh=lambda entry: self.clock() < self.fresh_until(network, entry),
            keep=lambda entry: self._remember(url, network, entry),
            fetch=lambda old, share: self._fetch(url, network, old, share=share, leases=leases),
            claim=claim,
            release=release,
        )

    def _shared(self, url: str, network: str) -> Entry | None:
        try:
            return self.store.get_entries(url, [network]).get(network)
        except StoreError:
            metrics.store_error("get")
            return None

    def _peek(self, url: str, network: str) -> Entry | None:
        with self._lock:
            return self._local.get(url, network)

    def _fetch(
        self,
        url: str,
        network: str,
        old: Entry | None,
        *,
        share: bool,
        leases: PageLeases | None = None,
    ) -> Entry | None:
        now = self.clock()
        if not self.circuit.begin(network, now):
            metrics.cache_result(network, "circuit_open")
            return old
        if not self._spend(network, old is not None and old.count is not None, now):
            self.circuit.end(network)
            metrics.upstream_skipped(network, "over_budget")
            return old
        started = time.monotonic()
        error: str | None = None
        count = 0
        try:
            count = self.fetch(network, url)
        except CountError as exc:
            error = exc.kind
            self.circuit.failed(network, exc, self.clock())
        else:
            self.circuit.succeeded(network)
        finally:
            self.circuit.end(network)
        metrics.upstream_call(network, time.monotonic() - started, error)
        now = self.clock()
        if error is None:
            entry = Entry(count, now, now, None)
        else:
            log.info("%s count failed: %s", network, error)
            entry = Entry(old.count if old else None, old.fetched_at if old else 0.0, now, error)
        entry = self._remember(url, network, entry)
        if share:  # written, and the lease released, in one step (with the others waiting)
            put = Put(url, network, entry, self.keep_seconds(network), lease_key(url, network))
            if leases is not None:  # with the page's others
                leases.put(put)
            else:
                try:
                    self._writes.put([put])
                except StoreError:
                    metrics.store_error("put")
        return entry

    def _spend(self, network: str, cached: bool, now: float) -> bool:
        """Take one call from ``network``'s budget of the minute, shared through the store
        (SHAREPROXY_UPSTREAM_BUDGET): counts of pages not cached yet may take 80 % of it,
        refreshes of ``cached`` counts all of it. True when the call may go."""
        budget = self.settings.budget_for(network)
        if budget <= 0:
            return True
        most = budget if cached else max(1, budget * NEW_PAGES_SHARE // 100)
        try:
            return self.store.reserve(f"{BUDGET}{network}", most, BUDGET_WINDOW, now)
        except StoreError:
            metrics.store_error("budget")
            return True  # the store is down: each worker asks for itself, as without one

    def budget_used(self, network: str) -> tuple[int, int]:
        """(calls taken, budget) of ``network`` in the current minute (budget 0: none)."""
        budget = self.settings.budget_for(network)
        if budget <= 0:
            return 0, 0
        try:
            return self.store.hits(f"{BUDGET}{network}", self.clock()), budget
        except StoreError:
            metrics.store_error("budget")
            return 0, budget

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
            for key, value in meta.items():
                kind, _, name = key.partition(":")
                if kind != "ttl":
                    continue
                try:
                    overrides[name] = int(value)
                except ValueError:
                    log.warning("ignoring malformed shared setting %s", key)
            self.circuit.absorb(meta, now)
            changed = overrides != self._ttl_overrides
            if changed:
                self._ttl_overrides = overrides
                self._ttls = {}
            generation = meta.get("generation", "0")
            if self._generation is not None and generation != self._generation:
                with self._lock:
                    self._local.clear()
                changed = True
            self._generation = generation
        finally:
            self._sync_lock.release()
        if changed:
            self._changed(None)

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
        self._changed(url)
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
        self._refreshes.close()
        self._behind.close()
