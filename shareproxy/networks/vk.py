"""VK: share dialog; counts from the share counter script (best effort)."""

import re

from .base import (
    CountAPI,
    Credentials,
    MalformedResponse,
    Network,
    UpstreamRequest,
    UpstreamResponse,
    as_count,
    expect_ok,
)

API_BASE = "https://vk.com"
_ANSWER = re.compile(r"^\s*VK\.Share\.count\(\s*\d+\s*,\s*(?P<count>\d+)\s*\)\s*;?\s*$")


def build(url: str, creds: Credentials, token: str | None) -> UpstreamRequest:
    return UpstreamRequest(
        f"{API_BASE}/share.php", params={"act": "count", "index": "1", "url": url}
    )


def extract(resp: UpstreamResponse, url: str) -> int:
    expect_ok(resp)
    match = _ANSWER.match(resp.text())
    if not match:
        raise MalformedResponse("answer is not VK.Share.count(index, n)")
    return as_count(match.group("count"))


NETWORK = Network(
    name="vk",
    label="VK",
    color="#0077ff",
    share_url="https://vk.com/share.php?url={url}&title={title}",
    count=CountAPI(api_base=API_BASE, build=build, extract=extract, ttl_floor=300),
)
