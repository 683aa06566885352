"""Bytes on the wire: the iframe for seven networks, with every request it makes, as
Chromium counts them (DevTools' "transferred": headers and encoded body), straight from
gunicorn under the shipped configuration and through the shipped nginx site (TLS, HTTP/2).

The iframe is embedded by a page of another site, as on a real page; its page, stylesheet,
script and the counts it asks for are summed. Each visit is a fresh browser context (an
empty cache) and a page whose counts are not cached yet, so the counts request is made.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
from browser_support import Env
from deploy_support import Nginx, free_port, nginx_binary, nginx_prefix
from fakes import CREDENTIALS, FakeNetworks
from live_support import Gunicorn

pytestmark = pytest.mark.browser

BUDGET = 8 * 1024
SEVEN = ["facebook", "twitter", "linkedin", "mastodon", "bluesky", "mail", "info"]  # the default


@pytest.fixture(scope="module")
def served(env: Env) -> Iterator[dict[str, str]]:
    """shareproxy under gunicorn (the shipped configuration) and nginx in front of it."""
    from shareproxy.networks import COUNT_NETWORKS

    if nginx_binary() is None:
        pytest.fail("nginx is not installed (apt-get install nginx)", pytrace=False)
    fake = FakeNetworks()
    config = {f"SHAREPROXY_API_BASE_{n.upper()}": fake.base for n in COUNT_NETWORKS}
    config.update({f"SHAREPROXY_{k}": v for k, v in CREDENTIALS.items()})
    config.update({
        "SHAREPROXY_STORE": f"sqlite:///{tempfile.mkdtemp(prefix='shareproxy-weight-')}/w.db",
        "SHAREPROXY_ALLOWED_DOMAINS": "site.test",
        "SHAREPROXY_TRUSTED_PROXIES": "1",
        "SHAREPROXY_LOG_LEVEL": "warning",
    })  # fmt: skip
    app = Gunicorn(config, workers=1, threads=4)
    prefix = Path(tempfile.mkdtemp(prefix="shareproxy-weight-nginx-"))
    https = free_port()
    upstream = f"127.0.0.1:{app.port}"
    nginx = Nginx(nginx_prefix(prefix, [upstream, upstream], free_port(), https), https)
    try:
        yield {"gunicorn": app.base, "nginx": f"https://127.0.0.1:{https}"}
    finally:
        nginx.stop()
        app.stop()
        fake.close()


def transferred(v: Any, env: Env, base: str, page: str) -> dict[str, tuple[int, str]]:
    """Load a page of the embedding site holding the iframe; per request of the iframe:
    (bytes transferred, Content-Encoding)."""
    src = f"{base}/buttons?url={quote(page, safe='')}&title=Why%20share%20buttons"
    finished: list[Any] = []
    v.context.on("requestfinished", lambda request: finished.append(request))
    with v.page.expect_response(lambda r: "/api/counts?" in r.url) as counts:
        v.page.goto(env.site.put("/weight.html", f'<iframe src="{src}" title="Share"></iframe>'))
    assert counts.value.ok
    v.page.wait_for_load_state("networkidle")
    seen: dict[str, tuple[int, str]] = {}
    for request in finished:
        if not request.url.startswith(base):
            continue
        sizes = request.sizes()
        encoding = request.response().headers.get("content-encoding", "-")
        total = sizes["responseHeadersSize"] + sizes["responseBodySize"]
        seen[urlsplit(request.url).path] = (total, encoding)
    return seen


@pytest.mark.parametrize("accept", ["br", "gzip"])
@pytest.mark.parametrize("through", ["gunicorn", "nginx"])
def test_the_iframe_for_seven_networks_transfers_at_most_8_kb(
    visit: Any, env: Env, served: dict[str, str], through: str, accept: str
) -> None:
    """Chromium asks for brotli; ``gzip`` stands for a client that accepts gzip alone (an
    older one, or Chromium over plain HTTP to another host than localhost)."""
    v = visit() if accept == "br" else visit(extra_http_headers={"Accept-Encoding": "gzip"})
    page = f"https://site.test/2026/11/weight-{through}-{accept}-{os.getpid()}"
    seen = transferred(v, env, served[through], page)
    kinds = {path.rsplit("/", 1)[-1] for path in seen}
    assert {"buttons", "buttons.css", "buttons.js", "counts"} <= kinds, seen
    for path, (_, encoding) in seen.items():
        if not path.endswith("counts"):  # the counts are too small to be worth it
            assert encoding == accept, (path, seen)
    total = sum(size for size, _ in seen.values())
    assert total <= BUDGET, f"{total} bytes through {through} ({accept}): {seen}"
