"""Reddit: submit form; counts (sum of scores) from the OAuth API (app credentials)."""

from .base import (
    Auth,
    CountAPI,
    Credentials,
    Network,
    Option,
    Token,
    UpstreamRequest,
    UpstreamResponse,
    as_count,
    expect_ok,
    need,
    need_list,
    need_text,
    whole,
)

API_BASE = "https://oauth.reddit.com"
TOKEN_BASE = "https://www.reddit.com"


def build_auth(creds: Credentials) -> UpstreamRequest:
    app = (creds["REDDIT_CLIENT_ID"], creds["REDDIT_CLIENT_SECRET"])  # HTTP basic auth
    grant = {"grant_type": "client_credentials"}
    return UpstreamRequest(f"{TOKEN_BASE}/api/v1/access_token", "POST", data=grant, auth=app)


def extract_auth(resp: UpstreamResponse) -> Token:
    expect_ok(resp)
    data = resp.json()
    token = need_text(data, "access_token")
    expires = data.get("expires_in", 3600) if isinstance(data, dict) else 3600
    return Token(token, float(expires) if isinstance(expires, int | float) else 3600.0)


def build(url: str, creds: Credentials, token: str | None) -> UpstreamRequest:
    return UpstreamRequest(
        f"{API_BASE}/api/info",
        params={"url": url},
        headers={"Authorization": f"bearer {token}"},
    )


def extract(resp: UpstreamResponse, url: str) -> int:
    expect_ok(resp)
    children = need_list(resp.json(), "data", "children")
    total = sum(whole(need(child, "data", "score"), "score") for child in children)
    return as_count(max(total, 0))


ICON = "M12 8a8 6 0 1 1 0 12A8 6 0 0 1 12 8zM8.8 12.3a1.6 1.6 0 1 0 0 3.2 1.6 1.6 0 0 0 0-3.2zm6.4 0a1.6 1.6 0 1 0 0 3.2 1.6 1.6 0 0 0 0-3.2zM8.6 17a5.5 5.5 0 0 0 6.8 0l-.6-.8a4.5 4.5 0 0 1-5.6 0zm-5-8.4a1.6 1.6 0 1 0 0 3.2 1.6 1.6 0 0 0 0-3.2zm16.8 0a1.6 1.6 0 1 0 0 3.2 1.6 1.6 0 0 0 0-3.2zM17.5 2.3a1.7 1.7 0 1 0 0 3.4 1.7 1.7 0 0 0 0-3.4zM11.4 7.9 12.5 3l3.3.6v.9L13.2 4l-.9 3.9z"  # noqa: E501

# The settings the count API reads
OPTIONS = (
    Option(
        "REDDIT_CLIENT_ID",
        "Reddit OAuth app id (client credentials); "
        "reddit counts are off without it and the secret.",
    ),
    Option("REDDIT_CLIENT_SECRET", "Reddit OAuth app secret.", secret=True),
)

NETWORK = Network(
    name="reddit", label="Reddit", color="#ff4500", icon=ICON,
    share_url="https://www.reddit.com/submit?url={url}&title={title}",
    count=CountAPI(
        API_BASE, build, extract, ttl_floor=300, status="alive", name="OAuth API",
        auth=Auth(build_auth, extract_auth),
        options=OPTIONS,
    ),
)  # fmt: skip
