"""The admin commands of ``shareproxy``: ttl get|set, cache purge, embed purge, stats,
hash-password.

``shareproxy/cli.py`` adds them to its group with :func:`register`. Every command reads
the same settings as the server (environment, ``SHAREPROXY_CONFIG``) and finds the store by
the same rule (shareproxy/paths.py), and says which store it used. A change is confirmed
only when the running servers of that store applied it (shareproxy/presence.py); a change
no running server can see is reported as such, with exit status 1.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import click
from werkzeug.security import generate_password_hash

from . import console, human, presence
from .admin_service import AdminService, NotEmbeddable, TTLRefused, check_ttl
from .container import Services, build
from .metrics import ALL
from .networks import COUNT_NETWORKS
from .paths import instance_dir
from .settings import TTL_CEILING, ConfigError, load
from .startup import store_location
from .store import StoreError
from .urls import BadURL

MIN_PASSWORD = 12
CONFIRM_WITHIN = 8.0  # seconds to wait for every running server to apply a change
NOT_REACHED = 1  # exit status of a change that no running server uses


def _services() -> Services:
    """The services on the server's store, made as the server makes them (without an app,
    and without checking in as a server)."""
    try:
        settings = load()
        return build(settings, instance_dir())
    except ConfigError as exc:
        raise click.ClickException(f"configuration error: {exc}") from None
    except (StoreError, OSError) as exc:
        where = store_location(settings)
        raise click.ClickException(f"store unavailable: {where}: {exc}") from None


def _where(svc: Services) -> str:
    return store_location(svc.settings)


def _count_network(name: str) -> str:
    if name not in COUNT_NETWORKS:
        raise click.BadParameter(
            "not a network with a count API (one of: " + ", ".join(COUNT_NETWORKS) + ")",
            param_hint="NETWORK",
        )
    return name


def _members(svc: Any) -> list[presence.Member]:
    try:
        return presence.members(svc.store)
    except StoreError as exc:
        raise click.ClickException(f"store unavailable: {exc}") from None


def _header(svc: Any, first: str = "") -> None:
    """Which store this command used, and which servers use it (and whether they run with
    other settings; ``first``: the network the command is about)."""
    found = _members(svc)
    click.echo(f"store: {_where(svc)}")
    click.echo(f"servers: {presence.describe(found)}")
    _warn_other_settings(svc, found, first)


def other_ttls(svc: Any, found: list[presence.Member]) -> dict[str, tuple[int, int]]:
    """Networks whose TTL the running servers apply differs from the one these settings
    give, with (theirs, ours): both read the same overrides from the store, so a
    difference means the command runs with other settings than the servers."""
    try:
        svc.cache.sync(force=True)
    except StoreError:
        return {}
    differ = {}
    for name in COUNT_NETWORKS:
        theirs = {m.ttl[name] for m in found if name in m.ttl}
        ours = svc.cache.ttl(name)
        if len(theirs) == 1 and ours not in theirs:
            differ[name] = (theirs.pop(), ours)
    return differ


def _warn_other_settings(svc: Any, found: list[presence.Member], first: str = "") -> None:
    differ = other_ttls(svc, found)
    if not differ:
        return
    names = sorted(differ, key=lambda name: name != first)  # the network asked about first
    shown = "; ".join(
        f"{name}: {differ[name][0]} s there, {differ[name][1]} s here" for name in names[:3]
    )
    more = f"; {len(differ) - 3} more" if len(differ) > 3 else ""
    click.echo(
        f"warning: the running servers apply other TTLs than this command's settings give "
        f"({shown}{more}): run it with the servers' settings (environment, "
        'SHAREPROXY_CONFIG; README, "Command line").',
        err=True,
    )


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], left: int = 1) -> list[str]:
    """Columns padded to their widest cell; the first ``left`` columns align left."""
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]
    lines = []
    for row in [headers, *rows]:
        cells = [
            str(c).ljust(w) if i < left else str(c).rjust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
    return lines


def _confirm(
    svc: Any,
    what: str | Callable[[list[presence.Member]], str],
    applied: Callable[[presence.Member], bool],
    json_out: bool = False,
) -> None:
    """Wait for the running servers of the store to apply a change, and say what happened
    (``what``: the words, or made from the servers that applied it)."""
    try:
        done, pending = presence.wait_until(svc.store, applied, CONFIRM_WITHIN)
    except StoreError as exc:
        raise click.ClickException(f"store unavailable: {exc}") from None
    if callable(what):
        what = what(done)
    if not done and not pending:
        click.echo(
            f"shareproxy: {what} in the store {_where(svc)}, but no running server uses "
            f"this store (none checked in within {presence.KEEP:.0f} s). A server started on "
            "it will apply the change; to reach a running server, run this command with the "
            'server\'s settings (SHAREPROXY_STORE; README, "Where the data is").',
            err=True,
        )
        sys.exit(NOT_REACHED)
    if pending:
        click.echo(f"store: {_where(svc)}", err=True)
        click.echo(
            f"{what}; applied by {len(done)} of {len(done) + len(pending)} server processes "
            f"so far (the others apply it within a few seconds).",
            err=True,
        )
    else:
        click.echo(f"store: {_where(svc)}", err=json_out)
        click.echo(f"{what}; applied by {presence.describe(done)}.", err=json_out)


# --- hash-password


@click.command("hash-password")
def hash_password() -> None:
    """Print the SHAREPROXY_ADMIN_PASSWORD_HASH for a password typed at the prompt."""
    password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    if len(password) < MIN_PASSWORD:
        raise click.ClickException(f"use at least {MIN_PASSWORD} characters")
    click.echo(generate_password_hash(password, method="scrypt"))


# --- ttl


class Duration(click.ParamType):
    """Seconds, or a number with a unit: 1800, 30min, 2h, 1d."""

    name = "SECONDS"

    def convert(self, value: Any, param: Any, ctx: Any) -> int:
        if isinstance(value, int):
            return value
        seconds = human.parse_duration(str(value))
        if seconds is None:
            self.fail(f"{value!r} is not a duration (1800, 30min, 2h or 1d)", param, ctx)
        return seconds


@click.group()
def ttl() -> None:
    """Read or change how long a network's counts stay fresh."""


@ttl.command("get")
@click.argument("network", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def ttl_get(network: str | None, as_json: bool) -> None:
    """Print the TTL of NETWORK (or of every network with a count API)."""
    names = [_count_network(network)] if network else list(COUNT_NETWORKS)
    svc = _services()
    rows = AdminService(svc).ttl_rows(names)  # without the store: the configured values
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    _header(svc, network or "")
    click.echo()
    body = [
        (
            r["network"],
            f"{human.duration(r['seconds'])} ({r['seconds']} s)",
            "override" if r["override"] is not None else f"{r['source']} (setting)",
            human.duration(r["floor"]),
        )
        for r in rows
    ]
    for line in table(("network", "TTL", "set by", "floor"), body, left=3):
        click.echo(line)
    click.echo(f"\nOverrides stay between each network's floor and {human.duration(TTL_CEILING)}.")


@ttl.command("set")
@click.argument("network")
@click.argument("seconds", required=False, type=Duration())
@click.option("--reset", is_flag=True, help="Go back to the configured lifetime.")
def ttl_set(network: str, seconds: int | None, reset: bool) -> None:
    """Set the TTL of NETWORK on every worker and instance (kept in the store).

    SECONDS is a number of seconds or a duration with a unit: 1800, 30min, 2h, 1d.
    """
    name = _count_network(network)
    if reset == (seconds is not None):
        raise click.UsageError("give SECONDS or --reset")
    if seconds is not None:
        try:
            check_ttl(name, seconds)  # before the store is opened
        except TTLRefused as exc:
            floor, ceiling = exc.floor, exc.ceiling
            raise click.BadParameter(
                f"must be between {floor} (the floor of {name}, {human.duration(floor)}) "
                f"and {ceiling} ({human.duration(ceiling)})",
                param_hint="SECONDS",
            ) from None
    svc = _services()
    before = {(m.host, m.pid): m.ttl.get(name) for m in _members(svc)}
    try:
        svc.cache.sync(force=True)
        had = svc.cache.ttl_override(name)
    except StoreError as exc:
        raise click.ClickException(f"store unavailable, nothing changed: {exc}") from None
    try:
        now = AdminService(svc).set_ttl(name, seconds)
    except StoreError as exc:
        raise click.ClickException(f"store unavailable, nothing changed: {exc}") from None
    if not reset:
        what = f"{name}: TTL {human.duration(now)} ({now} s) saved"
        _confirm(svc, what, lambda m: m.ttl.get(name) == now)
        return

    # Back to the setting: the servers apply their own, which these settings may not give.
    def applied(m: presence.Member) -> bool:
        if had is None:  # there was no override: nothing for a server to apply
            return True
        was = before.get((m.host, m.pid))
        return m.ttl.get(name) == now or (was is not None and m.ttl.get(name) != was)

    def said(done: list[presence.Member]) -> str:
        theirs = {m.ttl[name] for m in done if name in m.ttl}
        if len(theirs) == 1 and now not in theirs:
            value = theirs.pop()
            return (
                f"{name}: TTL back to its setting, {human.duration(value)} ({value} s) on the "
                f"running servers ({now} s with this command's settings)"
            )
        return f"{name}: TTL {human.duration(now)} ({now} s) back to its setting"

    _confirm(svc, said, applied)
    _warn_other_settings(svc, _members(svc), name)


# --- cache


Found = TypeVar("Found")
Command = TypeVar("Command", bound=Callable[..., Any])


def _purge_options(one: str, every: str) -> Callable[[Command], Command]:
    """--url (``one``: what it forgets) and --all (``every``) of a purge command."""

    def add(command: Command) -> Command:
        command = click.option("--all", "everything", is_flag=True, help=every)(command)
        return click.option("--url", help=one)(command)

    return add


def _purge(
    url: str | None,
    everything: bool,
    purge: Callable[[AdminService, str | None], tuple[int, Found]],
) -> tuple[Services, int, Found, str | None]:
    """Purge one item (--url) or everything (--all) with ``purge``: the services, how many
    values went, what ``purge`` found, and the generation the servers must reach."""
    if bool(url) == everything:
        raise click.UsageError("give --url URL or --all")
    svc = _services()
    admin = AdminService(svc)
    try:
        removed, found = purge(admin, url or None)
    except (BadURL, NotEmbeddable) as exc:
        raise click.BadParameter(str(exc), param_hint="--url") from None
    except StoreError as exc:
        raise click.ClickException(f"store unavailable, nothing purged: {exc}") from None
    return svc, removed, found, admin.generation


@click.group()
def cache() -> None:
    """Work on the count cache."""


@cache.command("purge")
@_purge_options("Purge only this page URL.", "Purge every cached count.")
def cache_purge(url: str | None, everything: bool) -> None:
    """Forget cached counts: of one URL (--url) or all of them (--all)."""
    svc, removed, target, generation = _purge(url, everything, AdminService.purge_counts)
    scope = target if target else "every URL"
    what = f"purged {removed} cached {'entry' if removed == 1 else 'entries'} of {scope}"
    _confirm(svc, what, lambda m: m.generation == generation)


# --- embeds


@click.group()
def embed() -> None:
    """Work on the embed previews (videos and posts)."""


@embed.command("purge")
@_purge_options(
    "Forget only this video or post (its content URL).", "Forget every preview and picture."
)
def embed_purge(url: str | None, everything: bool) -> None:
    """Forget cached embed previews: of one video or post (--url) or all of them (--all).
    The next visitor's placeholder asks the provider again."""
    svc, removed, item, generation = _purge(url, everything, AdminService.purge_embeds)
    values = f"{removed} stored value{'' if removed == 1 else 's'}"
    if item and url:
        what = f"purged the preview of the {item[0].label} {item[0].kind} {url.strip()} ({values})"
    else:
        what = f"purged every embed preview and picture ({values})"
    _confirm(svc, what, lambda m: m.generation == generation)


# --- stats


def _stats_lines(summary: dict[str, Any], span: str, title: str) -> list[str]:
    figures = summary[span]
    whole = figures.get(ALL, {})
    lines = [
        f"{title}: {whole.get('requests', 0)} HTTP requests, "
        f"{whole.get('server_errors', 0)} server errors (5xx)"
    ]
    rows = [
        (
            name,
            str(f["requests"]),
            human.percent(f["hit_ratio"]),
            str(f["stale"]),
            str(f["calls"]),
            str(f["errors"]),
            human.latency(f["p50"]),
            human.latency(f["p95"]),
            str(f["clicks"]),
        )
        for name, f in sorted(figures.items())
        if name != ALL
    ]
    if not rows:
        return [*lines, "  no count lookups, upstream calls or shares"]
    head = ("network", "lookups", "hit ratio", "stale", "calls", "errors", "p50", "p95", "shares")
    return lines + ["  " + line for line in table(head, rows)]


@click.command("stats")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (as /admin/api/stats).")
def stats(as_json: bool) -> None:
    """Requests, hit ratio, upstream calls and errors per network (last hour and day).

    Latencies are the upper bound of the bucket holding the 50th and 95th percentile; the
    JSON gives them in seconds (null when there was no call).
    """
    svc = _services()
    admin = AdminService(svc)
    try:
        summary, clicks = admin.figures()
    except StoreError as exc:
        raise click.ClickException(f"store unavailable: {exc}") from None
    states = admin.network_states(summary["hour"], force=True)  # the circuits open now
    if as_json:
        out = {"hour": summary["hour"], "day": summary["day"], "clicks": clicks}
        out["networks"] = [
            {k: row[k] for k in ("network", "level", "state", "ttl")} for row in states
        ]
        json.dump(out, sys.stdout, indent=2)
        click.echo()
        return
    _header(svc)
    click.echo(f"networks: {console.headline(states)}")
    for row in states:
        if row["level"] not in ("ok", "idle"):
            click.echo(f"  {row['network']}: {row['state']}")
    click.echo()
    for line in _stats_lines(summary, "hour", "Last hour"):
        click.echo(line)
    click.echo()
    for line in _stats_lines(summary, "day", "Last day"):
        click.echo(line)
    if clicks:
        total = ", ".join(f"{name} {n}" for name, n in clicks.items())
        click.echo(f"\nShares through shareproxy, all time: {total}")
    when = time.strftime("%Y-%m-%d %H:%M:%S %z")
    click.echo(f"\nFigures as of {when}, summed over every worker and instance.")


def register(group: click.Group) -> None:
    """Add the admin commands to the ``shareproxy`` group."""
    for command in (ttl, cache, embed, stats, hash_password):
        group.add_command(command)
