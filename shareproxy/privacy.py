"""Visitor addresses, made impersonal before anything logs or stores them."""

from __future__ import annotations

import ipaddress


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
