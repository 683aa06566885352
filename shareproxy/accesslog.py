"""gunicorn's access log without personal data.

Used by ``gunicorn.conf.py`` as ``logger_class``. Whatever ``access_log_format`` says, a
line can only contain these fields:

- ``h``: the client address cut to its network (IPv4 /24, IPv6 /48), see
  :func:`shareproxy.privacy.anonymize_ip`;
- ``t``, ``m``, ``H``, ``s``, ``b``/``B``, ``T``/``D``/``M``/``L``, ``p``: time, method,
  protocol, status, bytes sent, duration, worker pid;
- ``U`` and ``r``: the path only, never the query string (``/api/counts?url=...`` is logged as
  ``/api/counts``), with control characters escaped and cut at 200 characters.

Referer, User-Agent, cookies, authentication, every other request or response header
(``%({name}i)s``, ``%({name}o)s``) and the WSGI environment (``%({name}e)s``) come out as
``-``. The query string is dropped on every path, not only on ``/api`` and ``/share``: the
page URLs in it are public, but a line per lookup of a page tells who reads what when
combined with the /24, and the log is for status codes and timings.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from gunicorn.glogging import Logger

from .privacy import AddressFilter, anonymize_ip

MAX_PATH = 200
_UNPRINTABLE = re.compile(r"[\x00-\x20\x7f-\xff\"\\]")


def _clean_path(environ: Mapping[str, Any]) -> str:
    path = str(environ.get("SCRIPT_NAME", "")) + str(environ.get("PATH_INFO", ""))
    path = _UNPRINTABLE.sub(lambda m: f"\\x{ord(m.group()):02x}", path or "/")
    if len(path) > MAX_PATH:
        path = path[:MAX_PATH] + "..."
    return path


def _token(value: Any, pattern: str) -> str:
    text = str(value or "")
    return text if re.fullmatch(pattern, text) else "-"


class PrivacyLogger(Logger):
    """A gunicorn Logger whose access lines hold no full IP, UA, Referer, cookie or query,
    and whose error lines hold no full IP address (every address is cut to its network)."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        if not any(isinstance(f, AddressFilter) for f in self.error_log.filters):
            self.error_log.addFilter(AddressFilter())

    def atoms(
        self, resp: Any, req: Any, environ: Mapping[str, Any], request_time: timedelta
    ) -> dict[str, Any]:
        status = resp.status
        if isinstance(status, str):
            status = status.split(None, 1)[0]
        method = _token(environ.get("REQUEST_METHOD"), r"[A-Z]{1,10}")
        protocol = _token(environ.get("SERVER_PROTOCOL"), r"HTTP/\d(\.\d)?")
        path = _clean_path(environ)
        sent = getattr(resp, "sent", None)
        micros = request_time.seconds * 1_000_000 + request_time.microseconds
        return {
            "h": anonymize_ip(str(environ.get("REMOTE_ADDR", ""))),
            "l": "-",
            "u": "-",
            "t": self.now(),
            "r": f"{method} {path} {protocol}",
            "s": status,
            "m": method,
            "U": path,
            "q": "-",
            "H": protocol,
            "b": str(sent) if sent is not None else "-",
            "B": sent,
            "f": "-",
            "a": "-",
            "T": request_time.seconds,
            "D": micros,
            "M": micros // 1000,
            "L": f"{request_time.seconds}.{request_time.microseconds:06d}",
            "p": f"<{os.getpid()}>",
        }
