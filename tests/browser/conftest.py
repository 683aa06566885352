"""Fixtures of the browser tests: one Chromium and one set of servers per session,
a fresh browser context (no storage, own request log) per test.

Without Chromium or Playwright the tests are skipped, unless SHAREPROXY_TEST_BROWSER is
``required`` (as in CI), when they fail instead.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_support import (
    AXE_JS,
    CHROMIUM,
    SHARE_HOST,
    Env,
    FakeNetworks,
    RequestLog,
    ServerThread,
    Site,
    Upstream,
    chromium_args,
    chromium_missing,
    self_signed,
)

from shareproxy import create_app

REQUIRED = os.environ.get("SHAREPROXY_TEST_BROWSER", "").lower() == "required"
CLOSED = "http://127.0.0.1:9"


def unavailable(reason: str) -> None:
    if REQUIRED:
        pytest.fail(f"SHAREPROXY_TEST_BROWSER=required but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    from shareproxy.networks import COUNT_NETWORKS

    tmp: Path = tmp_path_factory.mktemp("browser")
    site = Site()
    site_server = ServerThread(site.wsgi)
    site.port = site_server.port
    fake = FakeNetworks()
    fake_server = ServerThread(fake.wsgi, ssl_context=self_signed(tmp))
    fake.port = fake_server.port
    config: dict[str, Any] = {f"API_BASE_{n.upper()}": CLOSED for n in COUNT_NETWORKS}
    upstream = Upstream()
    upstream_server = ServerThread(upstream.wsgi)
    upstream.port = upstream_server.port
    config["API_BASE_PINTEREST"] = f"http://127.0.0.1:{upstream.port}"
    config["STORE"] = f"sqlite:///{tmp / 'shareproxy.db'}"
    config["ALLOWED_DOMAINS"] = "site.test"
    # the embed providers, as shareproxy's server asks them (never the browser)
    from embed_fakes import FakeProviders

    providers = FakeProviders()
    for name in ("YOUTUBE", "VIMEO", "BLUESKY"):
        config[f"API_BASE_{name}"] = providers.base
    config["FEDIVERSE_RESOLVE"] = providers.resolve_map()
    config["EMBED_DEADLINE"] = 20
    # the server first (its port makes the public URL /snippet's links start with), the
    # app it serves then
    served: dict[str, Any] = {}
    share_server = ServerThread(lambda environ, start: served["app"](environ, start))
    config["PUBLIC_URL"] = f"http://{SHARE_HOST}:{share_server.port}"
    app = served["app"] = create_app(config, log_summary=False)
    try:
        yield Env(share_server.port, site, fake, app, upstream, providers)
    finally:
        share_server.close()
        providers.close()
        upstream_server.close()
        fake_server.close()
        site_server.close()
        svc = app.extensions["shareproxy"]
        svc.cache.close()
        svc.embeds.close()
        svc.store.close()


@pytest.fixture(scope="session")
def playwright(env: Env) -> Iterator[Any]:
    reason = chromium_missing()
    if reason:
        unavailable(reason)
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    try:
        yield pw
    finally:
        pw.stop()


@pytest.fixture(scope="session")
def browser(playwright: Any, env: Env) -> Iterator[Any]:
    chromium = playwright.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=chromium_args(env.fake.port)
    )
    try:
        yield chromium
    finally:
        chromium.close()


VIEWPORT = {"width": 900, "height": 600}


class Visit:
    """One test's browser context with its request log and the page errors it saw.

    ``browser.new_context()`` makes an off-the-record context, which blocks third-party
    cookies and with them third-party storage: there the iframe cannot use localStorage
    (as for visitors who block third-party cookies). ``persistent=True`` launches a normal
    profile instead (a second Chromium, in a fresh folder) whose preferences allow
    third-party cookies, Chrome's default, so the iframe's localStorage works.
    """

    def __init__(
        self, playwright: Any, browser: Any, env: Env, profile: Path | None, **options: Any
    ) -> None:
        self.env = env
        self.log = RequestLog()
        self.errors: list[str] = []
        options.setdefault("viewport", VIEWPORT)
        if profile is None:
            self.context = browser.new_context(**options)
        else:
            (profile / "Default").mkdir(parents=True)
            prefs = {"profile": {"cookie_controls_mode": 0, "block_third_party_cookies": False}}
            (profile / "Default" / "Preferences").write_text(json.dumps(prefs))
            self.context = playwright.chromium.launch_persistent_context(
                str(profile), executable_path=CHROMIUM, headless=True,
                args=chromium_args(env.fake.port), **options,
            )  # fmt: skip
        self.context.set_default_timeout(20_000)  # 2 shared cores can be slow
        self.log.attach(self.context)
        self.context.on("page", self.watch)
        if self.context.pages:  # a persistent context opens with one
            self.page = self.context.pages[0]
            self.watch(self.page)
        else:
            self.page = self.context.new_page()

    def watch(self, page: Any) -> None:
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def visit(playwright: Any, browser: Any, env: Env, tmp_path: Path) -> Iterator[Any]:
    """``visit(persistent=False, **context_options)`` makes a fresh context; all are
    closed afterwards."""
    made: list[Visit] = []

    def make(persistent: bool = False, **options: Any) -> Visit:
        profile = tmp_path / f"profile-{len(made)}" if persistent else None
        v = Visit(playwright, browser, env, profile, **options)
        made.append(v)
        return v

    env.fake.clear()
    yield make
    for v in made:
        v.close()


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE_JS.exists():
        unavailable(f"axe-core is not installed at {AXE_JS} (make tests/browser/node_modules)")
    return AXE_JS.read_text(encoding="utf-8")
