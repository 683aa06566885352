"""gunicorn.conf.py, run for real: access log without personal data, config check, metrics dir.

Each test starts gunicorn as a subprocess with the shipped configuration and reads what it
wrote. No network: the counts API points at a closed local port.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from deploy_support import CONF, GUNICORN, ROOT, Server, free_port, server_env

# An operator's "combined" format plus every header and environ atom that could carry
# personal data: the logger must print "-" for all of them.
GREEDY_FORMAT = (
    '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(q)s '
    "%({cookie}i)s %({x-forwarded-for}i)s %({user-agent}i)s %({referer}i)s "
    "%({remote_addr}e)s %({query_string}e)s %({http_cookie}e)s %(U)s %({set-cookie}o)s"
)

SECRETS = {
    "ip4": "203.0.113.77",
    "ip6": "2001:db8:1:2:3:4:5:6",
    "ua": "SecretAgent/7.1",
    "referer": "https://referer.example/private-page",
    "cookie": "session=sekrit-cookie-value",
    "query": "private-article",
}


@pytest.fixture
def proxied(tmp_path: Path) -> Iterator[Server]:
    server = Server(
        tmp_path, "--workers", "2", "--access-logformat", GREEDY_FORMAT,
        SHAREPROXY_TRUSTED_PROXIES="1",
    )  # fmt: skip
    yield server
    server.stop()


def _visit_with_secrets(server: Server) -> None:
    for ip in (SECRETS["ip4"], SECRETS["ip6"]):
        headers = {
            "X-Forwarded-For": ip,
            "User-Agent": SECRETS["ua"],
            "Referer": SECRETS["referer"],
            "Cookie": SECRETS["cookie"],
        }
        path = f"/api/counts?url=http%3A%2F%2Flocalhost%2F{SECRETS['query']}&networks=pinterest"
        assert server.get(path, headers)[0] == 200
        assert server.get(f"/healthz?{SECRETS['query']}=1", headers)[0] == 200


def test_access_log_holds_no_ip_ua_referer_cookie_or_query(proxied: Server) -> None:
    _visit_with_secrets(proxied)
    proxied.stop()
    log = proxied.access.read_text()
    lines = [line for line in log.splitlines() if "/api/counts" in line or "/healthz" in line]
    assert len(lines) >= 4, log
    for name, secret in SECRETS.items():
        assert secret not in log, f"{name} leaked into the access log"
    assert "203.0.113.0 " in log  # the network of the forwarded IPv4 address
    assert "2001:db8:1:: " in log  # the /48 of the forwarded IPv6 address
    assert '"GET /api/counts HTTP/1.1" 200' in log
    assert "?" not in log


def test_summary_is_logged_once_and_metrics_add_up_workers(tmp_path: Path) -> None:
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    (metrics_dir / "counter_99999.db").write_bytes(b"stale from a previous run")
    server = Server(tmp_path, "--workers", "2", PROMETHEUS_MULTIPROC_DIR=str(metrics_dir))
    try:
        for _ in range(6):
            server.get("/healthz")
        status, body = server.get("/metrics")
        assert status == 200
        assert b'shareproxy_requests_total{endpoint="health.healthz",status="200"}' in body
        names = {p.name for p in metrics_dir.iterdir()}
        assert "counter_99999.db" not in names  # wiped at start
        assert any(n.startswith("counter_") for n in names)  # multiprocess mode is on
    finally:
        errors = server.stop()
    assert errors.count("allowed domains: localhost, 127.0.0.1") == 1, errors
    assert errors.count("Booting worker") == 2


def test_own_metrics_dir_is_made_and_removed(tmp_path: Path) -> None:
    server = Server(tmp_path, "--workers", "1", TMPDIR=str(tmp_path))
    try:
        server.get("/healthz")
        made = list(tmp_path.glob("shareproxy-metrics-*"))
        assert len(made) == 1 and any(made[0].iterdir())
    finally:
        server.stop()
    assert not list(tmp_path.glob("shareproxy-metrics-*"))


def test_a_bad_setting_stops_start_up_with_one_line(tmp_path: Path) -> None:
    proc = subprocess.run(
        [GUNICORN, "-c", CONF, "wsgi:app"], cwd=ROOT, capture_output=True, text=True, timeout=60,
        env=server_env(tmp_path, BIND=f"127.0.0.1:{free_port()}", SHAREPROXY_CACHE_TTL="soon"),
    )  # fmt: skip
    assert proc.returncode != 0
    lines = [line for line in proc.stderr.splitlines() if "configuration error" in line]
    assert len(lines) == 1, proc.stderr
    assert "SHAREPROXY_CACHE_TTL" in lines[0]
    assert "Booting worker" not in proc.stderr


def test_a_metrics_dir_given_by_the_operator_stays(tmp_path: Path) -> None:
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    server = Server(tmp_path, "--workers", "1", PROMETHEUS_MULTIPROC_DIR=str(metrics_dir))
    try:
        server.get("/healthz")
    finally:
        server.stop()
    assert metrics_dir.is_dir()  # only a folder gunicorn.conf.py made is removed at exit
