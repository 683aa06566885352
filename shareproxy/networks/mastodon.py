"""Mastodon and the fediverse: the visitor names their own instance; no count API."""

from .base import Network

ICON = "M21.3 8.2c0-4.3-2.8-5.6-2.8-5.6-1.4-.7-3.9-.9-6.5-.9h-.1c-2.6 0-5.1.2-6.5.9 0 0-2.8 1.3-2.8 5.6 0 1 0 2.2.1 3.5.1 4.3.8 8.6 4.8 9.6 1.8.5 3.4.6 4.6.5 2.3-.1 3.6-.8 3.6-.8l-.1-1.7c0 0-1.6.5-3.5.5-1.8-.1-3.8-.2-4.1-2.5v-.6c0 0 1.8.4 4.1.6 1.4.1 2.7-.1 4-.2 2.5-.3 4.7-1.8 5-3.3.4-2.3.4-5.6.4-5.6zm-3.7 5.9H15.2V8.6c0-1.1-.3-1.7-1-1.7-.7 0-1 .6-1 1.7v3.2H10.8V8.6c0-1.1-.3-1.7-1-1.7-.7 0-1 .6-1 1.7v5.5H6.4V8.2c0-2.4 1.2-3.6 3-3.6 1.2 0 2.1.5 2.6 1.5.5-1 1.4-1.5 2.6-1.5 1.8 0 3 1.2 3 3.6z"  # noqa: E501

NETWORK = Network(
    name="mastodon", label="Mastodon", color="#6364ff", icon=ICON,
    share_url="https://{instance}/share?text={text}",
    text_limit=500, url_weight=23, kind="fediverse",
)  # fmt: skip
