"""Tumblr: share tool; counts from the share stats API (doubtful)."""

from .base import (
    CountAPI,
    Credentials,
    Network,
    UpstreamRequest,
    UpstreamResponse,
    as_count,
    expect_ok,
    need,
)

API_BASE = "https://api.tumblr.com"


def build(url: str, creds: Credentials, token: str | None) -> UpstreamRequest:
    return UpstreamRequest(f"{API_BASE}/v2/share/stats", params={"url": url})


def extract(resp: UpstreamResponse, url: str) -> int:
    expect_ok(resp)
    return as_count(need(resp.json(), "response", "note_count"))


NETWORK = Network(
    name="tumblr",
    label="Tumblr",
    color="#36465d",
    share_url=(
        "https://www.tumblr.com/widgets/share/tool?posttype=link&canonicalUrl={url}&title={title}"
    ),
    count=CountAPI(
        api_base=API_BASE, build=build, extract=extract, ttl_floor=300, status="doubtful"
    ),
)
