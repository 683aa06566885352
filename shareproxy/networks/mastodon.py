"""Mastodon and the fediverse: the visitor names their own instance; no count API."""

from .base import Network

ICON = "M21.3 8.2c0-4.3-2.8-5.6-2.8-5.6-1.4-.7-3.9-.9-6.5-.9h-.1c-2.6 0-5.1.2-6.5.9 0 0-2.8 1.3-2.8 5.6 0 1 0 2.2.1 3.5.1 4.3.8 8.6 4.8 9.6 1.8.5 3.4.6 4.6.5 2.3-.1 3.6-.8 3.6-.8l-.1-1.7c0 0-1.6.5-3.5.5-1.8-.1-3.8-.2-4.1-2.5v-.6c0 0 1.8.4 4.1.6 1.4.1 2.7-.1 4-.2 2.5-.3 4.7-1.8 5-3.3.4-2.3.4-5.6.4-5.6zM17.6 14.1H15.2V8.6C15.2 7.5 14.9 6.9 14.2 6.9 13.5 6.9 13.2 7.5 13.2 8.6V11.8H10.8V8.6C10.8 7.5 10.5 6.9 9.8 6.9 9.1 6.9 8.8 7.5 8.8 8.6V14.1H6.4V8.2C6.4 5.8 7.6 4.6 9.4 4.6 10.6 4.6 11.5 5.1 12 6.1 12.5 5.1 13.4 4.6 14.6 4.6 16.4 4.6 17.6 5.8 17.6 8.2z"  # noqa: E501

NETWORK = Network(
    name="mastodon", label="Mastodon", color="#6364ff", icon=ICON,
    share_url="https://{instance}/share?text={text}",
    text_limit=500, url_weight=23, kind="fediverse",
)  # fmt: skip
