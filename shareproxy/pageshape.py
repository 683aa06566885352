"""Pages of buttons cut where what differs between a site's pages goes.

The pages of buttons of one site are alike: the same networks, language, theme and other
options on every page; what differs is the page's URL and title, the links that carry
them, and the counts. So a page is rendered once per shape with marks in those places
(:func:`mark`: a character of Unicode's private use area and the number of a slot) and
cut there (:func:`cut`); another page of the same shape is the pieces joined with its own
values, escaped as the template escapes them (:meth:`Cut.fill`). The face that renders
compares the first page filled this way with the page rendered in full, and renders in
full every page of a shape for which they differ.

:class:`Shapes` keeps the cut pages of a process, bounded in bytes, least recently used
dropped first.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from .lru import SizedLRU

_OPEN, _CLOSE = "\ue000", "\ue001"
_MARK = re.compile(f"{_OPEN}([0-9]+){_CLOSE}")
OVERHEAD = 512  # bytes counted for each shape kept beside its text and key

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


def mark(slot: int) -> str:
    """What a template is given in place of the value of ``slot`` (escaping leaves it)."""
    return f"{_OPEN}{slot}{_CLOSE}"


@dataclass(frozen=True, slots=True)
class Cut:
    """A rendered page cut at its marks: ``parts[0]``, then the value of ``slots[0]``,
    ``parts[1]``, and so on."""

    parts: tuple[str, ...]
    slots: tuple[int, ...]

    def fill(self, values: Sequence[str]) -> str:
        """The page with ``values[slot]`` (already escaped) at each mark of ``slot``."""
        parts, out = self.parts, [self.parts[0]]
        for i, slot in enumerate(self.slots, 1):
            out.append(values[slot])
            out.append(parts[i])
        return "".join(out)

    @property
    def size(self) -> int:
        return sum(len(p) for p in self.parts)


def cut(text: str, slots: int) -> Cut | None:
    """``text`` cut at its marks of slots below ``slots``; None when it has another mark
    or a stray mark character (a value of the page itself carried one)."""
    pieces = _MARK.split(text)
    parts, found = tuple(pieces[0::2]), tuple(int(s) for s in pieces[1::2])
    if any(s >= slots for s in found) or any(_OPEN in p or _CLOSE in p for p in parts):
        return None
    return Cut(parts, found)


class Shapes(Generic[K, V]):
    """What a process keeps per shape of page, bounded by entries and bytes (``weigh``
    of key and value); safe to share between threads."""

    def __init__(self, most: int, max_bytes: int, weigh: Callable[[K, V], int]) -> None:
        self._kept: SizedLRU[K, V] = SizedLRU(most, max_bytes, weigh)
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        found = self._kept.get(key)
        if found is not None:
            with self._lock:
                if key in self._kept:
                    self._kept.touch(key)
        return found

    def put(self, key: K, value: V) -> None:
        with self._lock:
            self._kept.put(key, value)

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()

    def __len__(self) -> int:
        return len(self._kept)

    @property
    def nbytes(self) -> int:
        return self._kept.nbytes
