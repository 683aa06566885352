"""The admin commands of ``shareproxy``: ttl get|set, cache purge, stats, hash-password.

``shareproxy/cli.py`` adds them to its group with :func:`register`. Every command reads
the same settings as the server (environment, ``SHAREPROXY_CONFIG``) and works on the same
store, so a change made here reaches every running worker within a few seconds, like one
made in the console.
"""

from __future__ import annotations

import json
import sys

import click
from werkzeug.security import generate_password_hash

from .container import Services, build
from .paths import instance_dir
from .settings import TTL_CEILING, ConfigError, load, ttl_floor
from .store import StoreError
from .urls import BadURL, normalise

MIN_PASSWORD = 12


def _services() -> Services:
    """The services on the server's store, as the server makes them (without the app)."""
    try:
        settings = load()
    except ConfigError as exc:
        raise click.ClickException(f"configuration error: {exc}") from None
    return build(settings, instance_dir())


def _count_network(name: str) -> str:
    from .networks import COUNT_NETWORKS

    if name not in COUNT_NETWORKS:
        raise click.BadParameter(
            "not a network with a count API (one of: " + ", ".join(COUNT_NETWORKS) + ")",
            param_hint="NETWORK",
        )
    return name


@click.command("hash-password")
def hash_password() -> None:
    """Print the SHAREPROXY_ADMIN_PASSWORD_HASH for a password typed at the prompt."""
    password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    if len(password) < MIN_PASSWORD:
        raise click.ClickException(f"use at least {MIN_PASSWORD} characters")
    click.echo(generate_password_hash(password, method="scrypt"))


@click.group()
def ttl() -> None:
    """Read or change how long a network's counts stay fresh."""


@ttl.command("get")
@click.argument("network", required=False)
def ttl_get(network: str | None) -> None:
    """Print the TTL of NETWORK (or of every network with a count API)."""
    from .networks import COUNT_NETWORKS

    svc = _services()
    svc.cache.sync(force=True)
    names = [_count_network(network)] if network else list(COUNT_NETWORKS)
    for name in names:
        click.echo(f"{name}\t{svc.cache.ttl(name)}\t(floor {ttl_floor(name)})")


@ttl.command("set")
@click.argument("network")
@click.argument("seconds", required=False, type=int)
@click.option("--reset", is_flag=True, help="Go back to the configured lifetime.")
def ttl_set(network: str, seconds: int | None, reset: bool) -> None:
    """Set the TTL of NETWORK to SECONDS on every worker and instance (kept in the store)."""
    name = _count_network(network)
    if reset == (seconds is not None):
        raise click.UsageError("give SECONDS or --reset")
    if seconds is not None and not ttl_floor(name) <= seconds <= TTL_CEILING:
        raise click.BadParameter(
            f"must be between {ttl_floor(name)} (floor) and {TTL_CEILING}",
            param_hint="SECONDS",
        )
    svc = _services()
    try:
        svc.cache.set_ttl(name, None if reset else seconds)
    except StoreError as exc:
        raise click.ClickException(f"store unavailable: {exc}") from None
    click.echo(f"{name}\t{svc.cache.ttl(name)}")


@click.group()
def cache() -> None:
    """Work on the count cache."""


@cache.command("purge")
@click.option("--url", help="Purge only this page URL.")
@click.option("--all", "everything", is_flag=True, help="Purge every cached count.")
def cache_purge(url: str | None, everything: bool) -> None:
    """Forget cached counts: of one URL (--url) or all of them (--all)."""
    if bool(url) == everything:
        raise click.UsageError("give --url URL or --all")
    svc = _services()
    target = None
    if url:
        try:
            target = normalise(url, svc.settings.tracking_params)
        except BadURL as exc:
            raise click.BadParameter(str(exc), param_hint="--url") from None
    try:
        removed = svc.cache.purge(target)
    except StoreError as exc:
        raise click.ClickException(f"store unavailable: {exc}") from None
    click.echo(f"purged {removed} entries")


@click.command("stats")
@click.option("--json", "as_json", is_flag=True, help="Print JSON, as GET /admin/api/stats.")
def stats(as_json: bool) -> None:
    """Requests, hit ratio, upstream calls and errors per network (last hour and day)."""
    from . import metrics

    svc = _services()
    try:
        summary = metrics.summary(svc.store)
        clicks = svc.store.click_networks()
    except StoreError as exc:
        raise click.ClickException(f"store unavailable: {exc}") from None
    if as_json:
        json.dump(
            {"hour": summary["hour"], "day": summary["day"], "clicks": clicks}, sys.stdout, indent=2
        )
        click.echo()
        return
    click.echo("network\tspan\tlookups\thit_ratio\tstale\tcalls\terrors\tp50\tp95\tclicks")
    for span in ("hour", "day"):
        for name, f in sorted(summary[span].items()):
            click.echo(
                "\t".join(
                    str(v)
                    for v in (
                        name,
                        span,
                        f["requests"],
                        f["hit_ratio"],
                        f["stale"],
                        f["calls"],
                        f["errors"],
                        f["p50"],
                        f["p95"],
                        f["clicks"],
                    )
                )
            )


def register(group: click.Group) -> None:
    """Add the admin commands to the ``shareproxy`` group."""
    for command in (ttl, cache, stats, hash_password):
        group.add_command(command)
