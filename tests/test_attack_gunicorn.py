"""gunicorn under the shipped configuration, attacked at the HTTP level: idle and slow
connections, over-long request lines, malformed and oversized heads. Every client error is
shareproxy's one-line JSON answer, no line of the log holds a client's full address, and
idle or slow clients cannot keep the request threads from others."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from attack_support import Server, own_addresses, raw, split_answer
from live_support import ROOT

pytestmark = pytest.mark.faults


# Requests gunicorn cannot parse or refuses by its limits, and the status each gets.
LONG_URL = "/api/counts?url=https%3A%2F%2Fexample.org%2F" + "a" * 8300
LONG_QUERY = "/healthz?q=" + "a" * 33_000  # over shareproxy's 32 KiB
HOSTILE: list[tuple[str, bytes, int]] = [
    ("query over 32 KiB", f"GET {LONG_QUERY} HTTP/1.1\r\nHost: x\r\n\r\n".encode(), 414),
    ("url over 2048", f"GET {LONG_URL} HTTP/1.1\r\nHost: x\r\n\r\n".encode(), 400),
    ("request line of 5000", b"GET /healthz?" + b"q" * 5000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 200),
    ("no line end at all", b"GET /" + b"a" * 60_000, 414),
    ("malformed header", b"GET /healthz HTTP/1.1\r\nHost: x\r\nNo colon here\r\n\r\n", 400),
    ("bad header name", b"GET /healthz HTTP/1.1\r\nHo st: x\r\n\r\n", 400),
    ("bad method", b"G(T / HTTP/1.1\r\nHost: x\r\n\r\n", 400),
    ("bad version", b"GET / HTTP/9.9\r\nHost: x\r\n\r\n", 400),
    ("garbage", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", 400),
    ("one huge header", b"GET /healthz HTTP/1.1\r\nX-A: " + b"b" * 9000 + b"\r\n\r\n", 431),
    (
        "too many headers",
        b"GET /healthz HTTP/1.1\r\n" + b"".join(b"X-%d: 1\r\n" % i for i in range(80)) + b"\r\n",
        431,
    ),
    (
        "headers over 48 KiB",
        b"GET /healthz HTTP/1.1\r\n"
        + b"".join(b"X-%d: %s\r\n" % (i, b"c" * 8000) for i in range(7)),
        431,
    ),
    ("bad length", b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1x\r\n\r\n", 400),
    (
        "two lengths",
        b"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
        400,
    ),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: Any) -> Iterator[Server]:
    served = Server(tmp_path_factory.mktemp("gunicorn-attack"), extra_binds=tuple(own_addresses()))
    yield served
    served.stop()


@pytest.mark.parametrize(("name", "data", "status"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_every_client_error_is_one_json_line(
    server: Server, name: str, data: bytes, status: int
) -> None:
    answer = raw("127.0.0.1", server.port, data)
    got, headers, body = split_answer(answer)
    assert got == status, answer[:300]
    if status >= 400:
        assert headers["content-type"] == "application/json", headers
        assert body.count(b"\n") <= 1 and b"<" not in body, body
        assert json.loads(body)["error"]
        assert int(headers["content-length"]) == len(body)


def test_an_over_long_query_gets_the_same_answer_as_from_flask(server: Server) -> None:
    """gunicorn's 414 (a line longer than the whole head may be) says what shareproxy's own
    414 (a query string over 32 KiB) says."""
    from_flask = split_answer(raw("127.0.0.1", server.port, HOSTILE[0][1]))
    from_gunicorn = split_answer(raw("127.0.0.1", server.port, b"GET /" + b"a" * 60_000))
    assert from_flask[0] == from_gunicorn[0] == 414
    # two different places answered: the application (through gunicorn) and the worker
    assert "date" in from_flask[1] and "date" not in from_gunicorn[1]
    assert json.loads(from_flask[2]) == json.loads(from_gunicorn[2])


def test_no_error_line_holds_a_full_client_address(tmp_path: Path) -> None:
    others = own_addresses()
    served = Server(tmp_path, extra_binds=tuple(others))
    clients = ["127.0.0.1", *others]
    try:
        for host in clients:
            for _, data, _ in HOSTILE:
                raw(host, served.port, data)
    finally:
        log = served.stop()
    lines = [line for line in log.splitlines() if "Listening at" not in line]
    text = "\n".join(lines)
    assert "invalid request from 127.0.0.0" in text, text[-2000:]
    for host in clients:
        assert host not in text, f"{host} in the log:\n{text[-2000:]}"
    for host in others:
        network = host.rsplit(".", 1)[0] + ".0" if "." in host else None
        if network:
            assert f"invalid request from {network}" in text
    # nothing a client sent is repeated: no request line, no header value
    assert "aaaaaaaa" not in text and "bbbbbbbb" not in text and "No colon" not in text


# --- idle and slow clients


def open_idle(port: int, n: int) -> list[socket.socket]:
    socks = []
    for _ in range(n):
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        socks.append(s)
    return socks


def healthz_answers(base: str, tries: int) -> list[float]:
    """Seconds each of ``tries`` fresh /healthz requests took (a client timeout of 5 s)."""
    took = []
    for _ in range(tries):
        started = time.monotonic()
        r = requests.get(base + "/healthz", timeout=5, headers={"Connection": "close"})
        assert r.status_code == 200
        took.append(time.monotonic() - started)
    return took


def test_idle_and_slow_connections_do_not_starve_the_threads(server: Server) -> None:
    """2 workers × 8 threads. 150 connections that send nothing, 100 that send half a head
    and stop, 50 that trickle a head one byte at a time, 20 that send a head announcing a
    body they never send: /healthz still answers at once, again and again."""
    idle = open_idle(server.port, 150)
    partial = open_idle(server.port, 100)
    for s in partial:
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
    trickle = open_idle(server.port, 50)
    no_body = open_idle(server.port, 20)
    for s in no_body:
        s.sendall(b"POST /admin/login HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n\r\ncsrf=")
    try:
        for step in range(6):
            for s in trickle:
                try:
                    s.sendall(b"GET /healthz HTTP/1.1\r\n"[step : step + 1])
                except OSError:
                    pass
            healthz_answers(server.base, 3)  # each within the client's 5 s, or it raises
            time.sleep(0.3)
    finally:
        for s in idle + partial + trickle + no_body:
            s.close()


def test_a_connection_that_sends_nothing_is_closed(server: Server) -> None:
    s = socket.create_connection(("127.0.0.1", server.port), timeout=30)
    started = time.monotonic()
    try:
        assert s.recv(100) == b""  # closed by the server, not the client's timeout
    finally:
        s.close()
    assert time.monotonic() - started < 25


def test_a_body_that_never_comes_gets_408_or_a_close(server: Server) -> None:
    answer = raw(
        "127.0.0.1",
        server.port,
        b"PUT /admin/api/ttl/reddit HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{",
        timeout=40,
    )
    if answer:
        status, headers, body = split_answer(answer)
        assert status in (401, 408), answer[:200]
        assert headers["content-type"] == "application/json"


def test_kept_alive_connections_still_work(server: Server) -> None:
    with requests.Session() as session:
        for _ in range(20):
            assert session.get(server.base + "/healthz", timeout=5).status_code == 200
    # pipelined: two requests in one write
    data = (
        b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
        b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    answer = raw("127.0.0.1", server.port, data)
    assert answer.count(b"HTTP/1.1 200") == 2


def test_answers_say_no_more_than_http_needs(server: Server) -> None:
    """No Server line, and no Connection line where HTTP/1.1 implies keep-alive; a close,
    and keep-alive to an HTTP/1.0 client, are still said."""
    data = (
        b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
        b"GET /healthz HTTP/1.0\r\nHost: x\r\nConnection: keep-alive\r\n\r\n"
        b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    answer = raw("127.0.0.1", server.port, data)
    heads = [part.split(b"\r\n\r\n")[0] for part in answer.split(b"HTTP/1.")[1:]]
    assert len(heads) == 3, answer
    for head in heads:
        assert b"\r\nserver:" not in head.lower(), head
    kept, old, closed = (dict(split_answer(b"HTTP/1." + h + b"\r\n\r\n")[1]) for h in heads)
    assert "connection" not in kept, kept
    assert old["connection"] == "keep-alive", old
    assert closed["connection"] == "close", closed


def test_loopback_is_the_default_bind(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("BIND", "PORT")}
    code = (
        "import runpy; c = runpy.run_path('gunicorn.conf.py'); print(c['bind']);"
        "print(c['worker_class'], c['limit_request_line'])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    bind, worker = out.stdout.split("\n")[:2]
    assert bind == "127.0.0.1:8000", out
    assert worker == "shareproxy.gworker.Worker 0"  # no line limit of gunicorn's own


def test_refused_bodies_get_their_answer_and_block_nobody(server: Server) -> None:
    """Bodies too large to wait for, that the application refuses without reading: each
    client still reads its answer (no reset destroys it), and while 30 such clients keep
    their connections open, the worker goes on answering others."""
    socks = []
    for _ in range(30):
        s = socket.create_connection(("127.0.0.1", server.port), timeout=10)
        head = b"POST /api/counts HTTP/1.1\r\nHost: x\r\nContent-Length: 200000\r\n\r\n"
        s.sendall(head + b"x" * 70_000)
        socks.append(s)
    try:
        healthz_answers(server.base, 5)
        for s in socks:
            answer = b""
            while b"\r\n\r\n" not in answer:
                chunk = s.recv(4096)
                assert chunk, "connection closed without an answer"
                answer += chunk
            assert answer.startswith((b"HTTP/1.1 405", b"HTTP/1.1 413")), answer[:100]
    finally:
        for s in socks:
            s.close()
