"""Hacker News: submit form; counts (points) from the Algolia search API."""

from .base import (
    CountAPI,
    Credentials,
    MalformedResponse,
    Network,
    UpstreamRequest,
    UpstreamResponse,
    as_count,
    expect_ok,
    need_list,
)

API_BASE = "https://hn.algolia.com"


def build(url: str, creds: Credentials, token: str | None) -> UpstreamRequest:
    return UpstreamRequest(
        f"{API_BASE}/api/v1/search",
        params={
            "query": url,
            "restrictSearchableAttributes": "url",
            "tags": "story",
            "hitsPerPage": "50",
        },
    )


def _same(a: str, b: str) -> bool:
    return a.strip().rstrip("/").lower() == b.strip().rstrip("/").lower()


def extract(resp: UpstreamResponse, url: str) -> int:
    expect_ok(resp)
    total = 0
    for hit in need_list(resp.json(), "hits"):
        if not isinstance(hit, dict):
            raise MalformedResponse("a hit is not an object")
        # The search matches words, not whole URLs: count only exact matches.
        if isinstance(hit.get("url"), str) and _same(hit["url"], url):
            total += as_count(hit.get("points") or 0, "points")
    return total


ICON = "M2 2h20v20H2zM7 6h2.3l2.7 5.2L14.7 6H17l-3.9 7.2V18h-2.2v-4.8z"

NETWORK = Network(
    name="hackernews", label="Hacker News", color="#ff6600", icon=ICON,
    share_url="https://news.ycombinator.com/submitlink?u={url}&t={title}",
    count=CountAPI(API_BASE, build, extract, ttl_floor=300, status="alive", name="Algolia search"),
)  # fmt: skip
