"""diaspora*: the foundation's share page picks the pod; no count API."""

from .base import Network

NETWORK = Network(
    name="diaspora",
    label="diaspora*",
    color="#1e1e1e",
    share_url="https://share.diasporafoundation.org/?url={url}&title={title}",
)
