"""A real gunicorn under the shipped configuration for the attack tests, and raw HTTP."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections import Counter
from pathlib import Path

from live_support import CONF, Gunicorn, clean_env, free_port


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


class Server(Gunicorn):
    """gunicorn -c gunicorn.conf.py wsgi:app on 127.0.0.1 (and more addresses if given)."""

    def __init__(
        self,
        tmp_path: Path,
        *,
        extra_binds: tuple[str, ...] = (),
        workers: int = 2,
        **settings: str,
    ):
        port = free_port()
        self.access_path = tmp_path / "access.log"
        env = clean_env(**{
            "SHAREPROXY_STORE": f"sqlite:///{tmp_path / 'attack.db'}",
            "SHAREPROXY_ALLOWED_DOMAINS": "example.org",
            "SHAREPROXY_API_BASE_PINTEREST": "http://127.0.0.1:9",
            "WEB_CONCURRENCY": str(workers),
            "ACCESS_LOG": str(self.access_path),
            **settings,
        })  # fmt: skip
        args = ["-c", CONF]
        for host in ("127.0.0.1", *extra_binds):
            args += ["--bind", f"[{host}]:{port}" if ":" in host else f"{host}:{port}"]
        self.start(port, [*args, "wsgi:app"], env, tmp_path / "gunicorn.log")


FLOOD_CLIENT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "flood_client.py")


def flood(
    port: int,
    first: int,
    count: int,
    prefix: str,
    networks: str,
    processes: int = 3,
    connections: int = 8,
) -> Counter[int]:
    """``GET /api/counts`` for ``count`` unique page URLs (``prefix`` + a number from
    ``first``), from ``processes`` client processes of ``connections`` kept-alive
    connections each (tests/flood_client.py); the statuses of the answers."""
    share = -(-count // processes)
    procs = [
        subprocess.Popen(
            [sys.executable, FLOOD_CLIENT, str(port), str(start),
             str(min(share, first + count - start)), str(connections), prefix, networks],
            stdout=subprocess.PIPE,
            text=True,
        )
        for start in range(first, first + count, share)
    ]  # fmt: skip
    statuses: Counter[int] = Counter()
    for proc in procs:
        out, _ = proc.communicate(timeout=600)
        statuses.update({int(k): v for k, v in json.loads(out or "{}").items()})
    return statuses


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
