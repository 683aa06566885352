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


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Invalid request from ip=203.0.113.77: bad", "Invalid request from ip=203.0.113.0: bad"),
        ("peer 203.0.113.77:51234 went away.", "peer 203.0.113.0:51234 went away."),
        ("from 2001:db8:1:2:3:4:5:6, then", "from 2001:db8:1::, then"),
        ("[2001:db8:abcd:12::1]:443", "[2001:db8:abcd::]:443"),
        ("mapped ::ffff:198.51.100.9", "mapped 198.51.100.0"),
        ("link fe80::1%eth0 up", "link fe80:: up"),
        ("('198.51.100.23', 8000)", "('198.51.100.0', 8000)"),
        ("ends with 192.0.2.44.", "ends with 192.0.2.0."),
        # not addresses, or the server's own: left alone
        ("Listening at: http://127.0.0.1:8000 (12)", "Listening at: http://127.0.0.1:8000 (12)"),
        ("http://0.0.0.0:8000", "http://0.0.0.0:8000"),
        ("at 21:43:27, version 1.2.3, file.py:123", "at 21:43:27, version 1.2.3, file.py:123"),
        ("2026-11-30 21:42:58 +0000", "2026-11-30 21:42:58 +0000"),
    ],
)
def test_log_lines_keep_only_networks(line: str, expected: str) -> None:
    from shareproxy.privacy import scrub_addresses

    assert scrub_addresses(line) == expected


def test_the_filter_scrubs_arguments_and_tracebacks() -> None:
    import logging

    from shareproxy.privacy import AddressFilter

    try:
        raise ConnectionError("reset by 198.51.100.23")
    except ConnectionError:
        import sys

        record = logging.LogRecord(
            "gunicorn.error", logging.ERROR, __file__, 1, "from %s", ("203.0.113.77",),
            sys.exc_info(),
        )  # fmt: skip
    assert AddressFilter().filter(record)
    text = logging.Formatter().format(record)
    assert "from 203.0.113.0" in text and "198.51.100.0" in text
    assert "203.0.113.77" not in text and "198.51.100.23" not in text
