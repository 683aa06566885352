"""shareproxy: privacy-friendly share buttons with server-side, cached share counts."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask, Response, request
from werkzeug.middleware.proxy_fix import ProxyFix

from . import (
    allocator,
    assets,
    compress,
    container,
    errors,
    headers,
    icons,
    metrics,
    presence,
    startup,
)
from ._version import __version__
from .fastpath import FastPath
from .pagememo import PageMemo
from .paths import data_dir, instance_dir
from .settings import ConfigError, load
from .views import BLUEPRINTS
from .views.admin import init_app as init_admin
from .views.buttons import shortcut as buttons_shortcut

MAX_QUERY_BYTES = 32768  # gunicorn.conf.py and deploy/nginx let such a request line through

__all__ = ["ConfigError", "__version__", "create_app"]


def create_app(
    overrides: Mapping[str, Any] | None = None,
    *,
    log_summary: bool = True,
    check_in: bool = True,
) -> Flask:
    """Build the app. ``overrides`` (tests) win over the environment and the TOML file.

    ``check_in=False`` (the ``shareproxy`` command) keeps the process off the list of
    servers using the store (shareproxy/presence.py).

    Raises ConfigError, naming the setting, when a value cannot be used.
    """
    settings = load(overrides=overrides)
    allocator.fix_mmap_threshold()  # large blocks given back when freed (allocator.py)
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
    startup.ensure_log_handler()

    svc = container.build(settings, app.instance_path)
    app.extensions["shareproxy"] = svc
    # pages of buttons sent again while the counts they show stay the same (pagememo.py)
    svc.pagememo = PageMemo(app.wsgi_app, svc.counts)
    svc.pagememo.shortcut = buttons_shortcut(svc)  # other pages of a shape Flask rendered
    app.wsgi_app = svc.pagememo  # type: ignore[method-assign]
    # cached GET /api/counts answered before Flask (ProxyFix, when set, is inside: unused there)
    svc.fastpath = FastPath(app.wsgi_app, svc.counts)
    app.wsgi_app = svc.fastpath  # type: ignore[method-assign]
    if check_in:
        presence.attach(svc)  # "a server uses this store", every 2 s

    if log_summary:
        startup.say(settings)

    errors.register(app)
    init_admin(app, svc)  # session settings and the shared secret key

    @app.before_request
    def limit_query() -> Response | None:
        if len(request.query_string) > MAX_QUERY_BYTES:
            return errors.error_response("request URI too long", 414)
        return None

    @app.after_request
    def common_headers(resp: Response) -> Response:
        headers.security(resp)
        metrics.request(request.endpoint or "unknown", resp.status_code)
        return resp

    app.jinja_env.globals["network_icon"] = icons.svg  # one drawing of an icon everywhere
    for bp in BLUEPRINTS:
        app.register_blueprint(bp)
    # brotli/gzip for every text answer; the buttons' assets compressed now, once
    compress.install(app, preload=[asset.body for asset in assets.assets().values()])
    return app
