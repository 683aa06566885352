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


def local(url: str) -> bool:
    """Fetched from this server, or no fetch at all (an inline ``data:`` icon)."""
    return same_origin(url) or url.startswith("data:")


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
    assert resources and all(local(u) for u in resources)
    css = client.get(next(u for u in resources if u.endswith(".css")))
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
    # the browser's languages decided unless the query named one we speak
    named = i18n.known(query.get("lang", "")) is not None
    assert ("Accept-Language" in resp.headers.get("Vary", "")) == (not named)


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


# --- the landing page


def test_landing_page_loads_only_its_own_files(client: Any) -> None:
    resp = client.get("/", headers={"Accept-Language": "fr"})
    assert resp.status_code == 200 and resp.mimetype == "text/html"
    assert "Set-Cookie" not in resp.headers
    csp = resp.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert "script-src 'self';" in csp and "style-src 'self';" in csp
    html = body(resp)
    assert '<html lang="en"' in html  # written for site owners, like the README
    resources = loaded_resources(html)
    assert all(local(u) for u in resources), resources
    for url in resources:
        if url.startswith("/assets/"):
            assert client.get(url).status_code == 200, url
    # the previews speak the browser's language
    frames = [t.get("src") or "" for t in tags(html) if t.name == "iframe"]
    assert frames and all("lang=fr" in src for src in frames)


def test_landing_page_never_refuses_a_language(client: Any) -> None:
    resp = get(client, "/", lang="xx-not-a-language")
    assert resp.status_code == 200
    assert "lang=en" in body(resp)


def test_landing_page_previews_every_theme_and_both_modes(client: Any) -> None:
    from shareproxy.views.params import CHOICES

    html = body(client.get("/"))
    frames = [t for t in tags(html) if t.name == "iframe"]
    assert all(t.get("title") for t in frames)
    gallery = [t for t in frames if t.has_attr("data-gallery")]
    assert [t.get("data-theme") for t in gallery] == list(CHOICES["theme"])
    for t in gallery:
        assert f"theme={t.get('data-theme')}" in str(t.get("src"))
    assert any("mode=twoclick" in str(t.get("src")) for t in frames)
    for t in frames:
        assert client.get(str(t.get("src"))).status_code == 200, t.get("src")


def test_landing_page_copy_buttons_say_copy_code(client: Any) -> None:
    found = tags(body(client.get("/")))
    copies = [t for t in found if t.name == "button" and t.has_attr("data-copy")]
    assert len(copies) == 4
    assert {t.get_text() for t in copies} == {"Copy code"}
    ids = {t.get("id") for t in found}
    for t in copies:
        assert t.get("data-copy") in ids
    assert {"snippet-script", "snippet-iframe", "snippet-links", "snippet-badges"} <= ids


def test_landing_builder_offers_badge_snippets_for_web_networks_only(client: Any) -> None:
    html = body(client.get("/"))
    assert re.search(r'value="facebook"[^>]* data-share data-alt="Share on Facebook"', html)
    # mail opens the visitor's mail program: no /share redirect, so no badge snippet
    assert re.search(r'value="mail"[^>]*>', html) and not re.search(
        r'value="mail"[^>]*data-share', html
    )


def test_landing_page_names_the_allowed_hosts_and_the_privacy_policy(make_app: Any) -> None:
    client = make_app(ALLOWED_DOMAINS="*.example.com,blog.example.org").test_client()
    html = body(client.get("/"))
    assert 'data-allowed="*.example.com,blog.example.org"' in html
    # "*.example.com" does not match example.com itself: the sample page is on www.
    assert 'data-sample="https://www.example.com/"' in html
    assert "SHAREPROXY_PRIVACY_URL" in html
    with_policy = make_app(PRIVACY_URL="https://example.org/privacy").test_client()
    assert 'href="https://example.org/privacy"' in body(with_policy.get("/"))
