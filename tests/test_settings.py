"""Settings: environment over TOML, one-line errors naming the setting, the start-up summary,
and wsgi.py refusing a bad configuration."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from shareproxy.settings import ConfigError, load
from shareproxy.startup import summary

ROOT = Path(__file__).resolve().parent.parent


def test_defaults() -> None:
    s = load(environ={})
    assert s.cache_ttl == 3600 and s.request_deadline == 1.5
    assert s.allowed_domains == ("localhost", "127.0.0.1")
    assert s.ttl_for("facebook") == 3600 and s.ttl_for("buffer") == 3600


def test_environment_wins_over_the_toml_file(tmp_path: Path) -> None:
    config = tmp_path / "shareproxy.toml"
    config.write_text(
        'cache_ttl = 600\nallowed_domains = ["a.example", "*.b.example"]\nrequest_deadline = 0.5\n'
    )
    env = {"SHAREPROXY_CONFIG": str(config), "SHAREPROXY_CACHE_TTL": "900"}
    s = load(environ=env)
    assert s.cache_ttl == 900 and s.sources["CACHE_TTL"] == "environment"
    assert s.allowed_domains == ("a.example", "*.b.example")
    assert s.sources["ALLOWED_DOMAINS"] == "file"
    assert s.request_deadline == 0.5
    # a mapping given to create_app (tests) wins over both
    assert load(environ=env, overrides={"CACHE_TTL": 1200}).cache_ttl == 1200


def test_per_network_ttl_and_floor() -> None:
    s = load(environ={"SHAREPROXY_CACHE_TTL": "100", "SHAREPROXY_CACHE_TTL_BUFFER": "900"})
    assert s.ttl_for("buffer") == 900
    assert s.ttl_for("pinterest") == 300  # the floor, not 100
    assert s.ttl_for("facebook") == 3600


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SHAREPROXY_CACHE_TTL": "abc"},
         "SHAREPROXY_CACHE_TTL: expected a whole number, got 'abc'"),
        ({"SHAREPROXY_CACHE_TTL": "0"}, "SHAREPROXY_CACHE_TTL: must be at least 1, got 0"),
        ({"SHAREPROXY_REQUEST_DEADLINE": "soon"},
         "SHAREPROXY_REQUEST_DEADLINE: expected a number of seconds, got 'soon'"),
        ({"SHAREPROXY_STORE": "postgres://db"}, "SHAREPROXY_STORE: expected sqlite:////absolute/path.db"),
        ({"SHAREPROXY_ALLOWED_DOMAINS": "example.org,exa mple.org"},
         "SHAREPROXY_ALLOWED_DOMAINS: 'exa mple.org' is not a host name"),
        ({"SHAREPROXY_API_BASE_BUFFER": "localhost:8000"},
         "SHAREPROXY_API_BASE_BUFFER: expected scheme://host[:port]"),
        ({"SHAREPROXY_LOG_LEVEL": "loud"}, "SHAREPROXY_LOG_LEVEL: must be one of"),
        ({"SHAREPROXY_CACHE_TTL_BUFFER": "1.5"}, "SHAREPROXY_CACHE_TTL_BUFFER: expected a whole"),
    ],
)  # fmt: skip
def test_a_bad_value_names_the_setting(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError) as info:
        load(environ=env)
    assert str(info.value).startswith(message)
    assert "\n" not in str(info.value)


def test_a_bad_toml_value_names_the_setting(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text("upstream_timeout = true\n")
    with pytest.raises(ConfigError, match="^SHAREPROXY_UPSTREAM_TIMEOUT: "):
        load(environ={"SHAREPROXY_CONFIG": str(config)})


def test_unknown_settings_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="^SHAREPROXY_CACHE_TLL: unknown setting"):
        load(environ={"SHAREPROXY_CACHE_TLL": "60"})
    config = tmp_path / "c.toml"
    config.write_text("cache_tll = 60\n")
    with pytest.raises(ConfigError, match="unknown setting 'cache_tll'"):
        load(environ={"SHAREPROXY_CONFIG": str(config)})
    config.write_text("cache_ttl = \n")
    with pytest.raises(ConfigError, match="is not valid TOML"):
        load(environ={"SHAREPROXY_CONFIG": str(config)})
    with pytest.raises(ConfigError, match="cannot read"):
        load(environ={"SHAREPROXY_CONFIG": str(tmp_path / "missing.toml")})
    # the test suite's own variables are not settings, and not refused
    assert load(environ={"SHAREPROXY_TEST_REDIS": "required"}).cache_ttl == 3600
    # nor are shareproxy's own (gunicorn.conf.py marks a metrics folder it made)
    assert load(environ={"SHAREPROXY__OWN_METRICS_DIR": "1"}).cache_ttl == 3600


def test_secrets_are_hidden() -> None:
    s = load(environ={"SHAREPROXY_FACEBOOK_APP_SECRET": "hush"})
    assert s.as_dict()["FACEBOOK_APP_SECRET"] == "********"


def summary_of(**env: str) -> list[str]:
    return summary(load(environ=env))


def test_summary_says_which_counts_are_off() -> None:
    lines = summary_of()
    assert "facebook counts off: no SHAREPROXY_FACEBOOK_APP_ID" in lines
    assert "reddit counts off: no SHAREPROXY_REDDIT_CLIENT_ID" in lines
    assert "bluesky counts off: no SHAREPROXY_BLUESKY_HANDLE" in lines
    assert not [line for line in lines if line.startswith("buffer")]
    lines = summary_of(SHAREPROXY_FACEBOOK_APP_ID="1")
    assert "facebook counts off: no SHAREPROXY_FACEBOOK_APP_SECRET" in lines
    lines = summary_of(SHAREPROXY_FACEBOOK_APP_ID="1", SHAREPROXY_FACEBOOK_APP_SECRET="2")
    assert not [line for line in lines if line.startswith("facebook")]


def test_summary_is_logged_at_start_up(caplog: Any, tmp_path: Path) -> None:
    import logging

    from shareproxy import create_app

    caplog.set_level(logging.INFO, logger="shareproxy")
    app = create_app({"STORE": f"sqlite:///{tmp_path / 's.db'}"})
    try:
        assert "facebook counts off: no SHAREPROXY_FACEBOOK_APP_ID" in caplog.messages
        assert not [m for m in caplog.messages if "SECRET" in m and "=" in m]
    finally:
        app.extensions["shareproxy"].cache.close()
        app.extensions["shareproxy"].store.close()


def run_wsgi(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SHAREPROXY_")}
    clean.update({"SHAREPROXY_STORE": f"sqlite:///{tmp_path / 'w.db'}"}, **env)
    return subprocess.run(
        [sys.executable, "-c", "import wsgi"],
        cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def test_wsgi_refuses_a_bad_setting_in_one_line(tmp_path: Path) -> None:
    result = run_wsgi(tmp_path, SHAREPROXY_CACHE_TTL="abc")
    assert result.returncode == 4  # gunicorn's "App failed to load"
    assert result.stderr == (
        "shareproxy: configuration error: SHAREPROXY_CACHE_TTL: expected a whole number, "
        "got 'abc'\n"
    )


def test_wsgi_starts_on_the_defaults(tmp_path: Path) -> None:
    result = run_wsgi(tmp_path)
    assert result.returncode == 0, result.stderr
    # the start-up summary reaches stderr even though nothing configured logging
    assert "shareproxy: facebook counts off: no SHAREPROXY_FACEBOOK_APP_ID" in result.stderr
    assert "shareproxy: allowed domains: localhost, 127.0.0.1" in result.stderr


def test_gunicorn_stops_on_a_bad_setting_instead_of_respawning_workers(tmp_path: Path) -> None:
    from live_support import GUNICORN, clean_env

    clean = clean_env(SHAREPROXY_CACHE_TTL="abc")
    result = subprocess.run(
        # An empty config file: wsgi.py itself must stop gunicorn (gunicorn.conf.py checks
        # settings earlier, in on_starting; tests/test_gunicorn_conf.py covers that path).
        [GUNICORN, "--config", os.devnull,
         "--bind", "127.0.0.1:0", "--workers", "1",
         "--control-socket", str(tmp_path / "gunicorn.ctl"), "wsgi:app"],
        cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 4, result.stderr[-2000:]
    config_lines = [line for line in result.stderr.splitlines() if "configuration error" in line]
    assert config_lines == [
        "shareproxy: configuration error: SHAREPROXY_CACHE_TTL: expected a whole number, got 'abc'"
    ]
