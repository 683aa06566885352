"""Bluesky: compose intent; counts (posts linking the URL) from searchPosts (app password)."""

from .base import (
    Auth,
    CountAPI,
    Credentials,
    Network,
    Option,
    Token,
    UpstreamRequest,
    UpstreamResponse,
    expect_ok,
    need_list,
    need_text,
)

API_BASE = "https://api.bsky.app"
SESSION_BASE = "https://bsky.social"


def build_auth(creds: Credentials) -> UpstreamRequest:
    return UpstreamRequest(
        f"{SESSION_BASE}/xrpc/com.atproto.server.createSession",
        method="POST",
        json={"identifier": creds["BLUESKY_HANDLE"], "password": creds["BLUESKY_APP_PASSWORD"]},
    )


def extract_auth(resp: UpstreamResponse) -> Token:
    expect_ok(resp)
    # access tokens live about two hours
    return Token(need_text(resp.json(), "accessJwt"), 3600.0)


def build(url: str, creds: Credentials, token: str | None) -> UpstreamRequest:
    return UpstreamRequest(
        f"{API_BASE}/xrpc/app.bsky.feed.searchPosts",
        params={"q": url, "url": url, "limit": "100"},
        headers={"Authorization": f"Bearer {token}"},
    )


def extract(resp: UpstreamResponse, url: str) -> int:
    expect_ok(resp)
    return len(need_list(resp.json(), "posts"))


ICON = "M12 10.8C13.9 7.2 17.3 3.8 19.4 3 21 2.4 22.5 2.6 22.5 4.6 22.5 5.3 22.1 9.6 21.8 10.4 21 13.1 18.3 13.6 15.9 13.2 20.1 13.9 21.1 16.3 18.8 18.6 14.5 23 12.6 17.6 12 15.7 11.4 17.6 9.5 23 5.2 18.6 2.9 16.3 3.9 13.9 8.1 13.2 5.7 13.6 3 13.1 2.2 10.4 1.9 9.6 1.5 5.3 1.5 4.6 1.5 2.6 3 2.4 4.6 3 6.7 3.8 10.1 7.2 12 10.8z"  # noqa: E501

# The settings the count API reads
OPTIONS = (
    Option(
        "BLUESKY_HANDLE",
        "Bluesky handle for the search API; bluesky counts are off without it and an app password.",
    ),
    Option("BLUESKY_APP_PASSWORD", "Bluesky app password.", secret=True),
)

NETWORK = Network(
    name="bluesky", label="Bluesky", color="#0a7aff", icon=ICON,
    share_url="https://bsky.app/intent/compose?text={text}",
    text_limit=300,
    count=CountAPI(
        API_BASE, build, extract, ttl_floor=300, status="documented", name="search API",
        auth=Auth(build_auth, extract_auth),
        options=OPTIONS,
    ),
)  # fmt: skip
