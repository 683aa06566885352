"""The button pages: DOM contract, parameters, escaping, headers, counts and weight."""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
import subprocess
import time
from typing import Any
from urllib.parse import urlencode

import pytest
from buttons_support import PAGE, get, loaded_resources, networks_in, same_origin, tags

from shareproxy import assets, i18n
from shareproxy.networks import NETWORKS
from shareproxy.store import Entry

HOSTILE = [
    '"><script>alert(1)</script>',
    "';alert(1);//",
    "</script><img src=x onerror=alert(1)>",
    "javascript:alert(1)",
    "{{7*7}}",
    "\u2028\u2029",
]
RAW_MARKERS = ("<script>alert", "<img src=x", "</script><img")


def assert_inert(html: str) -> None:
    """No injected markup: no raw markers, no event handler attributes, no inline script."""
    for marker in RAW_MARKERS:
        assert marker not in html
    for tag in tags(html):
        assert not any(name.startswith("on") for name in tag.attrs), tag
        if tag.name == "script":
            assert tag.get("src"), "inline script"
        if tag.name == "img":
            raise AssertionError("an image tag")


def body(resp: Any) -> str:
    return str(resp.get_data(as_text=True))


def test_share_mode_renders_one_link_per_network_in_order(client: Any) -> None:
    nets = "twitter,facebook,whatsapp,mail,mastodon,copy,info"
    resp = get(client, "/buttons", url=PAGE, title="Hello", networks=nets)
    assert resp.status_code == 200
    html = body(resp)
    assert '<ul class="sp-buttons' in html
    found = networks_in(html)
    assert [t.get("data-network") for t in found] == nets.split(",")
    for t in found:
        name = t.get("data-network")
        if name in ("copy",):
            assert t.name == "button"
            continue
        assert t.name == "a"
        assert t.get("target") == "_blank"
        assert t.get("rel") == "noopener noreferrer"
        href = str(t.get("href"))
        local = href.startswith(("mailto:", "/info?lang="))
        assert href.startswith(f"/share/{name}?") or local, href
    # The accessible name comes from the content (visible label plus screen-reader-only
    # words), so it always contains the visible text (WCAG 2.5.3, label in name).
    names = {t.get("data-network"): t.get_text() for t in found}
    assert names["twitter"] == "Share on X"
    assert names["facebook"] == "Share on Facebook"
    assert all(not t.has_attr("aria-label") for t in found)


def test_twoclick_renders_placeholders_for_widget_networks_only(client: Any) -> None:
    resp = get(client, "/buttons", url=PAGE, networks="facebook,twitter,bluesky", mode="twoclick")
    html = body(resp)
    found = {t.get("data-network"): t for t in networks_in(html)}
    assert found["facebook"].name == "button" and "data-twoclick" in found["facebook"].attrs
    assert found["twitter"].name == "button" and "data-twoclick" in found["twitter"].attrs
    assert found["bluesky"].name == "a"  # no widget: a plain share link
    assert all(same_origin(u) for u in loaded_resources(html))
    assert "connect.facebook.net" not in html and "platform.x.com" not in html


def test_activation_loads_only_that_networks_widget(client: Any) -> None:
    resp = get(
        client, "/buttons", url=PAGE, networks="facebook,twitter", mode="twoclick",
        activate="twitter",
    )  # fmt: skip
    assert resp.status_code == 200
    html = body(resp)
    found = {t.get("data-network"): t for t in networks_in(html)}
    assert "data-activated" in found["twitter"].attrs
    assert "data-twoclick" in found["facebook"].attrs
    third_party = [u for u in loaded_resources(html) if not same_origin(u)]
    assert third_party == ["https://platform.x.com/widgets.js"]
    assert 'data-remember="twitter"' in html and 'data-forget="twitter"' in html
    csp = resp.headers["Content-Security-Policy"]
    assert "https://platform.x.com" in csp
    assert "facebook" not in csp


def test_activation_that_does_not_apply_is_ignored(client: Any) -> None:
    """activate needs mode=twoclick and a shown network with a widget; otherwise the page
    renders as without it (a visitor's page degrades, it does not break)."""
    for params in (
        {"networks": "facebook", "activate": "facebook"},  # share mode
        {"networks": "facebook,bluesky", "mode": "twoclick", "activate": "bluesky"},
        {"networks": "facebook", "mode": "twoclick", "activate": "twitter"},
        {"networks": "facebook", "mode": "twoclick", "activate": "<script>"},
    ):
        resp = get(client, "/buttons", url=PAGE, **params)
        assert resp.status_code == 200
        assert "data-activated" not in body(resp)
        assert "<script>" not in body(resp).replace('<script src="/assets/', "")
        assert all(same_origin(u) for u in loaded_resources(body(resp)))


def test_nothing_third_party_loads_before_a_click(client: Any) -> None:
    every = ",".join(NETWORKS)
    for mode in ("share", "twoclick"):
        html = body(get(client, "/buttons", url=PAGE, networks=every, mode=mode))
        assert loaded_resources(html), "the page loads its own CSS and JS"
        assert all(same_origin(u) for u in loaded_resources(html))
        assert "url(" not in html and "@import" not in html
    for name in ("buttons.css", "twoclick.css"):
        css = assets.assets()[name].body.decode()
        assert "url(" not in css and "@import" not in css and "http" not in css
    # the two-click styles come with two-click rows only
    share = body(get(client, "/buttons", url=PAGE, networks="twitter"))
    twoclick = body(get(client, "/buttons", url=PAGE, networks="twitter", mode="twoclick"))
    assert "twoclick.css" not in share and assets.url("twoclick.css") in twoclick


@pytest.mark.parametrize("network", ["mastodon", "fediverse"])
def test_a_fediverse_button_opens_a_server_picker_sent_through_shareproxy(
    client: Any, network: str
) -> None:
    html = body(
        get(client, "/buttons", url=PAGE, title="T", networks=f"facebook,{network},mail",
            lang="de", theme="dark")
    )  # fmt: skip
    form = [t for t in tags(html) if t.name == "form"][0]
    assert form.get("action") == f"/share/{network}" and form.get("id") == f"spf-{network}"
    hidden = {t.get("name"): t.get("value") for t in tags(html) if t.get("type") == "hidden"}
    assert hidden == {"url": PAGE, "title": "T", "lang": "de", "theme": "dark"}
    assert any(t.name == "input" and t.get("name") == "instance" for t in tags(html))
    button = [t for t in networks_in(html) if t.get("data-network") == network][0]
    assert button.get("aria-controls") == f"spf-{network}"
    assert button.get("aria-expanded") == "false"
    # without script, the button is a link to the picker page in the buttons' language
    assert button.get("href") == f"/share/{network}?" + urlencode(
        {"url": PAGE, "title": "T", "lang": "de", "theme": "dark"}
    )
    # the picker stands under the row, not inside it
    assert html.index("</ul>") < html.index("<form")


def test_copy_print_share_and_info_are_local_actions(client: Any) -> None:
    html = body(
        get(client, "/buttons", url=PAGE, networks="copy,print,share,info",
            info="https://example.org/privacy#share")
    )  # fmt: skip
    found = {t.get("data-network"): t for t in networks_in(html)}
    assert found["copy"].name == found["print"].name == found["share"].name == "button"
    assert found["info"].get("href") == "https://example.org/privacy#share"
    assert '<li class="sp-share" hidden>' in html  # shown by the script where Web Share exists


@pytest.mark.parametrize(
    "param, value, accepted",
    [
        ("theme", "neon", "color, grey, white, dark, auto"),
        ("orientation", "diagonal", "horizontal, vertical"),
        ("style", "huge", "standard, icon, icon-count"),
        ("counts", "maybe", "on, off"),
        ("mode", "threeclick", "share, twoclick"),
        ("lang", "xx", "ar, bg, cs"),
        ("networks", "facebook,myspace", "'myspace'"),
        ("info", "javascript:alert(1)", "http"),
        ("info", "ftp://example.org/", "http"),
        ("media", "data:image/png,xx", "http"),
        ("title", "t" * 501, "500"),
    ],
)
def test_bad_parameters_are_named_and_skipped(
    client: Any, param: str, value: str, accepted: str
) -> None:
    """A page of buttons is made anyway; what was left out is named, once, for the site
    owner: in data-notices (the iframe; the loader prints them) and in an HTML comment
    (/snippet, which a site includes as it gets it)."""
    for path in ("/buttons", "/snippet"):
        query = {"url": PAGE, "networks": "facebook,mail", param: value}
        resp = get(client, path, **query)
        assert resp.status_code == 200 and resp.mimetype == "text/html"
        html = body(resp)
        assert '<a data-network="facebook"' in html
        said = re.findall(r"<!-- shareproxy: (.*?) -->", html)
        if path == "/buttons":
            notes = [t.get("data-notices") for t in tags(html) if t.get("data-notices")]
            said = [n["text"] for n in json.loads(str(notes[0]))]
        assert len(said) == 1, said
        assert param in said[0] and accepted in said[0], said
        assert "\n" not in said[0] and value not in said[0]


def test_url_is_required_and_allowlisted(client: Any) -> None:
    assert get(client, "/buttons").status_code == 400
    assert get(client, "/buttons", url="https://evil.example.net/").status_code == 403
    resp = get(client, "/snippet", url="https://evil.example.net/")
    assert resp.status_code == 403 and resp.mimetype == "text/html"
    assert body(resp).startswith("<!-- shareproxy: no buttons: the shared page's host evil.")
    assert "<ul" not in body(resp)
    assert get(client, "/snippet").status_code == 400
    assert get(client, "/snippet", url="https://evil.example.net/").status_code == 403


@pytest.mark.parametrize("value", HOSTILE)
@pytest.mark.parametrize("param", ["title", "lang", "theme", "networks", "style", "origin"])
def test_hostile_values_never_appear_unescaped(client: Any, param: str, value: str) -> None:
    for path in ("/buttons", "/snippet"):
        resp = get(client, path, url=PAGE, **{param: value})
        html = body(resp)
        assert resp.status_code in (200, 400)
        assert_inert(html)
        if resp.status_code == 400:
            assert value not in html or value.isalnum()


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_page_urls_are_refused_or_encoded(client: Any, value: str) -> None:
    resp = get(client, "/buttons", url="https://example.org/?q=" + value, title=value)
    html = body(resp)
    assert_inert(html)
    if " " in value:  # a raw space makes the URL invalid
        assert resp.status_code == 400
    else:
        assert resp.status_code == 200
        assert 'data-url="https://example.org/?q=' in html


def test_title_lands_escaped_in_attributes(client: Any) -> None:
    html = body(get(client, "/buttons", url=PAGE, title='a"b<c>&d', networks="mastodon"))
    assert 'data-title="a&#34;b&lt;c&gt;&amp;d"' in html


def test_headers_of_button_pages(make_app: Any) -> None:
    client = make_app(ALLOWED_DOMAINS="example.org,*.example.com").test_client()
    resp = get(client, "/buttons", url=PAGE)
    csp = dict(
        part.strip().split(" ", 1) for part in resp.headers["Content-Security-Policy"].split(";")
    )
    assert csp["default-src"] == "'none'"
    assert csp["script-src"] == "'self'"
    assert csp["style-src"] == "'self'"
    assert csp["connect-src"] == "'self'"
    assert "frame-src" not in csp and "child-src" not in csp  # frames: default-src 'none'
    assert csp["frame-ancestors"].split() == [
        "'self'",
        "http://example.org:*",
        "https://example.org:*",
        "http://*.example.com:*",
        "https://*.example.com:*",
    ]
    assert resp.headers["Referrer-Policy"] == "no-referrer"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"


def test_no_endpoint_sets_a_cookie(client: Any) -> None:
    css = assets.url("buttons.css")
    for path, params in [
        ("/buttons", {"url": PAGE}),
        ("/buttons", {"url": PAGE, "mode": "twoclick", "activate": "facebook"}),
        ("/snippet", {"url": PAGE}),
        ("/share/twitter", {"url": PAGE}),
        ("/share/mastodon", {"url": PAGE, "instance": "mastodon.social"}),
        ("/embed.js", {}),
        ("/", {}),
        (css, {}),
        ("/buttons", {"url": PAGE, "theme": "bad"}),
    ]:
        resp = get(client, path, **params)
        assert "Set-Cookie" not in resp.headers, path


def test_assets_are_content_hashed_and_immutable(client: Any) -> None:
    for name in ("buttons.css", "twoclick.css", "buttons.js"):
        url = assets.url(name)
        assert re.fullmatch(rf"/assets/[0-9a-f]{{16}}/{re.escape(name)}", url)
        resp = client.get(url)
        assert resp.status_code == 200
        assert resp.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        stale = url.replace(url.split("/")[2], "0" * 16)
        assert client.get(stale).status_code == 404
    assert client.get("/assets/0/../../settings.py").status_code == 404


def test_the_iframe_for_seven_networks_weighs_at_most_10_kb_gzipped(client: Any) -> None:
    seven = "facebook,twitter,linkedin,whatsapp,mastodon,bluesky,mail"
    resp = get(client, "/buttons", url=PAGE, title="A page title", networks=seven)
    html = resp.get_data()
    total = len(gzip.compress(html, 9))
    for url in loaded_resources(html.decode()):
        asset = client.get(url)
        assert asset.status_code == 200
        total += len(gzip.compress(asset.get_data(), 9))
    assert total <= 10 * 1024, total


def test_fresh_counts_render_server_side_and_the_rest_is_fetched(client: Any, app: Any) -> None:
    svc = app.extensions["shareproxy"]
    now = time.time()
    url = "https://example.org/article?id=7"
    svc.store.put_entry(url, "pinterest", Entry(1234, now, now, None), 3600)
    resp = get(client, "/buttons", url=PAGE, networks="pinterest,vk,twitter")
    html = body(resp)
    assert '<span class="sp-count" id="spc-pinterest">1.2k</span>' in html
    assert 'aria-describedby="spc-pinterest"' in html
    assert 'data-fetch="vk"' in html  # vk counts on, nothing cached: the browser asks
    for params in ({"counts": "off"}, {"style": "icon"}):
        quiet = body(get(client, "/buttons", url=PAGE, networks="pinterest,vk", **params))
        assert "sp-count" not in quiet and "data-fetch" not in quiet


def test_stale_counts_are_not_rendered(client: Any, app: Any) -> None:
    svc = app.extensions["shareproxy"]
    old = time.time() - 10 * 24 * 3600
    svc.store.put_entry(PAGE, "pinterest", Entry(99, old, old, None), 3600)
    html = body(get(client, "/buttons", url=PAGE, networks="pinterest"))
    assert "sp-count" not in html and 'data-fetch="pinterest"' in html


@pytest.mark.parametrize(
    "count, shown",
    [(0, "0"), (999, "999"), (1000, "1k"), (1049, "1k"), (1050, "1.1k"), (1200, "1.2k"),
     (999_949, "999.9k"), (999_950, "1M"), (1_000_000, "1M"), (2_500_000, "2.5M")],
)  # fmt: skip
def test_counts_are_formatted_like_shariff(count: int, shown: str) -> None:
    assert i18n.format_count(count) == shown


def test_every_colour_reads_at_4_5_to_1(client: Any) -> None:
    for net in NETWORKS.values():
        color = assets.readable_on_white(net.color)
        assert assets.contrast(color, "#ffffff") >= 4.5, net.name
    # fixed theme colours: grey and dark backgrounds, the focus ring, error text
    assert assets.contrast("#595959", "#ffffff") >= 4.5
    assert assets.contrast("#f2f2f2", "#262626") >= 4.5
    assert assets.contrast("#b00020", "#ffffff") >= 4.5
    assert assets.contrast("#ff9e9e", "#262626") >= 4.5
    css = assets.assets()["buttons.css"].body.decode()
    for net in NETWORKS.values():
        assert f".sp-{net.name}{{--c:{assets.readable_on_white(net.color)}}}" in css
    assert "prefers-reduced-motion" in css and "prefers-color-scheme:dark" in css
    assert ":focus-visible" in css


def test_right_to_left_languages(client: Any) -> None:
    for lang in ("ar", "he", "fa"):
        html = body(get(client, "/buttons", url=PAGE, lang=lang))
        assert f'<html lang="{lang}" dir="rtl">' in html
    assert '<html lang="de" dir="ltr">' in body(get(client, "/buttons", url=PAGE, lang="de"))


def test_snippet_is_plain_links(client: Any) -> None:
    resp = get(client, "/snippet", url=PAGE, networks="facebook,copy,mastodon,mail,print,info")
    assert resp.status_code == 200
    html = body(resp)
    assert "<script" not in html and "<link" not in html and "<style" not in html
    found = networks_in(html)
    assert [t.get("data-network") for t in found] == ["facebook", "mastodon", "mail", "info"]
    assert str(found[0].get("href")).startswith("http://localhost/share/facebook?url=")
    # two-click needs the iframe: the links of share mode, and a comment saying so
    html = body(get(client, "/snippet", url=PAGE, mode="twoclick", networks="facebook"))
    assert html.startswith("<!-- shareproxy: mode=twoclick needs the iframe: share is used -->")
    assert 'href="http://localhost/share/facebook?url=' in html


def test_embed_js_checks_origin_and_source(client: Any) -> None:
    resp = client.get("/embed.js")
    assert resp.status_code == 200 and resp.mimetype == "text/javascript"
    js = body(resp)
    assert "e.origin !== base" in js and "e.source !== f.contentWindow" in js
    assert 'link[rel="canonical"]' in js and 'meta[property="og:url"]' in js


def test_resize_messages_go_only_to_the_given_origin(client: Any) -> None:
    html = body(get(client, "/buttons", url=PAGE, origin="https://example.org"))
    assert 'data-origin="https://example.org"' in html
    js = assets.assets()["buttons.js"].body.decode()
    told = re.compile(r"postMessage\((?:[^()]|\([^()]*\))*,\s*([A-Za-z\"*]+)\)")
    assert told.findall(js) == ["origin"]
    # the notices for the loader: "*" only from the page without buttons (it repeats what
    # the embedding page asked)
    notices = assets.assets()["notices.js"].body.decode()
    assert told.findall(notices) == ["to"]
    assert 'to=el.dataset.origin||(gone?"*":"")' in notices
    assert "data-origin" not in body(get(client, "/buttons", url=PAGE))


def test_readme_lists_every_network_and_the_dead_ones() -> None:
    from pathlib import Path

    from shareproxy.networks import DEAD

    text = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    section = text.split("## Networks", 1)[1].split("\n## ", 1)[0]
    for name in NETWORKS:
        assert f"| {name} (" in section or f"| {name} |" in section, name
    for name in DEAD:
        assert f"**{name}**" in section, name


NODE = shutil.which("node")


@pytest.mark.skipif(NODE is None, reason="node is not installed")
def test_scripts_parse_and_format_counts_like_the_server(tmp_path: Any) -> None:
    assert NODE is not None
    for name in ("buttons.js", "embed.js", "landing.js"):
        path = os.path.join(assets.STATIC, name)
        subprocess.run([NODE, "--check", path], check=True, capture_output=True)
    for name, asset in assets.assets().items():  # as served: lines trimmed
        if name.endswith(".js"):
            served = tmp_path / name
            served.write_bytes(asset.body)
            subprocess.run([NODE, "--check", str(served)], check=True, capture_output=True)
    with open(os.path.join(assets.STATIC, "buttons.js"), encoding="utf-8") as fh:
        js = fh.read()
    match = re.search(r"  function fmt\(n\) \{.*?\n  \}\n", js, re.S)
    assert match
    numbers = [0, 999, 1000, 1049, 1050, 1200, 999_949, 999_950, 1_000_000, 2_500_000, 7_654_321]
    script = tmp_path / "fmt.js"
    script.write_text(match.group(0) + f"console.log(JSON.stringify({numbers}.map(fmt)));\n")
    out = subprocess.run([NODE, str(script)], check=True, capture_output=True, text=True)
    assert json.loads(out.stdout) == [i18n.format_count(n) for n in numbers]


def test_twoclick_row_explains_itself_and_an_activated_network_keeps_its_share_link(
    client: Any,
) -> None:
    before = body(get(client, "/buttons", url=PAGE, networks="twitter,mail", mode="twoclick"))
    assert "Two clicks for more privacy" in before and 'class="sp-note"' in before
    assert "Two clicks" not in body(get(client, "/buttons", url=PAGE, networks="twitter,mail"))
    after = body(
        get(
            client,
            "/buttons",
            url=PAGE,
            networks="twitter,mail",
            mode="twoclick",
            activate="twitter",
            lang="de",
        )  # fmt: skip
    )
    found = {t.get("data-network"): t for t in networks_in(after)}
    assert found["twitter"].get("data-state") == "loading"
    assert found["twitter"].get("data-failed") == (
        "Der X-Button wurde nicht geladen. Dieser Link teilt auch ohne ihn."
    )
    share_mode = {
        t.get("data-network"): t
        for t in networks_in(
            body(get(client, "/buttons", url=PAGE, networks="twitter,mail", lang="de"))
        )
    }  # noqa: E501
    (fallback,) = [t for t in tags(after) if "sp-fallback" in (t.get("class") or "")]
    assert fallback.get("href") == share_mode["twitter"].get("href")
    assert str(fallback.get("href")).startswith("/share/twitter?")
    # the widget's scripts run after the buttons' own, so it sees them load or fail
    scripts = [t for t in tags(after) if t.name == "script"]
    assert [s.has_attr("defer") for s in scripts] == [True, True, True]
    assert [s.get("src") for s in scripts][1:] == [
        assets.url("twoclick.js"),
        "https://platform.x.com/widgets.js",
    ]
    assert "Zwei Klicks" not in after and "sp-note" in after  # no placeholder left


def test_a_piece_two_scripts_share_is_served_inside_each() -> None:
    piece = assets.lean_js(assets.with_pieces(b"  //= frame-store.js\n"))
    assert b"function store(k,v){" in piece and b"//=" not in piece
    for name in ("buttons.js", "embed-page.js"):
        with open(os.path.join(assets.STATIC, name), "rb") as fh:
            assert b"//= frame-store.js" in fh.read(), name
        served = assets.assets()[name].body
        assert piece in served and b"//=" not in served, name
