"""Weibo: share dialog; no count API."""

from .base import Network

ICON = "M10 8.8a8 5.6 0 1 1 0 11.2 8 5.6 0 0 1 0-11.2zM9 12a3 2.5 0 1 0 0 5 3 2.5 0 0 0 0-5zM8.5 13.8a1 1 0 1 0 0 2 1 1 0 0 0 0-2zM15 3.5a6.5 6.5 0 0 1 6.5 6.5H20a5 5 0 0 0-5-5zM15 6.5a3.5 3.5 0 0 1 3.5 3.5h-1.2A2.3 2.3 0 0 0 15 7.7z"  # noqa: E501

NETWORK = Network(
    name="weibo", label="Weibo", color="#e6162d", icon=ICON,
    share_url="https://service.weibo.com/share/share.php?url={url}&title={title}",
)  # fmt: skip
