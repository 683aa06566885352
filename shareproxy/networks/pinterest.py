"""Pinterest: pin dialog; counts from the undocumented JSONP count endpoint."""

import json
import re

from markupsafe import escape

from .base import (
    CountAPI,
    Credentials,
    MalformedResponse,
    Network,
    Page,
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


def element(net: Network, page: Page) -> str:
    href = escape(net.share_link(page.url, page.title, media=page.media))
    title = escape(page.title)
    return f'<a data-pin-do="buttonPin" data-pin-count="beside" href="{href}">{title}</a>'


ICON = "M12 2a10 10 0 1 1 0 20A10 10 0 0 1 12 2zM9.6 6.5H13a3.7 3.7 0 0 1 0 7.4H11.4L10.2 19H8.3zm2.1 2.1-.7 3.3h1.9a1.65 1.65 0 0 0 0-3.3z"  # noqa: E501

NETWORK = Network(
    name="pinterest", label="Pinterest", color="#bd081c", icon=ICON,
    share_url="https://www.pinterest.com/pin/create/link/?url={url}&media={media}&description={title}",
    note="`media` for the image", takes=("media",),
    count=CountAPI(API_BASE, build, extract, ttl_floor=300),
    widget=Widget(
        name="Pin It button", scripts=("https://assets.pinterest.com/js/pinit.js",),
        origins=("https://widgets.pinterest.com", "https://log.pinterest.com",
                 "https://www.pinterest.com"),
        element=element,
    ),
)  # fmt: skip
