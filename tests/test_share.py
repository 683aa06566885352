"""/share/<network>: the network's own share dialog, never anywhere else; share links."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from buttons_support import PAGE

from shareproxy.clicks import ClickCounter
from shareproxy.networks import NETWORKS
from shareproxy.urls import normalise

SHAREABLE = [n for n, net in NETWORKS.items() if net.share_url and net.kind != "fediverse"]
TITLE = 'Tom & Jerry: "50% off" <b>#1</b> ?a=b'


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, ...]]:
    calls: list[tuple[str, ...]] = []
    monkeypatch.setattr(ClickCounter, "record_share", lambda self, *args: calls.append(args))
    return calls


def template_prefix(name: str) -> str:
    template = NETWORKS[name].share_url
    assert template is not None
    return template.split("{")[0]


@pytest.mark.parametrize("name", SHAREABLE)
def test_share_redirects_to_the_networks_own_dialog(
    client: Any, name: str, recorded: list[tuple[str, ...]]
) -> None:
    resp = client.get(f"/share/{name}", query_string={"url": PAGE, "title": TITLE})
    assert resp.status_code == 302
    location = resp.headers["Location"]
    assert location == NETWORKS[name].share_link(normalise(PAGE), TITLE)
    assert location.startswith(template_prefix(name))
    for raw in ('"', "<", " ", "#1", "&a", "?a="):  # title and URL are percent-encoded
        assert raw not in location.split("?", 1)[1]
    assert resp.headers["Cache-Control"] == "no-store"
    assert recorded == [(normalise(PAGE), name, "127.0.0.1")]


@pytest.mark.parametrize("name", [n for n in SHAREABLE if n != "pinterest"])
def test_share_link_carries_url_and_title_exactly(name: str) -> None:
    net = NETWORKS[name]
    link = net.share_link(PAGE, TITLE)
    query = urlsplit(link).query or link.split("?", 1)[1]
    values = [v for vs in parse_qs(query).values() for v in vs]
    joined = " ".join(values)
    assert PAGE in joined
    if "{title}" in (net.share_url or "") or "{text}" in (net.share_url or ""):
        assert TITLE in joined


def test_pinterest_takes_a_media_url(client: Any) -> None:
    resp = client.get(
        "/share/pinterest", query_string={"url": PAGE, "media": "https://example.org/i.png"}
    )
    assert resp.status_code == 302
    assert "media=https%3A%2F%2Fexample.org%2Fi.png" in resp.headers["Location"]
    bad = client.get("/share/pinterest", query_string={"url": PAGE, "media": "javascript:x"})
    assert bad.status_code == 400 and "media" in bad.get_json()["error"]


def test_x_text_fits_280_characters_with_a_url_counting_23() -> None:
    x = NETWORKS["twitter"]
    long_url = "https://example.org/" + "a" * 200
    title = "word " * 100
    text = parse_qs(urlsplit(x.share_link(long_url, title)).query)["text"][0]
    assert 270 < len(text) + 1 + 23 <= 280
    assert text.endswith("\u2026")
    short = parse_qs(urlsplit(x.share_link(long_url, "Short title")).query)["text"][0]
    assert short == "Short title"
    exact = "x" * 256  # 256 + space + 23 = 280: fits unchanged
    assert parse_qs(urlsplit(x.share_link(PAGE, exact)).query)["text"][0] == exact
    over = "x" * 257
    assert parse_qs(urlsplit(x.share_link(PAGE, over)).query)["text"][0] == "x" * 255 + "\u2026"


def test_bluesky_counts_the_whole_url_in_its_300_characters() -> None:
    bsky = NETWORKS["bluesky"]
    url = "https://example.org/" + "p" * 100
    text = parse_qs(urlsplit(bsky.share_link(url, "t" * 400)).query)["text"][0]
    assert len(text) <= 300 and text.endswith(url)


@pytest.mark.parametrize(
    "url, status",
    [
        ("https://evil.example.net/", 403),
        ("javascript:alert(1)", 400),
        ("//evil.example.net/", 400),
        ("https://example.org@evil.example.net/", 400),
        ("https://example.org.evil.example.net/", 403),
        ("https://example.org/\r\nLocation: https://evil.example.net/", 400),
        ("data:text/html,<script>alert(1)</script>", 400),
        ("", 400),
    ],
)
def test_share_refuses_hostile_page_urls(
    client: Any, url: str, status: int, recorded: list[tuple[str, ...]]
) -> None:
    resp = client.get("/share/facebook", query_string={"url": url})
    assert resp.status_code == status
    assert "Location" not in resp.headers
    body = resp.get_data(as_text=True)
    assert "evil" not in body and "<script" not in body
    assert recorded == []


@pytest.mark.parametrize(
    "path",
    ["/share/evil.example.net", "/share/..%2F..%2Fevil", "/share/copy", "/share/print",
     "/share/info", "/share/share", "/share/%3Cscript%3E", "/share/"],
)  # fmt: skip
def test_share_refuses_networks_without_a_share_link(client: Any, path: str) -> None:
    resp = client.get(path, query_string={"url": PAGE})
    assert resp.status_code == 404
    assert "Location" not in resp.headers
    assert "<" not in resp.get_data(as_text=True)


def test_extra_parameters_cannot_steer_the_redirect(client: Any) -> None:
    resp = client.get(
        "/share/twitter",
        query_string={
            "url": PAGE,
            "next": "https://evil.example.net/",
            "redirect": "https://evil.example.net/",
            "instance": "evil.example.net",
            "share_url": "https://evil.example.net/{url}",
        },
    )
    assert resp.status_code == 302
    assert urlsplit(resp.headers["Location"]).netloc == "x.com"
    assert "evil" not in resp.headers["Location"]


def test_a_repeated_url_is_refused(client: Any) -> None:
    resp = client.get(f"/share/twitter?url={PAGE}&url=https://evil.example.net/")
    assert resp.status_code == 400 and "url" in resp.get_json()["error"]


def test_mastodon_asks_for_the_instance_and_counts_nothing_yet(
    client: Any, recorded: list[tuple[str, ...]]
) -> None:
    resp = client.get("/share/mastodon", query_string={"url": PAGE, "title": TITLE})
    assert resp.status_code == 200 and "Location" not in resp.headers
    body = resp.get_data(as_text=True)
    assert 'name="instance"' in body and "<b>" not in body
    assert recorded == []


def test_a_head_request_shares_nothing(client: Any, recorded: list[tuple[str, ...]]) -> None:
    resp = client.head("/share/twitter", query_string={"url": PAGE})
    assert resp.status_code == 302
    assert recorded == []


@pytest.mark.parametrize(
    "instance",
    ["javascript:alert(1)", "1.2.3.4", "a b.social",
     "x" * 300 + ".social", "mastodon.social:8443", '"><script>.social'],
)  # fmt: skip
def test_mastodon_refuses_anything_but_a_server(
    client: Any, instance: str, recorded: list[tuple[str, ...]]
) -> None:
    resp = client.get("/share/mastodon", query_string={"url": PAGE, "instance": instance})
    assert resp.status_code == 400 and "Location" not in resp.headers
    body = resp.get_data(as_text=True)
    assert 'role="alert">Please enter a server name' in body and "<script>" not in body
    assert recorded == []
