"""The pages people read: the visitors' info page (/info) and the landing page (/)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from buttons_support import PAGE, get, loaded_resources, networks_in, same_origin, tags

from shareproxy import ConfigError, create_app, i18n

INFO_TITLE = "About these share buttons"


def body(resp: Any) -> str:
    return str(resp.get_data(as_text=True))


def title(html: str) -> str:
    match = re.search(r"<title>(.*?)</title>", html, re.S)
    assert match, html[:300]
    return match.group(1)


# --- the info page


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_info_page_speaks_every_language(client: Any, lang: str) -> None:
    resp = get(client, "/info", lang=lang)
    assert resp.status_code == 200 and resp.mimetype == "text/html"
    html = body(resp)
    assert f'<html lang="{lang}" dir="{i18n.direction(lang)}">' in html
    t = i18n.translator(lang).gettext
    assert title(html) == t(INFO_TITLE)
    if lang != "en":
        assert title(html) != INFO_TITLE
        # every paragraph is translated: none of the English sentences is left
        for english in ("Before you click", "When you click", "No cookie.", "What is kept"):
            assert f">{english}<" not in html, (lang, english)
    assert "localhost" in html  # the server that serves the buttons is named


def test_info_page_is_private_and_strict(client: Any) -> None:
    resp = get(client, "/info", lang="de")
    assert "Set-Cookie" not in resp.headers
    csp = resp.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "script-src" not in csp
    assert "frame-ancestors 'none'" in csp and "style-src 'self'" in csp
    assert resp.headers["Referrer-Policy"] == "no-referrer"
    html = body(resp)
    assert "<script" not in html
    resources = loaded_resources(html)
    assert resources and all(same_origin(u) for u in resources)
    css = client.get(resources[0])
    assert css.status_code == 200 and css.mimetype == "text/css"
    # the font the stylesheet names is this server's own, under its hashed URL
    font = re.search(rb"url\((/assets/[0-9a-f]+/inter-latin\.woff2)\)", css.get_data())
    assert font, css.get_data()[:300]
    woff = client.get(font.group(1).decode())
    assert woff.status_code == 200 and woff.mimetype == "font/woff2"
    assert woff.get_data()[:4] == b"wOF2"


@pytest.mark.parametrize(
    ("query", "accept", "expected"),
    [
        ({"lang": "de-AT"}, None, "de"),
        ({"lang": "xx"}, "fr-CH, fr;q=0.9", "fr"),  # unknown: the browser's choice
        ({"lang": "x" * 100}, None, "en"),
        ({}, "he", "he"),
        ({"lang": ""}, None, "en"),
    ],
)
def test_info_page_never_refuses_a_language(
    client: Any, query: dict[str, str], accept: str | None, expected: str
) -> None:
    headers = {"Accept-Language": accept} if accept else {}
    resp = client.get("/info", query_string=query, headers=headers)
    assert resp.status_code == 200
    assert f'<html lang="{expected}"' in body(resp)


def test_info_page_links_the_sites_privacy_policy(make_app: Any) -> None:
    url = "https://www.example.org/privacy?x=1&y=<2>"
    with_policy = make_app(PRIVACY_URL=url).test_client()
    html = body(get(with_policy, "/info", lang="fr"))
    links = [t for t in tags(html) if t.name == "a"]
    assert [t.get("href") for t in links] == [url]
    assert links[0].get_text() == i18n.translator("fr").gettext("Privacy policy of this website")
    assert "&lt;2&gt;" in html and "<2>" not in html


def test_info_page_without_a_policy_has_no_link(client: Any) -> None:
    html = body(get(client, "/info", lang="en"))
    assert [t for t in tags(html) if t.name == "a"] == []


def test_info_page_says_clicks_are_counted_only_when_they_are(make_app: Any) -> None:
    sentence = "counts one share of the page"
    assert sentence in body(get(make_app().test_client(), "/info", lang="en"))
    off = make_app(CLICK_COUNTS="off").test_client()
    assert sentence not in body(get(off, "/info", lang="en"))


@pytest.mark.parametrize(
    "bad", ["privacy.html", "javascript:alert(1)", "ftp://example.org/p", "https://"]
)
def test_privacy_url_must_be_a_web_address(tmp_path: Any, bad: str) -> None:
    with pytest.raises(ConfigError, match="PRIVACY_URL"):
        create_app({"STORE": f"sqlite:///{tmp_path / 'x.db'}", "PRIVACY_URL": bad})


def test_info_button_leads_to_the_info_page_in_its_language(client: Any) -> None:
    found = networks_in(body(get(client, "/buttons", url=PAGE, networks="info", lang="ar")))
    assert found[0].get("href") == "/info?lang=ar"
    snippet = networks_in(body(get(client, "/snippet", url=PAGE, networks="info", lang="de")))
    assert snippet[0].get("href") == "http://localhost/info?lang=de"
    explicit = networks_in(
        body(get(client, "/buttons", url=PAGE, networks="info", info="https://example.org/i"))
    )
    assert explicit[0].get("href") == "https://example.org/i"
