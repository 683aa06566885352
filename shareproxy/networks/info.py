"""Info: explains why nothing reaches a network before a click."""

from .base import Network

NETWORK = Network(
    name="info",
    label="Info",
    color="#555555",
    share_url=None,
    kind="action",
)
