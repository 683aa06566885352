"""Which server processes use this store: each one checks in every few seconds.

A server process (a gunicorn worker) writes a small record to the store every
``CHECK_IN_EVERY`` seconds, after reading the shared settings: its host, pid, version, when
it started, the TTL it applies to each network and the purge generation it follows. The
record expires after ``KEEP`` seconds, so only live processes are listed.

The ``shareproxy`` command reads these records to tell an operator the truth: a change made
in a store no running server uses is reported as such, not as a success, and a change that
does reach servers is confirmed once every one of them applies it. The admin overview lists
them too. One thread per process; the latest app created in the process is the one that
checks in (tests create many apps; a server has one).
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ._version import __version__
from .networks import COUNT_NETWORKS
from .store import StoreError

CHECK_IN_EVERY = 2.0  # seconds between check-ins (and reads of the shared settings)
KEEP = 10.0  # a process not heard of for this long is gone

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Member:
    """One server process that checked in."""

    host: str
    pid: int
    version: str
    started: float
    seen: float
    ttl: dict[str, int] = field(default_factory=dict)
    generation: str = "0"

    @classmethod
    def parse(cls, info: str) -> Member | None:
        try:
            data = json.loads(info)
            return cls(
                host=str(data["host"]),
                pid=int(data["pid"]),
                version=str(data.get("version", "")),
                started=float(data["started"]),
                seen=float(data["seen"]),
                ttl={str(k): int(v) for k, v in dict(data.get("ttl", {})).items()},
                generation=str(data.get("generation", "0")),
            )
        except (ValueError, KeyError, TypeError, AttributeError):
            return None  # written by another version, or by hand: not ours to list


def record(services: Any, started: float, now: float) -> str:
    """The check-in of this process: what it is and which shared settings it applies."""
    cache = services.cache
    return json.dumps(
        {
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "version": __version__,
            "started": round(started, 3),
            "seen": round(now, 3),
            "ttl": {name: cache.ttl(name) for name in COUNT_NETWORKS},
            "generation": cache.generation or "0",
        },
        separators=(",", ":"),
    )


def members(store: Any, now: float | None = None) -> list[Member]:
    """The live server processes of ``store``, oldest first (raises StoreError)."""
    now = time.time() if now is None else now
    found = [Member.parse(info) for info in store.members(now).values()]
    return sorted((m for m in found if m is not None), key=lambda m: (m.started, m.pid))


def describe(found: list[Member], now: float | None = None) -> str:
    """ "2 server processes on web-1 (last check-in 1 s ago)", or that there is none."""
    now = time.time() if now is None else now
    if not found:
        return f"no running server uses this store (none checked in within {KEEP:.0f} s)"
    hosts = sorted({m.host for m in found})
    ago = max(0, round(now - max(m.seen for m in found)))
    noun = "server process" if len(found) == 1 else "server processes"
    return f"{len(found)} {noun} on {', '.join(hosts)} (last check-in {ago} s ago)"


def wait_until(
    store: Any,
    applied: Callable[[Member], bool],
    timeout: float,
    clock: Callable[[], float] = time.time,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[list[Member], list[Member]]:
    """Wait until every live member ``applied`` a change, at most ``timeout`` seconds.

    Returns (done, pending). Members that check in for the first time while waiting count.
    """
    deadline = clock() + timeout
    while True:
        found = members(store, clock())
        done = [m for m in found if applied(m)]
        pending = [m for m in found if not applied(m)]
        if not found or not pending or clock() >= deadline:
            return done, pending
        sleep(min(0.25, max(0.0, deadline - clock())))


class Presence:
    """The check-in thread of this process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._services: weakref.ref[Any] | None = None
        self._pid = 0
        self._started = time.time()
        self._wake = threading.Event()

    def attach(self, services: Any) -> None:
        """Check in for ``services`` from now on (the latest app of the process wins)."""
        with self._lock:
            self._services = weakref.ref(services)
            self._start_locked()
        self._wake.set()  # check in now, not in CHECK_IN_EVERY seconds

    def _start_locked(self) -> None:
        if self._pid == os.getpid() or self._services is None:
            return
        self._pid = os.getpid()
        self._started = time.time()
        self._wake = threading.Event()
        thread = threading.Thread(target=self._loop, name="shareproxy-presence", daemon=True)
        thread.start()

    def after_fork(self) -> None:
        """A forked child (a preloading server's worker) checks in as itself."""
        self._lock = threading.Lock()
        with self._lock:
            self._start_locked()

    def _loop(self) -> None:
        pid = os.getpid()
        while os.getpid() == pid:
            self.check_in()
            self._wake.wait(CHECK_IN_EVERY)
            self._wake.clear()

    def check_in(self) -> bool:
        ref = self._services
        services = ref() if ref is not None else None
        if services is None:
            return False
        try:
            services.cache.sync()
            now = time.time()
            services.store.check_in(
                f"{socket.gethostname()}:{os.getpid()}",
                record(services, self._started, now),
                KEEP,
                now,
            )
            return True
        except StoreError:
            return False  # the store is down: counted where the store is used
        except Exception:  # the thread must not die
            log.exception("check-in failed")
            return False


PRESENCE = Presence()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=PRESENCE.after_fork)


def attach(services: Any) -> None:
    PRESENCE.attach(services)
