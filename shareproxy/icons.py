"""Placeholder icons (simple shapes) until the self-drawn set arrives from the badges branch.

API: ``path(name)`` is SVG path data for ``viewBox="0 0 24 24"``, for every network.
"""

from __future__ import annotations

_CIRCLE = "M12 3a9 9 0 1 1 0 18a9 9 0 0 1 0-18z"
_SQUARE = "M5 3h14a2 2 0 0 1 2 2v14a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2z"
_BUBBLE = "M4 4h16v12H9l-5 4z"
_PATHS = {
    "mail": "M2 5h20v14H2zM3 6l9 7 9-7",
    "print": "M6 2h12v6H6zM3 9h18v8h-3v5H6v-5H3zM8 14v6h8v-6z",
    "copy": "M8 2h12v14H8zM4 6h2v12h10v2H4z",
    "share": "M18 2a3 3 0 1 1 0 6a3 3 0 0 1 0-6zM6 9a3 3 0 1 1 0 6a3 3 0 0 1 0-6zM18 16a3 3 0 "
    "1 1 0 6a3 3 0 0 1 0-6zM8 11l8-4v2l-8 4zM8 13l8 4v-2l-8-4z",
    "info": "M12 2a10 10 0 1 1 0 20a10 10 0 0 1 0-20zM11 10h2v8h-2zM11 6h2v2h-2z",
    "sms": _BUBBLE,
    "whatsapp": _BUBBLE,
    "telegram": "M2 11l20-8-4 18-6-5-3 4v-6l9-8-11 7z",
    "twitter": "M4 3h4l12 18h-4zM18 3h2l-7 8-1-1.5zM4 21l7-8 1 1.5L6 21z",
    "threema": _BUBBLE,
    "mastodon": _SQUARE,
    "bluesky": "M12 11C9 5 4 2 3 5c0 3 1 8 5 8-4 1-4 5 0 6 3 0 4-4 4-6 0 2 1 6 4 6 4-1 4-5 0-6 "
    "4 0 5-5 5-8-1-3-6 0-9 6z",
}


def path(name: str) -> str:
    """SVG path data (viewBox 0 0 24 24) for a network's icon; a circle for the rest."""
    return _PATHS.get(name, _CIRCLE if len(name) % 2 else _SQUARE)
