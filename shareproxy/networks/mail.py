"""Mail: the visitor's mail program."""

from .base import Network

NETWORK = Network(
    name="mail",
    label="Mail",
    color="#555555",
    share_url="mailto:?subject={title}&body={url}",
    kind="action",
)
