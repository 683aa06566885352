"""LINE: share dialog; counts from the documented social plugin metrics API."""

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

API_BASE = "https://api.line.me"


def build(url: str, creds: Credentials, token: str | None) -> UpstreamRequest:
    return UpstreamRequest(f"{API_BASE}/social-plugin/metrics", params={"url": url})


def extract(resp: UpstreamResponse, url: str) -> int:
    expect_ok(resp)
    return as_count(need(resp.json(), "share"), "share")  # a decimal string


NETWORK = Network(
    name="line",
    label="LINE",
    color="#06c755",
    share_url="https://social-plugins.line.me/lineit/share?url={url}&text={title}",
    count=CountAPI(
        api_base=API_BASE, build=build, extract=extract, ttl_floor=300, status="documented"
    ),
)
