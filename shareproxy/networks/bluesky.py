"""Bluesky: compose intent; counts (posts linking the URL) from searchPosts (app password)."""

from .base import (
    Auth,
    CountAPI,
    Credentials,
    MalformedResponse,
    Network,
    Token,
    UpstreamRequest,
    UpstreamResponse,
    expect_ok,
    need,
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
    token = need(resp.json(), "accessJwt")
    if not isinstance(token, str) or not token:
        raise MalformedResponse("accessJwt is not a string")
    return Token(token, 3600.0)  # access tokens live about two hours


def build(url: str, creds: Credentials, token: str | None) -> UpstreamRequest:
    return UpstreamRequest(
        f"{API_BASE}/xrpc/app.bsky.feed.searchPosts",
        params={"q": url, "url": url, "limit": "100"},
        headers={"Authorization": f"Bearer {token}"},
    )


def extract(resp: UpstreamResponse, url: str) -> int:
    expect_ok(resp)
    posts = need(resp.json(), "posts")
    if not isinstance(posts, list):
        raise MalformedResponse("posts is not a list")
    return len(posts)


NETWORK = Network(
    name="bluesky",
    label="Bluesky",
    color="#0a7aff",
    share_url="https://bsky.app/intent/compose?text={text}",
    text_limit=300,
    count=CountAPI(
        api_base=API_BASE,
        build=build,
        extract=extract,
        ttl_floor=300,
        requires=("BLUESKY_HANDLE", "BLUESKY_APP_PASSWORD"),
        auth=Auth(build=build_auth, extract=extract_auth),
        status="credentials",
    ),
)
