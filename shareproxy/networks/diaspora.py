"""diaspora*: the foundation's share page picks the pod; no count API."""

from .base import Network

ICON = "M13.7 2L10.3 2L10.3 9.1L4.2 5.5L2.5 8.5L8.6 12L2.5 15.5L4.2 18.5L10.3 14.9L10.3 22L13.7 22L13.7 14.9L19.8 18.5L21.5 15.5L15.4 12L21.5 8.5L19.8 5.5L13.7 9.1z"  # noqa: E501

NETWORK = Network(
    name="diaspora", label="diaspora*", color="#1e1e1e", icon=ICON,
    share_url="https://share.diasporafoundation.org/?url={url}&title={title}",
)  # fmt: skip
