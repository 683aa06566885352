"""anonymize_ip: the one function that shortens visitor addresses (clicks, logins, logs)."""

import pytest

from shareproxy.privacy import anonymize_ip


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("203.0.113.57", "203.0.113.0"),
        ("203.0.113.0", "203.0.113.0"),
        ("10.255.255.255", "10.255.255.0"),
        ("2001:db8:abcd:12::1", "2001:db8:abcd::"),
        ("2001:0db8:abcd:ffff:ffff:ffff:ffff:ffff", "2001:db8:abcd::"),
        ("[2001:db8:1:2::3]", "2001:db8:1::"),
        ("fe80::1%eth0", "fe80::"),
        ("::ffff:198.51.100.23", "198.51.100.0"),
        ("::1", "::"),
        (" 192.0.2.1 ", "192.0.2.0"),
    ],
)
def test_addresses_lose_their_host_part(raw: str, expected: str) -> None:
    assert anonymize_ip(raw) == expected


@pytest.mark.parametrize(
    "raw",
    ["", "unix:/run/x.sock", "example.org", "1.2.3", "999.1.1.1", "203.0.113.57, 10.0.0.1", "-"],
)
def test_anything_else_becomes_a_dash(raw: str) -> None:
    assert anonymize_ip(raw) == "-"
