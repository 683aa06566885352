"""URL normalisation (the cache key), validation and the allowlist."""

from __future__ import annotations

import pytest

from shareproxy.settings import DEFAULT_TRACKING, _list
from shareproxy.urls import BadURL, host_allowed, normalise, origin_allowed, page_url

TRACKING = _list(DEFAULT_TRACKING)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("https://example.org", "https://example.org/"),
        ("HTTPS://Example.ORG/Path", "https://example.org/Path"),  # the path keeps its case
        ("https://example.org:443/a", "https://example.org/a"),
        ("http://example.org:80/a", "http://example.org/a"),
        ("http://example.org:443/a", "http://example.org:443/a"),
        ("https://example.org:8443/a", "https://example.org:8443/a"),
        ("https://example.org/a#section", "https://example.org/a"),
        ("https://example.org./a", "https://example.org/a"),
        ("https://example.org/a?utm_source=x&utm_medium=y&id=3", "https://example.org/a?id=3"),
        ("https://example.org/a?fbclid=1&gclid=2&mc_cid=3&mc_eid=4", "https://example.org/a"),
        ("https://example.org/a?UTM_Campaign=x&b=2", "https://example.org/a?b=2"),
        ("https://example.org/a?b=2&a=1", "https://example.org/a?b=2&a=1"),  # order kept
        ("https://example.org/a?q=a%20b&r=", "https://example.org/a?q=a%20b&r="),
        ("https://example.org/a?q=a+b", "https://example.org/a?q=a%20b"),
        ("https://example.org/caf%C3%A9", "https://example.org/caf%C3%A9"),
        ("https://example.org/café", "https://example.org/caf%C3%A9"),
        ("https://bücher.example/", "https://xn--bcher-kva.example/"),
        ("http://[2001:DB8::1]:8080/", "http://[2001:db8::1]:8080/"),
    ],
)
def test_normalise(raw: str, expected: str) -> None:
    assert normalise(raw, TRACKING) == expected
    assert normalise(expected, TRACKING) == expected  # idempotent


def test_the_tracking_list_is_configurable() -> None:
    assert normalise("https://example.org/?ref=x&utm_x=1", ("ref",)) == (
        "https://example.org/?utm_x=1"
    )


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "url is missing"),
        ("//example.org/a", "url must be absolute (https://…)"),
        ("mailto:a@example.org", "url must use http or https"),
        ("https://a:b@example.org/", "url must not contain user name or password"),
        ("https://example.org/\n", "url contains spaces or control characters"),
        ("https://[zz::1]/", "url is malformed"),
        ("https://" + "a" * 64 + ".org/", "url has a malformed host"),
        ("https://example.org/" + "a" * 2040, "url is longer than 2048 characters"),
    ],
)
def test_bad_urls(raw: str, message: str) -> None:
    with pytest.raises(BadURL) as info:
        normalise(raw, TRACKING)
    assert str(info.value) == message and info.value.status == 400


def test_a_url_growing_past_the_limit_when_encoded_is_refused() -> None:
    with pytest.raises(BadURL, match="longer than 2048"):
        normalise("https://example.org/" + "é" * 1000, TRACKING)


def test_allowlist() -> None:
    allowed = ("example.org", "*.example.com", "127.0.0.1")
    assert host_allowed("example.org", allowed)
    assert host_allowed("EXAMPLE.org.", allowed)
    assert not host_allowed("www.example.org", allowed)
    assert host_allowed("a.b.example.com", allowed)
    assert not host_allowed("example.com", allowed)
    assert not host_allowed("badexample.com", allowed)
    assert host_allowed("127.0.0.1", allowed)
    assert not host_allowed("", allowed)
    with pytest.raises(BadURL) as info:
        page_url("https://evil.example/", allowed)
    assert info.value.status == 403
    assert page_url("https://x.example.com/?utm_id=1", allowed, TRACKING) == (
        "https://x.example.com/"
    )


def test_origins() -> None:
    allowed = ("example.org", "localhost")
    assert origin_allowed("https://example.org", allowed)
    assert origin_allowed("http://localhost:5000", allowed)
    for bad in [
        "",
        "null",
        "https://example.org/",
        "ftp://example.org",
        "https://example.org:99999",
        "https://u@example.org",
        "https://evil.example",
    ]:
        assert not origin_allowed(bad, allowed), bad
