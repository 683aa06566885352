"""Whether a network may be called now: the circuits, shared by every worker.

A network that answers 429 gets no call for its Retry-After, and for longer after each
repeat (30 s, 60 s, 120 s … up to a day, whichever is longer); one good answer forgives
it. An open circuit is written to the store, which every worker reads every few seconds
(the count cache passes what it read to :meth:`Circuit.absorb`), so one worker's 429
stops every worker and instance.

:meth:`Circuit.allows` is the one question the count cache asks before it calls a
network, and :meth:`Circuit.failed` is told the kind of every failure: a rule for other
kinds (timeouts, an upstream budget) belongs here.
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
META = "circuit:"  # store meta key prefix: circuit:<network> -> open until (Unix seconds)


class Circuit:
    def __init__(self, store: Store) -> None:
        self.store = store
        self._open: dict[str, float] = {}
        self._strikes: dict[str, int] = {}
        self._lock = threading.Lock()

    def open_until(self, network: str) -> float:
        """When calls to ``network`` may start again (0: they may now)."""
        return self._open.get(network, 0.0)

    def allows(self, network: str, now: float) -> bool:
        """May ``network`` be called at ``now``?"""
        return self.open_until(network) <= now

    def succeeded(self, network: str) -> None:
        with self._lock:
            self._strikes.pop(network, None)

    def failed(self, network: str, error: CountError, now: float) -> None:
        """A call to ``network`` failed with ``error``: open the circuit if its kind says so."""
        if isinstance(error, RateLimited):
            self._trip(network, error.retry_after, now)

    def _trip(self, network: str, retry_after: float, now: float) -> None:
        with self._lock:
            strikes = self._strikes.get(network, 0)
            self._strikes[network] = strikes + 1
            backoff = min(max(retry_after, FIRST_BACKOFF * (2**strikes)), MAX_BACKOFF)
            until = now + backoff
            self._open[network] = until
        log.warning("%s is rate limiting: no calls for %.0f s", network, backoff)
        try:
            self.store.set_meta(f"{META}{network}", f"{until:.3f}")
        except StoreError:
            metrics.store_error("meta")

    def absorb(self, meta: Mapping[str, str]) -> None:
        """Circuits other workers opened, from the store's shared settings."""
        for key, value in meta.items():
            if not key.startswith(META):
                continue
            network = key[len(META) :]
            try:
                until = float(value)
            except ValueError:
                log.warning("ignoring malformed shared setting %s", key)
                continue
            with self._lock:
                self._open[network] = max(self._open.get(network, 0.0), until)
