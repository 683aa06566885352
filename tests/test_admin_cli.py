"""The `shareproxy` command: ttl get|set, cache purge, embed purge, stats, hash-password."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
from click.testing import CliRunner
from werkzeug.security import check_password_hash

from shareproxy import create_app, presence
from shareproxy.cli import main
from shareproxy.store import Entry
from shareproxy.store.sqlite import SQLiteStore


@pytest.fixture
def env(tmp_path: Any) -> dict[str, str]:
    return {
        "SHAREPROXY_STORE": f"sqlite:///{tmp_path / 'cli.db'}",
        "SHAREPROXY_ALLOWED_DOMAINS": "example.org",
    }


@pytest.fixture
def server(env: dict[str, str]) -> Iterator[Any]:
    """A running server on the same store: an app of this process, checking in."""
    app = create_app({"STORE": env["SHAREPROXY_STORE"]}, log_summary=False)
    svc = app.extensions["shareproxy"]
    assert presence.PRESENCE.check_in()
    yield svc
    svc.close()


def run(env: dict[str, str], *args: str, input: str | None = None) -> Any:
    return CliRunner(env=env).invoke(main, list(args), input=input)


def ttl_json(env: dict[str, str], *args: str) -> dict[str, dict[str, Any]]:
    result = run(env, "ttl", "get", "--json", *args)
    assert result.exit_code == 0, result.output
    return {row["network"]: row for row in json.loads(result.output)}


def test_ttl_set_and_get(env: dict[str, str], server: Any) -> None:
    result = run(env, "ttl", "set", "reddit", "1200")
    assert result.exit_code == 0, result.output
    assert "reddit: TTL 20 min (1200 s) saved; applied by 1 server process" in result.output
    assert result.output.startswith("store: SQLite ")  # which store it changed, in full
    assert server.cache.ttl("reddit") == 1200
    row = ttl_json(env, "reddit")["reddit"]
    assert row == {
        "network": "reddit", "label": "Reddit", "seconds": 1200, "source": "override",
        "override": 1200, "configured": 3600, "floor": 300, "ceiling": 604800,
    }  # fmt: skip
    text = run(env, "ttl", "get", "reddit").output
    assert re.search(r"^reddit +20 min \(1200 s\) +override +5 min$", text, re.M), text
    everything = run(env, "ttl", "get").output
    assert re.search(
        r"^facebook +1 h \(3600 s\) +SHAREPROXY_CACHE_TTL \(setting\) +1 h$", everything, re.M
    )
    assert f"store: SQLite {env['SHAREPROXY_STORE'][10:]} (SHAREPROXY_STORE)" in everything
    result = run(env, "ttl", "set", "reddit", "--reset")
    assert result.exit_code == 0 and "back to its setting" in result.output
    assert ttl_json(env)["reddit"]["seconds"] == 3600
    assert ttl_json(env)["reddit"]["source"] == "SHAREPROXY_CACHE_TTL"


def test_ttl_takes_units_and_names_the_setting(env: dict[str, str], server: Any) -> None:
    assert run(env, "ttl", "set", "vk", "2h").exit_code == 0
    assert ttl_json(env, "vk")["vk"]["seconds"] == 7200
    assert run(env, "ttl", "set", "vk", "1d").exit_code == 0
    assert ttl_json(env, "vk")["vk"]["seconds"] == 86400
    own = {**env, "SHAREPROXY_CACHE_TTL_TUMBLR": "900"}
    assert ttl_json(own, "tumblr")["tumblr"]["source"] == "SHAREPROXY_CACHE_TTL_TUMBLR"
    result = run(env, "ttl", "set", "facebook", "30min")
    assert result.exit_code == 2
    assert "between 3600 (the floor of facebook, 1 h) and 604800 (7 d)" in result.output


@pytest.mark.parametrize(
    "args",
    [
        ("ttl", "set", "facebook", "60"),  # below the floor
        ("ttl", "set", "facebook", "99999999"),  # above the ceiling
        ("ttl", "set", "twitter", "3600"),  # no count API
        ("ttl", "set", "facebook"),  # nothing to set
        ("ttl", "set", "facebook", "ten"),
        ("ttl", "set", "facebook", "2 weeks"),
        ("ttl", "set", "facebook", "-3600"),
        ("ttl", "get", "nope"),
    ],
)
def test_ttl_refuses_bad_input(env: dict[str, str], args: tuple[str, ...]) -> None:
    result = run(env, *args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output


def test_cache_purge(env: dict[str, str], tmp_path: Any, server: Any) -> None:
    store = SQLiteStore(str(tmp_path / "cli.db"))
    now = time.time()
    for url in ("https://example.org/a", "https://example.org/b"):
        store.put_entry(url, "vk", Entry(3, now, now), 3600)
    result = run(env, "cache", "purge", "--url", "https://example.org/a?utm_source=x")
    assert result.exit_code == 0, result.output
    assert "purged 1 cached entry of https://example.org/a; applied by 1 server" in result.output
    assert store.count_entries() == 1
    assert run(env, "cache", "purge").exit_code == 2  # say what to purge
    assert run(env, "cache", "purge", "--url", "ftp://x").exit_code == 2
    assert "purged 1" in run(env, "cache", "purge", "--all").output
    assert store.count_entries() == 0
    store.close()


def test_embed_purge(env: dict[str, str], tmp_path: Any, server: Any) -> None:
    store = SQLiteStore(str(tmp_path / "cli.db"))
    now = time.time()
    video, post = "p:youtube:dQw4w9WgXcQ", "p:fediverse:social.example/1"
    for key in (video, post):
        store.put_blob(key, b"a preview", 3600, 1 << 20, now)
    url = "https://youtu.be/dQw4w9WgXcQ?si=tracking"
    result = run(env, "embed", "purge", "--url", url)
    assert result.exit_code == 0, result.output
    assert (
        f"purged the preview of the YouTube video {url} (1 stored value); applied by 1 server"
        in result.output
    )
    assert f"store: SQLite {tmp_path / 'cli.db'} (SHAREPROXY_STORE)" in result.output
    assert "applied by 1 server" in result.output
    assert store.get_blob(video, now) is None and store.get_blob(post, now) == b"a preview"
    assert run(env, "embed", "purge").exit_code == 2  # say what to purge
    refused = run(env, "embed", "purge", "--url", "https://x.com/a/status/1")
    assert refused.exit_code == 2 and "X posts are not offered" in refused.output
    assert "Traceback" not in refused.output
    everything = run(env, "embed", "purge", "--all").output
    assert "purged every embed preview and picture (1 stored value)" in everything
    assert store.blob_usage(now) == (0, 0)
    store.close()


def test_stats(env: dict[str, str], tmp_path: Any) -> None:
    from shareproxy import metrics

    metrics.attach(None)
    metrics.flush()  # what earlier tests left unflushed must not land in this store
    store = SQLiteStore(str(tmp_path / "cli.db"))
    minute = int(time.time() // 60) * 60
    hour = minute - minute % 3600
    rows = [("m", minute, "vk", "hit", 3.0), ("h", hour, "vk", "hit", 3.0)]
    rows += [
        (r, b, "vk", f, 2.0) for r, b in (("m", minute), ("h", hour)) for f in ("calls", "lat2")
    ]
    rows += [("m", minute, "_all", "requests", 5.0), ("m", minute, "_all", "server_errors", 1.0)]
    store.add_stats(rows, {"m": 7200, "h": 86400})
    store.close()
    out = json.loads(run(env, "stats", "--json").output)
    assert out["hour"]["vk"]["hit"] == 3 and out["day"]["vk"]["requests"] == 3
    assert out["hour"]["vk"]["p50"] == 0.1  # seconds, machine-readable
    states = {row["network"]: row for row in out["networks"]}
    assert states["facebook"]["state"] == "off: no SHAREPROXY_FACEBOOK_APP_ID"
    assert states["vk"] == {"network": "vk", "level": "ok", "state": "on", "ttl": 3600}
    text = run(env, "stats").output
    assert "None" not in text
    head = re.search(
        r"^  network +lookups +hit ratio +stale +calls +errors +p50 +p95 +shares$", text, re.M
    )
    assert head, text
    assert re.search(r"^  vk +3 +100% +0 +2 +0 +100 ms +100 ms +0$", text, re.M), text
    assert "Last hour: 5 HTTP requests, 1 server errors (5xx)" in text
    assert "servers: no running server uses this store" in text
    assert "networks: 9 on · 3 off (no credentials)" in text
    assert "  reddit: off: no SHAREPROXY_REDDIT_CLIENT_ID" in text


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


def test_a_command_run_with_other_settings_than_the_servers_says_so(env: dict[str, str]) -> None:
    """The servers run with SHAREPROXY_CACHE_TTL=7200, the command without it: the TTLs it
    would print are not the ones in force, so it says so, and a reset reports the value the
    servers went back to, not the one of its own settings."""
    app = create_app({"STORE": env["SHAREPROXY_STORE"], "CACHE_TTL": "7200"}, log_summary=False)
    svc = app.extensions["shareproxy"]
    try:
        assert presence.PRESENCE.check_in()
        shown = run(env, "ttl", "get", "pinterest")
        assert shown.exit_code == 0, shown.output
        assert (
            "warning: the running servers apply other TTLs than this command's settings give "
            "(pinterest: 7200 s there, 3600 s here; " in shown.output
        )
        assert run(env, "ttl", "set", "pinterest", "1900").exit_code == 0
        assert svc.cache.ttl("pinterest") == 1900
        reset = run(env, "ttl", "set", "pinterest", "--reset")
        assert reset.exit_code == 0, reset.output
        assert (
            "pinterest: TTL back to its setting, 2 h (7200 s) on the running servers "
            "(3600 s with this command's settings); applied by 1 server process" in reset.output
        )
        assert svc.cache.ttl("pinterest") == 7200
        again = run(env, "ttl", "set", "pinterest", "--reset")  # no override left: at once
        assert again.exit_code == 0 and "applied by 1 server process" in again.output
        same = run({**env, "SHAREPROXY_CACHE_TTL": "7200"}, "ttl", "get")
        assert same.exit_code == 0 and "warning" not in same.output
    finally:
        svc.close()
