"""Helpers for the deployment tests: gunicorn with the shipped configuration, as a subprocess."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any

from live_support import CONF, GUNICORN, Gunicorn, clean_env, free_port

ROOT = Path(__file__).resolve().parent.parent
__all__ = ["CONF", "GUNICORN", "ROOT", "Server", "free_port", "server_env"]


def server_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    settings = {
        "SHAREPROXY_STORE": f"sqlite:///{tmp_path / 'gunicorn.db'}",
        "SHAREPROXY_ALLOWED_DOMAINS": "localhost,127.0.0.1",
        "SHAREPROXY_API_BASE_PINTEREST": "http://127.0.0.1:9",
    }
    return clean_env(**{**settings, **extra})


class Server(Gunicorn):
    """gunicorn -c gunicorn.conf.py ARGS wsgi:app, configured by the environment alone:
    its access log in ``access``, everything else it says in ``errors``."""

    def __init__(self, tmp_path: Path, *args: str, **env: str):
        port = free_port()
        self.access = tmp_path / "access.log"
        self.errors = tmp_path / "error.log"
        environ = server_env(tmp_path, BIND=f"127.0.0.1:{port}", ACCESS_LOG=str(self.access), **env)
        self.start(port, ["-c", CONF, *args, "wsgi:app"], environ, self.errors)

    def get(self, path: str, headers: dict[str, str] | None = None) -> Any:
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", headers=headers or {})
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, resp.read()


def get_ttl(port: int, token: str, network: str) -> int | None:
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}/admin/api/ttl/{network}",
        headers={"Authorization": f"Bearer {token}"},
    )
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            return int(json.load(resp)["seconds"])
    except OSError:
        return None


def wait_for_ttl(port: int, token: str, network: str, seconds: int, within: float) -> float:
    start = time.monotonic()
    while time.monotonic() - start < within:
        if get_ttl(port, token, network) == seconds:
            return time.monotonic() - start
        time.sleep(0.1)
    raise AssertionError(f"the server did not report {network} = {seconds} s within {within} s")


def ttl_set_reaches_server(
    command: list[str],
    cwd: Path,
    env: dict[str, str],
    db: Path,
    port: int,
    token: str,
    network: str,
    seconds: int,
) -> subprocess.CompletedProcess[str]:
    """Run ``shareproxy ttl set NETWORK SECONDS``; the server must report the new TTL within
    5 s of the moment the command wrote it to the store (seen by reading the SQLite file)."""
    from shareproxy.store.sqlite import SQLiteStore

    proc = subprocess.Popen(
        [*command, "ttl", "set", network, str(seconds)], cwd=cwd, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        store = SQLiteStore(str(db))
        try:
            while store.get_meta().get(f"ttl:{network}") != str(seconds):
                assert proc.poll() is None or store.get_meta().get(f"ttl:{network}") == str(
                    seconds
                ), proc.communicate()
                assert time.monotonic() < deadline, "the command did not write the TTL"
                time.sleep(0.02)
        finally:
            store.close()
        wait_for_ttl(port, token, network, seconds, within=5.0)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


# --- nginx with the shipped site (deploy/nginx/shareproxy.conf), made local

SITE = ROOT / "deploy" / "nginx" / "shareproxy.conf"


def nginx_binary() -> str | None:
    import shutil

    found = shutil.which("nginx")
    return found or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)


def self_signed(tmp: Path) -> tuple[Path, Path]:
    cert, key = tmp / "fullchain.pem", tmp / "privkey.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=share.example.org", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return cert, key


def nginx_prefix(
    tmp: Path,
    upstreams: list[str],
    http: int = 80,
    https: int = 443,
    *,
    workers: int = 1,
    connections: int = 64,
    server_extra: str = "",
    site_edit: Any = None,
) -> Path:
    """A throw-away nginx prefix whose nginx.conf includes the shipped site, made local:
    the upstreams, certificate, cache and log paths replaced, IPv4 loopback only.
    ``server_extra`` goes into the TLS server block; ``site_edit(text)`` may change the
    site further (the benchmarks lift the per-client rate limit)."""
    import re

    cert, key = self_signed(tmp)
    site = SITE.read_text()
    for n, upstream in enumerate(upstreams, start=1):
        site = site.replace(f"server shareproxy-{n}:8000", f"server {upstream}")
    site = site.replace("/etc/nginx/tls/fullchain.pem", str(cert))
    site = site.replace("/etc/nginx/tls/privkey.pem", str(key))
    site = site.replace("/var/cache/nginx/shareproxy", str(tmp / "cache"))
    site = site.replace("/var/log/nginx/", f"{tmp}/")
    site = re.sub(r"^\s*listen \[::\]:.*\n", "", site, flags=re.M)  # no IPv6 here
    site = site.replace("listen 80;", f"listen 127.0.0.1:{http};")
    site = site.replace("listen 443 ssl", f"listen 127.0.0.1:{https} ssl")
    if server_extra:
        marker = "    client_max_body_size"
        site = site.replace(marker, server_extra.rstrip() + "\n\n" + marker, 1)
    if site_edit is not None:
        site = site_edit(site)
    (tmp / "site.conf").write_text(site)
    user = "user root;\n" if os.geteuid() == 0 else ""
    temp = "\n".join(
        f"    {kind}_temp_path {tmp}/{kind};" for kind in ("client_body", "proxy", "fastcgi",
                                                         "uwsgi", "scgi")
    )  # fmt: skip
    (tmp / "nginx.conf").write_text(
        f"{user}worker_processes {workers};\npid {tmp}/nginx.pid;\n"
        f"error_log {tmp}/main-error.log;\n"
        f"events {{ worker_connections {connections}; }}\n"
        f"http {{\n{temp}\n    access_log off;\n    include {tmp}/site.conf;\n}}\n"
    )
    return tmp


def nginx_run(prefix: Path, *args: str) -> subprocess.CompletedProcess[str]:
    nginx = nginx_binary()
    assert nginx
    return subprocess.run(
        [nginx, "-p", str(prefix), "-c", str(prefix / "nginx.conf"),
         "-e", str(prefix / "main-error.log"), *args],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip


class Nginx:
    """nginx in the foreground on a prefix from :func:`nginx_prefix`; stop() ends it."""

    def __init__(self, prefix: Path, https: int) -> None:
        nginx = nginx_binary()
        assert nginx
        self.prefix = prefix
        self.https = https
        self.proc = subprocess.Popen(
            [nginx, "-p", str(prefix), "-c", str(prefix / "nginx.conf"),
             "-e", str(prefix / "main-error.log"), "-g", "daemon off;"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", https), timeout=1):
                    return
            except OSError:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.1)
        self.stop()
        raise AssertionError((prefix / "main-error.log").read_text())

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
