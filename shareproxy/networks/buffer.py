"""Buffer: add dialog; counts from the links API (best effort)."""

from .base import Network, json_count

ICON = "M12 2l10 4.8-10 4.8L2 6.8zM4.6 10.7l7.4 3.5 7.4-3.5L22 12l-10 4.8L2 12zM4.6 15.9l7.4 3.5 7.4-3.5 2.6 1.3L12 22l-10-4.8z"  # noqa: E501

NETWORK = Network(
    name="buffer", label="Buffer", color="#231f20", icon=ICON,
    share_url="https://buffer.com/add?url={url}&text={title}",
    count=json_count("https://api.bufferapp.com", "/1/links/shares.json", "shares", ttl_floor=300),
)  # fmt: skip
