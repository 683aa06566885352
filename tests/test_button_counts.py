"""The buttons show the numbers /api/counts answers for the same page, first-party click
counts (SHAREPROXY_CLICK_COUNTS=fill|add) included."""

from __future__ import annotations

import time
from typing import Any

import pytest
from buttons_support import PAGE, get, tags

from shareproxy.i18n import format_count
from shareproxy.store import Entry

SHOWN = ["twitter", "pinterest", "xing", "reddit", "bluesky", "facebook", "mail", "copy"]


def seed(app: Any, network: str, count: int) -> None:
    """A fresh upstream count in the store, as if fetched just now."""
    now = time.time()
    app.extensions["shareproxy"].store.put_entry(PAGE, network, Entry(count, now, now, None), 3600)


def shown_counts(html: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for tag in tags(html):
        ident = tag.get("id") or ""
        if "sp-count" in (tag.get("class") or "") and ident.startswith("spc-"):
            found[ident.removeprefix("spc-")] = "".join(tag.text).strip()
    return found


def fetched(html: str) -> list[str]:
    for tag in tags(html):
        if tag.get("data-fetch"):
            return str(tag.get("data-fetch")).split(",")
    return []


def share(client: Any, network: str, **more: str) -> None:
    resp = get(client, f"/share/{network}", url=PAGE, **more)
    assert resp.status_code == 302, resp.get_data(as_text=True)


CLICKS = {"twitter": "1", "reddit": "1", "bluesky": "1"}


@pytest.mark.parametrize(
    "mode, expected",
    [
        ("fill", {**CLICKS, "pinterest": "40", "xing": "1.2k"}),
        ("add", {**CLICKS, "pinterest": "41", "xing": "1.2k"}),
        ("off", {"pinterest": "40", "xing": "1.2k"}),
    ],
)
def test_buttons_show_what_the_api_answers(
    make_app: Any, mode: str, expected: dict[str, str]
) -> None:
    app = make_app(CLICK_COUNTS=mode)
    client = app.test_client()
    seed(app, "pinterest", 40)
    seed(app, "xing", 1234)
    for network in ("twitter", "pinterest", "bluesky", "reddit"):
        share(client, network)
    html = get(client, "/buttons", url=PAGE, networks=",".join(SHOWN)).get_data(as_text=True)
    shown = shown_counts(html)
    assert fetched(html) == []  # every count was known: all of them rendered
    assert shown == expected
    for query in ({"url": PAGE}, {"url": PAGE, "networks": ",".join(SHOWN)}):
        answer = get(client, "/api/counts", **query).get_json()
        assert {n: format_count(c) for n, c in answer.items() if n in SHOWN} == shown, query


def test_counts_not_yet_known_are_left_to_the_api(make_app: Any) -> None:
    """A count that is not fresh is not guessed: the page asks /api/counts for it, which
    merges the clicks the same way."""
    app = make_app(CLICK_COUNTS="add")
    client = app.test_client()
    share(client, "pinterest")
    share(client, "twitter")
    html = get(client, "/buttons", url=PAGE, networks="pinterest,twitter").get_data(as_text=True)
    assert fetched(html) == ["pinterest"]
    assert shown_counts(html) == {"twitter": "1"}
    answer = get(client, "/api/counts", url=PAGE, networks="pinterest").get_json()
    assert answer == {"pinterest": 1}  # its upstream failed: the click alone


def test_icon_style_and_counts_off_show_no_number(make_app: Any) -> None:
    client = make_app(CLICK_COUNTS="fill").test_client()
    share(client, "twitter")
    for extra in ({"style": "icon"}, {"counts": "off"}):
        html = get(client, "/buttons", url=PAGE, networks="twitter", **extra).get_data(as_text=True)
        assert shown_counts(html) == {} and fetched(html) == []
