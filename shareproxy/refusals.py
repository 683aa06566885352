"""Page hosts this server refused, logged for the operator without flooding the log.

A site that embeds the buttons on a host missing from SHAREPROXY_ALLOWED_DOMAINS (a
staging copy, a new domain) sends a refused request with every page view. The operator
needs to learn the host once, not once per visitor: each host is logged at most once a
minute, and at most :data:`MAX_LINES` hosts a minute in all, so that a client inventing
host names cannot fill the log either (what was held back is counted in the next line).

Only the host is logged: never the page URL (its path and query may name a person or
carry a token) and never anything about the client. The memory is per process: threads
of a worker share it; each gunicorn worker keeps its own, so with N workers a host may
be logged up to N times a minute.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

log = logging.getLogger("shareproxy.refused")

WINDOW = 60.0  # seconds between two lines about the same host
MAX_LINES = 30  # lines per window, every host together
MAX_HOSTS = 4096  # hosts remembered; the oldest are forgotten first


class RefusedHosts:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        self._last: dict[str, float] = {}  # host -> when it was last logged
        self._window = -WINDOW  # start of the current window
        self._lines = 0  # lines logged in the current window
        self._held = 0  # refusals not logged because of MAX_LINES

    def refused(self, host: str, setting: str = "SHAREPROXY_ALLOWED_DOMAINS") -> bool:
        """Note one refusal of ``host``; log it unless it was logged in the last minute.
        Returns whether a line was written."""
        now = self.clock()
        with self._lock:
            last = self._last.get(host)
            if last is not None and now - last < WINDOW:
                return False
            if now - self._window >= WINDOW:
                self._window, self._lines = now, 0
            if self._lines >= MAX_LINES:
                self._held += 1
                return False
            self._lines += 1
            held, self._held = self._held, 0
            self._last.pop(host, None)
            self._last[host] = now
            while len(self._last) > MAX_HOSTS:
                del self._last[next(iter(self._last))]
        more = f" ({held} more refusals of other hosts were not logged)" if held else ""
        log.warning("refused a page on %s: the host is not in %s%s", host, setting, more)
        return True


REFUSED = RefusedHosts()
