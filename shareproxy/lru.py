"""A least-recently-used map bounded by entries and by bytes.

Every per-worker memo keyed by page URL (the answers of /api/counts, the query strings
that asked them, the click counts read) holds text a client chose, up to the longest URL
or query string accepted: a bound by entries alone lets long URLs multiply its memory.
Each entry is weighed by a function of its key and value (the strings' sizes, with
``sys.getsizeof``, plus what the caller says the rest costs) and the least recently used
entries go first when either bound is passed. Not thread-safe: the caller's lock guards it.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class SizedLRU(Generic[K, V]):
    def __init__(self, most: int, max_bytes: int, weigh: Callable[[K, V], int]) -> None:
        self.most = max(1, most)
        self.max_bytes = max_bytes
        self.weigh = weigh
        self._items: OrderedDict[K, V] = OrderedDict()
        self._bytes = 0

    def get(self, key: K) -> V | None:
        """The value of ``key`` (its place in the order unchanged: :meth:`touch`)."""
        return self._items.get(key)

    def touch(self, key: K) -> None:
        """``key`` was used: it goes last."""
        self._items.move_to_end(key)

    def put(self, key: K, value: V) -> None:
        """Keep ``value`` under ``key`` as the most recently used, then forget the least
        recently used while a bound is passed. A value heavier than the byte bound on its
        own is not kept."""
        self.pop(key)
        cost = self.weigh(key, value)
        if cost > self.max_bytes:
            return
        self._items[key] = value
        self._bytes += cost
        while len(self._items) > self.most or self._bytes > self.max_bytes:
            old_key, old = self._items.popitem(last=False)
            self._bytes -= self.weigh(old_key, old)

    def replace(self, key: K, value: V) -> None:
        """A new value of the same weight for a key kept now, in place."""
        self._items[key] = value

    def pop(self, key: K) -> V | None:
        found = self._items.pop(key, None)
        if found is not None:
            self._bytes -= self.weigh(key, found)
        return found

    def clear(self) -> None:
        self._items.clear()
        self._bytes = 0

    def keys(self) -> list[K]:
        return list(self._items)

    def __iter__(self) -> Iterator[K]:
        return iter(self._items)

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def __len__(self) -> int:
        return len(self._items)

    @property
    def nbytes(self) -> int:
        """The bytes held, as the byte bound counts them."""
        return self._bytes
