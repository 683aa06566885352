"""Mail: the visitor's mail program."""

from .base import action

ICON = "M2 5h20v14H2zM4.5 7L12 12.5 19.5 7v1.9L12 14.4 4.5 8.9z"

NETWORK = action("mail", "Mail", ICON, share_url="mailto:?subject={title}&body={url}")
