"""Mail: the visitor's mail program."""

from .base import Network

ICON = "M2 5h20v14H2zM4.5 7L12 12.5 19.5 7v1.9L12 14.4 4.5 8.9z"

NETWORK = Network(
    name="mail",
    label="Mail",
    color="#555555",
    share_url="mailto:?subject={title}&body={url}",
    icon=ICON,
    kind="action",
)
