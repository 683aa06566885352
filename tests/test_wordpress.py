"""Reading the Shariff Wrapper plugin's count request (shareproxy/wordpress.py)."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from shareproxy import wordpress
from shareproxy.networks import NETWORKS
from shareproxy.wordpress import Refused, Request, read, services

PAGE = "https://example.org/2026/11/post?a=1&b=2"


def rawurlencode(text: str) -> str:
    """PHP's rawurlencode(), as the plugin writes data-url and data-services."""
    return quote(text, safe="-_.~")


def test_the_plugins_request_with_an_encoded_url() -> None:
    query = f"url={rawurlencode(PAGE)}&services={rawurlencode('facebook|reddit')}&timestamp=17"
    assert read(query) == Request(PAGE, "facebook|reddit")


def test_an_unencoded_url_in_the_plugins_order_is_recovered_whole() -> None:
    assert read(f"url={PAGE}&services=facebook|reddit&timestamp=17") == Request(
        PAGE, "facebook|reddit"
    )
    # the page's own query may even hold parameters named like ours
    page = "https://example.org/p?services=x&url=y&timestamp=3"
    assert read(f"url={page}&services=vk&timestamp=1") == Request(page, "vk")
    # its own escapes and + stay as they are (they are the page's)
    page = "https://example.org/caf%C3%A9?q=a+b&c=%26"
    assert read(f"url={page}&services=vk") == Request(page, "vk")


def test_a_url_encoded_twice_is_decoded_twice() -> None:
    twice = rawurlencode(rawurlencode(PAGE))
    assert read(f"url={twice}&services=vk&timestamp=1") == Request(PAGE, "vk")


def test_wordpress_asking_from_its_server() -> None:
    # the prefix ends in "?" and WordPress adds "?url=": a stray "?" and a stray quote
    query = f'?url={rawurlencode(PAGE)}&services=facebook|pinterest&timestamp=1764000000"'
    assert read(query) == Request(PAGE, "facebook|pinterest")


def test_without_services_it_is_not_the_plugins_request() -> None:
    assert read(f"url={rawurlencode(PAGE)}") is None
    assert read(f"url={rawurlencode(PAGE)}&networks=vk") is None
    assert read(f"url={PAGE}&timestamp=3") is None  # split, but read as Shariff reads it
    assert read("") is None


def test_networks_does_not_apply_beside_services() -> None:
    query = f"networks=buffer&url={rawurlencode(PAGE)}&services=vk&networks=reddit"
    assert read(query) == Request(PAGE, "vk")
    assert read(f"url={PAGE}&services=vk&networks=buffer") == Request(PAGE, "vk")


def test_other_orders() -> None:
    query = f"services=vk%7Cbuffer&url={rawurlencode(PAGE)}&timestamp=undefined"
    assert read(query) == Request(PAGE, "vk|buffer")
    # an unencoded URL without a query of its own is whole wherever it is
    assert read("services=vk&url=https://example.org/p") == Request("https://example.org/p", "vk")
    assert read("services=vk") == Request(None, "vk")


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        # an unencoded URL after other parameters: its "&b=2" cannot be told from ours
        (f"services=vk&url={PAGE}", "url is not percent-encoded"),
        (f"timestamp=1&url={PAGE}&services=vk", "url is not percent-encoded"),
        ("url=https%3A%2F%2Fexample.org%2F&url=x&services=vk", "give 'url' once"),
        ("url=https://example.org/&services=vk&url=x", "give 'url' once"),
        ("services=vk&url=a&url=b", "give 'url' once"),
        ("url=https%3A%2F%2Fexample.org%2F&services=vk&services=buffer", "give 'services'"),
        ("services=vk&services=buffer", "give 'services' once"),
    ],
)
def test_what_cannot_be_read_is_refused(query: str, reason: str) -> None:
    with pytest.raises(Refused) as refused:
        read(query)
    message = str(refused.value)
    assert reason in message and "\n" not in message
    assert "example.org" not in message and "vk" not in message


def test_services_separators_and_names() -> None:
    got = services("facebook|reddit,pinterest | vk,|")
    assert got.labels == (
        ("facebook", "facebook"),
        ("reddit", "reddit"),
        ("pinterest", "pinterest"),
        ("vk", "vk"),
    )
    assert not got.everything


def test_the_plugins_names_that_are_ours_under_another() -> None:
    got = services("printer|mailto|mailform|mail|Facebook")
    assert got.labels == (
        ("printer", "print"),
        ("mailto", "mail"),
        ("mailform", "mail"),
        ("mail", "mail"),
        ("facebook", "facebook"),
    )
    assert got.networks == ["print", "mail", "facebook"]
    for name, ours in wordpress.ALIASES.items():
        assert name not in NETWORKS and ours in NETWORKS


def test_unknown_names_are_ignored() -> None:
    got = services("addthis|googleplus|<script>|bitcoin|" + "x" * 500 + "|buffer|buffer")
    assert got.labels == (("buffer", "buffer"),)
    nothing = services("addthis|paypal")
    assert nothing.labels == () and not nothing.everything


def test_no_name_or_only_the_total_means_every_network() -> None:
    for text in ("", "|", "totalnumber", "total", " , "):
        got = services(text)
        assert got.labels == () and got.everything, text
    mixed = services("totalnumber|facebook")
    assert mixed.labels == (("facebook", "facebook"),) and not mixed.everything


def test_too_many_names_are_refused() -> None:
    services("|".join(["vk"] * wordpress.MAX_NAMES))
    with pytest.raises(Refused, match="more than"):
        services("|".join(["vk"] * (wordpress.MAX_NAMES + 1)))
