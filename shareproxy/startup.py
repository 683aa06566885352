"""What is configured and what is not: the start-up summary, said once per server.

gunicorn's master says it in ``on_starting`` (gunicorn.conf.py) before it forks the
workers; a worker inherits the fact that it was said, so its ``create_app`` stays quiet.
Run without gunicorn (``import wsgi``, ``flask run``, tests), ``create_app`` says it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from ._version import __version__
from .paths import instance_dir, instance_rule
from .privacy import AddressFilter
from .settings import Settings, counts_off
from .store import describe, sqlite_problem

log = logging.getLogger("shareproxy")

_master_said = False  # True in gunicorn's master once it logged, and in its forked workers


def store_location(settings: Settings) -> str:
    """The store in full (SQLite file, or Redis URL without password) and why it is that one."""
    where = describe(settings.store, instance_dir())
    why = "SHAREPROXY_STORE" if settings.store else "default: " + instance_rule()
    return f"{where} ({why})"


def store_problem(settings: Settings) -> str | None:
    """A one-line configuration error when the SQLite store cannot be written, else None."""
    problem = sqlite_problem(settings.store, instance_dir())
    if problem is None:
        return None
    return f"SHAREPROXY_STORE: {problem}; point SHAREPROXY_STORE at a writable place"


def summary(settings: Settings) -> list[str]:
    """What is configured and what is not, one line each."""
    lines = [
        f"shareproxy {__version__}",
        f"store: {store_location(settings)}",
        f"allowed domains: {', '.join(settings.allowed_domains)}",
    ]
    lines += [f"{name} counts off: {why}" for name, why in counts_off(settings).items()]
    return lines


def say_in_master(settings: Settings, write: Callable[[str], None]) -> None:
    """gunicorn's master: write the summary once, before the workers are forked."""
    global _master_said
    for line in summary(settings):
        write(line)
    _master_said = True


def say(settings: Settings) -> None:
    """An app being made: log the summary, unless the gunicorn master already did."""
    if not _master_said:
        for line in summary(settings):
            log.info("%s", line)


def ensure_log_handler() -> None:
    """Send shareproxy's log to stderr when nobody configured logging (gunicorn does not
    for application loggers): otherwise the start-up summary would be lost."""
    if log.handlers or logging.getLogger().handlers:
        return
    handler = logging.StreamHandler()
    handler.setFormatter(
        logging.Formatter(
            "[%(asctime)s] [%(process)d] [%(levelname)s] %(name)s: %(message)s",
            "%Y-%m-%d %H:%M:%S %z",
        )
    )
    handler.addFilter(AddressFilter())  # no full address in any line, whoever logs it
    log.addHandler(handler)
