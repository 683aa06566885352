"""The admin console and API attacked through a real gunicorn (the shipped configuration,
several workers): parallel password and token guessing, saved and re-signed session
cookies, hostile bodies, short secrets, file modes."""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import sqlite3
import stat
import subprocess
import sys
import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from admin_support import REDIS_URL, redis_store_or_skip
from live_support import CONF, GUNICORN, ROOT, Gunicorn
from werkzeug.security import generate_password_hash

pytestmark = pytest.mark.faults

PASSWORD = "a long and correct admin password"
# The real slow hash: the wider the window between check and record, the better the race.
PASSWORD_HASH = generate_password_hash(PASSWORD, method="scrypt")
TOKEN = "admin-api-token-" + "x" * 32
AUTH = {"Authorization": f"Bearer {TOKEN}"}
LIMIT = 5


def admin_env(store: str, **extra: str) -> dict[str, str]:
    return {
        "SHAREPROXY_STORE": store,
        "SHAREPROXY_ALLOWED_DOMAINS": "example.org",
        "SHAREPROXY_ADMIN_PASSWORD_HASH": PASSWORD_HASH,
        "SHAREPROXY_ADMIN_TOKEN": TOKEN,
        "SHAREPROXY_TRUSTED_PROXIES": "1",  # lets the test speak from several networks
        "SHAREPROXY_LOG_LEVEL": "warning",
        "SHAREPROXY_API_BASE_PINTEREST": "http://127.0.0.1:9",
        **extra,
    }


@pytest.fixture(scope="module")
def sqlite_server(tmp_path_factory: Any) -> Iterator[tuple[Gunicorn, Path]]:
    db = tmp_path_factory.mktemp("admin-attack") / "fresh" / "shareproxy.db"
    db.parent.mkdir()
    server = Gunicorn(admin_env(f"sqlite:///{db}"), workers=4, threads=8)
    yield server, db
    server.stop()


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([0-9a-f]{64})"', html)
    assert found, html[:300]
    return found.group(1)


def login_session(base: str, net: str, password: str = PASSWORD) -> tuple[requests.Session, Any]:
    """A client from ``net`` that opened the login form; returns it and the POST to send."""
    client = requests.Session()
    client.headers["X-Forwarded-For"] = net
    token = csrf_of(client.get(base + "/admin/login", timeout=10).text)

    def post() -> requests.Response:
        return client.post(
            base + "/admin/login",
            data={"csrf": token, "password": password},
            allow_redirects=False,
            timeout=30,
        )

    return client, post


def parallel(calls: list[Any]) -> list[Any]:
    """Run every call at once (released together by a barrier); return their results."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = calls[i]()
        except requests.RequestException as exc:
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return results


def statuses(results: list[Any]) -> Counter[int]:
    return Counter(r.status_code if isinstance(r, requests.Response) else 0 for r in results)


def guess_passwords(base: str, net: str, n: int) -> Counter[int]:
    posts = [login_session(base, net, f"wrong password {i}")[1] for i in range(n)]
    return statuses(parallel(posts))


# --- 1. parallel logins


def test_parallel_wrong_passwords_are_checked_at_most_five_times(
    sqlite_server: tuple[Gunicorn, Path],
) -> None:
    server, _ = sqlite_server
    seen = guess_passwords(server.base, "198.51.100.7", 60)
    assert seen[401] == LIMIT, seen  # passwords actually checked
    assert seen[429] == 60 - LIMIT, seen
    # the same network stays locked, whatever its address in the /24 …
    _, post = login_session(server.base, "198.51.100.200")
    assert post().status_code == 429
    # … even with the right password; another network is not affected
    _, post = login_session(server.base, "198.51.100.9", PASSWORD)
    assert post().status_code == 429
    _, post = login_session(server.base, "192.0.2.10", PASSWORD)
    assert post().status_code == 302


def test_parallel_wrong_passwords_on_redis(tmp_path: Path) -> None:
    store = redis_store_or_skip()
    prefix = f"sp-test-attack-{uuid.uuid4().hex[:12]}:"
    store.close()
    url = f"{REDIS_URL}{'&' if '?' in REDIS_URL else '?'}prefix={prefix}"
    server = Gunicorn(admin_env(url), workers=4, threads=8)
    try:
        seen = guess_passwords(server.base, "203.0.113.5", 60)
        assert seen[401] == LIMIT, seen
        assert seen[429] == 60 - LIMIT, seen
    finally:
        server.stop()
        from shareproxy.store.redis import RedisStore

        cleanup = RedisStore(REDIS_URL, prefix=prefix)
        cleanup.flush_prefix()
        cleanup.close()


# --- 2. bearer tokens: throttled, and short ones refused at start-up


def test_parallel_wrong_tokens_are_compared_at_most_five_times(
    sqlite_server: tuple[Gunicorn, Path],
) -> None:
    server, _ = sqlite_server
    net = "198.51.100.77"

    def guess(i: int) -> Any:
        headers = {"Authorization": f"Bearer guess-{i:040d}", "X-Forwarded-For": net}
        return lambda: requests.get(server.base + "/admin/api/stats", headers=headers, timeout=30)

    seen = statuses(parallel([guess(i) for i in range(300)]))
    assert seen[401] == LIMIT, seen
    assert seen[429] == 300 - LIMIT, seen
    # once locked, even the right token waits out the window from that network …
    resp = requests.get(
        server.base + "/admin/api/stats", headers={**AUTH, "X-Forwarded-For": net}, timeout=10
    )
    assert resp.status_code == 429 and resp.headers["Retry-After"] == "900"
    assert resp.json()["error"]


def test_right_tokens_take_no_attempt(sqlite_server: tuple[Gunicorn, Path]) -> None:
    server, _ = sqlite_server
    headers = {**AUTH, "X-Forwarded-For": "192.0.2.99"}
    calls = [
        lambda: requests.get(server.base + "/admin/api/ttl/reddit", headers=headers, timeout=30)
        for _ in range(40)
    ]
    assert statuses(parallel(calls)) == Counter({200: 40})


@pytest.mark.parametrize(
    ("name", "value"),
    [("SHAREPROXY_ADMIN_TOKEN", "Qz7"), ("SHAREPROXY_SECRET_KEY", "Qz7" * 10)],
)
def test_short_secrets_stop_start_up(tmp_path: Path, name: str, value: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHAREPROXY_")}
    env.update(admin_env(f"sqlite:///{tmp_path / 'x.db'}"), BIND="127.0.0.1:0")
    env[name] = value
    env["PYTHONPATH"] = ROOT
    check = subprocess.run(
        [sys.executable, "-m", "shareproxy.cli", "check-config"],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert check.returncode == 1
    lines = check.stderr.strip().splitlines()
    assert len(lines) == 1 and name in lines[0] and "32 characters" in lines[0], check.stderr
    assert "Qz7" not in check.stderr  # the secret itself is never shown
    started = subprocess.run(
        [GUNICORN, "-c", CONF, "wsgi:app"],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert started.returncode != 0
    assert f"configuration error: {name}: must be at least 32 characters" in started.stderr
    assert "Qz7" not in started.stderr


# --- 3. sessions end on the server; nothing to re-sign


def logged_in_client(base: str, net: str) -> requests.Session:
    client, post = login_session(base, net)
    assert post().status_code == 302
    assert client.get(base + "/admin/", allow_redirects=False, timeout=10).status_code == 200
    return client


def ttl_of(base: str, network: str) -> int:
    resp = requests.get(f"{base}/admin/api/ttl/{network}", headers=AUTH, timeout=10)
    seconds: int = resp.json()["seconds"]
    return seconds


def test_a_saved_cookie_is_dead_after_logout_on_every_worker(
    sqlite_server: tuple[Gunicorn, Path],
) -> None:
    server, _ = sqlite_server
    client = logged_in_client(server.base, "192.0.2.50")
    saved = client.cookies.get("shareproxy_admin", path="/admin")
    token = csrf_of(client.get(server.base + "/admin/ttl", timeout=10).text)
    assert client.post(
        server.base + "/admin/logout", data={"csrf": token}, allow_redirects=False, timeout=10
    ).status_code == 302  # fmt: skip
    before = ttl_of(server.base, "reddit")
    thief = requests.Session()
    thief.cookies.set("shareproxy_admin", saved, path="/admin")
    for _ in range(12):  # several requests, so several workers see the cookie
        page = thief.get(server.base + "/admin/", allow_redirects=False, timeout=10)
        assert page.status_code == 302 and page.headers["Location"].endswith("/admin/login")
        change = thief.post(
            server.base + "/admin/ttl",
            data={"csrf": token, "network": "reddit", "seconds": str(before + 60)},
            allow_redirects=False,
            timeout=10,
        )
        assert change.status_code == 403
    assert ttl_of(server.base, "reddit") == before


def test_a_cookie_re_signed_with_the_stored_key_opens_nothing(
    sqlite_server: tuple[Gunicorn, Path],
) -> None:
    from flask import Flask
    from flask.sessions import SecureCookieSessionInterface

    server, db = sqlite_server
    client = logged_in_client(server.base, "192.0.2.51")
    token = csrf_of(client.get(server.base + "/admin/ttl", timeout=10).text)
    client.post(server.base + "/admin/logout", data={"csrf": token}, timeout=10)
    # Whoever reads the store gets the signing key …
    with sqlite3.connect(db) as conn:
        key = conn.execute("SELECT value FROM kv WHERE key = 'v:secret_key'").fetchone()[0]
        # … and only hashes of live session ids, never an id to put in a cookie
        stored = [r[0] for r in conn.execute("SELECT key FROM kv WHERE key LIKE 'v:session:%'")]
    app = Flask("forger")
    app.secret_key = key
    signer = SecureCookieSessionInterface().get_signing_serializer(app)
    assert signer is not None
    forged = [
        # what a session held before it was kept on the server: the password's mark
        {
            "auth": hmac.new(
                b"shareproxy-admin", PASSWORD_HASH.encode(), hashlib.sha256
            ).hexdigest()[:32],
            "csrf": token,
        },
        {"sid": "x" * 43, "csrf": token},
        *({"sid": s.removeprefix("v:session:"), "csrf": token} for s in stored),
    ]
    for payload in forged:
        thief = requests.Session()
        thief.cookies.set("shareproxy_admin", signer.dumps(payload), path="/admin")
        page = thief.get(server.base + "/admin/", allow_redirects=False, timeout=10)
        assert page.status_code == 302, payload


def test_a_new_password_ends_every_session(tmp_path: Path) -> None:
    db = tmp_path / "pw.db"
    server = Gunicorn(admin_env(f"sqlite:///{db}"), workers=2)
    try:
        client = logged_in_client(server.base, "192.0.2.60")
        saved = client.cookies.get("shareproxy_admin", path="/admin")
    finally:
        server.stop()
    other = generate_password_hash("another long admin password", method="pbkdf2:sha256:1000")
    server = Gunicorn(admin_env(f"sqlite:///{db}", SHAREPROXY_ADMIN_PASSWORD_HASH=other))
    try:
        thief = requests.Session()
        thief.cookies.set("shareproxy_admin", saved, path="/admin")
        assert thief.get(
            server.base + "/admin/", allow_redirects=False, timeout=10
        ).status_code == (302)
    finally:
        server.stop()


def test_the_store_file_is_private(sqlite_server: tuple[Gunicorn, Path]) -> None:
    server, db = sqlite_server
    logged_in_client(server.base, "192.0.2.52")  # the store has written, the WAL exists
    files = [p for p in db.parent.iterdir() if p.name.startswith(db.name)]
    assert {p.name for p in files} >= {db.name, db.name + "-wal", db.name + "-shm"}
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name


# --- 4. hostile bodies


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 30_000 + b"]" * 30_000,
        b'{"seconds": ' + b"[" * 30_000 + b"]" * 30_000 + b"}",
        b'{"seconds": 3600, "pad": "' + b"x" * 200_000 + b'"}',
        b'{"a": {"b": {"c": {"d": {"e": 1}}}}, "seconds": 3600}',
    ],
    ids=["deep", "deep-inside", "large", "five-levels"],
)
def test_hostile_json_bodies_get_400(sqlite_server: tuple[Gunicorn, Path], body: bytes) -> None:
    server, _ = sqlite_server
    before = ttl_of(server.base, "reddit")
    resp = requests.put(
        server.base + "/admin/api/ttl/reddit",
        data=body,
        headers={**AUTH, "Content-Type": "application/json"},
        timeout=30,
    )
    assert resp.status_code == 400, resp.text[:200]
    assert resp.json()["error"] and "\n" not in resp.text.strip()
    assert ttl_of(server.base, "reddit") == before


def test_a_large_body_without_length_gets_400(sqlite_server: tuple[Gunicorn, Path]) -> None:
    server, _ = sqlite_server

    def chunks() -> Iterator[bytes]:
        yield b'{"seconds": 3600, "pad": "'
        for _ in range(50):
            yield b"x" * 1000
        yield b'"}'

    resp = requests.put(
        server.base + "/admin/api/ttl/reddit",
        data=chunks(),
        headers={**AUTH, "Content-Type": "application/json"},
        timeout=30,
    )
    assert resp.status_code == 400, resp.text[:200]
    assert resp.json()["error"]


def test_a_large_form_gets_400(sqlite_server: tuple[Gunicorn, Path]) -> None:
    server, _ = sqlite_server
    client = logged_in_client(server.base, "192.0.2.53")
    token = csrf_of(client.get(server.base + "/admin/ttl", timeout=10).text)
    resp = client.post(
        server.base + "/admin/ttl",
        data={"csrf": token, "network": "reddit", "seconds": "900", "pad": "y" * 100_000},
        allow_redirects=False,
        timeout=30,
    )
    assert resp.status_code == 400
    many = {f"f{i}": "1" for i in range(100)}
    resp = client.post(
        server.base + "/admin/ttl", data={"csrf": token, **many}, allow_redirects=False, timeout=30
    )
    assert resp.status_code == 400
