"""The LRU bounded by entries and bytes (shareproxy/lru.py)."""

from __future__ import annotations

import gc
import random
import weakref
from collections import OrderedDict

from shareproxy.lru import SizedLRU


def weigh(key: str, value: str) -> int:
    return len(key) + len(value)


def test_the_least_recently_used_go_first_when_either_bound_is_passed() -> None:
    lru: SizedLRU[str, str] = SizedLRU(3, 100, weigh)
    for key in "abc":
        lru.put(key, "x" * 9)  # 10 bytes each
    lru.touch("a")
    lru.put("d", "x" * 9)  # a fourth entry: "b", the least recently used, goes
    assert list(lru) == ["c", "a", "d"] and lru.nbytes == 30
    lru.put("e", "x" * 80)  # 81 bytes: over 100 in all, the oldest go until it fits
    assert list(lru) == ["d", "e"] and lru.nbytes == 91
    assert lru.get("e") == "x" * 80 and lru.get("a") is None


def test_a_value_heavier_than_the_bound_is_not_kept_and_weights_follow_changes() -> None:
    lru: SizedLRU[str, str] = SizedLRU(10, 50, weigh)
    lru.put("a", "x" * 9)
    lru.put("big", "x" * 60)
    assert list(lru) == ["a"] and lru.nbytes == 10
    lru.put("a", "x" * 19)  # replaced: weighed anew
    assert lru.nbytes == 20
    assert lru.pop("a") == "x" * 19 and lru.nbytes == 0 and len(lru) == 0
    lru.put("b", "y")
    lru.clear()
    assert lru.nbytes == 0 and "b" not in lru


class Model:
    """The reference: an exact LRU on an ordered dict, with the same two bounds."""

    def __init__(self, most: int, max_bytes: int) -> None:
        self.most, self.max_bytes = most, max_bytes
        self.items: OrderedDict[str, str] = OrderedDict()

    def put(self, key: str, value: str) -> None:
        self.items.pop(key, None)
        if weigh(key, value) > self.max_bytes:
            return
        self.items[key] = value
        while len(self.items) > 1 and (
            len(self.items) > self.most
            or sum(weigh(k, v) for k, v in self.items.items()) > self.max_bytes
        ):
            self.items.popitem(last=False)

    def use(self, key: str) -> str | None:
        if key in self.items:
            self.items.move_to_end(key)
        return self.items.get(key)


def test_the_order_is_exact_across_generations() -> None:
    """Thousands of random puts, uses, reads and pops: the map holds what an exact LRU
    holds, in the same order, while its two dicts turn generations many times."""
    rnd = random.Random(7)
    lru: SizedLRU[str, str] = SizedLRU(20, 400, weigh)
    model = Model(20, 400)
    for step in range(20_000):
        key = f"k{rnd.randrange(60)}"
        op = rnd.random()
        if op < 0.45:
            value = "v" * rnd.randrange(1, 40)
            lru.put(key, value)
            model.put(key, value)
        elif op < 0.8:
            assert lru.use(key) == model.use(key), step
        elif op < 0.9:
            assert lru.get(key) == model.items.get(key)
        else:
            assert lru.pop(key) == model.items.pop(key, None)
        assert lru.keys() == list(model.items), step
        assert len(lru) == len(model.items)
        assert lru.nbytes == sum(weigh(k, v) for k, v in model.items.items())
    assert lru._old or lru._queue  # generations did turn


class Key:
    def __init__(self, n: int) -> None:
        self.n = n

    def __hash__(self) -> int:
        return self.n

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Key) and other.n == self.n


def test_forgotten_keys_are_not_kept_alive() -> None:
    lru: SizedLRU[Key, str] = SizedLRU(10, 10**6, lambda key, value: 1)
    refs = []
    for n in range(100):
        key = Key(n)
        refs.append(weakref.ref(key))
        lru.put(key, "x")
        del key
    gc.collect()
    alive = [ref for ref in refs if ref() is not None]
    assert len(alive) == 10 and all(ref() in lru for ref in alive)


def test_units_bound_what_each_key_counts() -> None:
    """A key may count for several units (the count cache: a URL's entries)."""
    lru: SizedLRU[str, int] = SizedLRU(10, 0, lambda key, value: 1, lambda key, value: value)
    lru.put("a", 4)
    lru.put("b", 4)
    lru.use("a")
    lru.put("c", 3)  # 11 units: "b", the least recently used, goes
    assert lru.keys() == ["a", "c"] and lru.nunits == 7
    lru.put("big", 12)  # over the bound on its own: kept, alone
    assert lru.keys() == ["big"] and lru.nunits == 12
