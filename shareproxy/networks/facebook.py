"""Facebook: share dialog; counts from the Graph API (app id and secret required)."""

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

API_BASE = "https://graph.facebook.com"


def build(url: str, creds: Credentials, token: str | None) -> UpstreamRequest:
    version = creds["FACEBOOK_GRAPH_VERSION"] or "v25.0"
    return UpstreamRequest(
        f"{API_BASE}/{version}/",
        params={
            "id": url,
            "fields": "og_object{engagement}",
            "access_token": f"{creds['FACEBOOK_APP_ID']}|{creds['FACEBOOK_APP_SECRET']}",
        },
    )


def extract(resp: UpstreamResponse, url: str) -> int:
    expect_ok(resp)
    data = resp.json()
    if not isinstance(data, dict) or "id" not in data:
        raise MalformedResponse("answer has no id")
    if "og_object" not in data:
        return 0  # Facebook knows no object for this URL: nobody shared it
    return as_count(need(data, "og_object", "engagement", "count"))


NETWORK = Network(
    name="facebook",
    label="Facebook",
    color="#1877f2",
    share_url="https://www.facebook.com/sharer/sharer.php?u={url}",
    count=CountAPI(
        api_base=API_BASE,
        build=build,
        extract=extract,
        ttl_floor=3600,  # Graph allows 10 calls per URL, per app, per hour
        requires=("FACEBOOK_APP_ID", "FACEBOOK_APP_SECRET"),
        status="alive",
    ),
    widget=Widget(
        scripts=("https://connect.facebook.net/{locale}/sdk.js",),
        origins=(
            "https://connect.facebook.net",
            "https://www.facebook.com",
            "https://web.facebook.com",
            "https://staticxx.facebook.com",
        ),
    ),
)
