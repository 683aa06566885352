"""Info: explains why nothing reaches a network before a click."""

from .base import action

ICON = "M12 2a10 10 0 1 1 0 20A10 10 0 0 1 12 2zm-1.2 8h2.4v7.5H10.8zM12 5.8a1.4 1.4 0 1 0 0 2.8 1.4 1.4 0 0 0 0-2.8z"  # noqa: E501

NETWORK = action(
    "info",
    "Info",
    ICON,
    "a link to `info` (default: `/info`, what the buttons do and send, for visitors)",
)
