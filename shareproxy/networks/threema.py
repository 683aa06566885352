"""Threema: app scheme (mobile); no count API."""

from .base import Network

ICON = "M12 2c5 0 9 3.4 9 7.6 0 4.2-4 7.6-9 7.6-1.3 0-2.6-.2-3.7-.7L4 17.5l1.2-3.6C3.8 12.6 3 11.1 3 9.6 3 5.4 7 2 12 2zM9.2 8.7h5.6v4.6H9.2zm.8 0v-1a2 2 0 0 1 4 0v1H13v-1a1 1 0 0 0-2 0v1zm-2 11a1.3 1.3 0 1 0 0 2.6 1.3 1.3 0 0 0 0-2.6zm4 0a1.3 1.3 0 1 0 0 2.6 1.3 1.3 0 0 0 0-2.6zm4 0a1.3 1.3 0 1 0 0 2.6 1.3 1.3 0 0 0 0-2.6z"  # noqa: E501

NETWORK = Network(
    name="threema", label="Threema", color="#1f1f1f", icon=ICON,
    share_url="threema://compose?text={text}",
)  # fmt: skip
