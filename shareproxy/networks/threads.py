"""Threads: post intent; no count API."""

from .base import Network

ICON = "M12 2a10 10 0 1 0 6.5 17.6l-1.3-1.5A8 8 0 1 1 20 12v1a1.7 1.7 0 0 1-3.4 0V8h-2v.9a4.2 4.2 0 1 0 .6 6.1A3.7 3.7 0 0 0 22 13V12A10 10 0 0 0 12 2zm0 7.8a2.2 2.2 0 1 1 0 4.4 2.2 2.2 0 0 1 0-4.4z"  # noqa: E501

NETWORK = Network(
    name="threads", label="Threads", color="#000000", icon=ICON,
    share_url="https://www.threads.com/intent/post?text={title}&url={url}",
)  # fmt: skip
