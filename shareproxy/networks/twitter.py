"""X (formerly Twitter): post intent; no count API (first-party clicks only)."""

from markupsafe import escape

from .base import Network, Page, Widget


def element(net: Network, page: Page) -> str:
    href = escape(net.share_link(page.url, page.title))
    return f'<a class="twitter-share-button" href="{href}" data-lang="{page.lang}">X</a>'


ICON = "M3 3H8.5l4.1 5.6L17.8 3h2.7L14 10.5 21 21H15.5l-4.3-5.8L5.6 21H2.9l7-8z"

NETWORK = Network(
    name="twitter", label="X", color="#000000", icon=ICON,
    share_url="https://x.com/intent/tweet?text={title}&url={url}",
    text_limit=280, url_weight=23, takes=("via",),
    widget=Widget(
        name="post button", scripts=("https://platform.x.com/widgets.js",),
        origins=("https://platform.twitter.com", "https://syndication.twitter.com", "https://x.com"),
        element=element,
    ),
)  # fmt: skip
