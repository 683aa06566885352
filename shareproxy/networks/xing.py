"""XING: share dialog; counts from the share statistics endpoint (probably dead since 2019)."""

from .base import Network, json_count

ICON = "M5.5 7H8.8l2 3.5L8.2 15H4.9l2.6-4.5zm9.7-5h3.4L12.3 13.2 16.4 21H13L8.9 13.2z"

NETWORK = Network(
    name="xing", label="XING", color="#006567", icon=ICON,
    share_url="https://www.xing.com/spi/shares/new?url={url}",
    count=json_count("https://www.xing-share.com", "/spi/shares/statistics", "share_counter",
                     method="POST", ttl_floor=3600, status="probably dead"),
)  # fmt: skip
