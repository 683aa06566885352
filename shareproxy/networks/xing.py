"""XING: share dialog; counts from the share statistics endpoint (probably dead since 2019)."""

from .base import Network, json_count

ICON = "M5.5 7h3.3l2 3.5-2.6 4.5H4.9l2.6-4.5zM15.2 2h3.4l-6.3 11.2 4.1 7.8H13l-4.1-7.8z"

NETWORK = Network(
    name="xing", label="XING", color="#006567", icon=ICON,
    share_url="https://www.xing.com/spi/shares/new?url={url}",
    count=json_count("https://www.xing-share.com", "/spi/shares/statistics", "share_counter",
                     method="POST", ttl_floor=3600, status="probably dead"),
)  # fmt: skip
