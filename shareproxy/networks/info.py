"""Info: explains why nothing reaches a network before a click."""

from .base import action

ICON = "M12 2a10 10 0 1 1 0 20 10 10 0 0 1 0-20zM10.8 10h2.4v7.5h-2.4zM12 5.8a1.4 1.4 0 1 0 0 2.8 1.4 1.4 0 0 0 0-2.8z"  # noqa: E501

NETWORK = action(
    "info",
    "Info",
    ICON,
    "a link to `info` (default: `/info`, what the buttons do and send, for visitors)",
)
