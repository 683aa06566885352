"""diaspora*: the foundation's share page picks the pod; no count API."""

from .base import Network

ICON = "M13.7 2 10.3 2l0 7.1L4.2 5.5l-1.7 3L8.6 12 2.5 15.5l1.7 3 6.1-3.6 0 7.1 3.4 0 0-7.1 6.1 3.6 1.7-3L15.4 12l6.1-3.5-1.7-3-6.1 3.6z"  # noqa: E501

NETWORK = Network(
    name="diaspora", label="diaspora*", color="#1e1e1e", icon=ICON,
    share_url="https://share.diasporafoundation.org/?url={url}&title={title}",
)  # fmt: skip
