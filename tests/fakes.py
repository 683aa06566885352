"""A real local HTTP server that fakes every network's count API.

One threaded server answers for all networks (their paths do not collide); tests point
every ``SHAREPROXY_API_BASE_<NETWORK>`` at :attr:`FakeNetworks.base`. Each network
answers in its own shape (``../shared/networks.md``) and can be told to misbehave:

=============  ==============================================================
mode           answer
=============  ==============================================================
typical        the network's usual answer carrying ``value``
not_found      a valid answer that knows nothing of the URL (count 0 / no hits)
malformed      a body that is not the expected JSON / JSONP / script
wrong_shape    valid JSON without the field the count lives in
error500       HTTP 500
unauthorized   HTTP 401 (an expired or refused token)
rate_limited   HTTP 429 with ``Retry-After: <retry_after>``
hang           waits ``hang`` seconds (longer than the client's timeout), then answers
oversized      a body of ``size`` bytes (with Content-Length)
oversized_stream  the same without Content-Length (read until the connection closes)
reset          closes the connection with a TCP reset, answering nothing
=============  ==============================================================

A ``gate`` (threading.Event) holds every answer of a network until the test sets it.
Every call is counted per (path, page URL) so tests can assert "exactly one upstream call".

:func:`serve_worker` builds a :class:`Worker`: an app on these fakes with its clocks held
still, seen through the fast path or the page memo, and counting what reaches Flask.
"""

from __future__ import annotations

import json
import socket
import struct
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar
from urllib.parse import parse_qs, quote, urlsplit

from local_server import LocalServer

if TYPE_CHECKING:  # the fakes alone (as the benchmarks use them) need no Flask
    from flask import Flask
    from werkzeug.test import Client

# path of each network's count call -> (network, query parameter holding the page URL)
COUNT_PATHS: dict[str, tuple[str, str]] = {
    "/v25.0/": ("facebook", "id"),
    "/v1/urls/count.json": ("pinterest", "url"),
    "/share.php": ("vk", "url"),
    "/dk": ("odnoklassniki", "ref"),
    "/1/links/shares.json": ("buffer", "url"),
    "/v2/share/stats": ("tumblr", "url"),
    "/social-plugin/metrics": ("line", "url"),
    "/api/v1/search": ("hackernews", "query"),
    "/stories/url/all.json": ("lobsters", "url"),
    "/api/info": ("reddit", "url"),
    "/xrpc/app.bsky.feed.searchPosts": ("bluesky", "url"),
    "/spi/shares/statistics": ("xing", "url"),
}
# token / session calls made before count calls
AUTH_PATHS: dict[str, str] = {
    "/api/v1/access_token": "reddit",
    "/xrpc/com.atproto.server.createSession": "bluesky",
}
PATH_OF = {network: path for path, (network, _) in COUNT_PATHS.items()}
TOKEN = "fake-token-0123"
CREDENTIALS = {
    "FACEBOOK_APP_ID": "1234",
    "FACEBOOK_APP_SECRET": "s3cret",
    "REDDIT_CLIENT_ID": "reddit-id",
    "REDDIT_CLIENT_SECRET": "reddit-secret",
    "BLUESKY_HANDLE": "tester.bsky.social",
    "BLUESKY_APP_PASSWORD": "app-pass-word",
}


@dataclass
class Behaviour:
    mode: str = "typical"
    value: int = 7
    retry_after: str = "120"
    hang: float = 30.0
    size: int = 4096
    gate: threading.Event | None = None


def typical_body(network: str, url: str, value: int) -> tuple[str, str]:
    """The network's answer carrying ``value`` for ``url``: (content type, body)."""
    js = "application/json"
    if network == "facebook":
        if value == 0:
            return js, json.dumps({"id": url})
        og = {"engagement": {"count": value, "social_sentence": ""}, "id": "1010"}
        return js, json.dumps({"og_object": og, "id": url})
    if network == "pinterest":
        return "application/javascript", f"x({json.dumps({'url': url, 'count': value})})"
    if network == "vk":
        return "text/javascript", f"VK.Share.count(1, {value});"
    if network == "odnoklassniki":
        return js, json.dumps({"count": value})
    if network == "buffer":
        return js, json.dumps({"shares": value})
    if network == "tumblr":
        resp = {"url": url, "note_count": value}
        return js, json.dumps({"meta": {"status": 200, "msg": "OK"}, "response": resp})
    if network == "line":
        return js, json.dumps({"share": str(value), "like": "0"})
    if network == "hackernews":
        hits = []
        if value:
            first = value // 2
            hits = [
                {"url": url, "points": first, "title": "a"},
                {"url": url, "points": value - first, "title": "b"},
                # the search matches words: a different URL must not be counted
                {"url": url + "-other", "points": 999, "title": "c"},
            ]
        return js, json.dumps({"hits": hits, "nbHits": len(hits)})
    if network == "lobsters":
        stories = [] if not value else [{"score": value - 1}, {"score": 1}]
        return js, json.dumps(stories)
    if network == "reddit":
        children = (
            []
            if not value
            else [
                {"kind": "t3", "data": {"score": value - 2}},
                {"kind": "t3", "data": {"score": 2}},
            ]
        )
        return js, json.dumps({"kind": "Listing", "data": {"children": children}})
    if network == "bluesky":
        posts = [{"uri": f"at://did:plc:x/app.bsky.feed.post/{i}"} for i in range(value)]
        return js, json.dumps({"posts": posts})
    if network == "xing":
        return js, json.dumps({"share_counter": value})
    raise KeyError(network)


class FakeNetworks(LocalServer):
    """The fake server; use as ``fake.set("buffer", "hang")`` and ``fake.calls("buffer")``."""

    methods = ("GET", "POST")

    def __init__(self) -> None:
        self.behaviours: dict[str, Behaviour] = {}
        self.hits: Counter[tuple[str, str]] = Counter()
        self.auth_hits: Counter[str] = Counter()
        self.requests: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._closing = threading.Event()
        super().__init__()

    # --- what tests call

    def set(self, network: str, mode: str = "typical", **kwargs: Any) -> Behaviour:
        behaviour = Behaviour(mode=mode, **kwargs)
        with self._lock:
            self.behaviours[network] = behaviour
        return behaviour

    def calls(self, network: str | None = None, url: str | None = None) -> int:
        """Count calls made (to ``network``'s count path, for ``url`` if given)."""
        with self._lock:
            return sum(
                n for (path, page), n in self.hits.items()
                if (network is None or COUNT_PATHS[path][0] == network)
                and (url is None or page == url)
            )  # fmt: skip

    def close(self) -> None:
        self._closing.set()
        super().close()

    # --- the server side

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(h.path)
        query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        length = int(h.headers.get("Content-Length") or 0)
        body = h.rfile.read(length) if length else b""
        with self._lock:
            self.requests.append(
                {"method": h.command, "path": parts.path, "query": query,
                 "headers": dict(h.headers), "body": body}
            )  # fmt: skip
        if parts.path in AUTH_PATHS:
            network = AUTH_PATHS[parts.path]
            with self._lock:
                self.auth_hits[network] += 1
            if network == "reddit":
                self._send(h, 200, "application/json",
                           json.dumps({"access_token": TOKEN, "token_type": "bearer",
                                       "expires_in": 3600}))  # fmt: skip
            else:
                self._send(
                    h,
                    200,
                    "application/json",
                    json.dumps({"accessJwt": TOKEN, "refreshJwt": "r", "did": "did:x"}),
                )
            return
        if parts.path not in COUNT_PATHS:
            self._send(h, 404, "application/json", '{"error": "no such fake path"}')
            return
        network, param = COUNT_PATHS[parts.path]
        page = query.get(param, "")
        with self._lock:
            self.hits[(parts.path, page)] += 1
            b = self.behaviours.get(network, Behaviour())
        if b.gate is not None:
            b.gate.wait(30)
        self._answer(h, network, page, b)

    def _answer(self, h: BaseHTTPRequestHandler, network: str, page: str, b: Behaviour) -> None:
        if b.mode == "typical":
            self._send(h, 200, *typical_body(network, page, b.value))
        elif b.mode == "not_found":
            if network == "lobsters":
                self._send(h, 200, "application/json", "[]")
            else:
                self._send(h, 200, *typical_body(network, page, 0))
        elif b.mode == "malformed":
            self._send(h, 200, "application/json", '{"count": 12, "truncat')
        elif b.mode == "wrong_shape":
            self._send(h, 200, "application/json", '{"unexpected": {"shape": true}}')
        elif b.mode == "error500":
            self._send(h, 500, "text/html", "<h1>Internal Server Error</h1>")
        elif b.mode == "unauthorized":
            self._send(h, 401, "application/json", '{"error": "invalid token"}')
        elif b.mode == "rate_limited":
            self._send(
                h, 429, "application/json", '{"error": "slow down"}', {"Retry-After": b.retry_after}
            )
        elif b.mode == "hang":
            self._closing.wait(b.hang)
            self._send(h, 200, *typical_body(network, page, b.value))
        elif b.mode == "oversized":
            self._send(h, 200, "application/json", '{"count": 1, "pad": "' + "x" * b.size + '"}')
        elif b.mode == "oversized_stream":
            h.send_response(200)
            h.send_header("Content-Type", "application/json")
            h.send_header("Connection", "close")
            h.end_headers()
            h.close_connection = True
            try:
                h.wfile.write(b'{"count": 1, "pad": "' + b"x" * b.size + b'"}')
            except OSError:
                pass
        elif b.mode == "reset":
            h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            h.connection.close()
            h.close_connection = True
        else:
            raise ValueError(f"unknown fake mode {b.mode}")

    @staticmethod
    def _send(
        h: BaseHTTPRequestHandler,
        status: int,
        content_type: str,
        body: str,
        headers: dict[str, str] | None = None,
    ) -> None:
        data = body.encode()
        try:
            h.send_response(status)
            h.send_header("Content-Type", content_type)
            h.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                h.send_header(name, value)
            h.end_headers()
            h.wfile.write(data)
        except OSError:  # the client gave up (timeout tests)
            h.close_connection = True


# --- one worker's app on the fakes, seen through a WSGI layer in front of its Flask app


@dataclass
class Worker:
    """An app on the fake networks with its clocks held still, behind one WSGI layer in
    front of Flask (the fast path or the page memo). A subclass names its :attr:`page`."""

    page: ClassVar[str]  # the page URL its shares are for
    app: Flask
    client: Any  # through the layer, as under gunicorn
    flask_only: Client  # the same app without the layer
    clock: list[float]  # the count cache's clock
    monotonic: list[float]  # the click counter's clock for the age of its reads
    flask_calls: list[int]  # requests the layer handed on (those ``counted`` picks)

    @property
    def svc(self) -> Any:
        return self.app.extensions["shareproxy"]

    def share(self, network: str, visitor: str = "192.0.2.10") -> None:
        """A share through this worker by a visitor on the client network ``visitor``."""
        resp = self.flask_only.get(
            f"/share/{network}?url={quote(self.page, safe='')}",
            environ_base={"REMOTE_ADDR": visitor},
        )
        assert resp.status_code == 302


W = TypeVar("W", bound=Worker)


def serve_worker(
    cls: type[W],
    fake_app: Callable[..., Flask],
    layer: str,
    counted: Callable[[dict[str, Any]], bool] = lambda environ: True,
    **overrides: Any,
) -> W:
    """A worker of class ``cls`` whose app ``fake_app`` builds with a long cache TTL and
    ``overrides``; ``layer`` names the service's WSGI layer (``fastpath``, ``pagememo``)."""
    from werkzeug.test import Client

    app = fake_app(CACHE_TTL=1000, **overrides)
    svc = app.extensions["shareproxy"]
    clock = [1_800_000_000.0]
    svc.cache.clock = lambda: clock[0]
    monotonic = [1000.0]
    svc.counts.clicks.monotonic = lambda: monotonic[0]
    front = getattr(svc, layer)
    inner = front.app
    calls = [0]

    def handed_on(environ: dict[str, Any], start_response: Any) -> Any:
        calls[0] += counted(environ)
        return inner(environ, start_response)

    front.app = handed_on
    return cls(app, app.test_client(), Client(inner), clock, monotonic, calls)
