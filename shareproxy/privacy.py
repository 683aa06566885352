"""Visitor addresses, made impersonal before anything logs or stores them."""

from __future__ import annotations

import ipaddress
import logging
import re


def anonymize_ip(ip: str) -> str:
    """The network an address belongs to: IPv4 keeps /24, IPv6 keeps /48.

    ``203.0.113.77`` becomes ``203.0.113.0``, ``2001:db8:1:2::5`` becomes ``2001:db8:1::``.
    An IPv4-mapped IPv6 address is treated as IPv4. Anything that is not an address
    (a Unix socket, an empty value, garbage) becomes ``-``, so nothing unknown leaks.
    """
    text = (ip or "").strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    text = text.split("%", 1)[0]  # zone id of a link-local address
    try:
        addr = ipaddress.ip_address(text)
    except ValueError:
        return "-"
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        addr = addr.ipv4_mapped
    prefix = 24 if addr.version == 4 else 48
    return str(ipaddress.ip_network(f"{addr}/{prefix}", strict=False).network_address)


# Anything that may be an IPv4 or IPv6 address, a port or zone id attached: tried one by one.
_CANDIDATE = re.compile(r"(?<![\w.:%])[0-9A-Fa-f:.]*[:.][0-9A-Fa-f:.]*(?:%[\w.-]+)?(?![\w.:%])")


def _anonymize_match(match: re.Match[str]) -> str:
    token = match.group()
    if token.count(".") < 3 and token.count(":") < 2:
        return token  # a number, a time, a version: no address
    for candidate, rest in _splits(token):
        try:
            addr = ipaddress.ip_address(candidate.split("%", 1)[0])
        except ValueError:
            continue
        if addr.is_loopback or addr.is_unspecified:
            return token  # the server's own addresses ("Listening at: 127.0.0.1:8000")
        return anonymize_ip(candidate) + rest
    return token


def _splits(token: str) -> list[tuple[str, str]]:
    """Ways to read ``token`` as (address, what follows it): the whole token, without
    trailing punctuation (``ip=1.2.3.4: bad``, ``… 1.2.3.4.``), without a ``:port``."""
    out = [(token, "")]
    bare = token.rstrip(".:")
    if bare != token:
        out.append((bare, token[len(bare) :]))
    head, sep, port = bare.rpartition(":")
    if sep and port.isdigit() and head.count(".") == 3:
        out.append((head, token[len(head) :]))
    return out


def scrub_addresses(text: str) -> str:
    """``text`` with every IP address in it cut to its network (see :func:`anonymize_ip`):
    for log lines written by code that is not ours (gunicorn's error lines)."""
    if ":" not in text and "." not in text:
        return text
    return _CANDIDATE.sub(_anonymize_match, text)


class AddressFilter(logging.Filter):
    """A logging filter that cuts every IP address in a record (message, arguments,
    traceback) to its network: for loggers whose lines we do not write ourselves."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format: leave it to the handler to report
            return True
        record.msg = scrub_addresses(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = scrub_addresses(record.exc_text)
        if record.stack_info:
            record.stack_info = scrub_addresses(record.stack_info)
        return True
