"""Odnoklassniki (OK.ru): share dialog; counts from the extLike endpoint (best effort)."""

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

API_BASE = "https://connect.ok.ru"


def build(url: str, creds: Credentials, token: str | None) -> UpstreamRequest:
    return UpstreamRequest(f"{API_BASE}/dk", params={"st.cmd": "extLike", "tp": "json", "ref": url})


def extract(resp: UpstreamResponse, url: str) -> int:
    expect_ok(resp)
    return as_count(need(resp.json(), "count"))


NETWORK = Network(
    name="odnoklassniki",
    label="Odnoklassniki",
    color="#ee8208",
    share_url="https://connect.ok.ru/offer?url={url}&title={title}",
    count=CountAPI(api_base=API_BASE, build=build, extract=extract, ttl_floor=300),
)
