"""Threads: post intent; no count API."""

from .base import Network

NETWORK = Network(
    name="threads",
    label="Threads",
    color="#000000",
    share_url="https://www.threads.com/intent/post?text={title}&url={url}",
)
