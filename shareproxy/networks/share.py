"""Web Share API: the device's own share sheet, where navigator.share exists."""

from .base import action

ICON = "M12 2l5 5h-3.5v8h-3V7H7zM4 10h4v2H6v8h12v-8h-2v-2h4v12H4z"

NETWORK = action(
    "share",
    "Share",
    ICON,
    "the browser's Web Share dialog, shown only where `navigator.share` exists",
)
