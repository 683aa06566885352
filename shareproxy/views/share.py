"""``/share/<network>``: one click through shareproxy, then the network's own share dialog.

The redirect target is always built from the network's template with the validated page
URL (allowlisted) and title encoded into it: no parameter can choose where it goes.
Mastodon's host is the visitor's own server: without one, a page asks for it (and counts
nothing); with one, the redirect goes to ``https://<that host>/share`` with the page's text.
A share is counted when, and only when, the redirect to the network is sent.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode

from flask import Blueprint, Response, redirect, render_template, request
from werkzeug.wrappers import Response as BaseResponse

from .. import headers, i18n
from ..errors import ApiError
from ..networks import NETWORKS
from . import params
from .context import services

bp = Blueprint("share", __name__)

_HOST = re.compile(
    r"^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$"
)


def instance_arg() -> str:
    """The visitor's fediverse server, a plain host name (no scheme, port, path or IP)."""
    raw = (params.single("instance") or "").strip().lower()
    raw = raw.removeprefix("https://").removeprefix("http://").rstrip("/")
    try:
        host = raw.encode("idna").decode("ascii") if raw else ""
    except UnicodeError:
        host = ""
    if not _HOST.match(host):
        raise ApiError("'instance' must be a server's host name, e.g. mastodon.social")
    return host


def shareable() -> list[str]:
    return [n for n, net in NETWORKS.items() if net.share_url is not None]


def record_click(url: str, network: str) -> None:
    """Count this share, which leaves for the network now (a HEAD request goes nowhere);
    the click counter limits what one client network adds, and a store failure never
    stops the share."""
    if request.method == "GET":
        services().clicks.record_share(url, network, request.remote_addr or "")


@bp.get("/share/<network>")
def share(network: str) -> BaseResponse:
    net = NETWORKS.get(network)
    if net is None or net.share_url is None:
        raise ApiError(f"no such network to share on; accepted: {', '.join(shareable())}", 404)
    url = params.page_url()
    title = params.title()
    media = params.web_url("media") if network == "pinterest" else ""
    via = params.via_of(params.single("via")) if network == "twitter" else ""
    if net.kind == "fediverse":
        return fediverse(url, title)
    record_click(url, network)
    target = net.share_link(url, title, media=media)
    if via:  # X names the account: "via @name"
        target += "&" + urlencode({"via": via})
    return headers.no_store(redirect(target, 302))


def fediverse(url: str, title: str) -> BaseResponse:
    """Ask for the visitor's server (counting nothing); with one, send them to its share
    page, counted."""
    lang = params.lang()
    net = NETWORKS["mastodon"]
    if params.single("instance") is not None:
        target = net.share_link(url, title, instance=instance_arg())
        record_click(url, net.name)
        return headers.no_store(redirect(target, 302))
    html = render_template(
        "buttons/mastodon.html",
        o=params.Options(url=url, title=title, lang=lang),
        _=i18n.translator(lang).gettext,
        lang=lang,
        dir=i18n.direction(lang),
    )
    resp = Response(html, mimetype="text/html")
    resp.headers["Content-Security-Policy"] = headers.MASTODON_CSP
    return headers.no_store(resp)
