"""Buffer: add dialog; counts from the links API (best effort)."""

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

API_BASE = "https://api.bufferapp.com"


def build(url: str, creds: Credentials, token: str | None) -> UpstreamRequest:
    return UpstreamRequest(f"{API_BASE}/1/links/shares.json", params={"url": url})


def extract(resp: UpstreamResponse, url: str) -> int:
    expect_ok(resp)
    return as_count(need(resp.json(), "shares"))


ICON = "M12 2l10 4.8-10 4.8L2 6.8zM4.6 10.7l7.4 3.5 7.4-3.5L22 12l-10 4.8L2 12zM4.6 15.9l7.4 3.5 7.4-3.5 2.6 1.3L12 22l-10-4.8z"  # noqa: E501

NETWORK = Network(
    name="buffer",
    label="Buffer",
    color="#231f20",
    share_url="https://buffer.com/add?url={url}&text={title}",
    icon=ICON,
    count=CountAPI(api_base=API_BASE, build=build, extract=extract, ttl_floor=300),
)
