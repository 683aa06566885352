"""Facebook: share dialog; counts from the Graph API (app id and secret required)."""

from markupsafe import escape

from .base import (
    CountAPI,
    Credentials,
    MalformedResponse,
    Network,
    Option,
    Page,
    UpstreamRequest,
    UpstreamResponse,
    Widget,
    as_count,
    expect_ok,
    need,
)

API_BASE = "https://graph.facebook.com"
# The Graph API version of the count calls (SHAREPROXY_FACEBOOK_GRAPH_VERSION replaces it)
# and of the SDK the two-click button loads. Versions expire about two years after release.
GRAPH_VERSION = "v25.0"
# Facebook's SDK wants a locale with a region.
LOCALES = {
    "ar": "ar_AR", "bg": "bg_BG", "cs": "cs_CZ", "da": "da_DK", "de": "de_DE", "en": "en_US",
    "es": "es_ES", "fa": "fa_IR", "fi": "fi_FI", "fr": "fr_FR", "he": "he_IL", "hr": "hr_HR",
    "hu": "hu_HU", "it": "it_IT", "ja": "ja_JP", "ko": "ko_KR", "nl": "nl_NL", "no": "nb_NO",
    "pl": "pl_PL", "pt": "pt_PT", "ro": "ro_RO", "ru": "ru_RU", "sk": "sk_SK", "sl": "sl_SI",
    "sr": "sr_RS", "sv": "sv_SE", "tr": "tr_TR", "zh": "zh_CN",
}  # fmt: skip


def build(url: str, creds: Credentials, token: str | None) -> UpstreamRequest:
    version = creds["FACEBOOK_GRAPH_VERSION"] or GRAPH_VERSION
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


def locale(lang: str) -> str:
    return LOCALES.get(lang, "en_US")


def element(net: Network, page: Page) -> str:
    return (
        f'<div id="fb-root"></div><div class="fb-share-button" data-href="{escape(page.url)}" '
        'data-layout="button_count" data-size="small"></div>'
    )


ICON = (
    "M14 8V6.6c0-.8.4-1.6 1.6-1.6H17V2h-2.6C11.5 2 10 3.8 10 6.4V8H7.5v3.2H10V22h4V11.2h2.8L17.2 8z"  # noqa: E501
)

# The settings the count API reads
OPTIONS = (
    Option(
        "FACEBOOK_APP_ID", "Facebook app id; facebook counts are off without it and the secret."
    ),
    Option("FACEBOOK_APP_SECRET", "Facebook app secret.", secret=True),
    Option(
        "FACEBOOK_GRAPH_VERSION",
        "Graph API version (versions expire about two years after release).",
        default=GRAPH_VERSION,
        required=False,
    ),
)

NETWORK = Network(
    name="facebook", label="Facebook", color="#1877f2", icon=ICON,
    share_url="https://www.facebook.com/sharer/sharer.php?u={url}",
    count=CountAPI(
        API_BASE, build, extract, status="alive", name="Graph API",
        ttl_floor=3600,  # Graph allows 10 calls per URL, per app, per hour
        options=OPTIONS,
    ),
    widget=Widget(
        name="Share button (the Like button was switched off in Feb 2026)",
        scripts=("https://connect.facebook.net/{locale}/sdk.js#xfbml=1&version=" + GRAPH_VERSION,),
        origins=("https://www.facebook.com", "https://web.facebook.com",
                 "https://staticxx.facebook.com"),
        element=element, locale=locale,
    ),
)  # fmt: skip
