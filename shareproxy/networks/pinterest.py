"""Pinterest: pin dialog; counts from the undocumented JSONP count endpoint."""

import json
import re

from .base import (
    CountAPI,
    Credentials,
    MalformedResponse,
    Network,
    UpstreamRequest,
    UpstreamResponse,
    Widget,
    as_count,
    expect_ok,
    need,
)

API_BASE = "https://widgets.pinterest.com"
_JSONP = re.compile(r"^\s*x\((?P<body>.*)\)\s*;?\s*$", re.S)


def build(url: str, creds: Credentials, token: str | None) -> UpstreamRequest:
    return UpstreamRequest(f"{API_BASE}/v1/urls/count.json", params={"url": url, "callback": "x"})


def extract(resp: UpstreamResponse, url: str) -> int:
    expect_ok(resp)
    match = _JSONP.match(resp.text())
    if not match:
        raise MalformedResponse("answer is not the expected JSONP")
    try:
        data = json.loads(match.group("body"))
    except (ValueError, RecursionError):
        raise MalformedResponse("JSONP body is not JSON") from None
    return as_count(need(data, "count"))


NETWORK = Network(
    name="pinterest",
    label="Pinterest",
    color="#bd081c",
    share_url=(
        "https://www.pinterest.com/pin/create/link/?url={url}&media={media}&description={title}"
    ),
    count=CountAPI(api_base=API_BASE, build=build, extract=extract, ttl_floor=300),
    widget=Widget(
        scripts=("https://assets.pinterest.com/js/pinit.js",),
        origins=(
            "https://assets.pinterest.com",
            "https://widgets.pinterest.com",
            "https://log.pinterest.com",
            "https://www.pinterest.com",
        ),
    ),
)
