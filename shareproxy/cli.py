"""The ``shareproxy`` command: ``serve``, ``check-config`` (and the admin commands)."""

from __future__ import annotations

import os
import site
import sys

import click

from .admin_cli import register
from .settings import ConfigError, load


@click.group()
def main() -> None:
    """shareproxy: privacy-friendly share buttons with server-side, cached share counts."""


def gunicorn_config() -> str:
    """gunicorn.conf.py of a checkout, else the copy ``pip install`` put in share/shareproxy."""
    here = os.path.dirname(os.path.abspath(__file__))
    for path in (
        os.path.join(os.path.dirname(here), "gunicorn.conf.py"),
        os.path.join(sys.prefix, "share", "shareproxy", "gunicorn.conf.py"),
        os.path.join(site.getuserbase(), "share", "shareproxy", "gunicorn.conf.py"),
    ):
        if os.path.isfile(path):
            return path
    raise click.ClickException("gunicorn.conf.py not found (reinstall shareproxy)")


@main.command()
@click.option(
    "--bind",
    metavar="ADDRESS",
    help="host:port or unix:PATH (default: $BIND, else 127.0.0.1:$PORT, else 127.0.0.1:8000).",
)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    help="Worker processes (default: $WEB_CONCURRENCY, else one per CPU, at least 2).",
)
def serve(bind: str | None, workers: int | None) -> None:
    """Run the production server (gunicorn with gunicorn.conf.py)."""
    config = gunicorn_config()
    if bind:
        os.environ["BIND"] = bind
    if workers:
        os.environ["WEB_CONCURRENCY"] = str(workers)
    # A fresh interpreter: gunicorn.conf.py must set PROMETHEUS_MULTIPROC_DIR before
    # prometheus_client is first imported, and this process has imported it already.
    argv = [sys.executable, "-m", "gunicorn", "-c", config, "shareproxy:create_app()"]
    os.execv(sys.executable, argv)


@main.command("check-config")
def check_config() -> None:
    """Validate the settings and print what is configured (the store in full, the networks
    that are off); exit 1 on a bad setting or a SQLite store that cannot be written."""
    from .startup import store_problem, summary

    try:
        settings = load()
    except ConfigError as exc:
        click.echo(f"shareproxy: configuration error: {exc}", err=True)
        sys.exit(1)
    for line in summary(settings):
        click.echo(line)
    problem = store_problem(settings)
    if problem:
        click.echo(f"shareproxy: configuration error: {problem}", err=True)
        sys.exit(1)


register(main)  # ttl get|set, cache purge, stats, hash-password (shareproxy/admin_cli.py)


if __name__ == "__main__":  # pragma: no cover
    main()
