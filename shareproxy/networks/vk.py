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


ICON = "M12.8 18C6 18 2.1 13.3 2 5.5h3.4c.1 5.7 2.6 8.2 4.6 8.7V5.5h3.2v4.9c2-.2 4-2.5 4.7-4.9H21c-.5 3-2.7 5.3-4.3 6.2 1.6.7 4.1 2.7 5 6.3h-3.5c-.8-2.4-2.7-4.2-5.3-4.5V18z"  # noqa: E501

NETWORK = Network(
    name="vk", label="VK", color="#0077ff", icon=ICON,
    share_url="https://vk.com/share.php?url={url}&title={title}",
    count=CountAPI(API_BASE, build, extract, ttl_floor=300),
)  # fmt: skip
