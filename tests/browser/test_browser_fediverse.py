"""The fediverse picker in a real Chromium: the page at /share/fediverse (every theme,
right to left, a 375 px phone, axe-core), the copy page, and the picker inside the
buttons' iframe on a phone (the row keeps its buttons together)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from browser_support import SHARE_HOST, Env, foreign
from fedi_fakes import fediverse_server
from test_browser_axe import THEMES, inject, show
from test_browser_buttons import PAGE, TITLE, settle

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 740}
RECENT = ["mastodon.social", "misskey.io"]


@pytest.fixture
def servers(env: Env) -> Iterator[dict[str, str]]:
    """A Mastodon and a Pleroma server, reached by shareproxy's server through the resolve
    map (the browser meets them, like every other host, at the fake networks)."""
    made = {"mastodon": "toot.example", "pleroma": "pleroma-server.example"}
    fakes = {sw: fediverse_server(sw, host) for sw, host in made.items()}
    guard = env.app.extensions["shareproxy"].fediverse.guard
    for sw, host in made.items():
        guard.resolve_map[host] = fakes[sw].base
    yield made
    for host in made.values():
        guard.resolve_map.pop(host, None)
    for fake in fakes.values():
        fake.close()


def page_url(env: Env, network: str = "fediverse", origin: str = "", **params: str) -> str:
    query = {"url": PAGE, "title": TITLE, **params}
    return f"{origin or env.share_origin}/share/{network}?{urlencode(query)}"


def axe(page: Any, source: str) -> list[dict[str, Any]]:
    inject(page.main_frame, source, [])
    result = page.evaluate(
        """async () => {
          const r = await axe.run(document, {resultTypes: ["violations"]});
          return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.map(n => ({target: n.target, summary: n.failureSummary}))}));
        }"""
    )
    return list(result)


def no_sideways_scroll(page: Any) -> bool:
    return bool(
        page.evaluate(
            "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
        )
    )


def seed_recent(v: Any, env: Env) -> None:
    v.page.goto(f"{env.share_origin}/info")
    v.page.evaluate(
        "r => localStorage.setItem('shareproxy.fediverse.recent', JSON.stringify(r))", RECENT
    )


@pytest.mark.parametrize(("theme", "scheme"), THEMES, ids=[f"{t}-{s}" for t, s in THEMES])
@pytest.mark.parametrize("lang", ["en", "ar"])
def test_the_picker_page_in_every_theme_and_direction(
    visit: Any, env: Env, axe_source: str, theme: str, scheme: str, lang: str
):
    v = visit(color_scheme=scheme, viewport=PHONE)
    seed_recent(v, env)
    v.page.goto(page_url(env, theme=theme, lang=lang))
    settle(v.page)
    assert v.page.evaluate("document.documentElement.dir") == ("rtl" if lang == "ar" else "ltr")
    chips = v.page.locator(".sp-recent li button")
    assert chips.all_inner_texts() == RECENT
    assert v.page.evaluate("document.activeElement.name") == "instance"
    assert no_sideways_scroll(v.page)
    violations = axe(v.page, axe_source)
    assert violations == [], show(violations)
    # A name the page itself refuses: the error is announced, still no violation.
    v.page.locator("input[name=instance]").fill("not a server")
    v.page.locator("input[name=instance]").press("Enter")
    v.page.locator("input[name=instance][aria-invalid=true]").wait_for()
    assert v.page.locator("#sp-err").inner_text()
    violations = axe(v.page, axe_source)
    assert violations == [], show(violations)
    assert foreign(v.log.hosts()) == set()


def test_the_picker_page_sends_only_the_host_and_leaves_for_the_server(
    visit: Any, env: Env, servers: dict[str, str]
):
    host = servers["mastodon"]
    v = visit(viewport=PHONE)
    v.page.goto(page_url(env, lang="de"))
    mark = v.log.mark()
    v.page.locator("input[name=instance]").fill(f"@alice@{host}")
    v.page.locator("input[name=instance]").press("Enter")
    v.page.wait_for_url(f"https://{host}/share*")
    text = parse_qs(urlsplit(v.page.url).query)["text"][0]
    assert text == f"{TITLE} {PAGE}"
    asked = [u for u in v.log.since(mark) if SHARE_HOST in u and "/share/" in u]
    assert asked and all("alice" not in u for u in asked)
    assert env.fake.hosts() == {host}
    v.page.goto(page_url(env))  # back on shareproxy's page, where the list is kept
    recent = v.page.evaluate("localStorage.getItem('shareproxy.fediverse.recent')")
    assert json.loads(recent) == [host]


@pytest.mark.parametrize(("theme", "scheme"), [("color", "light"), ("dark", "dark")])
def test_the_copy_page_copies_the_text(
    visit: Any, env: Env, axe_source: str, servers: dict[str, str], theme: str, scheme: str
):
    host = servers["pleroma"]
    origin = f"http://127.0.0.1:{env.share_port}"  # a secure context: the Clipboard API
    v = visit(color_scheme=scheme, viewport=PHONE)
    v.context.grant_permissions(["clipboard-write"], origin=origin)
    # The page may not read the clipboard (its Permissions-Policy denies clipboard-read):
    # what it hands to the Clipboard API is recorded on the way instead.
    v.page.add_init_script(
        "if (navigator.clipboard) { const write = navigator.clipboard.writeText"
        ".bind(navigator.clipboard); navigator.clipboard.writeText = t =>"
        " { window.clipboardText = t; return write(t); }; }"
    )
    v.page.goto(page_url(env, origin=origin, instance=host, theme=theme, lang="en"))
    settle(v.page)
    assert "Pleroma on " + host in v.page.locator(".sp-note").inner_text()
    assert v.page.locator(f'a[href="https://{host}/"]').count() == 1
    copy = v.page.locator("button.sp-copytext")
    copy.click()
    v.page.wait_for_function("document.querySelector('[data-live]').textContent !== ''")
    assert v.page.evaluate("window.clipboardText") == f"{TITLE} {PAGE}"
    assert v.page.locator("[data-live]").inner_text() == "Text copied"
    assert no_sideways_scroll(v.page)
    violations = axe(v.page, axe_source)
    assert violations == [], show(violations)
    assert env.fake.hosts() == set()  # nothing reached the server from the browser


def row_tops(frame: Any) -> dict[str, float]:
    """Where each button sits in the frame's document (a fixed-height frame may scroll to
    show the picker's field; that moves no button)."""
    return dict(
        frame.evaluate(
            "[...document.querySelectorAll('.sp-buttons > li')]"
            ".map(li => [li.className, li.getBoundingClientRect().top + window.scrollY])"
        )
    )


@pytest.mark.parametrize(("theme", "scheme"), THEMES, ids=[f"{t}-{s}" for t, s in THEMES])
@pytest.mark.parametrize("network", ["mastodon", "fediverse"])
def test_the_iframe_picker_on_a_phone_keeps_the_row_together(
    visit: Any, env: Env, axe_source: str, theme: str, scheme: str, network: str
):
    from test_browser_axe import embed, run_axe

    v = visit(color_scheme=scheme, viewport=PHONE)
    networks = f"facebook,twitter,linkedin,{network},bluesky,whatsapp,mail,info"
    frame = embed(env, v, f"/fedi-phone-{network}-{theme}-{scheme}", scheme,
                  networks=networks, theme=theme, lang="en")  # fmt: skip
    closed = row_tops(frame)
    frame.locator(f'[data-network="{network}"]').click()
    frame.locator("input[name=instance]").wait_for()
    assert row_tops(frame) == closed  # opening the picker moves no button
    mine = closed[f"sp-{network}"]
    assert sum(1 for top in closed.values() if top == mine) >= 2  # not alone on its line
    form_top = frame.evaluate(
        "document.querySelector('form.sp-masto').getBoundingClientRect().top + window.scrollY"
    )
    assert form_top > max(closed.values())  # the picker opens under the whole row
    assert frame.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )
    violations = run_axe(v.page, axe_source, env)
    assert violations == [], show(violations)


def test_the_loader_keeps_recent_servers_where_the_iframe_may_not_store(
    visit: Any, env: Env, servers: dict[str, str]
):
    """Off the record the iframe has no storage: the embedding page keeps the list (the
    loader hands it over in the frame's fragment, never to a server)."""
    from test_browser_buttons import buttons_frame

    host = servers["mastodon"]
    v = visit()
    url = env.loader_page("/loader-fedi", {"networks": "fediverse,mail", "url": PAGE})
    v.page.goto(url)
    frame = buttons_frame(v.page)
    settle(v.page)
    assert frame.evaluate(
        "(() => { try { localStorage.length; return false } catch (e) { return true } })()"
    )  # the frame's own storage is denied here
    frame.locator('[data-network="fediverse"]').click()
    instance = frame.locator("input[name=instance]")
    instance.fill(host)
    with v.context.expect_page() as opened:
        instance.press("Enter")
    opened.value.wait_for_url(f"https://{host}/share*")
    opened.value.close()
    v.page.wait_for_function(
        "h => localStorage.getItem('shareproxy.fediverse.recent') === JSON.stringify([h])",
        arg=host,
    )
    v.page.reload()
    frame = buttons_frame(v.page)
    settle(v.page)
    frame.locator('[data-network="fediverse"]').click()
    assert frame.locator(".sp-chip").all_inner_texts() == [host]
    frame.locator(".sp-forget-all").click()
    v.page.wait_for_function("localStorage.getItem('shareproxy.fediverse.recent') === null")
    assert frame.locator(".sp-chip").count() == 0
    assert v.errors == []
