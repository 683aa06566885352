"""The ``shareproxy`` command: ``serve``, ``check-config`` (and the admin commands)."""

from __future__ import annotations

import click

from .admin_cli import register


@click.group()
def main() -> None:
    """shareproxy: privacy-friendly share buttons with server-side, cached share counts."""


register(main)  # ttl get|set, cache purge, stats, hash-password (shareproxy/admin_cli.py)


if __name__ == "__main__":  # pragma: no cover
    main()
