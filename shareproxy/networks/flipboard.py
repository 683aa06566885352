"""Flipboard: bookmarklet popout; no count API."""

from .base import Network

NETWORK = Network(
    name="flipboard",
    label="Flipboard",
    color="#e12828",
    share_url="https://share.flipboard.com/bookmarklet/popout?v=2&title={title}&url={url}",
)
