"""Web Share API: the device's own share sheet, where navigator.share exists."""

from .base import Network

NETWORK = Network(
    name="share",
    label="Share",
    color="#555555",
    share_url=None,
    kind="action",
)
