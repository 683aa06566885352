"""The HTTP server the fakes of the networks and of the embed providers stand on: a
threaded server on a free port of 127.0.0.1 that hands every request to the fake."""

from __future__ import annotations

import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # a client that hung up (wrk at the end of a run, a test's timeout) is no error
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class LocalServer:
    """Serves until :meth:`close`; a subclass answers in :meth:`_handle` the requests of
    the ``methods`` it lists (others get the standard library's 501)."""

    methods: tuple[str, ...] = ("GET",)

    def __init__(self) -> None:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out as two writes: with Nagle's algorithm each answer on
            # a kept-alive connection would wait for the client's delayed ACK (~40 ms), a
            # stall no real upstream adds.
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        for method in self.methods:
            setattr(Handler, f"do_{method}", lambda h: fake._handle(h))
        self.server = _Server(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True)
        self._thread.start()

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        raise NotImplementedError

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
