"""What the benchmarks ask: the page, the origin, the failing networks, realistic URLs."""

from __future__ import annotations

import random

ORIGIN = "https://example.org"  # an allowed origin (SHAREPROXY_ALLOWED_DOMAINS=example.org)
PAGE = "https://example.org/2026/11/why-share-buttons-need-not-track-anyone"
FAILING = ("xing", "tumblr")  # two networks that fail (HTTP 500), remembered FAILURE_TTL
# The six networks that need no credentials (a default install counts them): the subset
# asked with networks=, failing ones included.
SUBSET = ["xing", "pinterest", "tumblr", "vk", "odnoklassniki", "buffer"]
WORDS = ("share", "buttons", "privacy", "count", "cache", "page", "visitor", "network",
         "server", "article", "review", "guide", "notes", "update", "launch", "design")  # fmt: skip


def realistic_url(i: int) -> str:
    """Page URL number ``i``: 80-200 characters, as blogs and news sites make them."""
    rnd = random.Random(i)
    head = f"https://example.org/{rnd.choice(['blog', 'news', 'docs', 'stories'])}/2026/{i:06d}-"
    length = rnd.randint(80, 200)
    slug = ""
    while len(head) + len(slug) < length:
        slug += rnd.choice(WORDS) + "-"
    text = (head + slug)[: length - 1]
    return text.removesuffix("-") + ("s" if text.endswith("-") else "") + "x"
