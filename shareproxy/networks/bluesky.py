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


ICON = "M12 10.8c1.9-3.6 5.3-7 7.4-7.8 1.6-.6 3.1-.4 3.1 1.6 0 .7-.4 5-.7 5.8-.8 2.7-3.5 3.2-5.9 2.8 4.2.7 5.2 3.1 2.9 5.4-4.3 4.4-6.2-1-6.8-2.9-.6 1.9-2.5 7.3-6.8 2.9-2.3-2.3-1.3-4.7 2.9-5.4-2.4.4-5.1-.1-5.9-2.8-.3-.8-.7-5.1-.7-5.8C1.5 2.6 3 2.4 4.6 3c2.1.8 5.5 4.2 7.4 7.8z"  # noqa: E501

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
