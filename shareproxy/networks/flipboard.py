"""Flipboard: bookmarklet popout; no count API."""

from .base import Network

ICON = "M3 3h18v6h-6v6H9v6H3z"

NETWORK = Network(
    name="flipboard", label="Flipboard", color="#e12828", icon=ICON,
    share_url="https://share.flipboard.com/bookmarklet/popout?v=2&title={title}&url={url}",
)  # fmt: skip
