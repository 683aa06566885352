"""A real gunicorn running shareproxy, and a load generator, for fault tests and benchmarks.

The server runs under the shipped ``gunicorn.conf.py`` when the checkout has one, else under
equivalent command-line flags (gthread workers, 8 threads each).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONF = os.path.join(ROOT, "gunicorn.conf.py")
# The one way the tests start gunicorn: the virtualenv's script, which (unlike
# ``python -m gunicorn``) puts nothing of its working folder on the import path.
GUNICORN = os.path.join(os.path.dirname(sys.executable), "gunicorn")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without shareproxy's settings and metrics folder, with
    this checkout on the import path, plus ``extra``: a server configured by its test."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHAREPROXY_")}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    env["PYTHONPATH"] = ROOT
    env.update(extra)
    return env


class Gunicorn:
    """gunicorn in a subprocess on a free port, ready once ``/healthz`` answers 200;
    stop() ends it and returns its log (stdout and stderr).

    ``Gunicorn(env, workers, threads)`` serves ``wsgi:app`` under the shipped
    ``gunicorn.conf.py`` when the checkout has one, else under equivalent command-line
    flags (gthread workers); ``Gunicorn.run(args, env, port=...)`` runs any command line.
    """

    config = "command line"

    def __init__(
        self,
        env: Mapping[str, str],
        workers: int = 2,
        threads: int = 8,
        app: str = "wsgi:app",
        log_path: str | None = None,
        pythonpath: str = "",
    ) -> None:
        port = free_port()
        self.metrics_dir = tempfile.mkdtemp(prefix="shareproxy-live-metrics-")
        full = dict(os.environ)
        full.update(env)
        full.update({
            "BIND": f"127.0.0.1:{port}",
            "WEB_CONCURRENCY": str(workers),
            "GUNICORN_THREADS": str(threads),
            "ACCESS_LOG": "/dev/null",
            "PROMETHEUS_MULTIPROC_DIR": self.metrics_dir,
            "PYTHONPATH": os.pathsep.join(p for p in (pythonpath, ROOT) if p),
        })  # fmt: skip
        self.config = "gunicorn.conf.py" if os.path.exists(CONF) else "command-line flags"
        if os.path.exists(CONF):
            args = ["-c", CONF, app]
        else:
            args = [
                "--bind", f"127.0.0.1:{port}", "--worker-class", "gthread",
                "--workers", str(workers), "--threads", str(threads), "--keep-alive", "5",
                "--timeout", "30", "--graceful-timeout", "10", "--backlog", "1024",
                "--log-level", "warning", app,
            ]  # fmt: skip
        self.start(port, args, full, log_path)

    @classmethod
    def run(
        cls,
        args: Sequence[str],
        env: Mapping[str, str],
        *,
        port: int,
        cwd: str | os.PathLike[str] = ROOT,
        log_path: str | os.PathLike[str] | None = None,
    ) -> Gunicorn:
        """``gunicorn ARGS`` (which must bind 127.0.0.1:``port``) with exactly ``env``."""
        server = cls.__new__(cls)
        server.start(port, args, env, log_path, cwd)
        return server

    def start(
        self,
        port: int,
        args: Sequence[str],
        env: Mapping[str, str],
        log_path: str | os.PathLike[str] | None = None,
        cwd: str | os.PathLike[str] = ROOT,
        timeout: float = 30.0,
    ) -> None:
        self.port = port
        self.base = f"http://127.0.0.1:{port}"
        self.env = dict(env)
        self.log_path = Path(
            log_path or tempfile.mktemp(prefix="shareproxy-gunicorn-", suffix=".log")
        )
        self._log = open(self.log_path, "wb")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [GUNICORN, *args], cwd=cwd, env=self.env, stdout=self._log, stderr=self._log
        )
        self.wait_ready(timeout)

    def wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        with requests.Session() as probe:
            probe.trust_env = False  # no proxy from the environment for 127.0.0.1
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    break
                try:
                    if probe.get(self.base + "/healthz", timeout=1).status_code == 200:
                        if len(self.workers()) >= 1:
                            return
                except requests.RequestException:
                    pass
                time.sleep(0.1)
        self.stop()
        raise AssertionError(f"gunicorn did not start: {self.log()}")

    def workers(self) -> list[int]:
        """Process ids of the current workers (children of the master)."""
        pids = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as f:
                    stat = f.read()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if ppid == self.proc.pid:
                pids.append(int(entry))
        return sorted(pids)

    def log(self) -> str:
        return self.full_log()[-4000:]

    def full_log(self) -> str:
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")

    def metric(self, name: str) -> float:
        """Sum of every sample of ``name`` in /metrics (all workers)."""
        text = requests.get(self.base + "/metrics", timeout=5).text
        total = 0.0
        for line in text.splitlines():
            if line.startswith(name) and not line.startswith("#"):
                head, _, value = line.rpartition(" ")
                if head.split("{")[0] == name:
                    total += float(value)
        return total

    def stop(self, wait: float = 20.0) -> str:
        """SIGTERM, then SIGKILL after ``wait`` seconds; the log."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(wait)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self._log.close()
        return self.full_log()


@dataclass
class Result:
    url: str
    status: int  # 0: no answer (connection error or client timeout)
    seconds: float
    body: Any


@dataclass
class Load:
    """Threads asking ``base`` + each of ``paths`` in turn until stopped."""

    base: str
    paths: list[str]
    threads: int = 4
    timeout: float = 10.0
    results: list[Result] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []

    def start(self) -> Load:
        for i in range(self.threads):
            t = threading.Thread(target=self._run, args=(i,), daemon=True)
            t.start()
            self._threads.append(t)
        return self

    def set_paths(self, paths: Iterable[str]) -> None:
        with self._lock:
            self.paths = list(paths)

    def _run(self, offset: int) -> None:
        session = requests.Session()
        i = offset
        while not self._stop.is_set():
            with self._lock:
                path = self.paths[i % len(self.paths)]
            i += 1
            started = time.monotonic()
            try:
                r = session.get(self.base + path, timeout=self.timeout)
                status = r.status_code
                try:
                    body = r.json()
                except ValueError:
                    body = r.text
            except requests.RequestException as exc:
                status, body = 0, repr(exc)
            result = Result(path, status, time.monotonic() - started, body)
            with self._lock:
                self.results.append(result)
        session.close()

    def stop(self) -> list[Result]:
        self._stop.set()
        for t in self._threads:
            t.join(self.timeout + 5)
        return self.results

    def take(self) -> list[Result]:
        """Results so far, leaving an empty list."""
        with self._lock:
            taken, self.results = self.results, []
        return taken


def run_for(load: Load, seconds: float) -> list[Result]:
    time.sleep(seconds)
    return load.take()
