"""The admin console in Chromium: every page passes axe-core, in light and dark, and fits.

A real server (werkzeug, in a thread) plays tests/console_scene.py first: real count
lookups against the fake networks (one failing with timeouts, one rate-limited, one with
some errors), shares from many visitors on more pages than a ranking page holds, and a
TTL override. Then each page is opened logged in, at 1280 px (an operator's window: no
horizontal scrolling) and at 375 px (a phone: the page itself does not scroll sideways and
every table stacks row by row), and axe checks it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from admin_support import PASSWORD, PASSWORD_HASH
from browser_support import ServerThread
from console_scene import COUNT_PAGES, drive, settings, shares, stage
from console_scene import PAGES as PAGES_SHARED
from fakes import FakeNetworks

from shareproxy import create_app

pytestmark = pytest.mark.browser

PAGES = {
    "overview": "/admin/",
    "overview-day": "/admin/?span=day",
    "ttl": "/admin/ttl",
    "cache": "/admin/cache?url=" + COUNT_PAGES[0],
    "top": "/admin/top",
    "top-2": "/admin/top?page=2&network=linkedin&npage=2",
    "login": "/admin/login",
}


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp: Path = tmp_path_factory.mktemp("console")
    fake = FakeNetworks()
    stage(fake)
    config: dict[str, Any] = dict(settings(fake.base))
    config["STORE"] = f"sqlite:///{tmp / 'console.db'}"
    config["ADMIN_PASSWORD_HASH"] = PASSWORD_HASH
    app = create_app(config, log_summary=False)
    server = ServerThread(app)
    base = f"http://127.0.0.1:{server.port}"
    try:
        drive(base, fake)
        yield base
    finally:
        server.close()
        fake.close()
        svc = app.extensions["shareproxy"]
        svc.cache.close()
        svc.store.close()


def logged_in(browser: Any, base: str, **options: Any) -> Any:
    context = browser.new_context(**options)
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.goto(f"{base}/admin/login")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/admin/")
    return page


def axe_violations(page: Any, source: str) -> list[dict[str, Any]]:
    page.evaluate(source + "\n;void 0")
    result = page.evaluate(
        """async () => {
          const r = await axe.run(document, {resultTypes: ["violations"]});
          return r.violations.map(v => ({
            id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.map(n => ({target: n.target, summary: n.failureSummary}))
          }));
        }"""
    )
    return list(result)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_console_page_passes_axe_and_fits_1280_px(
    browser: Any, axe_source: str, console: str, scheme: str
) -> None:
    page = logged_in(browser, console, viewport={"width": 1280, "height": 900}, color_scheme=scheme)
    try:
        for name, path in PAGES.items():
            if name == "login":
                page.context.clear_cookies()
            page.goto(console + path)
            assert page.locator("main h1").count() == 1, name
            violations = axe_violations(page, axe_source)
            assert not violations, f"{name}: " + json.dumps(violations, indent=1)[:4000]
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 1280, f"{name} is {width} px wide at 1280 px"
    finally:
        page.context.close()


def test_the_console_on_a_phone_never_scrolls_sideways(
    browser: Any, axe_source: str, console: str
) -> None:
    page = logged_in(browser, console, viewport={"width": 375, "height": 800})
    try:
        for name, path in PAGES.items():
            if name == "login":
                page.context.clear_cookies()
            page.goto(console + path)
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 375, f"{name} is {width} px wide at 375 px"
            violations = axe_violations(page, axe_source)
            assert not violations, f"{name}: " + json.dumps(violations, indent=1)[:4000]
    finally:
        page.context.close()


def test_on_a_phone_every_state_and_figure_is_on_screen(browser: Any, console: str) -> None:
    """At 375 px the networks, the lookup and the rankings stack row by row: no state, figure
    or page address is hidden beyond the right edge of a table that scrolls sideways."""
    page = logged_in(browser, console, viewport={"width": 375, "height": 800})
    try:
        for name in ("overview", "overview-day", "ttl", "cache", "top", "top-2"):
            page.goto(console + PAGES[name])
            cells = page.locator("main table tbody td, main table tbody th")
            assert cells.count() > 10, name
            outside = page.evaluate(
                """() => [...document.querySelectorAll(
                     'main table tbody td, main table tbody th, main .pill, main .chips li')]
                   .filter(e => e.offsetParent !== null)
                   .filter(e => { const r = e.getBoundingClientRect();
                                  return r.width > 0 && (r.left < 0 || r.right > 375.5)
                                    || e.scrollWidth > e.clientWidth + 1; })
                   .map(e => e.textContent.trim().slice(0, 60))"""
            )
            assert not outside, f"{name}: beyond the right edge at 375 px: {outside[:5]}"
    finally:
        page.context.close()


def test_the_scene_fills_more_than_one_page_of_each_ranking(browser: Any, console: str) -> None:
    """The pages above are looked at with rankings that need their pagers."""
    page = logged_in(browser, console, viewport={"width": 1280, "height": 900})
    try:
        page.goto(console + PAGES["top"])
        pagers = page.locator("nav.pager span").all_inner_texts()
        shared = sum(1 for rank in range(PAGES_SHARED) if shares(rank))
        assert pagers[0] == f"1–20 of {shared} · page 1 of 2", pagers
        assert pagers[1].startswith("1–10 of ") and pagers[1].endswith(" of 3"), pagers
        first = page.locator("table.ranking").first.locator("tbody tr").first
        assert first.locator("td").nth(2).inner_text() == str(sum(shares(0).values()))
    finally:
        page.context.close()


def test_the_overview_says_which_networks_fail_and_why(browser: Any, console: str) -> None:
    page = logged_in(browser, console, viewport={"width": 1280, "height": 900})
    try:
        states = {
            row.locator("th").inner_text(): row.locator("td.state").inner_text()
            for row in page.locator("table.networks tbody tr").all()
        }
        # hanging: each call failed, or (by timing) so many in a row that its circuit opened
        timeouts = (
            r"failing: timeout, (\d) of \1 calls? in the last hour"
            r"|circuit open for \d+ s \(not answering\)"
        )
        assert re.fullmatch(timeouts, states["Buffer"]), states["Buffer"]
        assert states["VK"].startswith("circuit open for ")
        assert states["VK"].endswith(" s (rate limited)")
        assert states["Tumblr"] == "some calls fail: http_5xx, 1 of 4 calls in the last hour"
        assert states["Facebook"] == "on"
        assert states["Reddit"] == "off: no SHAREPROXY_REDDIT_CLIENT_ID"
        assert "2 failing (VK, Buffer)" in page.locator(".headline").inner_text()
    finally:
        page.context.close()
