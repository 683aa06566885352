"""A day in the life of a server, for looking at the admin console: real traffic only.

Used by the console's browser tests and by scripts/screenshots.py. :func:`settings` points
the count APIs at :class:`fakes.FakeNetworks` and :func:`stage` tells the fakes how to
behave; :func:`drive` then sends real requests to a running shareproxy:

- counts of a few pages: Facebook and Pinterest answer, Hacker News too, Buffer hangs past
  the timeout (failing: timeout; by timing, its circuit opens for not answering), VK
  answers 429 (its circuit opens for 120 s),
  Tumblr fails once with a 500 and then answers (some calls fail);
- shares through ``/share/<network>`` from many visitors (each from a network of its own) on
  ``PAGES`` pages, so the rankings have more than one page of rows;
- a TTL override (Pinterest: 30 min) through the JSON admin API.

Reddit and Bluesky have no credentials, so they are off.
"""

from __future__ import annotations

import http.client
import json
import time
from typing import Any
from urllib.parse import urlencode, urlsplit

from fakes import CREDENTIALS, FakeNetworks

SITE = "https://example.org"
COUNTED = "facebook,pinterest,vk,buffer,tumblr,hackernews"
COUNT_PAGES = [f"{SITE}/blog/{slug}" for slug in ("privacy", "release-2", "benchmarks", "faq")]
PAGES = 27  # pages shared through shareproxy (the rankings show 20 per page)
# not Mastodon: its share link first asks the visitor's server, which is not here
SHARED_ON = ("twitter", "linkedin", "whatsapp", "facebook", "telegram", "reddit", "bluesky")
TOKEN = "console-scene-token-0123456789abcdef"


def settings(fake_base: str) -> dict[str, str]:
    """Settings (without the SHAREPROXY_ prefix) of a server playing the scene."""
    out = {
        "ALLOWED_DOMAINS": "example.org,localhost,127.0.0.1",
        "UPSTREAM_TIMEOUT": "1",
        "REQUEST_DEADLINE": "0.3",
        "ADMIN_TOKEN": TOKEN,
        "TRUSTED_PROXIES": "1",  # X-Forwarded-For: each visitor from a network of its own
        "FACEBOOK_APP_ID": CREDENTIALS["FACEBOOK_APP_ID"],
        "FACEBOOK_APP_SECRET": CREDENTIALS["FACEBOOK_APP_SECRET"],
    }
    for network in (
        "facebook", "xing", "reddit", "pinterest", "bluesky", "tumblr", "vk",
        "odnoklassniki", "buffer", "hackernews", "lobsters", "line",
    ):  # fmt: skip
        out[f"API_BASE_{network.upper()}"] = fake_base
    return out


def stage(fake: FakeNetworks) -> None:
    fake.set("facebook", value=1452)
    fake.set("pinterest", value=37)
    fake.set("hackernews", value=12)
    fake.set("vk", "rate_limited", retry_after="120")
    fake.set("buffer", "hang", hang=3.0)
    fake.set("tumblr", "error500")


def _get(base: str, path: str, headers: dict[str, str] | None = None) -> int:
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=15)
    try:
        conn.request("GET", path, headers=headers or {})
        resp = conn.getresponse()
        resp.read()
        return resp.status  # redirects are not followed: nothing leaves the machine
    finally:
        conn.close()


def _put(base: str, path: str, body: dict[str, Any]) -> int:
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=15)
    try:
        data = json.dumps(body)
        headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
        conn.request("PUT", path, body=data, headers=headers)
        resp = conn.getresponse()
        resp.read()
        return resp.status
    finally:
        conn.close()


def shares(rank: int) -> dict[str, int]:
    """How often the page of ``rank`` (0 first) was shared on each network."""
    out = {}
    for divisor, network in zip((2, 3, 4, 5, 6, 8, 9), SHARED_ON, strict=True):
        n = (PAGES - rank) // divisor
        if n:
            out[network] = n
    return out


def drive(base: str, fake: FakeNetworks) -> None:
    """Send the scene's requests to the server at ``base`` and wait for its fetches."""
    for i, page in enumerate(COUNT_PAGES):
        query = urlencode({"url": page, "networks": COUNTED})
        assert _get(base, f"/api/counts?{query}") == 200
        if i < 2:  # a second visitor of the same page: answered from the cache
            time.sleep(0.8)
            assert _get(base, f"/api/counts?{query}") == 200
        if i == 0:
            deadline = time.monotonic() + 10
            while fake.calls("tumblr") < 1 and time.monotonic() < deadline:
                time.sleep(0.05)
            fake.set("tumblr", value=12)  # answers from now on
    # Buffer is called one call at a time once a request gave up waiting for it (so 1 to
    # len(COUNT_PAGES) calls, by timing); each ends at the timeout (1 s)
    deadline = time.monotonic() + 15
    while fake.calls("buffer") < 1 and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(1.5)
    visitor = 0
    for rank in range(PAGES):
        page = f"{SITE}/posts/{rank + 1:03d}-{'notes' if rank % 3 else 'long-read'}"
        for network, n in shares(rank).items():
            for _ in range(n):
                visitor += 1
                args = {"url": page, "title": f"Post {rank + 1}"}
                query = urlencode(args)
                address = f"10.{visitor // 256}.{visitor % 256}.1"
                status = _get(base, f"/share/{network}?{query}", {"X-Forwarded-For": address})
                assert status in (302, 303, 200), (network, status)
    assert _put(base, "/admin/api/ttl/pinterest", {"seconds": 1800}) == 200
