"""Tumblr: share tool; counts from the share stats API (doubtful)."""

from .base import Network, json_count

ICON = "M14.6 21c-3 0-5.1-1.5-5.1-5.2V10H7V7.1c3-.8 4.2-3.3 4.4-5.1h3v4.8h3.5V10h-3.5v5.1c0 1.6.8 2.1 2 2.1h1.7V21z"  # noqa: E501

NETWORK = Network(
    name="tumblr", label="Tumblr", color="#36465d", icon=ICON,
    share_url="https://www.tumblr.com/widgets/share/tool?posttype=link&canonicalUrl={url}&title={title}",
    count=json_count("https://api.tumblr.com", "/v2/share/stats", "response.note_count",
                     ttl_floor=300, status="doubtful"),
)  # fmt: skip
