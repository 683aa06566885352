"""One rule finds the store, for the server and the `shareproxy` command alike.

The last test starts the server exactly as `make run` does and changes a TTL with the
`shareproxy` command `make run` leaves in `.venv/bin`, from the project folder and from
another folder; the running server must report the new TTL within 5 seconds.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from deploy_support import (
    CONF,
    GUNICORN,
    ROOT,
    free_port,
    get_ttl,
    server_env,
    ttl_set_reaches_server,
)

from shareproxy import create_app, presence
from shareproxy.cli import main
from shareproxy.paths import environment_checkout, instance_dir
from shareproxy.settings import ConfigError, load
from shareproxy.store import describe, public_url
from shareproxy.store.sqlite import SQLiteStore


def fake_checkout(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pyproject.toml").write_text('[project]\nname = "shareproxy"\n')
    (folder / "wsgi.py").write_text("")
    return folder


# --- the rule


def test_a_venv_inside_a_checkout_uses_the_checkouts_instance_folder(tmp_path: Path) -> None:
    checkout = fake_checkout(tmp_path / "shareproxy")
    venv = checkout / ".venv"
    assert environment_checkout(str(venv), "/usr") == str(checkout)
    assert instance_dir(str(venv), "/usr") == str(checkout / "instance")


def test_any_other_environment_uses_its_own_var_folder(tmp_path: Path) -> None:
    venv = tmp_path / "venvs" / "shareproxy"
    assert instance_dir(str(venv), "/usr") == str(venv / "var" / "shareproxy-instance")
    # a system Python (no virtual environment) inside a checkout is not "the checkout's"
    checkout = fake_checkout(tmp_path / "co")
    prefix = checkout / "py"
    assert instance_dir(str(prefix), str(prefix)) == str(prefix / "var" / "shareproxy-instance")
    # a folder with another project's pyproject.toml is no shareproxy checkout
    other = tmp_path / "other"
    other.mkdir()
    (other / "pyproject.toml").write_text('[project]\nname = "other"\n')
    (other / "wsgi.py").write_text("")
    assert environment_checkout(str(other / ".venv"), "/usr") is None


def test_the_rule_ignores_the_current_folder(tmp_path: Path, monkeypatch: Any) -> None:
    first = instance_dir()
    monkeypatch.chdir(tmp_path)
    assert instance_dir() == first
    assert os.path.isabs(first)


def test_this_checkouts_venv_uses_this_checkout(monkeypatch: Any) -> None:
    venv = ROOT / ".venv"
    assert instance_dir(str(venv), "/usr") == str(ROOT / "instance")


def test_a_relative_sqlite_path_is_refused_with_one_line() -> None:
    with pytest.raises(ConfigError) as caught:
        load({}, {"STORE": "sqlite:///shareproxy.db"})
    message = str(caught.value)
    assert message.startswith("SHAREPROXY_STORE: the SQLite file needs an absolute path")
    assert "\n" not in message
    assert load({}, {"STORE": "sqlite:////var/lib/shareproxy/x.db"}).store


def test_the_store_is_described_in_full_without_a_password() -> None:
    assert describe("sqlite:////srv/x.db", "/ignored") == "SQLite /srv/x.db"
    assert describe("", "/srv/instance") == "SQLite /srv/instance/shareproxy.db"
    shown = describe("redis://app:s3cret@redis.internal:6380/2?prefix=blog:", "/x")
    assert shown == "Redis redis://app@redis.internal:6380/2?prefix=blog:"
    assert public_url("redis://:s3cret@h:6379/0") == "redis://h:6379/0"
    assert "s3cret" not in public_url("redis://h:6379/0?password=s3cret&prefix=a:")
    bad = "rediss://:s3cret@h/0"
    with pytest.raises(ConfigError) as caught:
        load({}, {"STORE": bad})
    assert "s3cret" not in str(caught.value)


def test_check_config_prints_the_store_in_full(tmp_path: Path) -> None:
    env = {"SHAREPROXY_STORE": "", "SHAREPROXY_ALLOWED_DOMAINS": "example.org"}
    out = CliRunner(env=env).invoke(main, ["check-config"]).output
    assert f"store: SQLite {instance_dir()}/shareproxy.db (default: the instance folder" in out
    env["SHAREPROXY_STORE"] = f"sqlite:///{tmp_path / 'a.db'}"
    out = CliRunner(env=env).invoke(main, ["check-config"]).output
    assert f"store: SQLite {tmp_path / 'a.db'} (SHAREPROXY_STORE)" in out


# --- the command says whether a running server uses the store


@pytest.fixture
def cli_env(tmp_path: Path) -> dict[str, str]:
    return {
        "SHAREPROXY_STORE": f"sqlite:///{tmp_path / 'shared.db'}",
        "SHAREPROXY_ALLOWED_DOMAINS": "example.org",
    }


def test_a_change_no_server_uses_is_not_reported_as_success(cli_env: dict[str, str]) -> None:
    result = CliRunner(env=cli_env).invoke(main, ["ttl", "set", "pinterest", "1900"])
    assert result.exit_code == 1
    assert "no running server uses this store" in result.output
    assert cli_env["SHAREPROXY_STORE"][len("sqlite:///") :] in result.output
    result = CliRunner(env=cli_env).invoke(main, ["cache", "purge", "--all"])
    assert result.exit_code == 1 and "no running server uses this store" in result.output


def test_a_change_is_confirmed_once_the_servers_apply_it(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    """A server on the same store (an app in this process, checking in like a worker)."""
    app = create_app({"STORE": cli_env["SHAREPROXY_STORE"]}, log_summary=False)
    svc = app.extensions["shareproxy"]
    try:
        assert presence.PRESENCE.check_in()
        result = CliRunner(env=cli_env).invoke(main, ["ttl", "set", "pinterest", "32min"])
        assert result.exit_code == 0, result.output
        assert "pinterest: TTL 32 min (1920 s) saved; applied by 1 server process" in result.output
        assert svc.cache.ttl("pinterest") == 1920
        out = CliRunner(env=cli_env).invoke(main, ["ttl", "get", "pinterest"]).output
        assert "servers: 1 server process on" in out
        assert "32 min (1920 s)" in out and "override" in out
    finally:
        svc.cache.close()
        svc.store.close()


def test_members_expire(tmp_path: Path) -> None:
    store = SQLiteStore(str(tmp_path / "m.db"))
    info = '{"host":"a","pid":1,"started":1,"seen":100}'
    store.check_in("a:1", info, 10, now=100)
    store.check_in("a:2", "not json", 10, now=100)
    assert [m.pid for m in presence.members(store, now=105)] == [1]  # unreadable: skipped
    assert presence.members(store, now=111) == []
    store.close()


# --- the way `make run` serves, and the command it leaves


def test_make_run_and_the_shareproxy_command_agree_from_any_folder(tmp_path: Path) -> None:
    port = free_port()
    token = "make-run-test-token-" + os.urandom(8).hex()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHAREPROXY_")}
    for name in ("PROMETHEUS_MULTIPROC_DIR", "BIND", "VIRTUAL_ENV", "PYTHONPATH", "MAKEFLAGS"):
        env.pop(name, None)
    env["SHAREPROXY_ADMIN_TOKEN"] = token
    env["SHAREPROXY_API_BASE_PINTEREST"] = "http://127.0.0.1:9"
    env["WEB_CONCURRENCY"] = "2"
    db = ROOT / "instance" / "shareproxy.db"
    shareproxy = ROOT / ".venv" / "bin" / "shareproxy"
    log = tmp_path / "make-run.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            ["make", "-s", "run", f"PORT={port}"], cwd=ROOT, env=env,
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    before: str | None = None
    try:
        deadline = time.monotonic() + 120  # make may first install the package (pip)
        while get_ttl(port, token, "pinterest") is None:
            assert proc.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "make run did not start:\n" + log.read_text()
            time.sleep(0.2)
        store = SQLiteStore(str(db))
        before = store.get_meta().get("ttl:pinterest")
        store.close()
        started = log.read_text()
        assert f"store: SQLite {db} (default: the instance folder of the checkout" in started
        assert shareproxy.is_file(), "make run leaves .venv/bin/shareproxy"

        elsewhere = tmp_path / "elsewhere"
        elsewhere.mkdir()
        for cwd, seconds in ((ROOT, 1900), (elsewhere, 2400)):
            check = subprocess.run(
                [str(shareproxy), "check-config"], cwd=cwd, env=env,
                capture_output=True, text=True, timeout=60,
            )  # fmt: skip
            assert f"store: SQLite {db} (default:" in check.stdout, check.stdout + check.stderr
            result = ttl_set_reaches_server(
                [str(shareproxy)], cwd, env, db, port, token, "pinterest", seconds
            )
            assert result.returncode == 0, result.stdout + result.stderr
            assert "applied by" in result.stdout
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        if db.exists():  # leave the developer's store as it was
            store = SQLiteStore(str(db))
            if before is None:
                store.delete_meta("ttl:pinterest")
            else:
                store.set_meta("ttl:pinterest", before)
            store.close()


def test_every_deployment_names_its_store_and_the_command_uses_the_same() -> None:
    """Docker, compose and systemd set SHAREPROXY_STORE where `shareproxy …` run beside the
    server sees it too; each value passes the settings' check (an absolute SQLite path)."""
    deploy = ROOT / "deploy"
    docker = (deploy / "Dockerfile").read_text().replace("\\\n", " ")
    final = docker[docker.rindex("FROM ") :]
    store = re.search(r"SHAREPROXY_STORE=(\S+)", final)
    assert store and load({}, {"STORE": store.group(1)}).store == store.group(1)
    assert re.search(r"pip install [^\n]*shareproxy", final)  # the console script is in PATH
    compose = (deploy / "docker-compose.yml").read_text()
    assert re.search(r"^\s+SHAREPROXY_STORE: redis://redis:6379/0$", compose, re.M)
    unit = (deploy / "shareproxy.service").read_text()
    value = re.search(r"^Environment=SHAREPROXY_STORE=(\S+)$", unit, re.M)
    assert value and load({}, {"STORE": value.group(1)}).store
    readme = (ROOT / "README.md").read_text()
    for text in (unit, readme):  # the documented admin command names the unit's store
        assert f"SHAREPROXY_STORE={value.group(1)};" in text


def test_a_store_that_cannot_be_written_stops_start_up_with_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    url = f"sqlite:///{blocker / 'sub' / 'shareproxy.db'}"
    env = {"SHAREPROXY_STORE": url, "SHAREPROXY_ALLOWED_DOMAINS": "example.org"}
    result = CliRunner(env=env).invoke(main, ["check-config"])
    assert result.exit_code == 1
    last = result.output.strip().splitlines()[-1]
    assert last == (
        f"shareproxy: configuration error: SHAREPROXY_STORE: cannot create "
        f"{blocker / 'sub' / 'shareproxy.db'}: {blocker} is not a writable folder; point "
        "SHAREPROXY_STORE at a writable place"
    )
    with pytest.raises(ConfigError, match="^SHAREPROXY_STORE: cannot create"):
        create_app({"STORE": url}, log_summary=False)
    damaged = tmp_path / "damaged.db"
    damaged.write_bytes(b"this is not a database" * 100)
    with pytest.raises(ConfigError, match=f"^SHAREPROXY_STORE: cannot open SQLite {damaged}: "):
        create_app({"STORE": f"sqlite:///{damaged}"}, log_summary=False)


def test_gunicorn_refuses_to_start_on_a_store_it_cannot_write(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    env = server_env(tmp_path, SHAREPROXY_STORE=f"sqlite:///{blocker / 'x.db'}")
    result = subprocess.run(
        [GUNICORN, "-c", CONF, "--bind", f"127.0.0.1:{free_port()}", "wsgi:app"], cwd=ROOT, env=env,
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 1
    assert "shareproxy: configuration error: SHAREPROXY_STORE: cannot create" in result.stderr
    assert "Traceback" not in result.stderr and "Booting worker" not in result.stderr
