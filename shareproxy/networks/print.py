"""Print: window.print() in the visitor's browser."""

from .base import action

ICON = "M6 2h12v5H6zM2 8h20v9h-4v-3H6v3H2zM7 15h10v7H7zM18 10a1 1 0 1 0 0 2 1 1 0 0 0 0-2z"

NETWORK = action("print", "Print", ICON, "prints the embedding page (through the loader)")
