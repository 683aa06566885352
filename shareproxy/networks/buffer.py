"""Buffer: add dialog; counts from the links API (best effort)."""

from .base import Network, json_count

ICON = "M12 2 22 6.8 12 11.6 2 6.8zM4.6 10.7 12 14.2l7.4-3.5L22 12 12 16.8 2 12zm0 5.2L12 19.4l7.4-3.5L22 17.2 12 22 2 17.2z"  # noqa: E501

NETWORK = Network(
    name="buffer", label="Buffer", color="#231f20", icon=ICON,
    share_url="https://buffer.com/add?url={url}&text={title}",
    count=json_count("https://api.bufferapp.com", "/1/links/shares.json", "shares", ttl_floor=300),
)  # fmt: skip
