"""Telegram: share link; no count API."""

from .base import Network

NETWORK = Network(
    name="telegram",
    label="Telegram",
    color="#26a5e4",
    share_url="https://t.me/share/url?url={url}&text={title}",
)
