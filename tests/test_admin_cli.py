"""The `shareproxy` command: ttl get|set, cache purge, stats, hash-password."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from click.testing import CliRunner
from werkzeug.security import check_password_hash

from shareproxy.cli import main
from shareproxy.store import Entry
from shareproxy.store.sqlite import SQLiteStore


@pytest.fixture
def env(tmp_path: Any) -> dict[str, str]:
    return {
        "SHAREPROXY_STORE": f"sqlite:///{tmp_path / 'cli.db'}",
        "SHAREPROXY_ALLOWED_DOMAINS": "example.org",
    }


def run(env: dict[str, str], *args: str, input: str | None = None) -> Any:
    return CliRunner(env=env).invoke(main, list(args), input=input)


def test_ttl_set_and_get(env: dict[str, str]) -> None:
    result = run(env, "ttl", "set", "reddit", "1200")
    assert result.exit_code == 0, result.output
    assert run(env, "ttl", "get", "reddit").output.startswith("reddit\t1200\t")
    everything = run(env, "ttl", "get").output
    assert "facebook\t3600\t(floor 3600)" in everything
    assert run(env, "ttl", "set", "reddit", "--reset").exit_code == 0
    assert run(env, "ttl", "get", "reddit").output.startswith("reddit\t3600\t")


@pytest.mark.parametrize(
    "args",
    [
        ("ttl", "set", "facebook", "60"),  # below the floor
        ("ttl", "set", "facebook", "99999999"),  # above the ceiling
        ("ttl", "set", "twitter", "3600"),  # no count API
        ("ttl", "set", "facebook"),  # nothing to set
        ("ttl", "set", "facebook", "ten"),
        ("ttl", "get", "nope"),
    ],
)
def test_ttl_refuses_bad_input(env: dict[str, str], args: tuple[str, ...]) -> None:
    result = run(env, *args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output


def test_cache_purge(env: dict[str, str], tmp_path: Any) -> None:
    store = SQLiteStore(str(tmp_path / "cli.db"))
    now = time.time()
    for url in ("https://example.org/a", "https://example.org/b"):
        store.put_entry(url, "vk", Entry(3, now, now), 3600)
    result = run(env, "cache", "purge", "--url", "https://example.org/a?utm_source=x")
    assert result.exit_code == 0 and "purged 1" in result.output
    assert store.count_entries() == 1
    assert run(env, "cache", "purge").exit_code == 2  # say what to purge
    assert run(env, "cache", "purge", "--url", "ftp://x").exit_code == 2
    assert "purged 1" in run(env, "cache", "purge", "--all").output
    assert store.count_entries() == 0
    store.close()


def test_stats(env: dict[str, str], tmp_path: Any) -> None:
    store = SQLiteStore(str(tmp_path / "cli.db"))
    minute = int(time.time() // 60) * 60
    store.add_stats(
        [("m", minute, "vk", "hit", 3.0), ("h", minute - minute % 3600, "vk", "hit", 3.0)],
        {"m": 7200, "h": 86400},
    )
    store.close()
    out = json.loads(run(env, "stats", "--json").output)
    assert out["hour"]["vk"]["hit"] == 3 and out["day"]["vk"]["requests"] == 3
    text = run(env, "stats").output
    assert text.splitlines()[0].startswith("network\tspan")
    assert "vk\thour\t3\t1.0" in text


def test_hash_password_prints_a_scrypt_hash(env: dict[str, str]) -> None:
    secret = "a long enough passphrase"
    result = run(env, "hash-password", input=f"{secret}\n{secret}\n")
    assert result.exit_code == 0, result.output
    line = result.output.strip().splitlines()[-1]
    assert line.startswith("scrypt:")
    assert check_password_hash(line, secret)
    assert secret not in result.output


def test_hash_password_refuses_short_or_mismatched(env: dict[str, str]) -> None:
    assert run(env, "hash-password", input="short\nshort\n").exit_code == 1
    result = run(env, "hash-password", input="a long enough one\nanother long one\n")
    assert result.exit_code != 0


def test_a_bad_setting_is_one_line(env: dict[str, str]) -> None:
    result = run({**env, "SHAREPROXY_CACHE_TTL": "soon"}, "ttl", "get")
    assert result.exit_code == 1
    assert "SHAREPROXY_CACHE_TTL" in result.output and "Traceback" not in result.output
