"""Threema: app scheme (mobile); no count API."""

from .base import Network

NETWORK = Network(
    name="threema",
    label="Threema",
    color="#1f1f1f",
    share_url="threema://compose?text={text}",
)
