"""XING: share dialog; counts from the share statistics endpoint (probably dead since 2019)."""

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

API_BASE = "https://www.xing-share.com"


def build(url: str, creds: Credentials, token: str | None) -> UpstreamRequest:
    return UpstreamRequest(f"{API_BASE}/spi/shares/statistics", method="POST", params={"url": url})


def extract(resp: UpstreamResponse, url: str) -> int:
    expect_ok(resp)
    return as_count(need(resp.json(), "share_counter"), "share_counter")


ICON = "M5.5 7h3.3l2 3.5-2.6 4.5H4.9l2.6-4.5zM15.2 2h3.4l-6.3 11.2 4.1 7.8H13l-4.1-7.8z"

NETWORK = Network(
    name="xing",
    label="XING",
    color="#006567",
    share_url="https://www.xing.com/spi/shares/new?url={url}",
    icon=ICON,
    count=CountAPI(
        api_base=API_BASE, build=build, extract=extract, ttl_floor=3600, status="probably dead"
    ),
)
