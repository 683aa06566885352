"""axe-core (npm ``axe-core``, pinned in tests/browser/package.json) on the buttons, in
every theme, as a visitor meets them: inside an iframe on a page of another site.

axe goes into the embedding page and into the iframe through Playwright's ``evaluate``
(DevTools), which the iframe's Content-Security-Policy (scripts from 'self' only) does
not govern, so the policy stays on and the buttons render exactly as for a visitor.
axe then runs from the top page with ``iframes: true`` and checks both documents as one
page, as the browser extensions do: page-level rules (one main landmark, content in
landmarks) judge the whole page, where the iframe sits in the site's ``<main>``.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from browser_support import Env
from test_browser_buttons import PAGE, buttons_frame, settle

pytestmark = pytest.mark.browser

NETWORKS = "facebook,twitter,linkedin,pinterest,mastodon,bluesky,whatsapp,mail,copy,print,info"
TWOCLICK = "twitter,facebook,linkedin,pinterest,mastodon,mail,info"
DARK_PAGE = "<style>body{background:#121212;color:#eee}</style>"
# (theme, prefers-color-scheme the browser reports)
THEMES = [
    ("color", "light"),
    ("grey", "light"),
    ("white", "light"),
    ("dark", "dark"),
    ("auto", "light"),
    ("auto", "dark"),
]


def inject(frame: Any, source: str, origins: list[str]) -> None:
    frame.evaluate(source + "\n;void 0")
    # axe talks only to frames of its own origin unless told which others to trust.
    frame.evaluate("o => axe.configure({allowedOrigins: o})", origins)
    assert frame.evaluate("typeof window.axe") == "object"


def run_axe(page: Any, source: str, env: Env) -> list[dict[str, Any]]:
    """Violations of the whole page, frames included (axe is put into every frame)."""
    assert len(page.frames) > 1
    for frame in page.frames:
        inject(frame, source, [env.site.origin, env.share_origin])
    result = page.evaluate(
        """async () => {
          const r = await axe.run(document, {iframes: true, resultTypes: ["violations"]});
          return r.violations.map(v => ({
            id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.map(n => ({target: n.target, html: n.html, summary: n.failureSummary}))
          }));
        }"""
    )
    return list(result)


def show(violations: list[dict[str, Any]]) -> str:
    return json.dumps(violations, indent=1)[:4000]


def embed(env: Env, v: Any, path: str, scheme: str, **params: str) -> Any:
    head = DARK_PAGE if scheme == "dark" else ""
    src = env.buttons_url(url=PAGE, title="Hello & welcome", **params)
    from browser_support import _attr, page_html

    html = page_html(
        f'<iframe src="{_attr(src)}" title="Share this page" '
        'style="border:0;width:100%;height:200px"></iframe>',
        head=head,
    )
    v.page.goto(env.site.put(path, html))
    frame = buttons_frame(v.page)
    settle(v.page)
    return frame


@pytest.mark.parametrize(("theme", "scheme"), THEMES, ids=[f"{t}-{s}" for t, s in THEMES])
def test_share_mode_has_no_axe_violation(
    visit: Any, env: Env, axe_source: str, theme: str, scheme: str
):
    env.seed_count(PAGE, "pinterest", 1234)
    v = visit(color_scheme=scheme)
    frame = embed(env, v, f"/axe-share-{theme}-{scheme}", scheme, networks=NETWORKS, theme=theme)
    assert frame.locator('[data-network="pinterest"] .sp-count').inner_text() == "1.2k"
    # The Mastodon form open, with its error message showing.
    frame.locator('[data-network="mastodon"]').click()
    frame.locator("input[name=instance]").fill("no server")
    frame.locator("input[name=instance]").press("Enter")
    frame.locator("input[name=instance][aria-invalid=true]").wait_for()
    violations = run_axe(v.page, axe_source, env)
    assert violations == [], show(violations)


@pytest.mark.parametrize(("theme", "scheme"), THEMES, ids=[f"{t}-{s}" for t, s in THEMES])
def test_twoclick_mode_has_no_axe_violation(
    visit: Any, env: Env, axe_source: str, theme: str, scheme: str
):
    v = visit(color_scheme=scheme)
    frame = embed(
        env, v, f"/axe-twoclick-{theme}-{scheme}", scheme,
        networks=TWOCLICK, theme=theme, mode="twoclick",
    )  # fmt: skip
    violations = run_axe(v.page, axe_source, env)
    assert violations == [], show(violations)
    # Activated: the widget with "remember" and "undo" beside the other placeholders.
    frame.locator('button[data-network="twitter"][data-twoclick]').click()
    v.page.frame_locator("iframe").locator('[data-fake-widget="twitter"]').wait_for()
    buttons_frame(v.page)
    settle(v.page)
    violations = run_axe(v.page, axe_source, env)
    assert violations == [], show(violations)


@pytest.mark.parametrize("style", ["icon", "icon-count"])
def test_icon_styles_have_no_axe_violation(visit: Any, env: Env, axe_source: str, style: str):
    v = visit()
    embed(env, v, f"/axe-{style}", "light", networks=NETWORKS, style=style, orientation="vertical")
    violations = run_axe(v.page, axe_source, env)
    assert violations == [], show(violations)


@pytest.mark.parametrize("lang", ["de", "ar", "ja"])
def test_other_languages_have_no_axe_violation(visit: Any, env: Env, axe_source: str, lang: str):
    v = visit()
    frame = embed(env, v, f"/axe-lang-{lang}", "light", networks=TWOCLICK, lang=lang)
    assert frame.evaluate("document.documentElement.lang") == lang
    if lang == "ar":
        assert frame.evaluate("document.documentElement.dir") == "rtl"
    violations = run_axe(v.page, axe_source, env)
    assert violations == [], show(violations)


def test_loader_iframe_has_no_axe_violation(visit: Any, env: Env, axe_source: str):
    v = visit()
    v.page.goto(env.loader_page("/axe-loader", {"networks": NETWORKS, "url": PAGE}))
    buttons_frame(v.page)
    settle(v.page)
    violations = run_axe(v.page, axe_source, env)
    assert violations == [], show(violations)


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_label_in_name(visit: Any, env: Env, axe_source: str, lang: str):
    env.seed_count(PAGE, "pinterest", 1234)
    v = visit()
    embed(env, v, f"/axe-label-{lang}", "light", networks="pinterest,twitter,mail,info", lang=lang)
    violations = run_axe(v.page, axe_source, env)
    assert violations == [], show(violations)


def test_axe_finds_a_planted_violation(visit: Any, env: Env, axe_source: str):
    """The check can fail: an unlabelled button added to the iframe is reported."""
    v = visit()
    frame = embed(env, v, "/axe-planted", "light", networks="twitter,mail")
    frame.evaluate(
        "document.querySelector('ul').insertAdjacentHTML('beforeend',"
        ' \'<li><button type="button"><svg aria-hidden="true"></svg></button></li>\')'
    )
    violations = run_axe(v.page, axe_source, env)
    assert "button-name" in {x["id"] for x in violations}, show(violations)
