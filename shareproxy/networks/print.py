"""Print: window.print() in the visitor's browser."""

from .base import action

ICON = "M6 2H18V7H6zM2 8H22v9H18V14H6v3H2zm5 7H17v7H7zm11-5a1 1 0 1 0 0 2 1 1 0 0 0 0-2z"

NETWORK = action("print", "Print", ICON, "prints the embedding page (through the loader)")
