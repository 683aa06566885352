"""Visitor privacy helpers shared by the click counter, the admin and the access log."""

from __future__ import annotations

import ipaddress


def anonymize_ip(ip: str) -> str:
    """The network of ``ip``: IPv4 to its /24, IPv6 to its /48, as a bare address.

    ``203.0.113.57`` becomes ``203.0.113.0``; ``2001:db8:abcd:12::1`` becomes
    ``2001:db8:abcd::``. An IPv4-mapped IPv6 address is treated as IPv4. Anything that is
    not an IP address (a Unix socket peer, an empty value) becomes ``"-"``, so a caller can
    never pass a raw value through by accident.
    """
    text = (ip or "").strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    text = text.split("%", 1)[0]  # drop an IPv6 zone id
    try:
        addr = ipaddress.ip_address(text)
    except ValueError:
        return "-"
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        addr = addr.ipv4_mapped
    if isinstance(addr, ipaddress.IPv4Address):
        return str(ipaddress.IPv4Network((int(addr), 24), strict=False).network_address)
    return str(ipaddress.IPv6Network((int(addr), 48), strict=False).network_address)
