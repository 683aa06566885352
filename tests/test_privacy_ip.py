"""Visitor addresses are cut to their network before anything logs them."""

import pytest

from shareproxy.privacy import anonymize_ip


@pytest.mark.parametrize(
    ("ip", "expected"),
    [
        ("203.0.113.77", "203.0.113.0"),
        ("203.0.113.0", "203.0.113.0"),
        ("10.1.2.255", "10.1.2.0"),
        ("2001:db8:1:2:3:4:5:6", "2001:db8:1::"),
        ("2001:db8:abcd:ffff::1", "2001:db8:abcd::"),
        ("[2001:db8:1:2::5]", "2001:db8:1::"),
        ("fe80::1%eth0", "fe80::"),
        ("::ffff:198.51.100.9", "198.51.100.0"),
        ("::1", "::"),
        (" 192.0.2.1 ", "192.0.2.0"),
    ],
)
def test_addresses_keep_only_their_network(ip: str, expected: str) -> None:
    assert anonymize_ip(ip) == expected


@pytest.mark.parametrize("junk", ["", "-", "unix:/run/sock", "not an ip", "1.2.3", "1.2.3.4.5"])
def test_anything_else_becomes_a_dash(junk: str) -> None:
    assert anonymize_ip(junk) == "-"
