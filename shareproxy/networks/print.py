"""Print: window.print() in the visitor's browser."""

from .base import Network

NETWORK = Network(
    name="print",
    label="Print",
    color="#555555",
    share_url=None,
    kind="action",
)
