"""The LRU bounded by entries and bytes (shareproxy/lru.py)."""

from __future__ import annotations

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
