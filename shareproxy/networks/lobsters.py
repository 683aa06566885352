"""Lobsters: new story form; counts (score) from the stories-by-URL API."""

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
    whole,
)

API_BASE = "https://lobste.rs"


def build(url: str, creds: Credentials, token: str | None) -> UpstreamRequest:
    return UpstreamRequest(f"{API_BASE}/stories/url/all.json", params={"url": url})


def extract(resp: UpstreamResponse, url: str) -> int:
    if resp.status == 404:
        return 0  # no story links this URL
    expect_ok(resp)
    stories = need_list(resp.json())
    total = 0
    for story in stories:
        if not isinstance(story, dict) or "score" not in story:
            raise MalformedResponse("a story has no score")
        total += whole(story["score"], "score")
    return as_count(max(total, 0))


ICON = (
    "M6 2h12a4 4 0 0 1 4 4v12a4 4 0 0 1-4 4H6a4 4 0 0 1-4-4V6a4 4 0 0 1 4-4zM8.5 6v12H16v-2.3h-5V6z"  # noqa: E501
)

NETWORK = Network(
    name="lobsters", label="Lobsters", color="#ac130d", icon=ICON,
    share_url="https://lobste.rs/stories/new?url={url}&title={title}",
    count=CountAPI(API_BASE, build, extract, ttl_floor=300, status="alive"),
)  # fmt: skip
