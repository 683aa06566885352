"""Telegram: share link; no count API."""

from .base import Network

ICON = "M2.5 11.3l17.6-7c.8-.3 1.5.2 1.3 1.3l-3 14.2c-.2 1-.8 1.3-1.7.8l-4.6-3.4-2.2 2.1c-.3.3-.5.4-.9.4l.3-4.7 8.6-7.8c.4-.3-.1-.5-.6-.2L6.7 13.9l-4.5-1.4c-1-.3-1-1 .3-1.2z"  # noqa: E501

NETWORK = Network(
    name="telegram", label="Telegram", color="#26a5e4", icon=ICON,
    share_url="https://t.me/share/url?url={url}&text={title}",
)  # fmt: skip
