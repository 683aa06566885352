"""Copy link: the clipboard of the visitor's browser."""

from .base import Network

NETWORK = Network(
    name="copy",
    label="Copy link",
    color="#555555",
    share_url=None,
    kind="action",
)
