"""Which software a fediverse server runs: NodeInfo, through the address guard, cached.

``https://<host>/.well-known/nodeinfo`` lists NodeInfo documents; the newest 2.x one
(1.x if that is all there is) names the software in ``software.name``. Both requests go
through :class:`shareproxy.guard.Guard` (public addresses only, the checked address
connected, no redirect elsewhere, 64 KB, one deadline of 2 s for the whole lookup).

The answer is kept in the store under the host alone (``fedi:<host>``): a day when the
software was found, a few minutes when the lookup failed, so one lookup serves every
visitor of a server and a server that is down is not asked again at once. Nothing about
the visitor is kept or logged beside it: not who asked, not when, not from where.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from . import metrics
from .failures import Failure
from .guard import Guard, GuardError, Refused, Unresolvable, normal_name
from .networks.fediverse import software_name
from .store import Store, StoreError

log = logging.getLogger(__name__)

FOUND_SECONDS = 24 * 3600
FAILED_SECONDS = 5 * 60
LOOKUP_SECONDS = 2.0
WELL_KNOWN = "/.well-known/nodeinfo"
_SCHEMA = re.compile(r"^https?://nodeinfo\.diaspora\.software/ns/schema/([12])\.(\d{1,2})/?$")
ACCEPT = {"Accept": "application/json"}


class LookupFailed(Failure, kind="nodeinfo"):
    """The server answered, but not with a NodeInfo document naming its software."""


@dataclass(frozen=True)
class Found:
    """The outcome of a lookup: ``software`` when found; else ``refused`` (the guard would
    not contact the server, or its name does not resolve: the visitor's input is at
    fault) or a failure (``reason``) after which the Mastodon share page is the guess."""

    software: str | None = None
    server: str = ""  # where the NodeInfo document was, when that is another host
    refused: bool = False
    reason: str = ""
    kind: str = ""  # the guard's or the lookup's failure kind, for metrics
    cached: bool = False

    def pack(self) -> str:
        if self.software:
            return f"ok|{self.software}|{self.server}"
        return f"{'refused' if self.refused else 'failed'}|{self.kind}|{self.reason}"

    @classmethod
    def unpack(cls, text: str) -> Found | None:
        state, _, rest = text.partition("|")
        name, _, server = rest.partition("|")
        if state == "ok" and software_name(name):
            return cls(software=name, server=normal_name(server) or "", cached=True)
        if state in ("refused", "failed"):
            kind, _, reason = rest.partition("|")
            return cls(refused=state == "refused", reason=reason, kind=kind, cached=True)
        return None


class Discovery:
    """Finds and remembers the software of fediverse hosts. One per process."""

    def __init__(
        self,
        guard: Guard,
        store: Store,
        *,
        clock: Callable[[], float] = time.time,
        timeout: float = LOOKUP_SECONDS,
    ):
        self.guard = guard
        self.store = store
        self.clock = clock
        self.timeout = timeout
        self._inflight: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()

    def software(self, host: str) -> Found:
        """What runs on ``host`` (a name from ``instance_host``): from the store, else
        asked once (concurrent requests for the same host in this process wait for it)."""
        key = f"fedi:{host}"
        known = self._cached(key)
        if known is not None:
            return known
        with self._lock:
            gate = self._inflight.setdefault(host, threading.Lock())
        with gate:
            known = self._cached(key)
            if known is None:
                known = self._lookup(host)
                self._remember(key, known)
                result = "found" if known.software else "refused" if known.refused else "failed"
                metrics.fediverse_lookup(result, known.kind)
        with self._lock:
            self._inflight.pop(host, None)
        return known

    def _cached(self, key: str) -> Found | None:
        try:
            text = self.store.value(key, self.clock())
        except StoreError:
            metrics.store_error("fediverse")
            return None
        return Found.unpack(text) if text else None

    def _remember(self, key: str, found: Found) -> None:
        keep = FOUND_SECONDS if found.software else FAILED_SECONDS
        try:
            self.store.claim(key, found.pack(), keep, self.clock())
        except StoreError:
            metrics.store_error("fediverse")

    def _lookup(self, host: str) -> Found:
        deadline = time.monotonic() + self.timeout
        try:
            name, where = self._ask(host, deadline)
        except (Refused, Unresolvable) as exc:
            if exc.kind == "dns_timeout":
                return Found(reason=exc.reason, kind=exc.kind)
            return Found(refused=True, reason=exc.reason, kind=exc.kind)
        except GuardError as exc:
            return Found(reason=exc.reason, kind=exc.kind)
        except LookupFailed as exc:
            return Found(reason=str(exc), kind=exc.kind)
        return Found(software=name, server="" if where == host else where)

    def _ask(self, host: str, deadline: float) -> tuple[str, str]:
        """The software's name, and the host that served its NodeInfo document: a domain
        that lends its name to a server elsewhere (``@alice@example.org`` on
        ``social.example.org``) redirects or links there, and that server is the one with
        the share page."""
        first = self.guard.fetch(
            f"https://{host}{WELL_KNOWN}", headers=ACCEPT, timeout=_left(deadline)
        )
        if first.status != 200:
            raise LookupFailed(f"the server publishes no NodeInfo (HTTP {first.status})")
        href = pick_link(first.json(), first.url)
        second = self.guard.fetch(href, headers=ACCEPT, timeout=_left(deadline))
        if second.status != 200:
            raise LookupFailed(f"the NodeInfo document is missing (HTTP {second.status})")
        where = normal_name(urlsplit(second.url).hostname or "") or host
        return read_software(second.json()), where


def _left(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise LookupFailed("timed out")
    return left


def pick_link(index: object, base: str) -> str:
    """The URL of the newest NodeInfo document a ``/.well-known/nodeinfo`` answer lists."""
    links = index.get("links") if isinstance(index, dict) else None
    if not isinstance(links, list):
        raise LookupFailed("the NodeInfo index has no links")
    best: tuple[tuple[int, int], str] | None = None
    for link in links[:20]:
        if not isinstance(link, dict):
            continue
        rel, href = link.get("rel"), link.get("href")
        found = _SCHEMA.match(rel) if isinstance(rel, str) else None
        if not found or not isinstance(href, str) or not href.strip():
            continue
        version = (int(found.group(1)), int(found.group(2)))
        if best is None or version > best[0]:
            best = (version, urljoin(base, href.strip()))
    if best is None:
        raise LookupFailed("the NodeInfo index lists no NodeInfo document")
    return best[1]


def read_software(doc: object) -> str:
    """``software.name`` of a NodeInfo document, checked to be a plain name."""
    software = doc.get("software") if isinstance(doc, dict) else None
    name = software_name(software.get("name")) if isinstance(software, dict) else None
    if name is None:
        raise LookupFailed("the NodeInfo document names no software")
    return name


__all__ = ["Discovery", "Found", "LookupFailed", "pick_link", "read_software"]
