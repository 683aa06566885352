"""Weibo: share dialog; no count API."""

from .base import Network

NETWORK = Network(
    name="weibo",
    label="Weibo",
    color="#e6162d",
    share_url="https://service.weibo.com/share/share.php?url={url}&title={title}",
)
