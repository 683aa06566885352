"""gunicorn's threaded worker, made safe to face clients directly. ``gunicorn.conf.py``
names it as ``worker_class``.

What it changes in gunicorn's ``gthread`` worker:

- **No thread waits for a client.** A new connection, or a kept-alive one that becomes
  readable, stays in the worker's poller until its whole request head (request line and
  headers) has arrived; only then does a thread take it. Idle connections and clients that
  send their head slowly hold no thread, and a head not complete within ``HEAD_SECONDS`` of
  the connection (or of its previous answer) closes the connection. A body of known length
  (up to ``MAX_BODY``; admin forms are a few kilobytes) is collected there too, within
  ``BODY_SECONDS`` of the head; a chunked one is read by the thread, within the same time.
  A body the application did not read is drained only if it is already there.
- **Every client error is shareproxy's one-line JSON answer**, ``{"error": "…"}`` with the
  status gunicorn chose (400, 408, 414, 431, …), never gunicorn's HTML page.
- **A request's deadline counts from its arrival**: the moment its head was complete goes
  into the WSGI environ (:data:`shareproxy.arrival.ARRIVED`), so the time a request waited
  for a free thread is taken from what it may wait for the networks
  (SHAREPROXY_REQUEST_DEADLINE).
- **No head line that says nothing**: no ``Server``, and no ``Connection: keep-alive``
  where HTTP/1.1 implies it (:class:`LeanResponse`).
- **Its error lines name the client's network, never its address**: the address is cut to
  its /24 or /48 (:func:`shareproxy.privacy.anonymize_ip`), and neither the request line nor
  a header value is logged (they hold page URLs and whatever a client sent).

TLS terminated by gunicorn itself (``certfile``) keeps gunicorn's own handling: a head can
only be read after the handshake. The shipped deployment terminates TLS in nginx.
"""

from __future__ import annotations

import errno
import json
import re
import selectors
import socket
import threading
import time
from collections import deque
from datetime import datetime
from functools import partial
from ssl import SSLError
from typing import Any

from gunicorn import util
from gunicorn.http import errors as http_errors
from gunicorn.http.wsgi import Response, default_environ
from gunicorn.workers.gthread import _DEFER, TConn, ThreadWorker
from werkzeug.exceptions import RequestTimeout

from .arrival import ARRIVED
from .privacy import anonymize_ip

HEAD_SECONDS = 5.0  # from accepting a connection (or answering on it) to a complete head
BODY_SECONDS = 10.0  # from the head to the last byte of the body
MAX_HEAD = 48 * 1024  # bytes a head may take; gunicorn.conf.py keeps the parser's limits below
MAX_BODY = 64 * 1024  # a body of known length up to this is collected before a thread runs
DRAIN_SECONDS = 0.1  # how long an unread body may take to arrive after the answer
LINGER_SECONDS = 2.0  # a closed connection reads what the client still sends, this long
LINGER_BYTES = 256 * 1024
_LENGTH = re.compile(rb"^content-length[ \t]*:[ \t]*(\d{1,12})[ \t]*\r?$", re.I | re.M)
_CHUNKED = re.compile(rb"^transfer-encoding[ \t]*:", re.I | re.M)
_CONTINUE = re.compile(rb"^expect[ \t]*:[ \t]*100-continue", re.I | re.M)


def head_end(data: bytearray) -> int:
    """Where the body starts (just after the blank line ending the head), or -1."""
    ends = [i + len(mark) for mark in (b"\r\n\r\n", b"\n\n") if (i := data.find(mark)) >= 0]
    return min(ends) if ends else -1


def body_to_wait_for(head: bytes) -> tuple[int, bool]:
    """(bytes of body to collect in the poller, whether a body remains uncollected).

    A single Content-Length of at most MAX_BODY is collected. A chunked body, or a larger
    one, is left to the thread (and the answer closes the connection: its end may never be
    read); a head with several or broken lengths is the parser's to refuse.
    """
    if _CHUNKED.search(head) or _CONTINUE.search(head):
        return 0, True  # chunked, or a client waiting for "100 Continue" before its body
    found = _LENGTH.findall(head)
    if len(found) != 1:
        return 0, False
    length = int(found[0])
    return (length, False) if length <= MAX_BODY else (0, True)


class SlowClient(TimeoutError, RequestTimeout):
    """A body did not arrive within BODY_SECONDS. A TimeoutError for gunicorn (which then
    closes the connection), an HTTP 408 for Flask when the application was reading it."""

    def __init__(self) -> None:
        TimeoutError.__init__(self, "request sent too slowly")
        RequestTimeout.__init__(self, "request sent too slowly")


class HeadTooLarge(http_errors.LimitRequestHeaders):
    def __init__(self) -> None:
        super().__init__("request head too large")


REASONS = {
    400: "Bad Request",
    403: "Forbidden",
    408: "Request Timeout",
    414: "URI Too Long",
    417: "Expectation Failed",
    431: "Request Header Fields Too Large",
    501: "Not Implemented",
}
# (status, one-line message) per kind of client error gunicorn raises
CLIENT_ERRORS: list[tuple[type[BaseException], int, str]] = [
    (http_errors.LimitRequestLine, 414, "request URI too long"),
    (http_errors.LimitRequestHeaders, 431, "request headers too large"),
    (http_errors.InvalidRequestLine, 400, "malformed request line"),
    (http_errors.InvalidRequestMethod, 400, "malformed request method"),
    (http_errors.InvalidHTTPVersion, 400, "unsupported HTTP version"),
    (http_errors.InvalidHeaderName, 400, "malformed header name"),
    (http_errors.InvalidHeader, 400, "malformed header"),
    (http_errors.ObsoleteFolding, 400, "folded header lines are not accepted"),
    (http_errors.UnsupportedTransferCoding, 501, "transfer coding not supported"),
    (http_errors.ExpectationFailed, 417, "expectation not supported"),
    (http_errors.InvalidSchemeHeaders, 400, "contradictory scheme headers"),
    (http_errors.InvalidProxyLine, 400, "malformed PROXY line"),
    (http_errors.ForbiddenProxyRequest, 403, "PROXY line not allowed"),
    (http_errors.InvalidChunkSize, 400, "malformed chunked body"),
    (http_errors.ChunkMissingTerminator, 400, "malformed chunked body"),
    (http_errors.InvalidChunkExtension, 400, "malformed chunked body"),
    (http_errors.InvalidH2CPreface, 400, "malformed HTTP/2 preface"),
    (SlowClient, 408, "request sent too slowly"),
    (SSLError, 400, "TLS error"),
]


def classify(exc: BaseException) -> tuple[int, str, str] | None:
    """(status, reason, message) when ``exc`` is the client's fault, else None."""
    if isinstance(exc, http_errors.InvalidResponseHeader | http_errors.InvalidResponseHeaderName):
        return None  # a header the application tried to send: our fault
    for kind, status, message in CLIENT_ERRORS:
        if isinstance(exc, kind):
            return status, REASONS[status], message
    return None


def error_bytes(status: int, reason: str, message: str) -> bytes:
    """A complete HTTP/1.1 answer carrying ``{"error": message}``; the connection closes."""
    body = json.dumps({"error": message}).encode() + b"\n"
    head = (
        f"HTTP/1.1 {status} {reason}\r\n"
        "Connection: close\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n"
        "Cache-Control: no-store\r\n"
        "X-Content-Type-Options: nosniff\r\n"
        "\r\n"
    )
    return head.encode("latin-1") + body


class DeadlineSocket:
    """The parser's view of a connection: each ``recv`` waits at most until the
    connection's deadline (then SlowClient); everything else is the socket's."""

    def __init__(self, sock: socket.socket, conn: Conn) -> None:
        self._sock = sock
        self._conn = conn

    def recv(self, size: int) -> bytes:
        left = self._conn.deadline - time.monotonic()
        if left <= 0:
            raise SlowClient()
        prior = self._sock.gettimeout()
        self._sock.settimeout(left if prior is None else min(prior, left))
        try:
            return self._sock.recv(size)
        except TimeoutError:
            raise SlowClient() from None
        finally:
            self._sock.settimeout(prior)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)


class Conn(TConn):
    """A connection that collects its request head before a thread takes it."""

    def __init__(self, cfg: Any, sock: socket.socket, client: Any, server: Any) -> None:
        super().__init__(cfg, sock, client, server)
        self.head = bytearray()
        self.too_large = False
        self.uncollected = False  # the request announced a body the poller did not collect
        self.need: int | None = None  # bytes of head and body to collect, once the head is in
        self.deadline = 0.0
        self.arrived: float | None = None  # when the head of the request to handle was in

    def init(self) -> None:
        fresh = not self.initialized
        super().init()
        if fresh and not self.is_http2 and self.parser is not None:
            unreader = self.parser.unreader
            if hasattr(unreader, "sock"):
                unreader.sock = DeadlineSocket(unreader.sock, self)
        self.feed()

    def feed(self) -> None:
        """Hand the collected head to the parser."""
        if self.head and self.parser is not None:
            self.parser.unreader.unread(bytes(self.head))
            self.head.clear()


class LeanResponse(Response):
    """gunicorn's HTTP/1 answer without the head lines that say nothing: no ``Server``
    (the software's name serves nobody but a survey of targets) and no ``Connection:
    keep-alive`` to an HTTP/1.1 request, whose connection persists unless ``close`` is
    said (RFC 9112 9.3). ``close`` is still said, and an HTTP/1.0 client is still told
    ``keep-alive``. On every answer, these are 42 bytes of each small file and page."""

    def default_headers(self) -> list[str]:
        implied = "Connection: keep-alive\r\n" if self.req.version >= (1, 1) else None
        return [
            line
            for line in super().default_headers()
            if line != implied and not line.startswith("Server:")
        ]


class Worker(ThreadWorker):
    """gunicorn's gthread worker with the changes described at the top of this module."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # (close by, socket, [bytes read]) of closed connections still read from
        self.lingering: deque[tuple[float, socket.socket, list[int]]] = deque()
        self.arrivals = threading.local()  # .at: when the request of this thread arrived

    def load_wsgi(self) -> None:
        super().load_wsgi()
        app: Any = self.wsgi  # type: ignore[has-type]
        arrivals = self.arrivals

        def timed(environ: dict[str, Any], start_response: Any) -> Any:
            environ[ARRIVED] = getattr(arrivals, "at", None) or time.monotonic()
            answer = getattr(start_response, "__self__", None)
            if type(answer) is Response:  # gunicorn's HTTP/1 answer to this request
                answer.__class__ = LeanResponse
            return app(environ, start_response)

        self.wsgi = timed

    def accept(self, listener: socket.socket) -> None:
        if self.cfg.is_ssl:
            super().accept(listener)
            return
        try:
            client_sock, client_addr = listener.accept()
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                raise
            return
        self.nr_conns += 1
        conn = Conn(self.cfg, client_sock, client_addr, listener.getsockname())
        self.wait_for_head(conn)

    def wait_for_head(self, conn: Conn) -> None:
        conn.sock.setblocking(False)
        conn.timeout = time.monotonic() + HEAD_SECONDS
        conn.data_ready = False
        conn.need = None
        conn.uncollected = False
        self.pending_conns.append(conn)
        self.poller.register(
            conn.sock, selectors.EVENT_READ, partial(self.on_pending_socket_readable, conn)
        )

    def on_client_socket_readable(self, conn: Conn, client: Any) -> None:
        """A kept-alive connection speaks again: collect its next head in the poller."""
        if self.cfg.is_ssl:
            super().on_client_socket_readable(conn, client)
            return
        self.poller.unregister(client)
        self.keepalived_conns.remove(conn)
        self.wait_for_head(conn)
        self.on_pending_socket_readable(conn, client)

    def on_pending_socket_readable(self, conn: Conn, client: Any) -> None:
        """Collect the head, and a body of known length up to MAX_BODY, then dispatch."""
        if self.cfg.is_ssl:
            super().on_pending_socket_readable(conn, client)
            return
        want = MAX_HEAD + 1 if conn.need is None else conn.need
        try:
            data = conn.sock.recv(max(1, want - len(conn.head)))
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:  # the client went away
            self._forget_pending(conn)
            self.nr_conns -= 1
            conn.close()
            return
        conn.head += data
        if conn.need is None:
            end = head_end(conn.head)
            if end < 0:
                if len(conn.head) <= MAX_HEAD:
                    return  # wait for the rest (until conn.timeout: murder_pending)
                conn.too_large = True
            else:
                body, conn.uncollected = body_to_wait_for(bytes(conn.head[:end]))
                conn.need = end + body
                if len(conn.head) < conn.need:  # a body follows: it gets its own time
                    self._forget_pending(conn)
                    conn.timeout = time.monotonic() + BODY_SECONDS
                    self.pending_conns.append(conn)
                    self.poller.register(
                        conn.sock,
                        selectors.EVENT_READ,
                        partial(self.on_pending_socket_readable, conn),
                    )
                    return
        elif len(conn.head) < conn.need:
            return
        self._forget_pending(conn)
        conn.data_ready = True
        conn.arrived = time.monotonic()
        self.enqueue_req(conn)

    def finish_request(self, conn: Any, fs: Any) -> None:
        """A connection that is done closes in the poller: gunicorn's graceful close waits
        for the client in the main loop (up to 2 s, accepting nobody meanwhile)."""
        if self.cfg.is_ssl:
            super().finish_request(conn, fs)
            return
        try:
            result = False if fs.cancelled() else fs.result()
        except Exception:
            result = False
        if result is _DEFER or result:
            super().finish_request(conn, fs)
            return
        self.nr_conns -= 1
        self.linger(conn.sock)

    def linger(self, sock: socket.socket) -> None:
        """Close ``sock`` as RFC 9112 asks, without blocking: send FIN now, then read and
        drop what the client still sends (so the kernel does not answer it with a reset
        that could destroy our answer in flight) until it closes, LINGER_BYTES arrived or
        LINGER_SECONDS passed."""
        try:
            sock.shutdown(socket.SHUT_WR)
            sock.setblocking(False)
            self.poller.register(sock, selectors.EVENT_READ, self._on_lingering)
        except (OSError, ValueError, KeyError):
            util.close(sock)
            return
        self.lingering.append((time.monotonic() + LINGER_SECONDS, sock, [0]))

    def _on_lingering(self, sock: socket.socket) -> None:
        for entry in self.lingering:
            if entry[1] is sock:
                break
        else:
            return
        try:
            data = sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        entry[2][0] += len(data)
        if not data or entry[2][0] >= LINGER_BYTES:
            self.lingering.remove(entry)
            self._close_lingering(sock)

    def _close_lingering(self, sock: socket.socket) -> None:
        try:
            self.poller.unregister(sock)
        except (KeyError, ValueError, OSError):
            pass
        util.close(sock)

    def murder_pending(self) -> None:
        super().murder_pending()
        now = time.monotonic()
        while self.lingering and self.lingering[0][0] <= now:
            _, sock, _ = self.lingering.popleft()
            self._close_lingering(sock)

    def _keepalive_after(self, conn: Any, keepalive: bool) -> bool:
        """After the answer, drain what is left of the body only if it is already here:
        a client that announced a body it does not send is closed, not waited for."""
        if not keepalive:
            return False
        return bool(conn.parser.finish_body(deadline=time.monotonic() + DRAIN_SECONDS))

    def _forget_pending(self, conn: Conn) -> None:
        try:
            self.poller.unregister(conn.sock)
        except (KeyError, ValueError, OSError):
            pass
        try:
            self.pending_conns.remove(conn)
        except ValueError:
            pass

    def handle(self, conn: Conn) -> Any:
        """Runs in a thread, with the whole head collected."""
        arrived = getattr(conn, "arrived", None)
        self.arrivals.at = arrived or time.monotonic()
        if isinstance(conn, Conn):
            conn.arrived = None  # a request pipelined behind this one arrives when read
            conn.deadline = time.monotonic() + BODY_SECONDS
            if conn.too_large:
                conn.sock.setblocking(True)
                self.handle_error(None, conn.sock, conn.client, self._head_error(conn))
                return False
            if conn.initialized:
                conn.feed()
        return super().handle(conn)

    def handle_request(self, req: Any, conn: Any) -> Any:
        if getattr(conn, "uncollected", False):
            req.must_close = True  # answer with "Connection: close": the body may stay unread
        return super().handle_request(req, conn)

    def _head_error(self, conn: Conn) -> Exception:
        line_end = conn.head.find(b"\n")
        limit = self.cfg.limit_request_line or MAX_HEAD
        if line_end < 0 or line_end > limit + 1:
            return http_errors.LimitRequestLine(
                line_end if line_end >= 0 else len(conn.head), limit
            )
        return HeadTooLarge()

    def handle_error(self, req: Any, client: Any, addr: Any, exc: BaseException) -> None:
        """gunicorn's own answers (requests it could not parse, or an application that
        raised past WSGI) as one JSON line, logged without the client's address."""
        request_start = datetime.now()
        addr = addr or ("", -1)
        network = anonymize_ip(str(addr[0])) if addr[0] else "-"
        found = classify(exc)
        if found is not None:
            status, reason, message = found
            self.log.info("invalid request from %s: %s (%d)", network, message, status)
            if req is None and isinstance(
                exc, http_errors.InvalidHeader | http_errors.InvalidHeaderName
            ):
                req = getattr(exc, "req", None)
        else:
            status, reason, message = 500, "Internal Server Error", "internal error"
            self.log.error(
                "error handling a request from %s: %s", network, type(exc).__name__, exc_info=exc
            )
        if req is not None:
            environ = default_environ(req, client, self.cfg)
            environ["REMOTE_ADDR"] = addr[0]
            environ["REMOTE_PORT"] = str(addr[1])
            resp = Response(req, client, self.cfg)
            resp.status = f"{status} {reason}"
            resp.response_length = len(message)
            self.log.access(resp, req, environ, datetime.now() - request_start)
        try:
            util.write_nonblock(client, error_bytes(status, reason, message))
        except Exception:  # the client is gone
            self.log.debug("failed to send an error answer")
