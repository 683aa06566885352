"""Embedding mistakes in a real Chromium: the visitor sees working buttons or nothing
broken, the site owner reads what happened in the console (once), and the frame is sized
to its content on a phone.

Console lines are collected from the page and its frames (Playwright reports both, and
Chromium's own warnings such as "Unrecognized feature" among them).
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from browser_support import SHARE_HOST, STAGING_HOST, Env, foreign

pytestmark = pytest.mark.browser

PAGE = "https://site.test/articles/degrade"
README = Path(__file__).resolve().parents[2] / "README.md"
# where the pictures of these states go, to be looked at (not compared)
SHOTS = Path(os.environ.get("SHAREPROXY_SHOTS", tempfile.gettempdir())) / "shareproxy-degrade"
PHONE = {"width": 375, "height": 700}


class Console:
    def __init__(self, page: Any) -> None:
        self.lines: list[tuple[str, str]] = []
        page.on("console", lambda m: self.lines.append((m.type, m.text)))

    def ours(self) -> list[tuple[str, str]]:
        return [(kind, text) for kind, text in self.lines if text.startswith("shareproxy (")]

    def with_text(self, part: str) -> list[tuple[str, str]]:
        return [(kind, text) for kind, text in self.lines if part in text]


def frame_of(page: Any, index: int = 0) -> Any:
    handle = page.locator("iframe").nth(index).element_handle()
    frame = handle.content_frame()
    assert frame is not None
    frame.wait_for_load_state("load")
    return frame


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def loader_html(env: Env, divs: list[str], head: str = "") -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>An article</title>{head}</head><body><main><h1>An article</h1>"
        "<p>Some text worth sharing.</p>" + "".join(divs) + "<p>After the buttons.</p>"
        f'<script src="{env.share_origin}/embed.js" async></script></main></body></html>'
    )


def test_shariff_markup_renders_and_each_translation_is_reported_once(visit: Any, env: Env):
    v = visit()
    console = Console(v.page)
    shariff = (
        '<div data-shareproxy data-url="{url}" '
        "data-services='[&quot;twitter&quot;,&quot;pocket&quot;,&quot;facebook&quot;,"
        '&quot;qzone&quot;]\' data-theme="standard" data-button-style="icon" '
        'data-twitter-via="heiseonline" data-backend-url="/shariff" data-netwroks="mail">'
        "</div>"
    )
    # the same mistakes twice on one page: still one line each
    html = loader_html(env, [shariff.format(url=PAGE), shariff.format(url=PAGE + "/2")])
    v.page.goto(env.site.put("/shariff-markup", html))
    for i in (0, 1):
        frame = frame_of(v.page, i)
        frame.wait_for_selector("[data-network]", state="attached")
        names = frame.eval_on_selector_all(
            "[data-network]", "els => els.map(e => e.dataset.network)"
        )
        assert names == ["twitter", "facebook"]
        assert frame.evaluate("document.body.className") == "sp-t-color sp-s-icon"
        query = parse_qs(urlsplit(frame.url).query)
        assert query["style"] == ["icon"] and query["via"] == ["heiseonline"]
    v.page.wait_for_function(
        "() => [...document.querySelectorAll('iframe')]"
        ".every(f => f.style.visibility === 'visible')"
    )
    v.page.wait_for_timeout(300)
    ours = console.ours()
    expected = [
        ("info", "data-services (Shariff's name) is read as data-networks"),
        ("info", "data-button-style (Shariff's name) is read as data-style"),
        ("info", "data-twitter-via (Shariff's name) is read as data-via"),
        ("warning", "data-backend-url (Shariff's) is not supported and ignored"),
        ("warning", "data-netwroks is not an attribute shareproxy knows"),
        ("info", "theme=standard (Shariff's name) is read as theme=color"),
        ("warning", "unknown network 'pocket' in 'networks': skipped"),
        ("warning", "unknown network 'qzone' in 'networks': skipped"),
    ]
    for kind, part in expected:
        found = [line for line in ours if part in line[1]]
        assert len(found) == 1, (part, ours)
        assert found[0][0] == kind, found
    assert len(ours) == len(expected), ours
    assert v.errors == []
    # the visitor's view: the buttons, nothing else
    assert "error" not in v.page.inner_text("body")


def test_page_on_a_host_not_served_folds_away_and_names_the_host(visit: Any, env: Env):
    v = visit(viewport=PHONE)
    console = Console(v.page)
    div = '<div data-shareproxy data-networks="twitter,facebook" data-lang="de"></div>'
    head = '<link rel="canonical" href="https://staging.example.net/2026/draft?token=s3cret">'
    v.page.goto(env.site.put("/staging-url", loader_html(env, [div], head)))
    frame = frame_of(v.page)
    frame.wait_for_selector("[data-unavailable]", state="attached")
    v.page.wait_for_function("() => document.querySelector('iframe').style.display === 'none'")
    box = v.page.locator("iframe").bounding_box()
    assert box is None or box["height"] == 0
    (line,) = console.with_text("no buttons")
    assert line[0] == "warning"
    assert "staging.example.net" in line[1] and "SHAREPROXY_ALLOWED_DOMAINS" in line[1]
    assert "s3cret" not in line[1]
    assert "{" not in v.page.inner_text("body")
    assert v.errors == []
    shot(v.page, "refused-host-loader-375")


def test_embedding_page_on_a_host_not_served(visit: Any, env: Env):
    """The usual staging case: the site's copy on another host. The buttons' answer may
    be framed there (it carries no buttons), so the loader learns why."""
    v = visit()
    console = Console(v.page)
    env.site.put("/staging-copy", loader_html(env, ["<div data-shareproxy></div>"]))
    v.page.goto(f"http://{STAGING_HOST}:{env.site.port}/staging-copy")
    v.page.wait_for_function("() => document.querySelector('iframe').style.display === 'none'")
    lines = console.with_text("no buttons")
    assert len(lines) == 1 and f"this page's host {STAGING_HOST}" in lines[0][1]
    assert "SHAREPROXY_ALLOWED_DOMAINS" in lines[0][1]
    assert console.with_text("Refused to frame") == []
    assert v.errors == []


def test_plain_iframe_on_a_host_not_served_shows_a_quiet_line(visit: Any, env: Env):
    v = visit(viewport=PHONE)
    src = env.buttons_url(url="https://staging.example.net/post", lang="fr", theme="grey")
    html = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1"><title>A</title>'
        f'</head><body><h1>An article</h1><iframe src="{src}" title="Share" '
        'style="border:0;width:100%;height:80px"></iframe><p>After.</p></body></html>'
    )
    v.page.goto(env.site.put("/staging-iframe", html))
    frame = frame_of(v.page)
    text = frame.inner_text("body").strip()
    assert text == "Le partage n’est pas disponible sur cette page."
    color = frame.eval_on_selector(".sp-unavailable", "el => getComputedStyle(el).color")
    assert color == "rgb(89, 89, 89)"  # muted, 7:1 on white
    shot(v.page, "refused-host-iframe-375")


def test_loader_asks_only_for_features_the_browser_knows(visit: Any, env: Env):
    v = visit()
    console = Console(v.page)
    div = f'<div data-shareproxy data-url="{PAGE}" data-networks="twitter,copy,share"></div>'
    v.page.goto(env.site.put("/features", loader_html(env, [div])))
    frame = frame_of(v.page)
    frame.wait_for_selector("[data-network]", state="attached")
    v.page.wait_for_timeout(300)
    known = v.page.evaluate("document.featurePolicy.features()")
    allow = v.page.locator("iframe").get_attribute("allow")
    asked = [f.strip() for f in allow.split(";")]
    assert "clipboard-write" in asked
    assert all(f in known for f in asked), (asked, known)
    assert ("web-share" in asked) == ("web-share" in known)
    assert console.with_text("Unrecognized feature") == [], console.lines


def readme_iframe() -> str:
    text = README.read_text(encoding="utf-8")
    section = text.split("**iframe** (no script on your page):", 1)[1]
    found = re.search(r"```html\n(<iframe.*?</iframe>)\n```", section, re.S)
    assert found
    return found.group(1)


def test_readme_iframe_holds_its_rows_on_a_phone_without_warnings(visit: Any, env: Env):
    snippet = readme_iframe()
    assert "web-share" not in snippet
    snippet = snippet.replace("https://share.example.org", env.share_origin)
    snippet = snippet.replace(quote("https://www.example.org/post", safe=""), quote(PAGE, safe=""))
    v = visit(viewport=PHONE)
    console = Console(v.page)
    html = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1"><title>A</title>'
        f"</head><body><h1>An article</h1>{snippet}<p>After.</p></body></html>"
    )
    v.page.goto(env.site.put("/readme-iframe", html))
    frame = frame_of(v.page)
    frame.wait_for_selector("[data-network]", state="attached")
    height = v.page.locator("iframe").bounding_box()["height"]
    needed = frame.evaluate("document.documentElement.scrollHeight")
    rows = frame.evaluate(
        "new Set([...document.querySelectorAll('[data-network]')].map(e => "
        "Math.round(e.getBoundingClientRect().top))).size"
    )
    assert rows >= 2  # the row wraps at 375 px: the point of the test
    assert needed <= height, (needed, height)
    assert console.with_text("Unrecognized feature") == []
    shot(v.page, "readme-iframe-375")


def test_loader_sizes_the_frame_on_a_phone(visit: Any, env: Env):
    v = visit(viewport=PHONE)
    nets = "facebook,twitter,linkedin,mastodon,bluesky,whatsapp,telegram,mail,info"
    div = f'<div data-shareproxy data-url="{PAGE}" data-networks="{nets}"></div>'
    v.page.goto(env.site.put("/loader-phone", loader_html(env, [div])))
    frame = frame_of(v.page)
    frame.wait_for_selector("[data-network]", state="attached")
    bottom = frame.evaluate(
        "Math.max(...[...document.querySelectorAll('[data-network]')].map(e => "
        "e.getBoundingClientRect().bottom))"
    )
    assert bottom > 100  # three rows on a phone
    fits = "h => Math.abs(document.querySelector('iframe').getBoundingClientRect().height - h) < 2"
    # the frame is as tall as the buttons and the body's 4 px padding: no cut, no gap
    v.page.wait_for_function(fits, arg=bottom + 4)
    shot(v.page, "loader-375")
    # content that grows and shrinks again: the frame follows both ways
    frame.evaluate(
        "document.body.appendChild(Object.assign(document.createElement('div'), "
        "{id: 'tall', style: 'height:300px'}))"
    )
    v.page.wait_for_function(fits, arg=bottom + 4 + 300)
    frame.evaluate("document.getElementById('tall').remove()")
    v.page.wait_for_function(fits, arg=bottom + 4)
    assert foreign(v.log.hosts()) == set()
    assert SHARE_HOST in v.log.hosts()


@pytest.mark.parametrize("share", [False, True])
def test_builder_iframe_copied_on_a_wide_screen_holds_on_a_phone(visit: Any, env: Env, share: bool):
    wide = visit(viewport={"width": 1440, "height": 900})
    page = wide.page
    page.goto(f"{env.share_origin}/")
    page.fill("input[name=url]", PAGE)
    if share:
        page.locator(".chip:has(input[value=share])").click()
    page.wait_for_function(
        "u => document.getElementById('preview').src.includes(encodeURIComponent(u))", arg=PAGE
    )
    frame = page.frame_locator("#preview")
    frame.locator('[data-network="facebook"]').wait_for(state="attached")
    page.wait_for_load_state("networkidle")
    page.wait_for_function("() => document.getElementById('preview').offsetHeight >= 40")
    page.locator("#tab-iframe").click()
    snippet = page.locator("#snippet-iframe").text_content() or ""
    assert 'allow="clipboard-write"' in snippet and "web-share" not in snippet
    assert page.locator("#iframe-share-note").is_visible() == share
    # fewer rows in the wide preview than on a phone, and yet the height copied holds
    # the phone's rows
    rows = (
        "() => new Set([...document.querySelectorAll('[data-network]')].map(e => "
        "Math.round(e.getBoundingClientRect().top))).size"
    )
    rows_wide = frame.locator("body").evaluate(rows)
    v = visit(viewport=PHONE)
    console = Console(v.page)
    html = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1"><title>A</title>'
        "<style>body{margin:16px}</style>"
        f"</head><body><h1>An article</h1>{snippet}<p>After.</p></body></html>"
    )
    v.page.goto(env.site.put(f"/builder-iframe-{share}", html))
    inner = frame_of(v.page)
    inner.wait_for_selector("[data-network]", state="attached")
    height = v.page.locator("iframe").bounding_box()["height"]
    bottom = inner.evaluate(
        "Math.max(...[...document.querySelectorAll('[data-network]')].map(e => "
        "e.getBoundingClientRect().bottom))"
    )
    assert bottom + 4 <= height, (bottom, height)
    assert inner.evaluate(rows) > rows_wide
    assert inner.locator("li.sp-share:visible").count() == 0  # not allowed: not shown
    assert console.with_text("Unrecognized feature") == []
    shot(v.page, f"builder-iframe-375-{'share' if share else 'plain'}")


def test_remembered_two_click_choice_carries_over_with_shariff_markup(visit: Any, env: Env):
    v = visit()
    div = (
        f'<div data-shareproxy data-url="{PAGE}" data-mode="twoclick" '
        "data-services='[&quot;twitter&quot;,&quot;facebook&quot;]'></div>"
    )
    head = '<script>localStorage.setItem("shareproxy.twoclick.twitter", "1")</script>'
    v.page.goto(env.site.put("/shariff-remembered", loader_html(env, [div], head)))
    src = v.page.locator("iframe").get_attribute("src") or ""
    assert urlsplit(src).fragment == "shareproxy.twoclick.twitter=1"
    frame = frame_of(v.page)
    frame.wait_for_selector('[data-network="twitter"][data-activated]', state="attached")
