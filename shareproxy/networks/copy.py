"""Copy link: the clipboard of the visitor's browser."""

from .base import action

ICON = "M8 7h12a1 1 0 0 1 1 1v13a1 1 0 0 1-1 1H8a1 1 0 0 1-1-1V8a1 1 0 0 1 1-1zM9 9h10v11H9zM3 2h12v3h-2V4H5v12h.5v2H3z"  # noqa: E501

NETWORK = action("copy", "Copy link", ICON, "copies the page URL to the clipboard")
