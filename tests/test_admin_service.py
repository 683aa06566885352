"""The admin service alone, without Flask: the TTL rule and the purges every face uses."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from shareproxy.admin_service import AdminService, TTLRefused, check_ttl, parse_ttl
from shareproxy.container import Services, build
from shareproxy.embeds import NotEmbeddable
from shareproxy.settings import TTL_CEILING, load, ttl_floor
from shareproxy.store import Entry
from shareproxy.urls import BadURL


@pytest.fixture
def svc(tmp_path: Path) -> Iterator[Services]:
    settings = load(environ={}, overrides={"STORE": f"sqlite:///{tmp_path / 'admin.db'}"})
    services = build(settings, str(tmp_path))
    yield services
    services.close()


@pytest.mark.parametrize(
    ("raw", "seconds"), [(3600, 3600), ("2h", 7200), ("1d", 86400), (TTL_CEILING, TTL_CEILING)]
)
def test_parse_ttl_takes_numbers_and_durations(raw: object, seconds: int) -> None:
    assert parse_ttl("facebook", raw) == seconds


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        (True, "whole number"),
        (1.5, "whole number"),
        ("ten", "a number with a unit"),
        (ttl_floor("facebook") - 1, "below the floor of Facebook, 1 h (3600 s)"),
        (TTL_CEILING + 1, "above the ceiling, 7 d (604800 s)"),
    ],
)
def test_parse_ttl_says_why_it_refuses(raw: object, words: str) -> None:
    with pytest.raises(TTLRefused) as refused:
        parse_ttl("facebook", raw)
    assert words in refused.value.reason


def test_a_refusal_carries_the_bounds() -> None:
    with pytest.raises(TTLRefused) as refused:
        check_ttl("reddit", 10)
    assert (refused.value.floor, refused.value.ceiling) == (ttl_floor("reddit"), TTL_CEILING)


def test_set_ttl_checks_the_rule_and_resets(svc: Services) -> None:
    admin = AdminService(svc)
    with pytest.raises(TTLRefused):
        admin.set_ttl("facebook", 60)
    assert svc.store.get_meta().get("ttl:facebook") is None  # nothing written
    assert admin.set_ttl("facebook", 7200) == 7200
    assert admin.ttl("facebook") == {"network": "facebook", "seconds": 7200, "floor": 3600}
    assert admin.ttl_rows(["facebook"])[0]["source"] == "override"
    assert admin.set_ttl("facebook", None) == svc.settings.ttl_for("facebook")


def test_purge_counts_normalises_first(svc: Services) -> None:
    admin = AdminService(svc)
    now = time.time()
    for url in ("https://example.org/a", "https://example.org/b"):
        svc.store.put_entry(url, "vk", Entry(3, now, now), 3600)
    assert admin.purge_counts("https://example.org/a?utm_source=x") == (
        1,
        "https://example.org/a",
    )
    with pytest.raises(BadURL):
        admin.purge_counts("ftp://example.org/b", everything=True)
    assert svc.store.count_entries() == 1  # a bad URL purges nothing, even with everything
    assert admin.purge_counts(None) == (1, None)
    assert svc.store.count_entries() == 0


def test_purge_embeds_resolves_first(svc: Services) -> None:
    admin = AdminService(svc)
    now = time.time()
    svc.store.put_blob("p:youtube:dQw4w9WgXcQ", b"a preview", 3600, 1 << 20, now)
    with pytest.raises(NotEmbeddable):
        admin.purge_embeds("https://x.com/a/status/1")
    removed, item = admin.purge_embeds(" https://youtu.be/dQw4w9WgXcQ?si=x ")
    assert removed == 1 and item is not None and item[0].name == "youtube"
    assert svc.store.get_blob("p:youtube:dQw4w9WgXcQ", now) is None
