"""The landing page (/) and the visitors' info page (/info) in a real Chromium.

Both are shareproxy's own pages, visited directly: every request the browser makes must
go to shareproxy alone, no cookie may appear, axe-core finds nothing (the landing page
with its live previews of every theme, both modes and every style; the info page in
several languages, Arabic among them), neither scrolls sideways on a 375 px phone or a
1440 px screen, and each "Copy code" puts exactly its snippet on the clipboard.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from browser_support import SHARE_HOST, Env

pytestmark = pytest.mark.browser

SNIPPETS = ("script", "iframe", "links", "badges")


def landing(env: Env, host: str = SHARE_HOST) -> str:
    return f"http://{host}:{env.share_port}/"


def info(env: Env, lang: str) -> str:
    return f"http://{SHARE_HOST}:{env.share_port}/info?lang={lang}"


def previews_ready(page: Any) -> None:
    """Every preview iframe has rendered its buttons (and been sized to them)."""
    page.wait_for_load_state("networkidle")
    for handle in page.query_selector_all("iframe"):
        frame = handle.content_frame()
        assert frame is not None
        frame.wait_for_selector("[data-network]", state="attached")
    page.wait_for_function(
        "[...document.querySelectorAll('iframe[data-fit]')].every(f => f.offsetHeight >= 40)"
    )


def axe(page: Any, source: str, env: Env) -> list[dict[str, Any]]:
    for frame in page.frames:
        frame.evaluate(source + "\n;void 0")
        frame.evaluate("o => axe.configure({allowedOrigins: o})", [env.share_origin])
    result = page.evaluate(
        """async () => {
          const r = await axe.run(document, {iframes: true, resultTypes: ["violations"]});
          return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.map(n => ({target: n.target, html: n.html}))}));
        }"""
    )
    return list(result)


def show(violations: list[dict[str, Any]]) -> str:
    return json.dumps(violations, indent=1)[:4000]


def only_shareproxy(v: Any, env: Env) -> None:
    assert v.log.hosts() == {SHARE_HOST}, v.log.since()
    assert env.fake.page_hits() == []
    assert v.context.cookies() == []


def no_sideways_scroll(page: Any) -> None:
    widths = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], widths


# --- the landing page


@pytest.mark.parametrize(
    ("scheme", "style"), [("light", "standard"), ("dark", "standard"), ("light", "icon-count")]
)
def test_landing_page_has_no_axe_violation(
    visit: Any, env: Env, axe_source: str, scheme: str, style: str
):
    v = visit(color_scheme=scheme, viewport={"width": 1440, "height": 900})
    v.page.goto(landing(env))
    previews_ready(v.page)
    if style != "standard":
        v.page.locator(f"#style-switch input[value='{style}']").check(force=True)
        v.page.wait_for_function(
            "s => [...document.querySelectorAll('iframe[data-gallery]')]"
            ".every(f => f.contentDocument && f.contentDocument.body &&"
            " f.contentDocument.body.classList.contains('sp-s-' + s))",
            arg=style,
        )
        previews_ready(v.page)
    themes = v.page.eval_on_selector_all(
        "iframe[data-gallery]", "els => els.map(e => new URL(e.src).searchParams.get('theme'))"
    )
    assert themes == ["color", "grey", "white", "dark", "auto"]
    violations = axe(v.page, axe_source, env)
    assert violations == [], show(violations)
    only_shareproxy(v, env)
    assert v.errors == []


def test_landing_axe_check_can_fail(visit: Any, env: Env, axe_source: str):
    """A planted unlabelled control is reported: the check above is not blind."""
    v = visit()
    v.page.goto(landing(env))
    previews_ready(v.page)
    v.page.evaluate("document.querySelector('#builder').insertAdjacentHTML('beforeend', '<input>')")
    assert "label" in {x["id"] for x in axe(v.page, axe_source, env)}


@pytest.mark.parametrize("width", [375, 1440])
def test_landing_page_fits_the_screen(visit: Any, env: Env, width: int):
    v = visit(viewport={"width": width, "height": 800})
    v.page.goto(landing(env))
    previews_ready(v.page)
    no_sideways_scroll(v.page)
    # the hero's promise is in view at once, and every preview is as wide as its card
    assert v.page.locator("h1").bounding_box()["y"] < 400
    for handle in v.page.query_selector_all("iframe[data-fit]"):
        box = handle.bounding_box()
        if box and box["width"]:
            assert box["x"] >= 0 and box["x"] + box["width"] <= width
    # every tab of the code box fits, or scrolls inside its own strip
    no_sideways_scroll(v.page)


def test_landing_page_asks_nobody_but_shareproxy(visit: Any, env: Env):
    v = visit()
    v.page.goto(landing(env))
    previews_ready(v.page)
    page = v.page
    # using the builder loads previews, the plain-links snippet and badge images: all local
    page.locator(".chip:has(input[value=reddit])").click()
    page.select_option("select[name=theme]", "dark")
    page.select_option("select[name=mode]", "twoclick")
    for name in SNIPPETS:
        page.locator(f"#tab-{name}").click()
    page.locator("#badge-preview img").first.wait_for()
    page.locator("#style-switch input[value=icon]").check(force=True)
    page.wait_for_load_state("networkidle")
    only_shareproxy(v, env)
    assert v.errors == []


def test_builder_follows_the_choices(visit: Any, env: Env):
    v = visit()
    page = v.page
    page.goto(landing(env))
    previews_ready(page)
    page.locator(".chip:has(input[value=reddit])").click()
    page.locator(".chip:has(input[value=facebook])").click()  # off
    page.select_option("select[name=lang]", "ar")
    page.select_option("select[name=theme]", "grey")
    script = page.locator("#snippet-script").inner_text()
    assert 'data-networks="twitter,linkedin,reddit,mastodon,bluesky,mail,info"' in script
    assert 'data-lang="ar"' in script and 'data-theme="grey"' in script
    assert "data-mode" not in script  # defaults are left out
    page.wait_for_function("() => document.getElementById('preview').src.includes('theme=grey')")
    src = page.eval_on_selector("#preview", "e => e.src")
    query = parse_qs(urlsplit(src).query)
    assert query["networks"] == ["twitter,linkedin,reddit,mastodon,bluesky,mail,info"]
    assert query["lang"] == ["ar"]
    frame = page.frame_locator("#preview")
    frame.locator("html[dir=rtl]").wait_for(state="attached")
    assert frame.locator('[data-network="reddit"]').count() == 1
    # the plain-links snippet is the server's own /snippet answer
    page.wait_for_function(
        "() => document.getElementById('snippet-links').textContent.includes('reddit')"
    )
    links = page.locator("#snippet-links").inner_text()
    assert 'data-network="reddit"' in links and "<script" not in links
    # a page on a host this server does not serve is named, with the setting to change
    page.fill("input[name=url]", "https://blog.elsewhere.test/post")
    note = page.locator("#host-note")
    note.wait_for()
    assert "blog.elsewhere.test" in note.inner_text()
    assert "SHAREPROXY_ALLOWED_DOMAINS" in note.inner_text()


def copy_and_compare(page: Any, name: str, read: str) -> str:
    page.locator(f"#tab-{name}").click()
    expected = page.locator(f"#snippet-{name}").text_content()
    assert expected and expected.strip()
    button = page.locator(f"#panel-{name} button[data-copy]")
    assert button.inner_text() == "Copy code"
    button.click()
    page.locator(f"#panel-{name} .copied").filter(has_text="Copied").wait_for()
    copied = page.evaluate(read)
    assert copied == expected
    return str(copied)


def check_snippets(copied: dict[str, str], env: Env, origin: str) -> None:
    assert copied["script"].startswith("<div data-shareproxy data-networks=")
    assert f'<script src="{origin}/embed.js" async></script>' in copied["script"]
    assert copied["iframe"].startswith(f'<iframe src="{origin}/buttons?url=')
    assert "web-share" not in copied["iframe"]  # no "share" button picked
    assert '<a data-network="facebook"' in copied["links"]
    assert f'<img src="{origin}/badge/facebook.png?url=' in copied["badges"]


def test_copy_code_uses_the_clipboard(visit: Any, env: Env):
    """At http://127.0.0.1 (a secure context) the page writes with the Clipboard API."""
    origin = f"http://127.0.0.1:{env.share_port}"
    v = visit()
    v.context.grant_permissions(["clipboard-write"], origin=origin)
    # The page may not read the clipboard (its Permissions-Policy denies clipboard-read):
    # what it hands to the Clipboard API is recorded on the way instead.
    v.page.add_init_script(
        "if (navigator.clipboard) { const write = navigator.clipboard.writeText"
        ".bind(navigator.clipboard); navigator.clipboard.writeText = t =>"
        " { window.clipboardText = t; return write(t); }; }"
    )
    v.page.goto(origin + "/")
    previews_ready(v.page)
    v.page.wait_for_function(
        "() => document.getElementById('snippet-links').textContent.includes('<a')"
    )
    copied = {name: copy_and_compare(v.page, name, "window.clipboardText") for name in SNIPPETS}
    check_snippets(copied, env, origin)


def test_copy_code_without_the_clipboard_api(visit: Any, env: Env):
    """On plain http with a host name, no Clipboard API: the page copies a selection."""
    v = visit()
    v.page.goto(landing(env))
    previews_ready(v.page)
    assert v.page.evaluate("window.isSecureContext") is False
    v.page.evaluate(
        "document.addEventListener('copy', () => {"
        " window.copied = document.getSelection().toString()"
        " || document.activeElement.value; })"
    )
    v.page.wait_for_function(
        "() => document.getElementById('snippet-links').textContent.includes('<a')"
    )
    copied = {name: copy_and_compare(v.page, name, "window.copied") for name in SNIPPETS}
    check_snippets(copied, env, env.share_origin)


def test_tabs_work_with_the_keyboard(visit: Any, env: Env):
    v = visit()
    page = v.page
    page.goto(landing(env))
    page.locator("#tab-script").focus()
    page.keyboard.press("ArrowRight")
    assert page.evaluate("document.activeElement.id") == "tab-iframe"
    assert page.locator("#panel-iframe").is_visible()
    assert not page.locator("#panel-script").is_visible()
    page.keyboard.press("End")
    assert page.evaluate("document.activeElement.id") == "tab-badges"
    page.keyboard.press("ArrowRight")
    assert page.evaluate("document.activeElement.id") == "tab-script"


# --- the info page


@pytest.mark.parametrize("lang", ["en", "de", "ar", "ja", "he"])
def test_info_page_has_no_axe_violation(visit: Any, env: Env, axe_source: str, lang: str):
    v = visit()
    v.page.goto(info(env, lang))
    v.page.wait_for_load_state("networkidle")
    assert v.page.evaluate("document.documentElement.lang") == lang
    violations = axe(v.page, axe_source, env)
    assert violations == [], show(violations)
    only_shareproxy(v, env)


@pytest.mark.parametrize("lang", ["en", "ar"])
@pytest.mark.parametrize("width", [375, 1440])
def test_info_page_fits_the_screen(visit: Any, env: Env, lang: str, width: int):
    v = visit(viewport={"width": width, "height": 800})
    v.page.goto(info(env, lang))
    v.page.wait_for_load_state("networkidle")
    no_sideways_scroll(v.page)
    direction = v.page.evaluate("getComputedStyle(document.body).direction")
    assert direction == ("rtl" if lang == "ar" else "ltr")
    # the page's own font is used where it has the glyphs (Latin)
    if lang == "en":
        assert v.page.evaluate("document.fonts.check('16px \"Inter sp\"')")
        assert v.page.evaluate(
            "[...document.fonts].some(f => f.family.includes('Inter sp') && f.status == 'loaded')"
        )


def test_info_button_opens_the_info_page_in_its_language(visit: Any, env: Env):
    v = visit()
    v.page.goto(env.iframe_page("/info-link", page_url="https://site.test/a", lang="de",
                                networks="twitter,info"))  # fmt: skip
    frame = v.page.frame_locator("iframe")
    with v.context.expect_page() as opened:
        frame.locator('[data-network="info"]').click()
    tab = opened.value
    tab.wait_for_load_state()
    assert urlsplit(tab.url).path == "/info"
    assert tab.evaluate("document.documentElement.lang") == "de"
    assert tab.title() == "Über diese Teilen-Buttons"
    assert env.fake.page_hits() == []
