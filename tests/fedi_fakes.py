"""Real local servers for the address guard and fediverse sharing.

- :class:`FakeServer`: a threaded HTTP (or HTTPS) server answering from a table of routes,
  each a fixed answer or a misbehaviour (hang, drip, oversized, redirect). It logs every
  request with its ``Host`` header (and the TLS SNI name).
- :class:`Tripwire`: a TCP listener that only counts the connections it accepts, to assert
  that nothing reached an address.
- :func:`make_ca`: a throw-away certificate authority and a certificate for given names
  (the ``openssl`` command line), for the TLS checks.
- :data:`NODEINFO`: NodeInfo documents as each fediverse software publishes them.
"""

from __future__ import annotations

import json
import os
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit


@dataclass
class Answer:
    status: int = 200
    body: bytes | str | Any = b""  # bytes, text, or anything JSON-serialisable
    headers: Mapping[str, str] = field(default_factory=dict)
    mode: str = "normal"  # normal, hang, drip, stream (no Content-Length), reset
    delay: float = 0.0  # seconds before answering

    def payload(self) -> bytes:
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode()
        return json.dumps(self.body).encode()


def redirect(location: str, status: int = 302) -> Answer:
    return Answer(status, b"", {"Location": location})


@dataclass
class Seen:
    path: str
    host: str
    sni: str | None
    user_agent: str


class FakeServer:
    """Answers ``routes[path]`` (the path without its query); 404 for anything else."""

    def __init__(self, routes: Mapping[str, Answer] | None = None, *, tls: Any = None):
        self.routes: dict[str, Answer] = dict(routes or {})
        self.seen: list[Seen] = []
        self.closing = threading.Event()
        server = self
        sni_names: dict[int, str | None] = {}

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                sni = sni_names.get(id(self.connection))
                server.seen.append(
                    Seen(
                        self.path,
                        self.headers.get("Host", ""),
                        sni,
                        self.headers.get("User-Agent", ""),
                    )
                )
                answer = server.routes.get(urlsplit(self.path).path, Answer(404, b"not here"))
                if answer.delay:
                    server.closing.wait(answer.delay)
                if answer.mode == "hang":
                    server.closing.wait(60)
                    return
                if answer.mode == "reset":
                    self.connection.setsockopt(
                        socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
                    )
                    self.close_connection = True
                    return
                body = answer.payload()
                self.send_response(answer.status)
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                if "Content-Type" not in answer.headers:
                    self.send_header("Content-Type", "application/json")
                if answer.mode == "drip":
                    self.send_header("Content-Length", str(10_000))
                    self.end_headers()
                    for _ in range(10_000):  # one byte every 0.1 s: far past any timeout
                        if server.closing.wait(0.1):
                            return
                        try:
                            self.wfile.write(b" ")
                            self.wfile.flush()
                        except OSError:
                            return
                    return
                if answer.mode == "stream":
                    self.send_header("Connection", "close")
                    self.end_headers()
                    self.close_connection = True
                else:
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                try:
                    self.wfile.write(body)
                except OSError:
                    pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.scheme = "http"
        if tls is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(tls.cert, tls.key)

            def remember(sock: ssl.SSLSocket, name: str | None, _ctx: Any) -> None:
                sni_names[id(sock)] = name

            context.sni_callback = remember  # type: ignore[assignment]
            self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
            self.scheme = "https"
        self.port = self.httpd.server_address[1]
        self.base = f"{self.scheme}://127.0.0.1:{self.port}"
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    def paths(self) -> list[str]:
        return [s.path for s in self.seen]

    def close(self) -> None:
        self.closing.set()
        self.httpd.shutdown()
        self.httpd.server_close()


class Tripwire:
    """Accepts TCP connections on 127.0.0.1 and counts them; answers nothing."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            conn.close()

    def wait_for(self, n: int, timeout: float = 5.0) -> bool:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.connections >= n:
                return True
            time.sleep(0.01)
        return self.connections >= n

    def close(self) -> None:
        self._stop.set()
        self.thread.join(2)
        self.sock.close()


@dataclass
class Certs:
    ca: str  # CA certificate (PEM file)
    cert: str  # leaf certificate for the names
    key: str  # its key

    def client_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(cafile=self.ca)
        return context


def make_ca(directory: str, names: list[str]) -> Certs:
    """A CA and a leaf certificate for ``names`` signed by it, made with openssl."""

    def run(*args: str) -> None:
        subprocess.run(["openssl", *args], check=True, capture_output=True, cwd=directory)

    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        "-subj", "/CN=shareproxy test CA", "-keyout", "ca.key", "-out", "ca.pem",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign")  # fmt: skip
    run("req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={names[0]}",
        "-keyout", "leaf.key", "-out", "leaf.csr")  # fmt: skip
    with open(os.path.join(directory, "leaf.ext"), "w") as fh:
        fh.write("subjectAltName=" + ",".join(f"DNS:{n}" for n in names) + "\n")
        fh.write("extendedKeyUsage=serverAuth\n")
    run("x509", "-req", "-in", "leaf.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
        "-CAcreateserial", "-days", "2", "-extfile", "leaf.ext", "-out", "leaf.pem")  # fmt: skip
    return Certs(
        os.path.join(directory, "ca.pem"),
        os.path.join(directory, "leaf.pem"),
        os.path.join(directory, "leaf.key"),
    )


def resolver_from(table: Mapping[str, list[str]]) -> Callable[[str, float], list[str]]:
    """A resolver answering from ``table`` (names missing from it do not resolve)."""
    from shareproxy.guard import Unresolvable

    def resolve(name: str, _timeout: float) -> list[str]:
        if name not in table:
            raise Unresolvable("the name does not resolve")
        return list(table[name])

    return resolve


# --- NodeInfo as fediverse servers publish it

_SCHEMA = "http://nodeinfo.diaspora.software/ns/schema/"


def _links(host: str, *pairs: tuple[str, str]) -> dict[str, Any]:
    return {"links": [{"rel": _SCHEMA + v, "href": f"https://{host}{p}"} for v, p in pairs]}


def _doc(version: str, name: str, software_version: str, **more: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "version": version,
        "software": {"name": name, "version": software_version, **more},
        "protocols": ["activitypub"],
        "services": {"outbound": [], "inbound": []},
        "usage": {"users": {"total": 12, "activeMonth": 3, "activeHalfyear": 7}, "localPosts": 420},
        "openRegistrations": False,
        "metadata": {},
    }
    if version == "1.0":
        doc["protocols"] = {"inbound": ["activitypub"], "outbound": ["activitypub"]}
    return doc


@dataclass(frozen=True)
class Published:
    """What a server of one software answers: its index's links (version, path) and the
    document at each path."""

    links: tuple[tuple[str, str], ...]
    docs: Mapping[str, dict[str, Any]]

    def routes(self, host: str) -> dict[str, Answer]:
        out = {"/.well-known/nodeinfo": Answer(200, _links(host, *self.links))}
        for path, doc in self.docs.items():
            out[path] = Answer(200, doc, {"Content-Type": "application/json; charset=utf-8"})
        return out


def _simple(name: str, version: str) -> Published:
    """Mastodon's way (and many others'): one NodeInfo 2.0 document at /nodeinfo/2.0."""
    return Published((("2.0", "/nodeinfo/2.0"),), {"/nodeinfo/2.0": _doc("2.0", name, version)})


def _misskey_like(name: str, version: str) -> Published:
    return Published(
        (("2.1", "/nodeinfo/2.1"), ("2.0", "/nodeinfo/2.0")),
        {
            "/nodeinfo/2.1": _doc("2.1", name, version, homepage="https://example.net/",
                                  repository="https://example.net/src"),
            "/nodeinfo/2.0": _doc("2.0", name, version),
        },
    )  # fmt: skip


# NodeInfo as each software serves it: the paths and versions it links, its software.name
NODEINFO: dict[str, Published] = {
    "mastodon": _simple("mastodon", "4.3.2"),
    "hometown": _simple("hometown", "1.1.1"),
    "misskey": _misskey_like("misskey", "2024.11.0"),
    "sharkey": _misskey_like("sharkey", "2024.9.1"),
    "firefish": _misskey_like("firefish", "1.0.5-rc"),
    "iceshrimp": _misskey_like("iceshrimp", "2023.12.9"),
    "cherrypick": _misskey_like("cherrypick", "4.12.0"),
    "pleroma": Published(
        (("2.0", "/nodeinfo/2.0.json"), ("2.1", "/nodeinfo/2.1.json")),
        {"/nodeinfo/2.0.json": _doc("2.0", "pleroma", "2.7.0"),
         "/nodeinfo/2.1.json": _doc("2.1", "pleroma", "2.7.0", repository="https://git.pleroma.social/pleroma/pleroma")},
    ),
    "akkoma": Published(
        (("2.0", "/nodeinfo/2.0.json"), ("2.1", "/nodeinfo/2.1.json")),
        {"/nodeinfo/2.0.json": _doc("2.0", "akkoma", "3.13.2"),
         "/nodeinfo/2.1.json": _doc("2.1", "akkoma", "3.13.2", repository="https://akkoma.dev/AkkomaGang/akkoma")},
    ),
    "friendica": Published(
        (("1.0", "/nodeinfo/1.0"), ("2.0", "/nodeinfo/2.0")),
        {"/nodeinfo/1.0": _doc("1.0", "friendica", "2024.08-1576"),
         "/nodeinfo/2.0": _doc("2.0", "friendica", "2024.08-1576")},
    ),
    "hubzilla": _simple("hubzilla", "10.0"),
    "gnusocial": Published(
        (("1.0", "/main/nodeinfo/1.0"), ("2.0", "/main/nodeinfo/2.0")),
        {"/main/nodeinfo/1.0": _doc("1.0", "gnusocial", "2.0.0-beta0"),
         "/main/nodeinfo/2.0": _doc("2.0", "gnusocial", "2.0.0-beta0")},
    ),
    "gotosocial": _simple("gotosocial", "0.17.3 git-5f4ac7f"),
    "lemmy": Published(
        (("2.1", "/nodeinfo/2.1"),),
        {"/nodeinfo/2.1": _doc("2.1", "lemmy", "0.19.5", repository="https://join-lemmy.org/")},
    ),
    "diaspora": _simple("diaspora", "0.9.0.0"),
}  # fmt: skip


def fediverse_server(software: str, host: str) -> FakeServer:
    """A server of ``software`` reached as ``host``, publishing its NodeInfo."""
    return FakeServer(NODEINFO[software].routes(host))


def lookups_fail_fast(app: Any) -> None:
    """Every fediverse lookup of ``app`` meets a closed port at once (for tests that send
    random server names: no DNS, nothing leaves the machine, the note page answers)."""
    guard = app.extensions["shareproxy"].fediverse.guard
    guard.resolver = lambda _name, _timeout: ["127.0.0.1"]
    guard.problem = lambda _ip: None
    guard.https_port = 9
