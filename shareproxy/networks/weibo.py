"""Weibo: share dialog; no count API."""

from .base import Network

ICON = "M10 8.8A8 5.6 0 1 1 10 20 8 5.6 0 0 1 10 8.8zM9 12a3 2.5 0 1 0 0 5 3 2.5 0 0 0 0-5zm-.5 1.8a1 1 0 1 0 0 2 1 1 0 0 0 0-2zM15 3.5A6.5 6.5 0 0 1 21.5 10H20a5 5 0 0 0-5-5zm0 3A3.5 3.5 0 0 1 18.5 10H17.3A2.3 2.3 0 0 0 15 7.7z"  # noqa: E501

NETWORK = Network(
    name="weibo", label="Weibo", color="#e6162d", icon=ICON,
    share_url="https://service.weibo.com/share/share.php?url={url}&title={title}",
)  # fmt: skip
