"""Mastodon and the fediverse: the visitor names their own instance; no count API."""

from .base import Network

NETWORK = Network(
    name="mastodon",
    label="Mastodon",
    color="#6364ff",
    share_url="https://{instance}/share?text={text}",
    text_limit=500,
    url_weight=23,
    kind="fediverse",
)
