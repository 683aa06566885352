"""Embedding mistakes: the buttons' page degrades (and says why, for the loader to print);
the machine-facing endpoints keep their one-line JSON refusals; refused hosts are logged
once a minute, host only."""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from buttons_support import PAGE, get, networks_in, tags

from shareproxy.refusals import MAX_LINES, WINDOW, RefusedHosts

STAGING = "https://staging.example.net/2026/a-post?draft=1&token=s3cret"


def html_of(resp: Any) -> str:
    assert resp.mimetype == "text/html", resp.get_data(as_text=True)[:200]
    text = str(resp.get_data(as_text=True))
    assert '{"error"' not in text
    return text


def notices(html: str) -> list[dict[str, str]]:
    for tag in tags(html):
        raw = tag.get("data-notices")
        if raw is not None:
            found = json.loads(raw)
            assert isinstance(found, list)
            return found
    return []


def texts(html: str) -> list[str]:
    return [n["text"] for n in notices(html)]


def test_unknown_networks_are_skipped_and_the_others_render(client: Any) -> None:
    resp = get(client, "/buttons", url=PAGE, networks="pocket,twitter,qzone,facebook,mail")
    assert resp.status_code == 200
    html = html_of(resp)
    assert [t.get("data-network") for t in networks_in(html)] == ["twitter", "facebook", "mail"]
    said = notices(html)
    assert {n["level"] for n in said} == {"warn"}
    assert [n["text"] for n in said] == [
        "unknown network 'pocket' in 'networks': skipped",
        "unknown network 'qzone' in 'networks': skipped",
    ]


def test_a_page_without_mistakes_carries_no_notices(client: Any) -> None:
    html = html_of(get(client, "/buttons", url=PAGE, networks="twitter,mail", theme="grey"))
    assert "data-notices" not in html


def test_shariff_values_are_understood(client: Any) -> None:
    resp = get(
        client, "/buttons", url=PAGE, networks='["twitter","facebook","pocket"]', theme="standard"
    )
    assert resp.status_code == 200
    html = html_of(resp)
    assert [t.get("data-network") for t in networks_in(html)] == ["twitter", "facebook"]
    assert 'class="sp-t-color' in html
    said = notices(html)
    read = "theme=standard (Shariff's name) is read as theme=color"
    assert {"level": "info", "text": read} in said
    assert {"level": "warn", "text": "unknown network 'pocket' in 'networks': skipped"} in said


def test_shariff_parameter_names_are_understood(client: Any) -> None:
    query = {
        "url": PAGE,
        "services": '["twitter","mail"]',
        "button-style": "icon",
        "twitter-via": "heiseonline",
        "mail-url": "mailto:editor@example.org",
    }
    html = html_of(get(client, "/buttons", **query))
    found = networks_in(html)
    assert [t.get("data-network") for t in found] == ["twitter", "mail"]
    assert "sp-s-icon" in html
    assert "via=heiseonline" in str(found[0].get("href"))
    assert str(found[1].get("href")).startswith("mailto:editor@example.org?subject=")
    assert texts(html) == [
        f"{name} (Shariff's name) is read as {ours}"
        for name, ours in [
            ("services", "networks"), ("button-style", "style"), ("mail-url", "mail"),
            ("twitter-via", "via"),
        ]
    ]  # fmt: skip


def test_only_unknown_networks_show_the_default_ones(client: Any) -> None:
    html = html_of(get(client, "/buttons", url=PAGE, networks="pocket,qzone"))
    assert len(networks_in(html)) == 7
    assert "no known network in 'networks': the default ones are shown" in texts(html)


@pytest.mark.parametrize(
    "param, value, fallback",
    [
        ("theme", "neon", 'class="sp-t-color'),
        ("orientation", "diagonal", "sp-horizontal"),
        ("style", "huge", "sp-s-standard"),
        ("counts", "maybe", ""),
        ("mode", "threeclick", ""),
        ("lang", "xx", '<html lang="en"'),
        ("info", "javascript:alert(1)", 'href="/info?lang=en"'),
        ("media", "data:image/png,xx", ""),
        ("via", "not a handle!", ""),
        ("mail", "javascript:alert(1)", 'href="mailto:?subject='),
        ("origin", "https://example.org/path", ""),
        ("title", "t" * 501, 'data-title="' + "t" * 500 + '"'),
    ],
)
def test_any_bad_parameter_degrades_with_a_notice(
    client: Any, param: str, value: str, fallback: str
) -> None:
    resp = get(client, "/buttons", url=PAGE, networks="twitter,mail,info", **{param: value})
    assert resp.status_code == 200
    html = html_of(resp)
    assert len(networks_in(html)) == 3
    assert fallback in html
    said = texts(html)
    assert len(said) == 1 and param in said[0], said
    assert value not in said[0]
    if param == "info":
        assert "javascript:" not in html


def test_a_parameter_given_twice_uses_the_first(client: Any) -> None:
    resp = client.get(f"/buttons?url={PAGE}&theme=dark&theme=grey&networks=mail")
    html = html_of(resp)
    assert resp.status_code == 200 and "sp-t-dark" in html
    assert texts(html) == ["'theme' was given 2 times: the first is used"]


@pytest.mark.parametrize("url", [PAGE, "not a page"])
def test_a_language_given_twice_degrades_too(client: Any, url: str) -> None:
    resp = client.get("/buttons", query_string=[("url", url), ("lang", "de"), ("lang", "fr")])
    assert resp.mimetype == "text/html" and resp.status_code in (200, 400)
    assert "Vary" not in resp.headers or "Accept-Language" not in resp.headers["Vary"]


def test_page_on_a_host_not_served_shows_a_quiet_translated_line(client: Any) -> None:
    resp = get(client, "/buttons", url=STAGING, lang="de", origin="https://example.org")
    assert resp.status_code == 403
    html = html_of(resp)
    assert networks_in(html) == []
    assert "Teilen ist auf dieser Seite nicht verfügbar." in html
    assert 'lang="de"' in html
    # anyone may frame it, so the reason reaches a loader on the refused host too
    csp = resp.headers["Content-Security-Policy"]
    assert "frame-ancestors *" in csp and "script-src 'self'" in csp
    (said,) = texts(html)
    assert "staging.example.net" in said and "SHAREPROXY_ALLOWED_DOMAINS" in said
    assert "a-post" not in html and "s3cret" not in html  # the host, never the URL
    (p,) = [t for t in tags(html) if t.has_attr("data-unavailable")]
    assert p.get("data-origin") == "https://example.org"


def test_embedding_page_on_a_host_not_served_is_named(client: Any) -> None:
    resp = get(client, "/buttons", url=PAGE, origin="https://staging.example.net")
    assert resp.status_code == 403
    html = html_of(resp)
    (said,) = texts(html)
    assert "this page's host staging.example.net" in said
    (p,) = [t for t in tags(html) if t.has_attr("data-unavailable")]
    assert p.get("data-origin") is None  # told to whoever frames it


@pytest.mark.parametrize("query", ["", "url=", "url=not%20a%20url", "url=ftp://example.org/"])
def test_missing_or_malformed_url_degrades(client: Any, query: str) -> None:
    resp = client.get(f"/buttons?{query}&lang=fr")
    assert resp.status_code == 400
    html = html_of(resp)
    assert "Le partage n’est pas disponible sur cette page." in html
    (said,) = texts(html)
    assert said.startswith("no buttons: url ")


def test_machine_endpoints_keep_their_json_refusals(client: Any) -> None:
    cases = [
        ("/api/counts", {"url": STAGING}, 403),
        ("/api/counts", {"url": PAGE, "networks": "facebook,pocket"}, 400),
        ("/api/counts", {}, 400),
        ("/share/facebook", {"url": STAGING}, 403),
        ("/share/twitter", {"url": PAGE, "via": "not a handle!"}, 400),
        ("/share/pocket", {"url": PAGE}, 404),
        ("/badge/facebook.svg", {"url": STAGING}, 403),
    ]
    for path, query, status in cases:
        resp = get(client, path, **query)
        assert resp.status_code == status, (path, query, resp.get_data(as_text=True))
        error = resp.get_json()["error"]
        assert error and "\n" not in error and "s3cret" not in error


def test_refused_host_is_logged_once_a_minute_host_only(
    make_app: Any, caplog: pytest.LogCaptureFixture
) -> None:
    from shareproxy import refusals

    client = make_app().test_client()
    refusals.REFUSED.__init__()  # type: ignore[misc]  # a fresh memory for this test
    caplog.set_level(logging.WARNING, logger="shareproxy.refused")
    for _ in range(5):
        get(client, "/buttons", url=STAGING, origin="https://example.org")
        get(client, "/api/counts", url=STAGING)
    lines = [r.getMessage() for r in caplog.records if r.name == "shareproxy.refused"]
    assert lines == [
        "refused a page on staging.example.net: the host is not in SHAREPROXY_ALLOWED_DOMAINS"
    ]
    get(client, "/buttons", url="https://other.example.net/x")
    lines = [r.getMessage() for r in caplog.records if r.name == "shareproxy.refused"]
    assert len(lines) == 2 and "other.example.net" in lines[1]
    assert not any("a-post" in line or "127.0.0.1" in line for line in lines)


def test_refusal_memory_waits_a_minute_and_caps_a_flood(
    caplog: pytest.LogCaptureFixture,
) -> None:
    now = [1000.0]
    memory = RefusedHosts(clock=lambda: now[0])
    caplog.set_level(logging.WARNING, logger="shareproxy.refused")
    assert memory.refused("a.example") is True
    assert memory.refused("a.example") is False
    now[0] += WINDOW - 1
    assert memory.refused("a.example") is False
    now[0] += 1
    assert memory.refused("a.example") is True
    # a client inventing hosts: at most MAX_LINES lines a minute, the rest counted
    now[0] += WINDOW
    logged = sum(memory.refused(f"h{i}.example") for i in range(MAX_LINES + 20))
    assert logged == MAX_LINES
    now[0] += WINDOW
    caplog.clear()
    assert memory.refused("late.example") is True
    assert "(20 more refusals of other hosts were not logged)" in caplog.records[-1].getMessage()


def test_via_names_the_x_account_through_the_share_link(client: Any) -> None:
    html = html_of(get(client, "/buttons", url=PAGE, networks="twitter", via="@heiseonline"))
    (link,) = networks_in(html)
    href = str(link.get("href"))
    assert parse_qs(urlsplit(href).query)["via"] == ["heiseonline"]
    resp = client.get(href)
    assert resp.status_code == 302
    target = urlsplit(resp.headers["Location"])
    assert target.hostname == "x.com"
    assert parse_qs(target.query)["via"] == ["heiseonline"]


@pytest.mark.parametrize(
    "value, start",
    [
        ("mailto:", "mailto:?subject="),
        ("mailto:editor@example.org", "mailto:editor@example.org?subject="),
        ("https://example.org/contact", "https://example.org/contact"),
    ],
)
def test_mail_url_as_shariff_reads_it(client: Any, value: str, start: str) -> None:
    html = html_of(get(client, "/buttons", url=PAGE, networks="mail", title="Hi", mail=value))
    (link,) = networks_in(html)
    assert str(link.get("href")).startswith(start)
    assert "data-notices" not in html


def test_scripts_are_served_without_indentation_comments_and_needless_blanks() -> None:
    from shareproxy import assets

    source = (
        b"/* a comment\n   over two lines */\n"
        b'  // a comment\n  var a = "http://x // y";  // a note\n\n  f(a);\n'
        b"  if (!/ \\/ '/.test(a)) return /x y/.exec(b) / 2;\n"
        b"  var n = a - -1, m = a + +b, t = typeof a, s = 'it\\'s  so';\n"
        b"/* a */ var z = 1; /* b */\n"
    )
    assert assets.lean_js(source) == (
        b'var a="http://x // y";f(a);'
        b"if(!/ \\/ '/.test(a))return/x y/.exec(b)/2;"
        b"var n=a- -1,m=a+ +b,t=typeof a,s='it\\'s  so';var z=1;\n"
    )
    css = b"/* a comment\n over lines */\na{color:red}\n\n  /* b */ p{margin:0}\n"
    assert assets.lean_css(css) == b"a{color:red}p{margin:0}\n"
    assert b"/*" not in assets.assets()["buttons.css"].body
    served = assets.assets()["buttons.js"].body
    assert not any(line.lstrip().startswith(b"//") for line in served.splitlines())
    assert b"\n  " not in served
