"""``GET /api/counts``: what a request asks, the answer's body and headers, and the memo.

The Flask view (shareproxy/views/api.py) parses a request into a :class:`Query` and asks
:meth:`Counts.answer`; the WSGI fast path (shareproxy/fastpath.py) recognises a query
string the view parsed before and asks :meth:`Counts.memoised`, which never waits. Both
send :meth:`Counts.headers`, so the two paths answer the same bytes.

The memo: while every count of an answer is fresh nothing can change it (no refresh
starts before the first one expires; the cache announces purges and TTL changes), so it
is serialised once and served as bytes until then. An answer with first-party click
counts merged in is reused only while the click counts it was built from are still what
the click counter holds (the same snapshot, or one read again with the same counts):
this worker's own click drops the snapshot at once, another's is read within
``clicks.READ_CACHE_SECONDS``, as without the memo. Both paths share this one memo and
count its answers' cache metrics the same way (``metrics.TALLY``).
"""

from __future__ import annotations

import hashlib
import json
import sys
import threading
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from . import headers, metrics
from .cache import CountCache
from .clicks import ClickCounter
from .lru import SizedLRU
from .networks import NETWORKS
from .settings import Settings

MAX_ORIGINS = 256  # Origin headers whose verdict is remembered
MAX_SHARED = 4096  # distinct network lists and outcomes kept as one object each
T = TypeVar("T", bound=tuple[Any, ...])
# Memoised answers at most (fewer with a small CACHE_SIZE): a hot set of 10 000 pages per
# worker with room to spare, ~0.6 KB each besides the URL the count cache holds too.
MAX_ANSWERS = 12_000
# Each memo (answers, query strings) takes at most this share of SHAREPROXY_CACHE_BYTES:
# an entry weighs its URL and body (or query string digest), plus what its objects cost
# besides (a Memo or Query, its key tuple, its dict slot: ~240 bytes by tracemalloc on
# CPython 3.11, rounded up).
MEMO_SHARE = 4  # a quarter
ENTRY_OVERHEAD = 320
# (URL, networks asked, variant, labels, total): one flat tuple, no tuple inside
MemoKey = tuple[str, tuple[str, ...], Hashable, Hashable, bool]
JSON_TYPE = ("Content-Type", "application/json")
VARY_ORIGIN = ("Vary", "Origin")


@dataclass(frozen=True, slots=True)
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
    key: MemoKey = field(init=False, repr=False, compare=False)  # the memo's key

    def __post_init__(self) -> None:
        key = (self.url, self.asked, self.variant, self.labels, self.total)
        object.__setattr__(self, "key", key)

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
    hits: metrics.Hits  # (network, outcome) a lookup would have counted
    version: dict[str, int] | None  # the click snapshot merged in (None: nothing merged)


def _answer_weight(key: MemoKey, memo: Memo) -> int:
    return sys.getsizeof(key[0]) + sys.getsizeof(memo.body) + ENTRY_OVERHEAD


def _query_weight(digest: bytes, query: Query) -> int:
    return sys.getsizeof(digest) + sys.getsizeof(query.url) + ENTRY_OVERHEAD


def _digest(raw_query: bytes) -> bytes:
    """What the fast path keeps of a query string: 16 bytes instead of its text (a query
    string holds the page URL percent-encoded, 250 bytes for a URL of 140 characters)."""
    return hashlib.blake2b(raw_query, digest_size=16).digest()


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
        most = max(1, min(int(settings.cache_size) // 4, MAX_ANSWERS))
        memo_bytes = int(settings.cache_bytes) // MEMO_SHARE
        self._answers: SizedLRU[MemoKey, Memo] = SizedLRU(most, memo_bytes, _answer_weight)
        # digest of a raw query string -> what the view parsed it into, as many as answers
        self._queries: SizedLRU[bytes, Query] = SizedLRU(most, memo_bytes, _query_weight)
        self._origins: dict[str, bool] = {}
        self._changes = 0  # purges and TTL changes heard so far
        self._tuples: dict[Any, Any] = {}  # see _shared
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
        asked = self._shared(tuple(name for name in wanted if name in self.enabled))
        mode = self.mode
        if mode == "off" or (mode == "fill" and named and len(asked) == len(wanted)):
            # no click count can enter it
            return Query(url, asked, None, False, None, labels, total)
        chosen = tuple(wanted) if named else None
        return Query(url, asked, chosen, True, (mode, chosen), labels, total)

    def _shared(self, value: T) -> T:
        """One object for equal tuples: thousands of pages ask the same networks and get
        the same outcomes, so a memoised answer costs a few hundred bytes less."""
        found = self._tuples.get(value)
        if found is None:
            if len(self._tuples) >= MAX_SHARED:
                self._tuples.clear()
            found = self._tuples[value] = value
        return found

    def remember(self, raw_query: bytes, query: Query) -> None:
        """The view parsed ``raw_query`` into ``query``: the fast path may recognise it."""
        digest = _digest(raw_query)
        with self._lock:
            if digest in self._queries:
                return
            self._queries.put(digest, query)  # the ones remembered longest ago go first

    def recall(self, raw_query: str) -> Query | None:
        """The query a query string (as WSGI gives it, latin-1) was parsed into before, if
        this worker remembers it."""
        try:
            digest = _digest(raw_query.encode("latin-1"))
        except UnicodeEncodeError:  # not from a WSGI server: Flask's to parse
            return None
        return self._queries.get(digest)

    # --- the answer

    def answer(self, query: Query, wait: float | None = None) -> tuple[bytes, int]:
        """The JSON body (``{"network": count}``, shaped by :meth:`Query.body`) and its
        max-age, waiting at most ``wait`` seconds (default: the request deadline) for
        counts not in the cache."""
        now = self.cache.clock()
        self.cache.sync(now)
        version: dict[str, int] | None = None
        # The page's click counts decide whether a memoised answer holds; with none to
        # check (a page's first request), they are read while its counts are fetched.
        later = query.merges and not self._holds(query.key)
        if not later:
            version = self.clicks.snapshot(query.url) if query.merges else None
            hit = self._memo(query.key, version, now, None)
            if hit is not None:
                return hit

        def read_clicks() -> None:
            nonlocal version
            version = self.clicks.snapshot(query.url)

        changes = self._changes  # a purge or TTL change during the lookup voids it
        wait = self.deadline if wait is None else min(wait, self.deadline)
        result = self.cache.lookup(
            query.url, query.asked, wait, self.deadline, meanwhile=read_clicks if later else None
        )
        found = result.counts
        if query.merges:
            chosen = list(query.chosen) if query.chosen is not None else None
            found = self.clicks.merge(query.url, found, chosen, self.enabled)
        body = query.body(found)
        if result.complete and result.max_age > 0:
            hits = self.cache.outcomes(query.url, query.asked)
            if hits is not None:
                memo = Memo(body, now + result.max_age, self._shared(hits), version)
                with self._lock:
                    if changes == self._changes:
                        self._answers.put(query.key, memo)
        return body, result.max_age

    def at_once(self, url: str, wanted: list[str]) -> tuple[dict[str, int], list[str]]:
        """What a page can show for the ``wanted`` networks without waiting: the counts
        :meth:`answer` gives for them (fresh cached counts, click counts merged as
        SHAREPROXY_CLICK_COUNTS says), and the networks whose count is not fresh, for the
        browser to ask ``/api/counts``: the buttons show the numbers the API answers."""
        upstream = [name for name in wanted if name in self.enabled]
        fresh = self.cache.fresh(url, upstream)
        pending = [name for name in upstream if name not in fresh]
        settled = [name for name in wanted if name not in pending]
        found = fresh
        if self.mode != "off" and settled:
            found = self.clicks.merge(url, fresh, settled, self.enabled)
        return {name: found[name] for name in settled if name in found}, pending

    def countable(self, name: str) -> bool:
        """Whether an answer can ever hold a count of ``name``: its count API is on, or
        shares leave through shareproxy (/share/<name>) and click counts are on."""
        if name in self.enabled:
            return True
        net = NETWORKS[name]
        return self.mode != "off" and (net.via_shareproxy or net.kind == "fediverse")

    def memoised(
        self, query: Query, endpoint: str | None = None, below: int | None = None
    ) -> tuple[bytes, int] | None:
        """:meth:`answer` when it is in the memo, fresh and (with ``below``) shorter than
        ``below`` bytes, else None: never fetches or waits (it may read the page's click
        counts, as :meth:`answer` would). Counts the same cache metrics, and one 200
        answer of ``endpoint`` unless that is None."""
        now = self.cache.clock()
        self.cache.sync(now)
        version = self.clicks.snapshot(query.url) if query.merges else None
        return self._memo(query.key, version, now, endpoint, below)

    def _holds(self, key: MemoKey) -> bool:
        """Whether the memo has an answer for ``key``, fresh or not."""
        with self._lock:
            return self._answers.get(key) is not None

    def _memo(
        self,
        key: MemoKey,
        version: dict[str, int] | None,
        now: float,
        endpoint: str | None,
        below: int | None = None,
    ) -> tuple[bytes, int] | None:
        """A fresh memoised answer for ``key`` built from the click counts ``version``
        (counting its metrics), else None; a stale or outdated one is dropped."""
        with self._lock:
            found = self._answers.get(key)
            if found is None:
                return None
            if now >= found.expires or (found.version is not version and found.version != version):
                self._answers.pop(key)
                return None
            if below is not None and len(found.body) >= below:
                return None
            if found.version is not version:  # read again, the same counts
                self._answers.replace(key, replace(found, version=version))
            self._answers.touch(key)
        metrics.TALLY.add(endpoint, found.hits)
        return found.body, int(found.expires - now)

    def _forget(self, url: str | None) -> None:
        with self._lock:
            self._changes += 1
            if url is None:
                self._answers.clear()
            else:
                for key in [k for k in self._answers.keys() if k[0] == url]:
                    self._answers.pop(key)

    # --- the response

    def headers(self, body: bytes, max_age: int, origin: str) -> list[tuple[str, str]]:
        """Every header of a 200 answer: type, length, freshness, CORS, security."""
        sent = [
            JSON_TYPE,
            ("Content-Length", str(len(body))),
            ("Cache-Control", headers.public(max_age)),
            VARY_ORIGIN,
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
