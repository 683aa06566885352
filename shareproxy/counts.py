"""``GET /api/counts``: what a request asks, the answer's body and headers, and the memo.

The Flask view (shareproxy/views/api.py) parses a request into a :class:`Query` and asks
:meth:`Counts.answer`; the WSGI fast path (shareproxy/fastpath.py) recognises a query
string the view parsed before and asks :meth:`Counts.memoised`, which never waits. Both
send :meth:`Counts.headers`, so the two paths answer the same bytes.

The memo: while every count of an answer is fresh nothing can change it (no refresh
starts before the first one expires; the cache announces purges and TTL changes), so it
is serialised once and served as bytes until then. An answer with first-party click
counts merged in is reused only while the click counts it was built from are the very
snapshot the click counter still holds.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass

from . import headers, metrics
from .cache import CountCache
from .clicks import ClickCounter
from .settings import Settings

MAX_QUERIES = 4096  # query strings remembered for the fast path
MAX_ORIGINS = 256  # Origin headers whose verdict is remembered
MemoKey = tuple[str, tuple[str, ...], Hashable]  # (URL, networks asked, variant)


@dataclass(frozen=True)
class Query:
    """A validated counts request."""

    url: str  # normalised page URL
    asked: tuple[str, ...]  # networks whose upstream counts are looked up
    chosen: tuple[str, ...] | None  # networks the request named (None: every network)
    merges: bool  # first-party click counts go into the answer
    variant: Hashable  # what else the merge depends on
    # The Shariff Wrapper plugin's ``services`` (shareproxy/wordpress.py): the answer's
    # names as asked, with our network for each (None: our names), and its ``total``.
    labels: tuple[tuple[str, str], ...] | None = None
    total: bool = False

    @property
    def key(self) -> MemoKey:
        return (self.url, self.asked, (self.variant, self.labels, self.total))

    def body(self, found: dict[str, int]) -> bytes:
        """The JSON answer for the counts ``found`` (network -> count)."""
        shown = found
        if self.labels is not None:
            shown = {name: found[ours] for name, ours in self.labels if ours in found}
        if self.total:  # each network once, whatever the names it was asked under
            shown = {**shown, "total": sum(found.values())}
        return json.dumps(shown, separators=(",", ":")).encode()


@dataclass(frozen=True, slots=True)
class Memo:
    """An answer serialised once, reused until its first count expires."""

    body: bytes
    expires: float  # clock time
    hits: tuple[tuple[str, str], ...]  # (network, outcome) a lookup would have counted
    version: object  # the click snapshot merged in (None: nothing merged)


class Counts:
    def __init__(
        self,
        settings: Settings,
        cache: CountCache,
        clicks: ClickCounter,
        enabled: Iterable[str],
    ) -> None:
        self.settings = settings
        self.cache = cache
        self.clicks = clicks
        self.enabled = list(enabled)
        self.mode = settings.click_counts
        self.deadline = float(settings.request_deadline)
        self.allowed = settings.allowed_domains
        self._lock = threading.Lock()
        self._answers: OrderedDict[MemoKey, Memo] = OrderedDict()
        self._answers_max = max(1, min(int(settings.cache_size) // 4, 20_000))
        self._queries: dict[str, Query] = {}
        self._origins: dict[str, bool] = {}
        cache.on_change(self._forget)

    # --- what a request asks

    def query(
        self,
        url: str,
        wanted: list[str],
        named: bool,
        labels: tuple[tuple[str, str], ...] | None = None,
        total: bool = False,
    ) -> Query:
        """The query for ``url`` and the ``wanted`` networks (``named``: the request listed
        them; otherwise ``wanted`` is every network with counts on). ``labels`` and
        ``total`` shape the answer as the Shariff Wrapper plugin asks (:class:`Query`)."""
        asked = tuple(name for name in wanted if name in self.enabled)
        mode = self.mode
        if mode == "off" or (mode == "fill" and named and len(asked) == len(wanted)):
            # no click count can enter it
            return Query(url, asked, None, False, None, labels, total)
        chosen = tuple(wanted) if named else None
        return Query(url, asked, chosen, True, (mode, chosen), labels, total)

    def remember(self, raw_query: bytes, query: Query) -> None:
        """The view parsed ``raw_query`` into ``query``: the fast path may recognise it."""
        if query.merges:  # the fast path serves answers without click counts only
            return
        with self._lock:
            if len(self._queries) >= MAX_QUERIES:
                self._queries.clear()
            self._queries[raw_query.decode("latin-1")] = query

    def recall(self, raw_query: str) -> Query | None:
        """The query a query string was parsed into before, if this worker remembers it."""
        return self._queries.get(raw_query)

    # --- the answer

    def answer(self, query: Query) -> tuple[bytes, int]:
        """The JSON body (``{"network": count}``, shaped by :meth:`Query.body`) and its
        max-age, waiting at most the request deadline for counts not in the cache."""
        now = self.cache.clock()
        self.cache.sync(now)
        version = self.clicks.snapshot(query.url) if query.merges else None
        hit = self._memo(query.key, version, now)
        if hit is not None:
            return hit
        result = self.cache.lookup(query.url, query.asked, self.deadline)
        found = result.counts
        if query.merges:
            chosen = list(query.chosen) if query.chosen is not None else None
            found = self.clicks.merge(query.url, found, chosen, self.enabled)
        body = query.body(found)
        if result.complete and result.max_age > 0:
            hits = self.cache.outcomes(query.url, query.asked)
            if hits is not None:
                memo = Memo(body, now + result.max_age, hits, version)
                with self._lock:
                    self._answers[query.key] = memo
                    if len(self._answers) > self._answers_max:
                        self._answers.popitem(last=False)
        return body, result.max_age

    def memoised(self, query: Query) -> tuple[bytes, int] | None:
        """:meth:`answer` when it is in the memo and fresh (counting the same metrics),
        else None: never fetches or waits."""
        now = self.cache.clock()
        self.cache.sync(now)
        if query.merges:
            return None
        return self._memo(query.key, None, now)

    def _memo(self, key: MemoKey, version: object, now: float) -> tuple[bytes, int] | None:
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

    def _forget(self, url: str | None) -> None:
        with self._lock:
            if url is None:
                self._answers.clear()
            else:
                for key in [k for k in self._answers if k[0] == url]:
                    del self._answers[key]

    # --- the response

    def headers(self, body: bytes, max_age: int, origin: str) -> list[tuple[str, str]]:
        """Every header of a 200 answer: type, length, freshness, CORS, security."""
        sent = [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(body))),
            ("Cache-Control", headers.public(max_age)),
            ("Vary", "Origin"),
        ]
        if origin and self._origin_allowed(origin):
            sent.append(("Access-Control-Allow-Origin", origin))
        sent += headers.SECURITY
        return sent

    def _origin_allowed(self, origin: str) -> bool:
        found = self._origins.get(origin)
        if found is None:
            if len(self._origins) >= MAX_ORIGINS:
                self._origins.clear()
            found = self._origins[origin] = bool(headers.allowed_origin(origin, self.allowed))
        return found
