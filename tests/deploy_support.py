"""Helpers for the deployment tests: gunicorn with the shipped configuration, as a subprocess."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py")]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHAREPROXY_")}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    env.update({
        "SHAREPROXY_STORE": f"sqlite:///{tmp_path / 'gunicorn.db'}",
        "SHAREPROXY_ALLOWED_DOMAINS": "localhost,127.0.0.1",
        "SHAREPROXY_API_BASE_PINTEREST": "http://127.0.0.1:9",
        "PYTHONPATH": str(ROOT),
    })  # fmt: skip
    env.update(extra)
    return env


class Server:
    def __init__(self, tmp_path: Path, *args: str, **env: str):
        self.port = free_port()
        self.access = tmp_path / "access.log"
        self.errors = tmp_path / "error.log"
        self.env = server_env(
            tmp_path, BIND=f"127.0.0.1:{self.port}", ACCESS_LOG=str(self.access), **env
        )
        with self.errors.open("wb") as err:
            self.proc = subprocess.Popen(
                [*GUNICORN, *args, "wsgi:app"], cwd=ROOT, env=self.env,
                stdout=subprocess.DEVNULL, stderr=err,
            )  # fmt: skip
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                self.get("/healthz")
                return
            except OSError:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.1)
        self.stop()
        raise AssertionError("gunicorn did not start: " + self.errors.read_text())

    def get(self, path: str, headers: dict[str, str] | None = None) -> Any:
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", headers=headers or {})
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, resp.read()

    def stop(self) -> str:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.errors.read_text()


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
