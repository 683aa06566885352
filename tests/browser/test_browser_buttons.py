"""The buttons in a real Chromium, embedded by a page of another host.

Every request of the browser context (pages, frames, popups) is logged, and the fake
network server logs what reaches it: before a click, only shareproxy and the embedding
site may be asked for anything.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from browser_support import SHARE_HOST, SITE_HOST, Env, Hit, foreign

from shareproxy.urls import normalise

pytestmark = pytest.mark.browser

PAGE = "https://site.test/articles/2026/hello?id=7"
TITLE = "Hello & welcome"
ALL_SHARE = (
    "facebook,twitter,linkedin,xing,reddit,pinterest,whatsapp,telegram,mastodon,bluesky,"
    "threads,tumblr,mail,copy,print,share,info"
)
WIDGETS = "twitter,facebook,linkedin,pinterest"
# network -> (host, path) of its share dialog
DIALOGS = {
    "twitter": ("x.com", "/intent/tweet"),
    "facebook": ("www.facebook.com", "/sharer/sharer.php"),
    "linkedin": ("www.linkedin.com", "/sharing/share-offsite/"),
    "reddit": ("www.reddit.com", "/submit"),
    "bluesky": ("bsky.app", "/intent/compose"),
    "whatsapp": ("wa.me", "/"),
    "telegram": ("t.me", "/share/url"),
}
# network -> host its widget script comes from
WIDGET_HOSTS = {
    "twitter": "platform.x.com",
    "facebook": "connect.facebook.net",
    "linkedin": "platform.linkedin.com",
    "pinterest": "assets.pinterest.com",
}


def settle(page: Any) -> None:
    page.wait_for_load_state("networkidle")


def buttons_frame(page: Any) -> Any:
    """The Frame of the (first) buttons iframe, once it has loaded."""
    handle = page.wait_for_selector("iframe")
    frame = handle.content_frame()
    assert frame is not None
    frame.wait_for_load_state("load")
    frame.wait_for_selector("[data-network]", state="attached")
    return frame


def assert_private(v: Any, env: Env, mark: int = 0) -> None:
    hosts = v.log.hosts(mark)
    assert foreign(hosts) == set(), v.log.since(mark)
    assert SHARE_HOST in hosts or mark
    assert env.fake.hosts() == set()


def leaked_referer(hits: list[Hit]) -> list[Hit]:
    """Requests to a network that told it the embedding page or the iframe (a favicon
    request of the dialog itself names the dialog: that is no leak)."""
    return [
        h for h in hits if h.referer and urlsplit(h.referer).hostname in (SITE_HOST, SHARE_HOST)
    ]


def no_cookies_from_shareproxy(v: Any) -> bool:
    return [c for c in v.context.cookies() if c["domain"].lstrip(".") == SHARE_HOST] == []


def page_url_in(url: str) -> bool:
    """Whether the share dialog's query carries PAGE (as a value or inside the text)."""
    values = [v for vs in parse_qs(urlsplit(url).query).values() for v in vs]
    return any(PAGE in v for v in values)


@pytest.mark.parametrize("mode", ["share", "twoclick"])
def test_nothing_but_shareproxy_and_the_site_before_a_click(visit: Any, env: Env, mode: str):
    v = visit()
    url = env.iframe_page(
        f"/private-{mode}", page_url=PAGE, title=TITLE, networks=ALL_SHARE, mode=mode
    )
    v.page.goto(url)
    frame = buttons_frame(v.page)
    settle(v.page)
    # Keyboard focus and hover are not clicks: they load nothing either.
    for el in frame.locator("[data-network]").all()[:6]:
        el.hover()
        el.focus()
    settle(v.page)
    assert v.log.hosts() == {SITE_HOST, SHARE_HOST}, v.log.since()
    assert env.fake.page_hits() == []
    assert frame.locator("[data-network]").count() >= len(ALL_SHARE.split(",")) - 1


def test_loader_page_loads_nothing_third_party(visit: Any, env: Env):
    v = visit()
    url = env.loader_page("/private-loader", {"networks": ALL_SHARE, "mode": "twoclick"})
    v.page.goto(url)
    buttons_frame(v.page)
    settle(v.page)
    assert v.log.hosts() == {SITE_HOST, SHARE_HOST}, v.log.since()
    assert env.fake.page_hits() == []


@pytest.mark.parametrize("network", sorted(DIALOGS))
def test_click_opens_the_networks_share_dialog(visit: Any, env: Env, network: str):
    v = visit()
    url = env.iframe_page(
        f"/dialog-{network}", page_url=PAGE, title=TITLE, networks=f"{network},facebook,mail"
    )
    v.page.goto(url)
    frame = buttons_frame(v.page)
    settle(v.page)
    assert foreign(v.log.hosts()) == set()
    host, path = DIALOGS[network]
    link = frame.locator(f'a[data-network="{network}"]')
    assert link.get_attribute("target") == "_blank"
    assert set((link.get_attribute("rel") or "").split()) >= {"noopener", "noreferrer"}
    mark = v.log.mark()
    with v.context.expect_page() as opened:
        link.click()
    popup = opened.value
    popup.wait_for_url(f"https://{host}{path}*")
    assert urlsplit(popup.url).hostname == host
    assert urlsplit(popup.url).path == path
    assert page_url_in(popup.url), popup.url
    # Only the chosen network hears of it, without a Referer; the embedding page stays.
    assert foreign(v.log.hosts(mark)) == {host}, v.log.since(mark)
    hits = env.fake.page_hits()
    assert {h.host for h in hits} == {host}
    assert not leaked_referer(hits), hits
    assert v.page.url == url
    assert popup.evaluate("window.opener") is None
    assert no_cookies_from_shareproxy(v)
    assert v.errors == []


@pytest.mark.parametrize("network", sorted(WIDGET_HOSTS))
def test_twoclick_loads_the_widget_only_after_the_first_click_in_place(
    visit: Any, env: Env, network: str
):
    v = visit()
    url = env.iframe_page(
        f"/twoclick-{network}", page_url=PAGE, title=TITLE, networks=f"mail,{WIDGETS}",
        mode="twoclick", height=120,
    )  # fmt: skip
    v.page.goto(url)
    frame = buttons_frame(v.page)
    settle(v.page)
    assert_private(v, env)
    placeholder = frame.locator(f'button[data-network="{network}"][data-twoclick]')
    assert placeholder.count() == 1
    slot = placeholder.evaluate("b => [...b.closest('ul').children].indexOf(b.closest('li'))")
    assert frame.locator("[data-fake-widget]").count() == 0

    mark = v.log.mark()
    placeholder.click()
    widget = v.page.frame_locator("iframe").locator(f'[data-fake-widget="{network}"]')
    widget.wait_for()
    frame = buttons_frame(v.page)
    container = frame.locator(f'[data-network="{network}"][data-activated]')
    assert container.count() == 1
    assert container.locator(f'[data-fake-widget="{network}"]').count() == 1
    # In place: same slot of the same list, no other placeholder changed, page unchanged.
    assert container.evaluate("b => [...b.closest('ul').children].indexOf(b.closest('li'))") == slot
    assert frame.locator("[data-twoclick]").count() == len(WIDGETS.split(",")) - 1
    assert frame.locator(f'[data-twoclick][data-network="{network}"]').count() == 0
    assert v.page.url == url and v.page.locator("iframe").count() == 1
    # The widget's requests started with the click, and only that network's.
    third = foreign(v.log.hosts(mark))
    assert WIDGET_HOSTS[network] in third, v.log.since(mark)
    others = set(WIDGET_HOSTS.values()) - {WIDGET_HOSTS[network]}
    assert not third & others
    assert v.errors == []


def test_remember_choice_persists_and_can_be_undone(visit: Any, env: Env):
    v = visit(persistent=True)
    url = env.iframe_page(
        "/remember", page_url=PAGE, networks="twitter,facebook", mode="twoclick", height=120
    )
    v.page.goto(url)
    frame = buttons_frame(v.page)
    frame.locator('button[data-network="twitter"][data-twoclick]').click()
    v.page.frame_locator("iframe").locator('[data-fake-widget="twitter"]').wait_for()
    frame = buttons_frame(v.page)
    frame.locator('[data-remember="twitter"]').check()
    assert frame.evaluate("localStorage.getItem('shareproxy.twoclick.twitter')") is not None

    # A new visit of the page (same browser): the widget comes at once, no click.
    v.page.reload()
    v.page.frame_locator("iframe").locator('[data-fake-widget="twitter"]').wait_for()
    frame = buttons_frame(v.page)
    assert frame.locator('[data-remember="twitter"]').is_checked()
    assert frame.locator('button[data-network="facebook"][data-twoclick]').count() == 1
    assert "connect.facebook.net" not in v.log.hosts()

    # Undo, from the same place: the placeholder is back and stays back.
    frame.locator('[data-forget="twitter"]').click()
    v.page.frame_locator("iframe").locator(
        'button[data-network="twitter"][data-twoclick]'
    ).wait_for()
    frame = buttons_frame(v.page)
    assert frame.evaluate("localStorage.getItem('shareproxy.twoclick.twitter')") is None
    mark = v.log.mark()
    env.fake.clear()
    v.page.reload()
    frame = buttons_frame(v.page)
    settle(v.page)
    assert frame.locator('button[data-network="twitter"][data-twoclick]').count() == 1
    assert frame.locator("[data-fake-widget]").count() == 0
    assert foreign(v.log.hosts(mark)) == set(), v.log.since(mark)
    assert env.fake.page_hits() == []
    assert no_cookies_from_shareproxy(v)


def test_remembered_choice_belongs_to_the_visitor_not_the_page(visit: Any, env: Env):
    """Another browser profile (another visitor) still gets the placeholder."""
    first = visit(persistent=True)
    url = env.iframe_page("/remember-2", page_url=PAGE, networks="twitter", mode="twoclick")
    first.page.goto(url)
    buttons_frame(first.page).locator('button[data-network="twitter"]').click()
    first.page.frame_locator("iframe").locator('[data-remember="twitter"]').check()
    second = visit()
    second.page.goto(url)
    frame = buttons_frame(second.page)
    settle(second.page)
    assert frame.locator('button[data-network="twitter"][data-twoclick]').count() == 1
    assert foreign(second.log.hosts()) == set()


@pytest.mark.parametrize(
    ("network", "software", "typed", "host"),
    [("mastodon", "mastodon", "https://Masto.Example/@alice", "masto.example"),
     ("fediverse", "misskey", "@alice@key.example", "key.example")],
)  # fmt: skip
def test_the_fediverse_button_asks_for_the_server_and_shares_through_shareproxy(
    visit: Any, env: Env, network: str, software: str, typed: str, host: str
):
    from fedi_fakes import fediverse_server

    server = fediverse_server(software, host)  # its NodeInfo, as shareproxy's server asks
    guard = env.app.extensions["shareproxy"].fediverse.guard
    guard.resolve_map[host] = server.base
    store = env.app.extensions["shareproxy"].store
    shared = f"https://site.test/articles/fediverse-{network}"  # a page no other test shares
    before = store.get_clicks(normalise(shared), [network]).get(network, 0)
    try:
        v = visit(persistent=True)
        url = env.iframe_page(
            f"/fedi-{network}", page_url=shared, title=TITLE, networks=f"{network},mail", height=160
        )
        v.page.goto(url)
        frame = buttons_frame(v.page)
        settle(v.page)
        frame.locator(f'[data-network="{network}"]').click()
        instance = frame.locator("input[name=instance]")
        instance.wait_for()
        assert instance.input_value() == ""
        assert frame.locator(".sp-chip").count() == 0

        # Not a server: an error, no popup, no request anywhere but shareproxy.
        instance.fill("not a server")
        instance.press("Enter")
        assert frame.locator("input[name=instance][aria-invalid=true]").count() == 1
        assert len(v.context.pages) == 1

        mark = v.log.mark()
        instance.fill(typed)
        with v.context.expect_page() as opened:
            instance.press("Enter")
        popup = opened.value
        popup.wait_for_url(f"https://{host}/share*")
        target = urlsplit(popup.url)
        assert (target.hostname, target.path) == (host, "/share")
        assert parse_qs(target.query)["text"][0] == f"{TITLE} {shared}"
        went = [u for u in v.log.since(mark) if f"/share/{network}?" in u]
        assert went and all("alice" not in u for u in went)  # only the host left the browser
        hits = env.fake.page_hits()
        assert {h.host for h in hits} == {host}
        assert not leaked_referer(hits), hits
        assert store.get_clicks(normalise(shared), [network]).get(network, 0) == before + 1
        assert frame.evaluate("localStorage.getItem('shareproxy.fediverse.recent')") == (
            f'["{host}"]'
        )
        assert server.paths() == ["/.well-known/nodeinfo", server.paths()[1]]
        popup.close()

        # Next time the server is offered: one click shares again (counted once a day).
        v.page.reload()
        frame = buttons_frame(v.page)
        frame.locator(f'[data-network="{network}"]').click()
        chip = frame.locator(".sp-chip")
        assert chip.inner_text() == host
        with v.context.expect_page() as opened:
            chip.click()
        opened.value.wait_for_url(f"https://{host}/share*")
        assert store.get_clicks(normalise(shared), [network]).get(network, 0) == before + 1
        assert len(server.seen) == 2  # the software came from the store the second time
    finally:
        guard.resolve_map.pop(host, None)
        server.close()


def test_twoclick_works_where_third_party_storage_is_blocked(visit: Any, env: Env):
    """Off-the-record contexts (like incognito windows) deny the iframe localStorage:
    activating still works, nothing is remembered, and no script error is raised."""
    v = visit()
    url = env.iframe_page("/blocked", page_url=PAGE, networks="twitter,mastodon", mode="twoclick")
    v.page.goto(url)
    frame = buttons_frame(v.page)
    denied = frame.evaluate(
        "(() => { try { localStorage.length; return false } catch (e) { return true } })()"
    )
    if not denied:
        pytest.skip("this Chromium lets the third-party iframe use localStorage here")
    frame.locator('button[data-network="twitter"][data-twoclick]').click()
    v.page.frame_locator("iframe").locator('[data-fake-widget="twitter"]').wait_for()
    remember = v.page.frame_locator("iframe").locator('[data-remember="twitter"]')
    if remember.is_visible():
        remember.check()
    v.page.reload()
    frame = buttons_frame(v.page)
    settle(v.page)
    assert frame.locator('button[data-network="twitter"][data-twoclick]').count() == 1
    assert v.errors == []


def test_loader_remembers_where_the_iframe_may_not_store(visit: Any, env: Env):
    """With the loader, a browser that denies the iframe storage still remembers the
    choice (in the embedding page's storage); undo forgets it there too."""
    v = visit()  # off the record: third-party storage is denied
    url = env.loader_page(
        "/loader-remember", {"networks": "twitter,facebook", "mode": "twoclick", "url": PAGE}
    )
    v.page.goto(url)
    frame = buttons_frame(v.page)
    settle(v.page)
    assert foreign(v.log.hosts()) == set()
    frame.locator('button[data-network="twitter"][data-twoclick]').click()
    widgets = v.page.frame_locator("iframe")
    widgets.locator('[data-fake-widget="twitter"]').wait_for()
    widgets.locator('[data-remember="twitter"]').check()
    v.page.wait_for_function("localStorage.getItem('shareproxy.twoclick.twitter') !== null")

    v.page.reload()
    widgets.locator('[data-fake-widget="twitter"]').wait_for()
    assert widgets.locator('button[data-network="facebook"][data-twoclick]').count() == 1
    widgets.locator('[data-forget="twitter"]').click()
    widgets.locator('button[data-network="twitter"][data-twoclick]').wait_for()
    v.page.wait_for_function("localStorage.getItem('shareproxy.twoclick.twitter') === null")

    mark = v.log.mark()
    v.page.reload()
    frame = buttons_frame(v.page)
    settle(v.page)
    assert frame.locator('button[data-network="twitter"][data-twoclick]').count() == 1
    assert foreign(v.log.hosts(mark)) == set(), v.log.since(mark)
    assert v.errors == []


def test_share_dialog_opens_as_a_small_popup(visit: Any, env: Env):
    v = visit(viewport=None, no_viewport=True)  # let window.open's size features count
    url = env.iframe_page("/popup-size", page_url=PAGE, networks="facebook")
    v.page.goto(url)
    frame = buttons_frame(v.page)
    with v.context.expect_page() as opened:
        frame.locator('a[data-network="facebook"]').click()
    popup = opened.value
    popup.wait_for_url("https://www.facebook.com/sharer/sharer.php*")
    width, height = popup.evaluate("[innerWidth, innerHeight]")
    assert 500 <= width <= 700 and 380 <= height <= 540, (width, height)


def test_counts_come_from_shareproxy_not_from_the_network(visit: Any, env: Env):
    assert env.upstream is not None
    page = "https://site.test/counted"
    env.upstream.counts[page] = 4321
    v = visit()
    url = env.iframe_page("/counted", page_url=page, networks="pinterest,twitter")
    v.page.goto(url)
    frame = buttons_frame(v.page)
    count = frame.locator('[data-network="pinterest"] .sp-count')
    count.wait_for()  # nothing cached yet: the iframe asked /api/counts
    assert count.inner_text() == "4.3k"
    assert any(urlsplit(u).path == "/api/counts" for u in v.log.since())
    assert env.upstream.asked.count(page) == 1
    settle(v.page)
    assert foreign(v.log.hosts()) == set(), v.log.since()

    # The next visitor gets the count in the page itself, from the cache.
    w = visit()
    w.page.goto(url)
    frame = buttons_frame(w.page)
    settle(w.page)
    assert frame.locator('[data-network="pinterest"] .sp-count').inner_text() == "4.3k"
    assert not any(urlsplit(u).path == "/api/counts" for u in w.log.since())
    assert env.upstream.asked.count(page) == 1


def focused(frame: Any) -> str:
    return str(frame.evaluate("document.activeElement.getAttribute('data-network') || ''"))


def test_keyboard_alone_shares_with_a_visible_focus(visit: Any, env: Env):
    v = visit()
    url = env.iframe_page("/keyboard", page_url=PAGE, networks="twitter,mastodon,mail", height=160)
    v.page.goto(url)
    frame = buttons_frame(v.page)
    settle(v.page)
    for _ in range(3):  # from the top page into the iframe's first button
        v.page.keyboard.press("Tab")
        if focused(frame) == "twitter":
            break
    assert focused(frame) == "twitter"
    outline = frame.evaluate(
        "(() => { const s = getComputedStyle(document.activeElement);"
        " return [s.outlineStyle, parseFloat(s.outlineWidth)] })()"
    )
    assert outline[0] != "none" and outline[1] >= 2, outline
    with v.context.expect_page() as opened:
        v.page.keyboard.press("Enter")
    opened.value.wait_for_url("https://x.com/intent/tweet*")
    v.page.bring_to_front()

    v.page.keyboard.press("Tab")
    assert focused(frame) == "mastodon"
    v.page.keyboard.press("Enter")
    instance = frame.locator("input[name=instance]")
    instance.wait_for()
    assert frame.locator('[data-network="mastodon"]').get_attribute("aria-expanded") == "true"
    assert frame.evaluate("document.activeElement.name") == "instance"
    v.page.keyboard.press("Escape")
    instance.wait_for(state="hidden")
    assert frame.locator('[data-network="mastodon"]').get_attribute("aria-expanded") == "false"


def iframe_height(page: Any) -> float:
    return float(page.locator("iframe").evaluate("f => f.getBoundingClientRect().height"))


def content_height(frame: Any) -> float:
    return float(frame.evaluate("document.documentElement.scrollHeight"))


@pytest.mark.parametrize("source", ["data-url", "canonical", "og:url", "location"])
def test_loader_builds_the_iframe_with_the_page_url(visit: Any, env: Env, source: str):
    v = visit()
    path = f"/loader-{source.replace(':', '-')}"
    div = {"networks": "twitter,facebook"}
    head = ""
    expected = env.site.origin + path
    if source == "data-url":
        div["url"] = expected = "https://site.test/from-data-url"
        head = '<link rel="canonical" href="https://site.test/not-this">'
    elif source == "canonical":
        expected = "https://site.test/canonical"
        head = f'<link rel="canonical" href="{expected}">'
        head += '<meta property="og:url" content="https://site.test/not-this">'
    elif source == "og:url":
        expected = "https://site.test/og"
        head = f'<meta property="og:url" content="{expected}">'
    v.page.goto(env.loader_page(path, div, head=head))
    frame = buttons_frame(v.page)
    query = parse_qs(urlsplit(frame.url).query)
    assert query["url"] == [expected]
    assert query["networks"] == ["twitter,facebook"]
    assert query["origin"] == [env.site.origin]
    assert v.page.locator("iframe").get_attribute("title")


def test_loader_resizes_the_iframe_to_its_content(visit: Any, env: Env):
    v = visit()
    url = env.loader_page(
        "/loader-resize",
        {"networks": "facebook,twitter,linkedin,mastodon,bluesky,reddit,mail",
         "orientation": "vertical", "url": PAGE},
    )  # fmt: skip
    v.page.goto(url)
    frame = buttons_frame(v.page)
    settle(v.page)
    tall = content_height(frame)
    assert tall > 150  # seven buttons one below the other
    v.page.wait_for_function(
        "h => Math.abs(document.querySelector('iframe').getBoundingClientRect().height - h) < 2",
        arg=tall,
    )
    # Opening the Mastodon form makes the content taller: the iframe follows.
    frame.locator('[data-network="mastodon"]').click()
    frame.locator("input[name=instance]").wait_for()
    taller = content_height(frame)
    assert taller > tall
    v.page.wait_for_function(
        "h => Math.abs(document.querySelector('iframe').getBoundingClientRect().height - h) < 2",
        arg=taller,
    )
    # A message from anyone but the iframe (here the page itself) changes nothing.
    v.page.evaluate("window.postMessage({type: 'shareproxy:resize', height: 999}, '*')")
    v.page.wait_for_timeout(200)
    assert abs(iframe_height(v.page) - taller) < 2
    assert foreign(v.log.hosts()) == set()


def test_the_request_log_sees_third_party_requests(visit: Any, env: Env):
    """The privacy checks can fail: a page that loads a network's pixel is caught twice,
    by the browser's request log and by the fake network server."""
    v = visit()
    v.page.goto(env.site.put("/tracker", '<img src="https://x.com/pixel.gif" alt="">'))
    settle(v.page)
    assert foreign(v.log.hosts()) == {"x.com"}
    assert env.fake.hosts() == {"x.com"}
