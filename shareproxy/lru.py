"""A least-recently-used map bounded by entries and by bytes.

Every per-worker memo keyed by page URL (the answers of /api/counts, the query strings
that asked them, the click counts read) holds text a client chose, up to the longest URL
or query string accepted: a bound by entries alone lets long URLs multiply its memory.
Each entry is weighed by a function of its key and value (the strings' sizes, with
``sys.getsizeof``, plus what the caller says the rest costs) and the least recently used
entries go first when either bound is passed. Not thread-safe: the caller's lock guards it.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from itertools import chain
from typing import Any, Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


_MISSING: object = object()


def _one(key: object, value: object) -> int:
    return 1


class SizedLRU(Generic[K, V]):
    """A map whose least recently used keys go first, in constant time, on plain dicts.

    Two generations, each a plain dict in the order its keys were last used: a key put or
    used goes last in the young one; when a bound is passed, the old generation's keys go,
    first used first (a list of its keys, made when it turned old, gives that order); once
    it is empty the young generation becomes the old one. Every key of the old generation
    was used before every key of the young one, so the order is exact. A dict slot costs
    ~40 bytes where an ordered dict's costs ~90 (its links): this map holds the count
    cache's hundred thousand URLs and the memos of answers.

    Two bounds: ``most`` units (each key ``units(key, value)``, default 1) and
    ``max_bytes`` (each key ``weigh(key, value)``; 0: no byte bound). A value heavier than
    the byte bound on its own is not kept; the key just put stays even if its units alone
    pass ``most``. A key popped from the old generation stays in its list (not in the map)
    until the next turn or until eviction passes it. Not thread-safe: the caller's lock
    guards it.
    """

    def __init__(
        self,
        most: int,
        max_bytes: int,
        weigh: Callable[[K, V], int],
        units: Callable[[K, V], int] = _one,
    ) -> None:
        self.most = max(1, most)
        self.max_bytes = max_bytes
        self.weigh = weigh
        self.units = units
        self._young: dict[K, V] = {}
        self._old: dict[K, V] = {}
        self._queue: list[Any] = []  # the old generation's keys, least recently used first
        self._next = 0  # the first of them that may still be there
        self._units = 0
        self._bytes = 0

    def get(self, key: K) -> V | None:
        """The value of ``key``, its place unchanged (:meth:`use` marks it used)."""
        found = self._young.get(key)
        if found is None:
            found = self._old.get(key)
        return found

    def use(self, key: K) -> V | None:
        """The value of ``key``, which was used: it goes last."""
        found = self._young.pop(key, None)
        if found is None:
            found = self._old.pop(key, None)
        if found is not None:
            self._young[key] = found
        return found

    def touch(self, key: K) -> None:
        """``key`` was used: it goes last."""
        self.use(key)

    def put(self, key: K, value: V) -> None:
        """Keep ``value`` under ``key`` as the most recently used, then forget the least
        recently used while a bound is passed."""
        self.pop(key)
        cost = self.weigh(key, value)
        if self.max_bytes and cost > self.max_bytes:
            return
        self._young[key] = value
        self._units += self.units(key, value)
        self._bytes += cost
        while self._units > self.most or (self.max_bytes and self._bytes > self.max_bytes):
            if not self._drop_oldest(key):
                break

    def _drop_oldest(self, keep: K) -> bool:
        """Forget the least recently used key (turning generations when the old one is
        empty), never ``keep``. False when there is nothing else to forget."""
        while True:
            while self._next < len(self._queue):
                key = self._queue[self._next]
                self._queue[self._next] = None  # the list must not keep the key alive
                self._next += 1
                value = self._old.pop(key, _MISSING)
                if value is not _MISSING:
                    self._units -= self.units(key, value)  # type: ignore[arg-type]
                    self._bytes -= self.weigh(key, value)  # type: ignore[arg-type]
                    return True
            # the old generation is empty: the young one ages, but for ``keep``
            kept = self._young.pop(keep)
            if not self._young:
                self._young[keep] = kept
                return False
            self._old, self._young = self._young, {keep: kept}
            self._queue = list(self._old)
            self._next = 0

    def replace(self, key: K, value: V) -> None:
        """A new value of the same weight for a key kept now, in place."""
        if key in self._young:
            self._young[key] = value
        else:
            self._old[key] = value

    def pop(self, key: K) -> V | None:
        found = self._young.pop(key, None)
        if found is None:
            found = self._old.pop(key, None)
        if found is not None:
            self._units -= self.units(key, found)
            self._bytes -= self.weigh(key, found)
        return found

    def clear(self) -> None:
        self._young = {}
        self._old = {}
        self._queue = []
        self._next = 0
        self._units = 0
        self._bytes = 0

    def keys(self) -> list[K]:
        """Every key, the least recently used first."""
        return list(self)

    def __iter__(self) -> Iterator[K]:
        return chain(self._old, self._young)

    def __contains__(self, key: object) -> bool:
        return key in self._young or key in self._old

    def __len__(self) -> int:
        return len(self._young) + len(self._old)

    @property
    def nunits(self) -> int:
        """The units held, as the bound ``most`` counts them."""
        return self._units

    @property
    def nbytes(self) -> int:
        """The bytes held, as the byte bound counts them."""
        return self._bytes
