"""deploy/: check what can be checked without a Docker engine.

nginx parses the site (and serves through it: TLS, the micro-cache, the private log),
systemd-analyze verifies the unit, the compose file and the Dockerfile are checked for
their structure and the promises the README makes about them.
"""

from __future__ import annotations

import re
import shutil
import ssl
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from deploy_support import ROOT, SITE, Server, free_port, nginx_binary, nginx_prefix, nginx_run
from pytest_httpserver import HTTPServer

DEPLOY = ROOT / "deploy"
NGINX = nginx_binary()
needs_nginx = pytest.mark.skipif(NGINX is None, reason="nginx is not installed")
needs_openssl = pytest.mark.skipif(shutil.which("openssl") is None, reason="no openssl")


def _nginx_prefix(tmp: Path, upstreams: list[str], http: int = 80, https: int = 443) -> Path:
    return nginx_prefix(tmp, upstreams, http, https)


def _nginx(prefix: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return nginx_run(prefix, *args)


@needs_nginx
@needs_openssl
def test_nginx_accepts_the_site(tmp_path: Path) -> None:
    prefix = _nginx_prefix(tmp_path, ["127.0.0.1:18001", "127.0.0.1:18002"])
    result = _nginx(prefix, "-t")
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


@needs_nginx
@needs_openssl
def test_nginx_refuses_a_broken_site(tmp_path: Path) -> None:
    """The check above can fail: a typo in the site is reported."""
    prefix = _nginx_prefix(tmp_path, ["127.0.0.1:18001", "127.0.0.1:18002"])
    site = prefix / "site.conf"
    site.write_text(site.read_text().replace("proxy_cache_lock on;", "proxy_cache_lok on;"))
    assert _nginx(prefix, "-t").returncode != 0


@pytest.fixture
def behind_nginx(tmp_path: Path, httpserver: HTTPServer) -> Iterator[tuple[Server, int, Path]]:
    httpserver.expect_request("/v1/urls/count.json").respond_with_data(
        'x({"count": 7})', content_type="application/javascript"
    )
    app_dir = tmp_path / "app"
    app_dir.mkdir()
    server = Server(
        app_dir, "--workers", "1",
        SHAREPROXY_TRUSTED_PROXIES="1",
        SHAREPROXY_API_BASE_PINTEREST=httpserver.url_for("/").rstrip("/"),
    )  # fmt: skip
    nginx_dir = tmp_path / "nginx"
    nginx_dir.mkdir()
    https = free_port()
    prefix = _nginx_prefix(nginx_dir, [f"127.0.0.1:{server.port}"] * 2, free_port(), https)
    assert NGINX
    proc = subprocess.Popen(
        [NGINX, "-p", str(prefix), "-c", str(prefix / "nginx.conf"),
         "-e", str(prefix / "main-error.log"), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                _https(https, "/healthz")
                break
            except OSError:
                if proc.poll() is not None:
                    raise AssertionError((prefix / "main-error.log").read_text()) from None
                time.sleep(0.1)
        yield server, https, prefix
    finally:
        proc.terminate()
        proc.wait(timeout=15)
        server.stop()


def _https(port: int, path: str, headers: dict[str, str] | None = None) -> Any:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    req = urllib.request.Request(
        f"https://127.0.0.1:{port}{path}",
        headers={"Host": "share.example.org", **(headers or {})},
    )
    with urllib.request.urlopen(req, timeout=10, context=context) as resp:
        return resp.status, resp.headers, resp.read()  # headers: every line, repeats kept


@needs_nginx
@needs_openssl
def test_nginx_micro_caches_counts_and_logs_no_personal_data(
    behind_nginx: tuple[Server, int, Path],
) -> None:
    server, port, prefix = behind_nginx
    path = "/api/counts?url=http%3A%2F%2Flocalhost%2Fsecret-page&networks=pinterest"
    secrets = {"User-Agent": "SecretAgent/9", "Referer": "https://ref.example/private"}
    first = _https(port, path, secrets)
    second = _https(port, path, secrets)
    assert first[2] == second[2] == b'{"pinterest":7}'
    assert first[1]["X-Cache-Status"] == "MISS"
    assert second[1]["X-Cache-Status"] == "HIT"
    assert "max-age=" in second[1]["Cache-Control"]
    # The answer depends on the Origin (CORS): another Origin is another cache entry.
    other = _https(port, path, {"Origin": "http://localhost"})
    assert other[1]["X-Cache-Status"] == "MISS"
    assert other[1].get("Access-Control-Allow-Origin") == "http://localhost"
    assert "Strict-Transport-Security" in second[1]
    loader = [_https(port, "/embed.js")[1]["X-Cache-Status"] for _ in range(2)]
    assert loader == ["MISS", "HIT"]

    server.stop()
    app_log = server.access.read_text()
    assert app_log.count("GET /api/counts") == 2, app_log  # the HIT never reached gunicorn
    nginx_log = (prefix / "shareproxy.access.log").read_text()
    assert nginx_log.count("GET /api/counts HTTP") == 3
    assert nginx_log.startswith("127.0.0.0 ")
    for leak in ("127.0.0.1", "SecretAgent", "ref.example", "secret-page", "?"):
        assert leak not in nginx_log, leak
        assert leak not in app_log, leak


@needs_nginx
@needs_openssl
def test_nginx_sends_compressed_answers_and_caches_one_copy_per_encoding(
    behind_nginx: tuple[Server, int, Path],
) -> None:
    import gzip

    import brotli  # type: ignore[import-untyped]

    _, port, _ = behind_nginx
    page = "/buttons?url=http%3A%2F%2Flocalhost%2Fcompressed"
    plain = _https(port, page, {"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain[1]
    decode = {"br": brotli.decompress, "gzip": gzip.decompress}
    browsers = {
        "gzip, deflate, br, zstd": "br",  # Chromium
        "gzip, deflate": "gzip",
        "br;q=0, gzip": "gzip",
        "identity": None,
    }
    for accept, expected in browsers.items():
        status, headers, body = _https(port, page, {"Accept-Encoding": accept})
        assert status == 200
        assert headers.get("Content-Encoding") == expected, accept
        assert (decode[expected](body) if expected else body) == plain[2]
        vary = [v.strip() for line in headers.get_all("Vary") or [] for v in line.split(",")]
        assert vary.count("Accept-Encoding") == 1, headers.get_all("Vary")

    script = re.search(rb'src="(/assets/[^"]+)"', plain[2])
    assert script
    asset = script.group(1).decode()
    raw = _https(port, asset, {"Accept-Encoding": "identity"})[2]
    # one cached copy per encoding: a client that accepts none never gets a compressed copy
    for accept, expected in [("br", "br"), ("br", "br"), ("gzip", "gzip"), ("", None)] * 2:
        headers, body = _https(port, asset, {"Accept-Encoding": accept} if accept else {})[1:]
        assert headers.get("Content-Encoding") == expected, (accept, headers)
        assert (decode[expected](body) if expected else body) == raw
    assert headers["X-Cache-Status"] == "HIT"
    assert len(_https(port, asset, {"Accept-Encoding": "br"})[2]) < len(raw) / 2


# --- systemd


def test_systemd_unit_verifies(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed")
    # The unit names the production paths; point them at stand-in executables here.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in ("gunicorn", "shareproxy"):
        stub = bin_dir / name
        stub.write_text("#!/bin/sh\n")
        stub.chmod(0o755)
    unit = (DEPLOY / "shareproxy.service").read_text()
    unit = unit.replace("/opt/shareproxy/venv/bin", str(bin_dir))
    unit = unit.replace("/opt/shareproxy", str(ROOT))
    path = tmp_path / "shareproxy.service"
    path.write_text(unit)
    result = subprocess.run(
        [analyze, "verify", str(path)], capture_output=True, text=True, timeout=60
    )
    if "Failed to" in result.stderr and "bus" in result.stderr.lower():
        pytest.skip(f"systemd-analyze cannot run here: {result.stderr.strip()}")
    assert result.returncode == 0, result.stderr
    assert "Unknown" not in result.stderr and "shareproxy.service" not in result.stderr, (
        result.stderr
    )


def test_systemd_unit_is_hardened() -> None:
    unit = (DEPLOY / "shareproxy.service").read_text()
    for line in (
        "DynamicUser=yes", "NoNewPrivileges=yes", "ProtectSystem=strict", "ProtectHome=yes",
        "PrivateTmp=yes", "PrivateDevices=yes", "CapabilityBoundingSet=\n",
        "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6", "SystemCallFilter=@system-service",
        "ExecStart=/opt/shareproxy/venv/bin/gunicorn -c /opt/shareproxy/gunicorn.conf.py",
    ):  # fmt: skip
        assert line in unit, line


# --- docker compose and Dockerfile (no Docker engine here)


def _compose_services(text: str) -> dict[str, str]:
    """Top-level services of a compose file and the text of each (two-space indents)."""
    block = re.search(r"^services:\n(.*?)(?=^\S|\Z)", text, re.M | re.S)
    assert block, "no services: section"
    parts = re.split(r"^  ([A-Za-z0-9_-]+):\n", block.group(1), flags=re.M)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def test_compose_has_redis_two_instances_and_nginx() -> None:
    text = (DEPLOY / "docker-compose.yml").read_text()
    assert "\t" not in text
    try:
        import yaml  # type: ignore[import-untyped]
    except ImportError:
        yaml = None
    if yaml is not None:
        data = yaml.safe_load(text)
        assert set(data["services"]) == {"redis", "shareproxy-1", "shareproxy-2", "nginx"}
    services = _compose_services(text)
    assert set(services) == {"redis", "shareproxy-1", "shareproxy-2", "nginx"}
    assert '"--appendonly", "yes"' in services["redis"]
    assert "redis-data:/data" in services["redis"]
    for name in ("shareproxy-1", "shareproxy-2"):
        assert "<<: *shareproxy" in services[name]
    anchor = re.search(r"^x-shareproxy: &shareproxy\n(.*?)(?=^\S)", text, re.M | re.S)
    assert anchor
    assert "SHAREPROXY_STORE: redis://redis:6379/0" in anchor.group(1)
    assert 'SHAREPROXY_TRUSTED_PROXIES: "1"' in anchor.group(1)
    assert "dockerfile: deploy/Dockerfile" in anchor.group(1)
    assert "./nginx/shareproxy.conf:/etc/nginx/conf.d/default.conf:ro" in services["nginx"]
    # The upstreams nginx proxies to are the compose services.
    site = SITE.read_text()
    assert "server shareproxy-1:8000" in site and "server shareproxy-2:8000" in site
    for ref in re.findall(r"^\s+- \./([\w./-]+):", text, re.M):
        if ref != "tls":  # the operator's certificates
            assert (DEPLOY / ref).exists(), ref


def test_dockerfile_runs_as_non_root_with_a_health_check() -> None:
    lines = [
        line.strip()
        for line in (DEPLOY / "Dockerfile").read_text().replace("\\\n", " ").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    stages = [i for i, line in enumerate(lines) if line.startswith("FROM ")]
    assert all(lines[i].startswith("FROM python:3.11-slim") for i in stages)
    final = lines[stages[-1] :]
    users = [line.split()[1] for line in final if line.startswith("USER ")]
    assert users and users[-1].split(":")[0] not in ("root", "0")
    last_user = max(i for i, line in enumerate(final) if line.startswith("USER "))
    assert not any(line.startswith("RUN ") for line in final[last_user:])
    health = [line for line in final if line.startswith("HEALTHCHECK ")]
    assert len(health) == 1 and "/healthz" in health[0]
    cmd = [line for line in final if line.startswith("CMD ")]
    assert cmd == ['CMD ["gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"]']
    for line in lines:
        if line.startswith("COPY ") and "--from=" not in line:
            for source in line.split()[1:-1]:
                assert (ROOT / source).exists(), source


def test_docker_build_context_leaves_out_state_and_secrets() -> None:
    ignored = (DEPLOY / "Dockerfile.dockerignore").read_text().split()
    for entry in (".git", ".venv", "instance", "deploy/shareproxy.env", "deploy/tls"):
        assert entry in ignored, entry
