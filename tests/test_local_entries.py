"""The packed in-memory level of the count cache (``LocalEntries``)."""

from __future__ import annotations

from shareproxy.cache import LocalEntries
from shareproxy.store import Entry


def test_entries_round_trip_exactly() -> None:
    local = LocalEntries(10)
    good = Entry(123456789, 1_700_000_000.125, 1_700_000_100.5, None)
    failed = Entry(None, 0.0, 1_700_000_200.25, "http_503")
    stale = Entry(7, 1_600_000_000.0, 1_700_000_300.0, "rate_limited")
    local.set("https://a.example/", "buffer", good)
    local.set("https://a.example/", "vk", failed)
    local.set("https://a.example/", "pinterest", stale)
    assert local.get("https://a.example/", "buffer") == good
    assert local.get("https://a.example/", "vk") == failed
    assert local.get("https://a.example/", "pinterest") == stale
    assert local.get("https://a.example/", "tumblr") is None
    assert local.get("https://b.example/", "buffer") is None
    assert len(local) == 3


def test_replacing_an_entry_keeps_the_others() -> None:
    local = LocalEntries(10)
    local.set("u", "buffer", Entry(1, 1.0, 1.0))
    local.set("u", "vk", Entry(2, 1.0, 1.0))
    local.set("u", "buffer", Entry(3, 2.0, 2.0))
    assert local.get("u", "buffer") == Entry(3, 2.0, 2.0)
    assert local.get("u", "vk") == Entry(2, 1.0, 1.0)
    assert len(local) == 2


def test_least_recently_used_urls_go_first_with_all_their_entries() -> None:
    local = LocalEntries(4)
    local.set("old", "buffer", Entry(1, 1.0, 1.0))
    local.set("old", "vk", Entry(1, 1.0, 1.0))
    local.set("used", "buffer", Entry(2, 1.0, 1.0))
    assert local.get("old", "vk") is not None  # now "used" is the least recent
    local.set("new", "buffer", Entry(3, 1.0, 1.0))
    local.set("new", "vk", Entry(3, 1.0, 1.0))
    assert local.get("used", "buffer") is None
    assert local.get("old", "buffer") is not None
    assert len(local) == 4
    local.forget("old")
    assert local.get("old", "buffer") is None
    assert len(local) == 2
    local.clear()
    assert len(local) == 0
    assert local.get("new", "vk") is None


def test_a_count_beyond_64_bits_is_not_kept() -> None:
    local = LocalEntries(10)
    local.set("u", "buffer", Entry(5, 1.0, 1.0))
    local.set("u", "buffer", Entry(2**70, 2.0, 2.0))
    local.set("u", "vk", Entry(1, 1.0, 1.0))
    assert local.get("u", "buffer") is None
    assert local.get("u", "vk") == Entry(1, 1.0, 1.0)
    assert len(local) == 1


def test_long_urls_are_bounded_by_bytes_not_only_by_entries() -> None:
    budget = 256 * 1024
    local = LocalEntries(1_000_000, max_bytes=budget)
    entry = Entry(1, 1.0, 1.0)
    for i in range(2000):  # 2000 URLs of 2 KB: ~4.5 MB unbounded
        local.set(f"https://example.org/{i:06d}/" + "x" * 2048, "buffer", entry)
    assert local.nbytes <= budget
    # the bytes counted are the real ones: the URLs' text, the records, the slots
    held = len(local)
    assert held * 2048 < local.nbytes <= held * (2048 + 400)
    assert held < 2000  # the oldest went
    assert local.get(f"https://example.org/{1999:06d}/" + "x" * 2048, "buffer") == entry
    assert local.get(f"https://example.org/{0:06d}/" + "x" * 2048, "buffer") is None
    # forgetting and clearing give the bytes back
    local.forget(f"https://example.org/{1999:06d}/" + "x" * 2048)
    assert local.nbytes < budget - 2048
    local.clear()
    assert local.nbytes == 0 and len(local) == 0


def test_the_byte_count_follows_replacements_and_growth() -> None:
    local = LocalEntries(100, max_bytes=10**6)
    local.set("u", "buffer", Entry(1, 1.0, 1.0))
    one = local.nbytes
    local.set("u", "buffer", Entry(2, 2.0, 2.0))  # replaced: the same size
    assert local.nbytes == one
    local.set("u", "vk", Entry(3, 1.0, 1.0))  # one more record in the same URL
    assert local.nbytes > one
    local.forget("u")
    assert local.nbytes == 0


def test_six_counts_fetched_without_error_take_14_bytes_each() -> None:
    """A count under 2**32 takes 4 bytes, a check at the time of the fetch none; anything
    else still comes back exactly."""
    local = LocalEntries(100)
    networks = ["buffer", "vk", "pinterest", "tumblr", "xing", "odnoklassniki"]
    for i, name in enumerate(networks):
        local.set("u", name, Entry(1000 + i, 1_700_000_000.123 + i, 1_700_000_000.123 + i))
    record = local._urls.get("u")
    assert record is not None and len(record) == 1 + 6 * 14
    odd = {
        "buffer": Entry(-1, 1.5, 1.5),  # a negative count: 8 bytes
        "vk": Entry(2**40, 2.0, 3.0, "timeout"),  # wide, checked later, failed
        "xing": Entry(2**63 - 1, 0.0, 0.0),
    }
    for name, entry in odd.items():
        local.set("u", name, entry)
    for i, name in enumerate(networks):
        fresh = Entry(1000 + i, 1_700_000_000.123 + i, 1_700_000_000.123 + i)
        assert local.get("u", name) == odd.get(name, fresh)
    assert len(local) == 6
