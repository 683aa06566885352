"""shareproxy: privacy-friendly share buttons with server-side, cached share counts."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from flask import Flask, Response, current_app, request
from werkzeug.middleware.proxy_fix import ProxyFix

from . import assets, compress, errors, metrics
from ._version import __version__
from .cache import CountCache
from .fastpath import FastPath
from .fetch import Fetcher
from .networks import COUNT_NETWORKS
from .paths import data_dir, instance_dir
from .privacy import AddressFilter
from .settings import ConfigError, Settings, load
from .store import Store, open_store

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MAX_QUERY_BYTES = 32768  # gunicorn.conf.py and deploy/nginx let such a request line through
log = logging.getLogger("shareproxy")

__all__ = ["ConfigError", "Services", "__version__", "create_app", "services"]


@dataclass
class Services:
    """Everything a request may need, made once per process."""

    settings: Settings
    store: Store
    fetcher: Fetcher
    cache: CountCache

    @cached_property
    def _enabled(self) -> list[str]:
        return [n for n, net in COUNT_NETWORKS.items() if not self.fetcher.missing_credentials(net)]

    def enabled_counts(self) -> list[str]:
        """Networks whose counts are on (count API known and credentials present)."""
        return list(self._enabled)  # credentials are read once, at start-up

    @cached_property
    def deadline(self) -> float:
        """SHAREPROXY_REQUEST_DEADLINE in seconds."""
        return float(self.settings.request_deadline)


def services() -> Services:
    svc: Services = current_app.extensions["shareproxy"]
    return svc


def summary(settings: Settings, fetcher: Fetcher) -> list[str]:
    """What is configured and what is not, one line each (logged at start-up)."""
    lines = [
        f"shareproxy {__version__}: store {settings.store or 'sqlite (instance folder)'}",
        f"allowed domains: {', '.join(settings.allowed_domains)}",
    ]
    for name, net in COUNT_NETWORKS.items():
        missing = fetcher.missing_credentials(net)
        if missing:
            lines.append(f"{name} counts off: no SHAREPROXY_{missing[0]}")
    return lines


# Browser features an HTML answer may use: none, unless a view allows some to itself.
# Only features Chromium knows (an unknown one is a console error on every page); web-share
# is left at the browsers' default (this origin only), as Chromium on Linux lacks it.
POLICY_FEATURES = (
    "accelerometer", "autoplay", "camera", "clipboard-read", "clipboard-write",
    "display-capture", "encrypted-media", "fullscreen", "geolocation", "gyroscope", "hid",
    "idle-detection", "magnetometer", "microphone", "midi", "payment", "picture-in-picture",
    "publickey-credentials-get", "screen-wake-lock", "serial", "usb", "xr-spatial-tracking",
)  # fmt: skip


def permissions_policy(*own: str) -> str:
    """A Permissions-Policy denying every feature but ``own`` (allowed to this origin)."""
    return ", ".join(f"{f}=(self)" if f in own else f"{f}=()" for f in POLICY_FEATURES)


def _ensure_log_handler() -> None:
    """Send shareproxy's log to stderr when nobody configured logging (gunicorn does not
    for application loggers): otherwise the start-up summary would be lost."""
    logger = logging.getLogger("shareproxy")
    if logger.handlers or logging.getLogger().handlers:
        return
    handler = logging.StreamHandler()
    handler.setFormatter(
        logging.Formatter(
            "[%(asctime)s] [%(process)d] [%(levelname)s] %(name)s: %(message)s",
            "%Y-%m-%d %H:%M:%S %z",
        )
    )
    handler.addFilter(AddressFilter())  # no full address in any line, whoever logs it
    logger.addHandler(handler)


def create_app(overrides: Mapping[str, Any] | None = None, *, log_summary: bool = True) -> Flask:
    """Build the app. ``overrides`` (tests) win over the environment and the TOML file.

    Raises ConfigError, naming the setting, when a value cannot be used.
    """
    settings = load(overrides=overrides)
    app = Flask(
        __name__,
        static_folder=data_dir("static"),
        template_folder=data_dir("templates"),
        instance_path=instance_dir(),
    )
    if settings.trusted_proxies:
        n = int(settings.trusted_proxies)
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=n, x_proto=n, x_host=n, x_port=n, x_prefix=0
        )
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    app.json.sort_keys = False  # type: ignore[attr-defined]
    logging.getLogger("shareproxy").setLevel(settings.log_level.upper())
    _ensure_log_handler()

    store = open_store(settings.store, app.instance_path)
    fetcher = Fetcher(settings)
    cache = CountCache(settings, store, fetcher)
    app.extensions["shareproxy"] = Services(settings, store, fetcher, cache)
    # cached GET /api/counts answered before Flask (ProxyFix, when set, is inside: unused there)
    fast = FastPath(app.wsgi_app, cache, settings.allowed_domains)
    app.wsgi_app = fast  # type: ignore[method-assign]
    app.extensions["shareproxy.fastpath"] = fast
    metrics.attach(store)  # admin overview figures, flushed to the store off the request path

    if log_summary and not os.environ.get("SHAREPROXY__SUMMARY_LOGGED"):
        for line in summary(settings, fetcher):
            log.info("%s", line)

    errors.register(app)

    from .views import admin

    admin.init_app(app)  # session settings, the shared secret key, the /admin blueprint

    @app.before_request
    def limit_query() -> Response | None:
        if len(request.query_string) > MAX_QUERY_BYTES:
            return errors.error_response("request URI too long", 414)
        return None

    @app.after_request
    def common_headers(resp: Response) -> Response:
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("Referrer-Policy", "no-referrer")
        if resp.mimetype == "text/html":
            # pages use no powerful feature, open no window that may reach back, and are
            # not to be loaded by other sites (views that are embedded say otherwise)
            resp.headers.setdefault("Permissions-Policy", permissions_policy())
            resp.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
            resp.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        endpoint = request.endpoint or "unknown"
        metrics.request(endpoint, resp.status_code)
        return resp

    from .views import api, badges, buttons, docs, health, pages, share

    app.register_blueprint(api.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(buttons.bp)
    app.register_blueprint(share.bp)
    app.register_blueprint(badges.bp)
    app.register_blueprint(docs.bp)
    app.register_blueprint(pages.bp)
    # brotli/gzip for every text answer; the buttons' assets compressed now, once
    compress.install(app, preload=[asset.body for asset in assets.assets().values()])
    return app
