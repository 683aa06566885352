"""LINE: share dialog; counts from the documented social plugin metrics API."""

from .base import Network, json_count

ICON = "M12 2.5c5.5 0 10 3.6 10 8 0 4.2-4.6 8-10.4 8.1L9 21c-.8.6-1.3.3-1-.6l.4-2.3C4.6 16.9 2 14 2 10.5c0-4.4 4.5-8 10-8zM6 8v5H8.5V12H7V8zM9.3 8h1v5h-1zm1.9 0h1l2 3V8h1v5h-1l-2-3v3h-1zm5 0h2.6V9H17.2v1h1.6v1H17.2v1h1.6v1H16.2z"  # noqa: E501

NETWORK = Network(
    name="line", label="LINE", color="#06c755", icon=ICON,
    share_url="https://social-plugins.line.me/lineit/share?url={url}&text={title}",
    count=json_count("https://api.line.me", "/social-plugin/metrics", "share",  # decimal string
                     ttl_floor=300, status="documented"),
)  # fmt: skip
