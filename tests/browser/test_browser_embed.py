"""Two-click embeds in a real Chromium, on a page of another site.

Every request the browser makes is logged, and every provider host (youtube-nocookie.com,
embed.bsky.app, a PeerTube instance, a Mastodon server …) lands on the fake network server,
which logs it: before the click only shareproxy and the embedding site may be asked for
anything; after it, only the provider whose content the visitor asked for.
"""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import urlsplit

import embed_fakes as F
import pytest
from browser_support import SHARE_HOST, SITE_HOST, Env, foreign
from PIL import Image
from test_browser_axe import DARK_PAGE, THEMES, run_axe, show
from test_browser_buttons import settle

from shareproxy import i18n

pytestmark = pytest.mark.browser

YOUTUBE = f"https://www.youtube.com/watch?v={F.YOUTUBE_ID}"
VIMEO = f"https://vimeo.com/{F.VIMEO_ID}"
BLUESKY = f"https://bsky.app/profile/{F.BSKY_HANDLE}/post/{F.BSKY_RKEY}"
PEERTUBE = f"https://{F.PEERTUBE_HOST}/w/{F.PEERTUBE_ID}"
MASTODON = f"https://{F.MASTODON_HOST}/@alice/{F.STATUS_ID}"
# content URL -> the one host its player or post embed comes from
PLAYERS = {
    YOUTUBE: "www.youtube-nocookie.com",
    VIMEO: "player.vimeo.com",
    BLUESKY: "embed.bsky.app",
    PEERTUBE: F.PEERTUBE_HOST,
    MASTODON: F.MASTODON_HOST,
}
IDS = {YOUTUBE: "youtube", VIMEO: "vimeo", BLUESKY: "bluesky", PEERTUBE: "peertube",
       MASTODON: "mastodon"}  # fmt: skip


def wait_until(condition: Any, timeout: float = 20.0) -> None:
    import time

    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def embed_frame(page: Any) -> Any:
    """The Frame of the embed once it has shown itself (the loader reveals it then)."""
    page.wait_for_selector("div[data-shareproxy-embed] iframe[style*='visibility: visible']")
    frame = next(f for f in page.frames if "/embed?" in f.url)
    frame.wait_for_selector("[data-embed]")
    return frame


@pytest.fixture(autouse=True)
def typical(env: Env) -> None:
    for name in ("youtube", "vimeo", "bluesky", "peertube", "fediverse"):
        env.providers.set(name)


@pytest.mark.parametrize("url", list(PLAYERS), ids=list(IDS.values()))
def test_nothing_leaves_shareproxy_before_the_click_and_only_the_provider_after(
    visit: Any, env: Env, url: str
):
    v = visit()
    v.page.goto(env.embed_page(f"/embed-{IDS[url]}", url))
    frame = embed_frame(v.page)
    settle(v.page)
    # hovering and focusing are not clicks
    frame.locator("[data-activate]").first.hover()
    frame.locator("[data-activate]").first.focus()
    settle(v.page)
    assert v.log.hosts() == {SITE_HOST, SHARE_HOST}, v.log.since()
    assert env.fake.page_hits() == []
    # the fallback link made way for the placeholder
    assert v.page.locator("div[data-shareproxy-embed] > a").count() == 0

    mark = v.log.mark()
    frame.locator("[data-activate]").first.click()
    embed_frame(v.page).locator("iframe").wait_for()
    wait_until(lambda: PLAYERS[url] in env.fake.hosts())
    settle(v.page)
    assert foreign(v.log.hosts(mark)) == {PLAYERS[url]}, v.log.since(mark)
    assert {h.host for h in env.fake.page_hits()} == {PLAYERS[url]}
    # no Referer tells the provider which page embeds it: none at all, or for YouTube
    # (whose player refuses to play without one) shareproxy's origin alone
    for hit in env.fake.page_hits():
        if url == YOUTUBE:
            assert hit.referer is not None and urlsplit(hit.referer).hostname == SHARE_HOST
            assert urlsplit(hit.referer).path in ("", "/"), hit.referer
        else:
            assert hit.referer is None, hit.referer
    assert v.errors == []


def test_the_poster_is_served_by_shareproxy_and_carries_no_exif(visit: Any, env: Env):
    v = visit()
    pictures: list[tuple[str, bytes]] = []
    v.page.on(
        "response",
        lambda r: pictures.append((r.url, r.body())) if "/embed/image/" in r.url else None,
    )
    v.page.goto(env.embed_page("/embed-poster", YOUTUBE))
    frame = embed_frame(v.page)
    img = frame.locator(".sp-poster img")
    img.wait_for()
    frame.wait_for_function("() => document.querySelector('.sp-poster img').complete")
    current = img.evaluate("i => i.currentSrc")
    assert current.startswith(env.share_origin + "/embed/image/")
    assert current.endswith(".avif")  # Chromium takes the smallest format it knows
    assert img.evaluate("i => i.naturalWidth") == 1280
    settle(v.page)
    assert pictures and all(u.startswith(env.share_origin) for u, _ in pictures)
    for _, body in pictures:
        im = Image.open(io.BytesIO(body))
        assert dict(im.getexif()) == {}
        for secret in (b"SecretCam", b"private comment", b"Exif"):
            assert secret not in body
    assert foreign(v.log.hosts()) == set()


@pytest.mark.parametrize("url", [YOUTUBE, BLUESKY], ids=["video", "post"])
def test_the_notice_is_visible_in_every_language(visit: Any, env: Env, url: str):
    v = visit(viewport={"width": 375, "height": 800})
    english = None
    for lang in i18n.LANGUAGES:
        v.page.goto(env.embed_url(url, lang=lang))
        notice = v.page.locator("#sp-notice")
        notice.wait_for()
        assert notice.is_visible()
        box = notice.bounding_box()
        assert box is not None and box["width"] > 100 and box["height"] > 10
        assert box["x"] >= 0 and box["x"] + box["width"] <= 376, (lang, box)
        text = notice.inner_text()
        assert "%(" not in text
        if lang == "en":
            english = text
        elif english is not None:
            assert text != english, lang  # translated
        assert v.page.evaluate("document.documentElement.lang") == lang
        expected = "rtl" if lang in i18n.RTL else "ltr"
        assert v.page.evaluate("document.documentElement.dir") == expected
    assert foreign(v.log.hosts()) == set()


@pytest.mark.parametrize("mode", ["error500", "not_found"])
def test_a_failing_provider_leaves_a_plain_link(visit: Any, env: Env, mode: str):
    env.providers.set("vimeo", mode)
    v = visit()
    url = f"https://vimeo.com/{'11' if mode == 'not_found' else '12'}3456"
    v.page.goto(env.embed_page(f"/embed-failing-{mode}", url))
    link = v.page.locator("div[data-shareproxy-embed] > a")
    link.wait_for()
    v.page.wait_for_function(
        "document.querySelectorAll('div[data-shareproxy-embed] iframe').length === 0"
    )
    assert link.get_attribute("href") == url
    assert link.is_visible()
    assert "noopener" in (link.get_attribute("rel") or "")
    assert foreign(v.log.hosts()) == set()
    assert v.errors == []


def test_an_unsupported_address_leaves_a_plain_link(visit: Any, env: Env):
    v = visit()
    url = "https://x.com/someone/status/1234567890"
    v.page.goto(env.embed_page("/embed-unsupported", url))
    link = v.page.locator("div[data-shareproxy-embed] > a")
    link.wait_for()
    settle(v.page)
    assert link.is_visible() and link.get_attribute("href") == url
    iframe = v.page.locator("div[data-shareproxy-embed] iframe")
    assert iframe.count() == 0 or not iframe.is_visible()
    assert foreign(v.log.hosts()) == set()


def test_the_pages_own_fallback_content_is_kept(visit: Any, env: Env):
    v = visit()
    html = (
        '<div data-shareproxy-embed data-url="https://x.com/a/status/1">'
        '<p>See <a href="https://x.com/a/status/1">the post on X</a>.</p></div>'
        f'<script src="{env.share_origin}/embed.js" async></script>'
    )
    from browser_support import page_html

    v.page.goto(env.site.put("/embed-own-fallback", page_html(html)))
    settle(v.page)
    assert v.page.locator("div[data-shareproxy-embed] p a").inner_text() == "the post on X"


def test_hostile_post_html_and_hostile_images_are_neutralised(visit: Any, env: Env):
    env.providers.set("fediverse", "hostile", picture="svg")
    env.providers.set("bluesky", "hostile", picture="bomb")
    v = visit()
    dialogs: list[str] = []
    v.context.on("page", lambda p: dialogs.append("popup"))
    v.page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    hostile_masto = f"https://{F.MASTODON_HOST}/@alice/999"
    hostile_bsky = f"https://bsky.app/profile/{F.BSKY_HANDLE}/post/3hostile0000"
    for path, url in (("/embed-hostile-m", hostile_masto), ("/embed-hostile-b", hostile_bsky)):
        v.page.goto(env.embed_page(path, url))
        frame = embed_frame(v.page)
        settle(v.page)
        assert frame.locator("script:not([src^='/assets/'])").count() == 0
        assert frame.locator("iframe, object, embed, form, style, img[onerror]").count() == 0
        assert frame.locator("a[href^='javascript:']").count() == 0
        # whatever picture is shown is one shareproxy re-encoded (the SVG and the bomb
        # were refused; an avatar processed earlier may be shown again)
        for src in frame.locator("img").evaluate_all("imgs => imgs.map(i => i.currentSrc)"):
            assert src.startswith(env.share_origin + "/embed/image/"), src
        assert frame.evaluate("typeof window.xssRan") == "undefined"
    # the page-level handlers ran nothing either
    assert dialogs == []
    assert foreign(v.log.hosts()) == set()
    assert v.errors == []


def test_a_post_embed_grows_to_the_height_it_reports(visit: Any, env: Env):
    v = visit()
    v.page.goto(env.embed_page("/embed-resize", MASTODON))
    frame = embed_frame(v.page)
    frame.locator("[data-activate]").click()
    frame = embed_frame(v.page)
    frame.locator(".sp-post-frame[height='777']").wait_for(state="attached")
    v.page.wait_for_function(
        "parseInt(document.querySelector('div[data-shareproxy-embed] iframe').style.height) > 777"
    )
    assert v.errors == []


def test_remember_per_provider_is_local_and_undoable(visit: Any, env: Env):
    v = visit(persistent=True)
    url = env.embed_page("/embed-remember", YOUTUBE)
    other = env.embed_page("/embed-remember-vimeo", VIMEO)
    v.page.goto(url)
    embed_frame(v.page).locator("[data-activate]").click()
    frame = embed_frame(v.page)
    frame.locator("iframe.sp-player").wait_for()
    frame.locator("[data-remember]").check()
    assert frame.evaluate("localStorage.getItem('shareproxy.embed.youtube')") == "1"

    # the next visit plays YouTube at once, and only YouTube
    mark = v.log.mark()
    v.page.reload()
    frame = embed_frame(v.page)
    frame.locator("iframe.sp-player").wait_for()
    assert frame.locator("[data-remember]").is_checked()
    v.page.goto(other)
    frame = embed_frame(v.page)
    settle(v.page)
    assert frame.locator("[data-activate]").count() == 1
    assert "player.vimeo.com" not in v.log.hosts(mark)

    # undo: back to the placeholder, and it stays
    v.page.goto(url)
    frame = embed_frame(v.page)
    frame.locator("[data-forget]").click()
    frame = embed_frame(v.page)
    frame.locator("[data-activate]").wait_for()
    assert frame.evaluate("localStorage.getItem('shareproxy.embed.youtube')") is None
    mark = v.log.mark()
    env.fake.clear()
    v.page.reload()
    frame = embed_frame(v.page)
    settle(v.page)
    assert frame.locator("[data-activate]").count() == 1
    assert foreign(v.log.hosts(mark)) == set(), v.log.since(mark)
    assert [c for c in v.context.cookies() if SHARE_HOST in c["domain"]] == []


def test_remember_works_where_the_frame_may_not_store(visit: Any, env: Env):
    """Off the record, the frame's storage is denied: the loader keeps the choice in the
    embedding page's storage."""
    v = visit()
    v.page.goto(env.embed_page("/embed-remember-loader", BLUESKY))
    embed_frame(v.page).locator("[data-activate]").click()
    frame = embed_frame(v.page)
    frame.locator("iframe.sp-post-frame").wait_for()
    frame.locator("[data-remember]").check()
    v.page.wait_for_function("localStorage.getItem('shareproxy.embed.bluesky') === '1'")
    v.page.reload()
    embed_frame(v.page).locator("iframe.sp-post-frame").wait_for()
    embed_frame(v.page).locator("[data-forget]").click()
    embed_frame(v.page).locator("[data-activate]").wait_for()
    v.page.wait_for_function("localStorage.getItem('shareproxy.embed.bluesky') === null")
    assert v.errors == []


@pytest.mark.parametrize(("theme", "scheme"), THEMES, ids=[f"{t}-{s}" for t, s in THEMES])
@pytest.mark.parametrize("url", [YOUTUBE, MASTODON], ids=["video", "post"])
def test_embeds_have_no_axe_violation(
    visit: Any, env: Env, axe_source: str, theme: str, scheme: str, url: str
):
    v = visit(color_scheme=scheme)
    head = DARK_PAGE if scheme == "dark" else ""
    kind = "video" if url == YOUTUBE else "post"
    v.page.goto(env.embed_page(f"/axe-embed-{kind}-{theme}-{scheme}", url, head, theme=theme))
    frame = embed_frame(v.page)
    settle(v.page)
    violations = run_axe(v.page, axe_source, env)
    assert violations == [], show(violations)
    frame.locator("[data-activate]").first.click()
    embed_frame(v.page)
    settle(v.page)
    violations = run_axe(v.page, axe_source, env)
    assert violations == [], show(violations)


@pytest.mark.parametrize("lang", ["ar", "ja"])
def test_embeds_in_other_languages_have_no_axe_violation(
    visit: Any, env: Env, axe_source: str, lang: str
):
    v = visit(viewport={"width": 375, "height": 800})
    v.page.goto(env.embed_page(f"/axe-embed-{lang}", BLUESKY, lang=lang))
    embed_frame(v.page)
    settle(v.page)
    violations = run_axe(v.page, axe_source, env)
    assert violations == [], show(violations)
