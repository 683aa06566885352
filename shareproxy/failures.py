"""A failure with a kind: the short label metrics, logs and the admin console show."""

from __future__ import annotations

from typing import Any


class Failure(Exception):
    """``str()`` is the one-line reason; ``kind`` the class's label unless one is given."""

    kind = "error"

    def __init_subclass__(cls, kind: str = "", **rest: Any) -> None:
        """``class Refused(Failure, kind="refused")`` gives the subclass its label."""
        super().__init_subclass__(**rest)
        if kind:
            cls.kind = kind

    def __init__(self, reason: str = "", kind: str | None = None):
        super().__init__(reason)
        if kind:
            self.kind = kind
