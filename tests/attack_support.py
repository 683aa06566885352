"""A real gunicorn under the shipped configuration for the attack tests, and raw HTTP."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from pathlib import Path

import requests
from live_support import GUNICORN, ROOT, free_port

CONF = os.path.join(ROOT, "gunicorn.conf.py")


def own_addresses() -> list[str]:
    """This host's addresses other than loopback (a client there is not 127.0.0.1)."""
    try:
        out = subprocess.run(["hostname", "-I"], capture_output=True, text=True, timeout=5).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    found = []
    for text in out.split():
        family = socket.AF_INET6 if ":" in text else socket.AF_INET
        try:
            with socket.socket(family, socket.SOCK_STREAM) as s:
                s.bind((text, 0))
        except OSError:
            continue
        found.append(text)
    return found


class Server:
    """gunicorn -c gunicorn.conf.py wsgi:app on 127.0.0.1 (and more addresses if given)."""

    def __init__(
        self,
        tmp_path: Path,
        *,
        extra_binds: tuple[str, ...] = (),
        workers: int = 2,
        **settings: str,
    ):
        self.port = free_port()
        self.log_path = tmp_path / "gunicorn.log"
        self.access_path = tmp_path / "access.log"
        env = {k: v for k, v in os.environ.items() if not k.startswith("SHAREPROXY_")}
        env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        env.update({
            "SHAREPROXY_STORE": f"sqlite:///{tmp_path / 'attack.db'}",
            "SHAREPROXY_ALLOWED_DOMAINS": "example.org",
            "SHAREPROXY_API_BASE_PINTEREST": "http://127.0.0.1:9",
            "WEB_CONCURRENCY": str(workers),
            "ACCESS_LOG": str(self.access_path),
            "PYTHONPATH": ROOT,
        })  # fmt: skip
        env.update(settings)
        binds = [f"127.0.0.1:{self.port}"]
        for host in extra_binds:
            binds.append(f"[{host}]:{self.port}" if ":" in host else f"{host}:{self.port}")
        args = [GUNICORN, "-c", CONF]
        for bind in binds:
            args += ["--bind", bind]
        self._log = self.log_path.open("wb")
        self.proc = subprocess.Popen(
            [*args, "wsgi:app"], cwd=ROOT, env=env, stdout=self._log, stderr=self._log
        )
        self.base = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if requests.get(self.base + "/healthz", timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                if self.proc.poll() is not None:
                    break
            time.sleep(0.1)
        self.stop()
        raise AssertionError("gunicorn did not start: " + self.log_path.read_text())

    def stop(self) -> str:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()
        return self.log_path.read_text()


def raw(host: str, port: int, data: bytes, timeout: float = 10.0) -> bytes:
    """Send ``data`` on a new connection; return everything the server answers."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.settimeout(timeout)
        s.connect((host, port))
        s.sendall(data)
        chunks = []
        while True:
            try:
                chunk = s.recv(65536)
            except (ConnectionResetError, TimeoutError):
                break
            if not chunk:
                break
            chunks.append(chunk)
    return b"".join(chunks)


def split_answer(answer: bytes) -> tuple[int, dict[str, str], bytes]:
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return status, headers, body
