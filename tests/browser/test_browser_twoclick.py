"""Two-click mode as a visitor meets it, inside an iframe on a page of another site.

Before the first click a placeholder is visibly not a share button (an outlined dummy
with its switch off) and a visible line, in the visitor's language, says what the first
click does. After it, the network's share link (the one share mode uses) stands in the
same place until the network's own button shows, and stays if it never does: a content
blocker (the script's request fails), a network that answers nothing useful (the script
renders nothing). "Remember for this site" and "Undo" are styled controls a keyboard
works. axe-core checks every theme before and after activation, rendered or not.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from browser_support import Env, _attr, page_html
from test_browser_axe import run_axe, show
from test_browser_buttons import PAGE, buttons_frame, settle

from shareproxy import i18n

pytestmark = pytest.mark.browser

TITLE = "Hello & welcome"
ROW = "facebook,twitter,linkedin,pinterest,mail,info"
NOTE = (
    "Two clicks for more privacy: the first click loads the network's own button, and only "
    "then does the network receive any data."
)
FAILED = "The %(network)s button did not load. This link shares without it."
THEMES = [("color", "light"), ("grey", "light"), ("white", "light"), ("dark", "dark")]
THEMES_AUTO = [*THEMES, ("auto", "light"), ("auto", "dark")]
SCRIPT = "https://platform.x.com/**"  # X's widget script


def embed(env: Env, v: Any, path: str, *, width: str = "100%", **params: str) -> Any:
    """A page of the site with the buttons' iframe (sized by the loader's rule of thumb:
    tall enough for wrapped rows and the note); returns the iframe's frame."""
    params.setdefault("networks", ROW)
    params.setdefault("mode", "twoclick")
    src = env.buttons_url(url=PAGE, title=TITLE, **params)
    head = "<style>body{background:#121212;color:#eee}</style>" if "dark" in path else ""
    html = page_html(
        f'<iframe src="{_attr(src)}" title="Share this page" '
        f'style="border:0;width:{width};height:260px"></iframe>',
        head=head,
    )
    v.page.goto(env.site.put(path, html))
    frame = buttons_frame(v.page)
    settle(v.page)
    return frame


def style_of(locator: Any, *props: str) -> list[str]:
    return list(locator.evaluate("(el, ps) => ps.map(p => getComputedStyle(el)[p])", list(props)))


def activate(v: Any, network: str = "twitter") -> Any:
    frame = buttons_frame(v.page)
    frame.locator(f'button[data-network="{network}"][data-twoclick]').click()
    frame = buttons_frame(v.page)
    frame.locator(f'.sp-widget[data-network="{network}"]').wait_for()
    return frame


def block(v: Any, how: str) -> None:
    """X's widget script: refused (a content blocker, no network) or answered with a
    script that renders nothing (the widget never shows)."""
    if how == "refused":
        v.context.route(SCRIPT, lambda route: route.abort("connectionrefused"))
    else:
        v.context.route(
            SCRIPT,
            lambda route: route.fulfill(body="/* nothing */", content_type="text/javascript"),
        )


@pytest.mark.parametrize(("theme", "scheme"), THEMES, ids=[t for t, _ in THEMES])
def test_a_placeholder_looks_unlike_a_share_button_and_says_why(
    visit: Any, env: Env, theme: str, scheme: str
) -> None:
    v = visit(color_scheme=scheme)
    frame = embed(env, v, f"/tc-look-{theme}", theme=theme)
    placeholder = frame.locator('button[data-network="twitter"][data-twoclick]')
    share = frame.locator('a[data-network="mail"]')
    # an outlined dummy (dashed, another background) with a visible switch, unlike the
    # share buttons beside it
    p_style = style_of(placeholder, "borderTopStyle", "backgroundColor", "color")
    s_style = style_of(share, "borderTopStyle", "backgroundColor", "color")
    assert p_style[0] == "dashed" and s_style[0] == "solid", (p_style, s_style)
    assert p_style[1] != s_style[1], (p_style, s_style)
    switch = placeholder.locator(".sp-switch")
    assert switch.is_visible()
    box = switch.bounding_box()
    assert box and box["width"] >= 20 and box["height"] >= 12
    # the visible line under the row, not a tooltip
    note = frame.locator(".sp-note")
    assert note.is_visible() and NOTE in note.inner_text()
    assert frame.locator(".sp-note").bounding_box()["height"] >= 12  # type: ignore[index]


@pytest.mark.parametrize("lang", ["de", "ar", "ja"])
def test_the_explanation_is_in_the_visitors_language(visit: Any, env: Env, lang: str) -> None:
    v = visit()
    frame = embed(env, v, f"/tc-lang-{lang}", lang=lang)
    _ = i18n.translator(lang).gettext
    text = frame.locator(".sp-note").inner_text()
    assert _(NOTE) != NOTE and _(NOTE) in text
    if lang == "ar":
        assert frame.evaluate("document.documentElement.dir") == "rtl"
        # the switch's knob starts on the right in a right-to-left row
        knob = frame.locator('[data-twoclick][data-network="twitter"] .sp-switch').evaluate(
            "s => { const r = s.getBoundingClientRect(), k = getComputedStyle(s, '::after');"
            " return [r.width, parseFloat(k.right), parseFloat(k.left)] }"
        )
        assert knob[1] < knob[2], knob
    frame = activate(v, "twitter")
    assert _("Remember for this site") in frame.locator(".sp-remember").inner_text()
    assert _("Undo") in frame.locator(".sp-forget").inner_text()


@pytest.mark.parametrize("how", ["refused", "renders nothing"])
def test_a_widget_that_does_not_show_leaves_a_working_share_link_in_place(
    visit: Any, env: Env, how: str
) -> None:
    v = visit()
    block(v, how)
    share_mode = visit()  # the same row in share mode: the link a visitor would get there
    share_frame = embed(env, share_mode, "/tc-share-mode", mode="share")
    share_href = share_frame.locator('a[data-network="twitter"]').get_attribute("href")

    frame = embed(env, v, f"/tc-fail-{how.replace(' ', '-')}")
    before = frame.locator("li.sp-twitter").bounding_box()
    height = frame.locator('a[data-network="mail"]').bounding_box()["height"]  # type: ignore[index]
    frame = activate(v)
    slot = frame.locator('.sp-widget[data-network="twitter"]')
    fallback = slot.locator("a.sp-fallback")
    # while the widget loads, the share link is there already
    assert fallback.is_visible()
    slot.locator(".sp-official").wait_for(state="attached")
    frame.wait_for_selector('.sp-widget[data-state="failed"]', timeout=15_000)
    # the same place, the same size as the other buttons, the same target as share mode
    after = frame.locator("li.sp-twitter").bounding_box()
    assert (
        before and after and abs(after["x"] - before["x"]) < 1 and abs(after["y"] - before["y"]) < 1
    )
    box = fallback.bounding_box()
    assert box and abs(box["height"] - height) < 1 and abs(box["x"] - before["x"]) < 1
    assert fallback.get_attribute("href") == share_href
    assert urlsplit(str(share_href)).path == "/share/twitter"
    # the row says why, visibly and to screen readers
    message = FAILED % {"network": "X"}
    assert message in frame.locator(".sp-note").inner_text()
    assert frame.locator("[data-live]").inner_text() == message
    assert frame.locator(".sp-official").evaluate("e => getComputedStyle(e).opacity") == "0"
    # no bare checkbox, no unstyled box: the controls carry the theme's styles
    remember = slot.locator("[data-remember]")
    assert style_of(remember, "appearance")[0] == "none"
    assert style_of(slot.locator(".sp-tools"), "borderTopStyle")[0] == "solid"
    assert style_of(slot.locator(".sp-forget"), "borderTopStyle")[0] == "solid"
    # and the link shares: the network's dialog opens with the page
    with v.context.expect_page() as opened:
        fallback.click()
    popup = opened.value
    popup.wait_for_url("https://x.com/intent/tweet*")
    assert PAGE in parse_qs(urlsplit(popup.url).query)["url"]
    assert v.errors == []


def test_a_widget_that_shows_takes_the_links_place(visit: Any, env: Env) -> None:
    v = visit()
    frame = embed(env, v, "/tc-ready")
    frame = activate(v)
    widget = frame.locator('[data-fake-widget="twitter"]')
    widget.wait_for()
    frame.wait_for_selector('.sp-widget[data-state="ready"]')
    assert frame.locator(".sp-fallback").is_hidden()
    assert widget.is_visible()
    assert FAILED % {"network": "X"} not in frame.locator(".sp-note").inner_text()
    assert v.errors == []


def test_remember_and_undo_work_from_the_keyboard(visit: Any, env: Env) -> None:
    v = visit(persistent=True)
    frame = embed(env, v, "/tc-keyboard")
    frame.locator('button[data-network="twitter"][data-twoclick]').focus()
    v.page.keyboard.press("Enter")
    frame = buttons_frame(v.page)
    frame.wait_for_selector('.sp-widget[data-state="ready"]')
    remember = frame.locator('[data-remember="twitter"]')
    remember.focus()
    outline = style_of(remember, "outlineStyle", "outlineWidth")
    assert outline[0] != "none" and float(outline[1].rstrip("px")) >= 2, outline
    v.page.keyboard.press("Space")
    assert remember.is_checked()
    assert frame.evaluate("localStorage.getItem('shareproxy.twoclick.twitter')") == "1"
    v.page.keyboard.press("Tab")
    assert frame.evaluate("document.activeElement.dataset.forget") == "twitter"
    v.page.keyboard.press("Enter")
    frame = buttons_frame(v.page)
    frame.locator('button[data-network="twitter"][data-twoclick]').wait_for()
    assert frame.evaluate("localStorage.getItem('shareproxy.twoclick.twitter')") is None


@pytest.mark.parametrize("orientation", ["horizontal", "vertical"])
def test_on_a_phone_nothing_overflows(visit: Any, env: Env, orientation: str) -> None:
    v = visit(viewport={"width": 375, "height": 700})
    block(v, "refused")
    frame = embed(env, v, f"/tc-phone-{orientation}", lang="de", orientation=orientation)
    frame = activate(v)
    frame.wait_for_selector('.sp-widget[data-state="failed"]', timeout=15_000)
    wide = frame.evaluate("[document.documentElement.scrollWidth, innerWidth]")
    assert wide[0] <= wide[1], wide
    for el in frame.locator("li > *, .sp-tools, .sp-note").all():
        box = el.bounding_box()
        assert box is None or box["x"] + box["width"] <= 375, el.evaluate("e => e.outerHTML")


def test_vertical_buttons_have_equal_widths(visit: Any, env: Env) -> None:
    env.seed_count(PAGE, "pinterest", 1234)
    v = visit()
    frame = embed(
        env, v, "/tc-vertical", mode="share", orientation="vertical",
        networks="facebook,twitter,pinterest,mastodon,mail,copy,info",
    )  # fmt: skip
    widths = frame.evaluate(
        "[...document.querySelectorAll('li:not([hidden]) > :is(a, button)')]"
        ".map(e => e.getBoundingClientRect().width)"
    )
    assert len(widths) >= 6 and max(widths) - min(widths) < 1, widths
    frame = embed(env, v, "/tc-vertical-2", orientation="vertical")
    frame = activate(v, "facebook")
    widths = frame.evaluate(
        "[...document.querySelectorAll('li > :is(a, button, .sp-widget)')]"
        ".map(e => e.getBoundingClientRect().width)"
    )
    assert max(widths) - min(widths) < 1, widths


@pytest.mark.parametrize(("theme", "scheme"), THEMES_AUTO, ids=[f"{t}-{s}" for t, s in THEMES_AUTO])
def test_axe_before_and_after_activation_rendered_or_not(
    visit: Any, env: Env, axe_source: str, theme: str, scheme: str
) -> None:
    v = visit(color_scheme=scheme)
    v.context.route(
        "https://connect.facebook.net/**", lambda route: route.abort("connectionrefused")
    )
    frame = embed(env, v, f"/tc-axe-{theme}-{scheme}", theme=theme)
    violations = run_axe(v.page, axe_source, env)
    assert violations == [], show(violations)
    frame = activate(v, "twitter")  # rendered
    frame.wait_for_selector('.sp-widget[data-state="ready"]')
    frame.locator('button[data-network="facebook"][data-twoclick]').click()  # blocked
    frame = buttons_frame(v.page)
    frame.wait_for_selector('.sp-widget[data-network="facebook"][data-state="failed"]')
    frame.locator('[data-remember="twitter"]').check()
    violations = run_axe(v.page, axe_source, env)
    assert violations == [], show(violations)


def test_axe_right_to_left_after_a_failed_activation(visit: Any, env: Env, axe_source: str) -> None:
    v = visit()
    block(v, "refused")
    embed(env, v, "/tc-axe-ar", lang="ar", style="icon-count")
    frame = activate(v)
    frame.wait_for_selector('.sp-widget[data-state="failed"]', timeout=15_000)
    violations = run_axe(v.page, axe_source, env)
    assert violations == [], show(violations)
