"""Whether a network may be called now, and whether a request should wait for it: the
circuits, shared by every worker.

A network **opens its circuit** when it answers 429 (no call for its Retry-After), or when
it keeps timing out (``TIMEOUT_STRIKES`` timeouts in a row): no call to it, for any page,
for 30 s, 60 s, 120 s … after each repeat, up to a day (a Retry-After longer than that
wins). An open circuit is written to the store, which every worker reads every few seconds
(the count cache passes what it read to :meth:`Circuit.absorb`), so one worker's 429 or
hanging network stops every worker and instance.

A network whose circuit opened for timeouts is **on probation** once it closed again, and
**slow** as soon as a request gave up waiting for it at its deadline: in both states a
worker sends it one call at a time (a probe) and no request waits for it, so a hanging
network cannot hold the request threads or fill the fetch pool. The first call that
answers ends both states.

The count cache asks :meth:`Circuit.begin` before each call and tells :meth:`Circuit.end`,
:meth:`Circuit.failed` or :meth:`Circuit.succeeded` after it; :meth:`Circuit.waits` says
whether a request should wait for a network, and :meth:`Circuit.late` hears that one did
not get its answer in time. :meth:`Circuit.allows` is the plain question (is the circuit
closed?) for callers without probes (embed previews).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping

from . import metrics
from .networks.base import CountError, RateLimited
from .store import Store, StoreError

log = logging.getLogger(__name__)

MAX_BACKOFF = 24 * 3600.0
FIRST_BACKOFF = 30.0
TIMEOUT_STRIKES = 3  # timeouts in a row that open the circuit
TIMEOUT_KINDS = frozenset({"timeout"})  # CountError kinds that count as a timeout
# store meta key prefix: circuit:<network> -> open until (Unix seconds), then " hanging"
# when it opened for timeouts
META = "circuit:"
HANGING = "hanging"
# store meta key prefix: slow:<network> -> when a worker found it slow (Unix seconds); a
# mark older than SLOW_MEMORY seconds is not taken up by other workers
SLOW = "slow:"
SLOW_MEMORY = 600.0


class Circuit:
    def __init__(self, store: Store) -> None:
        self.store = store
        self._open: dict[str, float] = {}
        self._strikes: dict[str, int] = {}  # times the circuit opened since the last answer
        self._timeouts: dict[str, int] = {}  # timeouts in a row
        self._careful: set[str] = set()  # on probation or slow: one call at a time, no wait
        self._inflight: dict[str, int] = {}
        self._hanging: set[str] = set()  # its circuit last opened for timeouts
        self._slow_seen: dict[str, float] = {}  # the last slow mark taken from the store
        self._lock = threading.Lock()

    # --- questions

    def open_until(self, network: str) -> float:
        """When calls to ``network`` may start again (0: they may now)."""
        return self._open.get(network, 0.0)

    def allows(self, network: str, now: float) -> bool:
        """Is the circuit of ``network`` closed at ``now``?"""
        return self.open_until(network) <= now

    def ready(self, network: str, now: float) -> bool:
        """Would :meth:`begin` let a call to ``network`` start now?"""
        if not self.allows(network, now):
            return False
        return network not in self._careful or not self._inflight.get(network)

    def waits(self, network: str) -> bool:
        """Should a request wait for ``network``'s answer? Not while its circuit is open,
        on probation or slow: the fetch runs on in the background."""
        return network not in self._careful

    def hanging(self, network: str) -> bool:
        """Did the circuit of ``network`` last open for timeouts (else for a 429)?"""
        return network in self._hanging

    def careful(self, network: str) -> bool:
        """Is ``network`` on probation or slow (one call at a time, nobody waits)?"""
        return network in self._careful

    # --- one call

    def begin(self, network: str, now: float) -> bool:
        """Start a call to ``network`` if it may be called now; then :meth:`end` it."""
        with self._lock:
            if self._open.get(network, 0.0) > now:
                return False
            if network in self._careful and self._inflight.get(network):
                return False  # a probe is on its way: the others wait for its answer
            self._inflight[network] = self._inflight.get(network, 0) + 1
            return True

    def end(self, network: str) -> None:
        with self._lock:
            left = self._inflight.get(network, 0) - 1
            if left > 0:
                self._inflight[network] = left
            else:
                self._inflight.pop(network, None)

    def succeeded(self, network: str) -> None:
        with self._lock:
            self._strikes.pop(network, None)
            self._timeouts.pop(network, None)
            self._careful.discard(network)

    def failed(self, network: str, error: CountError, now: float) -> None:
        """A call to ``network`` failed with ``error``: open the circuit if its kind says so."""
        if isinstance(error, RateLimited):
            self._trip(network, error.retry_after, now, hanging=False)
            return
        if error.kind not in TIMEOUT_KINDS:
            with self._lock:
                self._timeouts.pop(network, None)  # it answered, if badly
            return
        with self._lock:
            timeouts = self._timeouts.get(network, 0) + 1
            self._timeouts[network] = timeouts
            probe = network in self._careful
        if timeouts >= TIMEOUT_STRIKES or probe:
            self._trip(network, 0.0, now, hanging=True)

    def late(self, network: str, now: float) -> None:
        """A request gave up waiting for ``network`` at its deadline: from now on no
        request waits for it, and it gets one call at a time, until one answers. Every
        worker learns of it through the store."""
        with self._lock:
            if network in self._careful:
                return
            self._careful.add(network)
            self._slow_seen[network] = now
        log.info("%s is slow: requests stop waiting for it until it answers", network)
        # told to the store off the request's thread: a busy or locked store must not
        # hold up the request that is already past its deadline
        threading.Thread(
            target=self._note_slow, args=(network, now), name="note-slow", daemon=True
        ).start()

    def _note_slow(self, network: str, now: float) -> None:
        try:
            self.store.set_meta(f"{SLOW}{network}", f"{now:.3f}")
        except StoreError:
            metrics.store_error("meta")

    def _trip(self, network: str, retry_after: float, now: float, *, hanging: bool) -> None:
        with self._lock:
            strikes = self._strikes.get(network, 0)
            self._strikes[network] = strikes + 1
            self._timeouts.pop(network, None)
            backoff = min(max(retry_after, FIRST_BACKOFF * (2**strikes)), MAX_BACKOFF)
            until = now + backoff
            self._open[network] = max(self._open.get(network, 0.0), until)
            if hanging:
                self._careful.add(network)  # after it: one probe, nobody waiting
                self._hanging.add(network)
            else:
                self._hanging.discard(network)
        why = "is not answering" if hanging else "is rate limiting"
        log.warning("%s %s: no calls for %.0f s", network, why, backoff)
        value = f"{until:.3f} {HANGING}" if hanging else f"{until:.3f}"
        try:
            self.store.set_meta(f"{META}{network}", value)
        except StoreError:
            metrics.store_error("meta")

    def absorb(self, meta: Mapping[str, str], now: float) -> None:
        """Circuits other workers opened, and networks they found slow, from the store's
        shared settings."""
        for key, value in meta.items():
            if key.startswith(SLOW):
                self._absorb_slow(key[len(SLOW) :], value, now)
                continue
            if not key.startswith(META):
                continue
            network = key[len(META) :]
            text, _, why = value.partition(" ")
            try:
                until = float(text)
            except ValueError:
                log.warning("ignoring malformed shared setting %s", key)
                continue
            with self._lock:
                if until > self._open.get(network, 0.0):
                    self._open[network] = until
                    if why == HANGING:
                        self._careful.add(network)
                        self._hanging.add(network)
                    else:
                        self._hanging.discard(network)

    def _absorb_slow(self, network: str, value: str, now: float) -> None:
        try:
            since = float(value)
        except ValueError:
            return
        with self._lock:
            if since <= self._slow_seen.get(network, 0.0) or now - since > SLOW_MEMORY:
                return
            self._slow_seen[network] = since
            self._careful.add(network)
