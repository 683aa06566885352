"""The same numbers everywhere: after real clicks through /share/<network> in the iframe,
the buttons show exactly what /api/counts answers for the page, click counts included
(SHAREPROXY_CLICK_COUNTS=fill and add), whether a count was rendered by the server or
fetched by the frame."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from browser_support import SHARE_HOST, Env, ServerThread, _attr

from shareproxy import create_app
from shareproxy.i18n import format_count

pytestmark = pytest.mark.browser

PAGE = "https://site.test/articles/counted"
NETWORKS = "twitter,pinterest,bluesky,reddit,mastodon,mail"
CLICKED = ("twitter", "pinterest", "bluesky")


@pytest.fixture(scope="module")
def servers(env: Env, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """One shareproxy per click-count mode, reached as share.test on its own port."""
    from shareproxy.networks import COUNT_NETWORKS

    made: dict[str, Any] = {}
    for mode in ("fill", "add"):
        tmp: Path = tmp_path_factory.mktemp(f"counts-{mode}")
        config: dict[str, Any] = {
            f"API_BASE_{n.upper()}": "http://127.0.0.1:9" for n in COUNT_NETWORKS
        }
        assert env.upstream is not None
        config["API_BASE_PINTEREST"] = f"http://127.0.0.1:{env.upstream.port}"
        config.update(STORE=f"sqlite:///{tmp / 'db.sqlite'}", ALLOWED_DOMAINS="site.test")
        config["CLICK_COUNTS"] = mode
        app = create_app(config, log_summary=False)
        made[mode] = (app, ServerThread(app))
    try:
        yield {mode: server.port for mode, (_, server) in made.items()}
    finally:
        for app, server in made.values():
            server.close()
            svc = app.extensions["shareproxy"]
            svc.cache.close()
            svc.embeds.close()
            svc.store.close()


def page_with_buttons(env: Env, port: int, path: str) -> str:
    query = urlencode({"url": PAGE, "networks": NETWORKS, "origin": env.site.origin})
    src = f"http://{SHARE_HOST}:{port}/buttons?{query}"
    return env.site.put(
        path,
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>A</title></head>'
        f'<body><h1>A</h1><iframe src="{_attr(src)}" title="Share" '
        'style="border:0;width:100%;height:120px"></iframe></body></html>',
    )


def shown(frame: Any) -> dict[str, str]:
    return dict(
        frame.eval_on_selector_all(
            "[data-network] .sp-count",
            "els => els.map(e => [e.closest('[data-network]').dataset.network, e.textContent])",
        )
    )


def api_counts(port: int) -> dict[str, int]:
    url = f"http://127.0.0.1:{port}/api/counts?{urlencode({'url': PAGE})}"
    with urllib.request.urlopen(url, timeout=20) as resp:  # noqa: S310 - a local test server
        found = json.loads(resp.read())
    assert isinstance(found, dict)
    return found


@pytest.mark.parametrize("mode, pinterest", [("fill", "40"), ("add", "41")])
def test_buttons_show_the_numbers_the_api_answers(
    visit: Any, env: Env, servers: dict[str, int], mode: str, pinterest: str
):
    assert env.upstream is not None
    env.upstream.counts[PAGE] = 40
    port = servers[mode]
    url = page_with_buttons(env, port, f"/counted-{mode}")
    v = visit()
    v.page.goto(url)
    frame = v.page.frame_locator("iframe")
    for network in CLICKED:
        with v.context.expect_page() as popup:
            frame.locator(f'[data-network="{network}"]').click()
        popup.value.wait_for_load_state()
        assert popup.value.url.startswith("https://")  # the network's dialog, via /share
        popup.value.close()
    # a visitor who comes later: a fresh browser, the counts now in the cache
    later = visit()
    later.page.goto(url)
    handle = later.page.wait_for_selector("iframe")
    inner = handle.content_frame()
    inner.wait_for_selector('[data-network="pinterest"] .sp-count')
    later.page.wait_for_load_state("networkidle")
    numbers = shown(inner)
    answer = api_counts(port)
    assert numbers == {n: format_count(c) for n, c in answer.items() if n in NETWORKS}
    assert numbers == {"twitter": "1", "pinterest": pinterest, "bluesky": "1"}
    assert later.errors == [] and v.errors == []
