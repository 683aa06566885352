"""X (formerly Twitter): post intent; no count API (first-party clicks only)."""

from .base import Network, Widget

NETWORK = Network(
    name="twitter",
    label="X",
    color="#000000",
    share_url="https://x.com/intent/tweet?text={title}&url={url}",
    text_limit=280,
    url_weight=23,
    widget=Widget(
        scripts=("https://platform.x.com/widgets.js",),
        origins=(
            "https://platform.x.com",
            "https://platform.twitter.com",
            "https://syndication.twitter.com",
            "https://x.com",
        ),
    ),
)
