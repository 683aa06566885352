"""``/share/<network>``: one click through shareproxy, then the network's own share dialog.

The redirect target is always built from the network's template with the validated page
URL (allowlisted) and title encoded into it: no parameter can choose where it goes.
Mastodon is the exception that proves the rule: its host is the visitor's own server, so
we never redirect there; we show a page with a link the visitor follows themselves.
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
    """Count this share (de-duplicated per visitor); a store failure never stops it."""
    services().clicks.record_share(
        url, network, request.remote_addr or "", request.user_agent.string
    )


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
    """Ask for the visitor's server; with one, offer the link to its share page."""
    lang = params.lang()
    net = NETWORKS["mastodon"]
    target = ""
    if params.single("instance") is not None:
        instance = instance_arg()
        target = net.share_link(url, title, instance=instance)
        record_click(url, net.name)
    html = render_template(
        "buttons/mastodon.html",
        o=params.Options(url=url, title=title, lang=lang),
        target=target,
        _=i18n.translator(lang).gettext,
        lang=lang,
        dir=i18n.direction(lang),
    )
    resp = Response(html, mimetype="text/html")
    resp.headers["Content-Security-Policy"] = headers.MASTODON_CSP
    return headers.no_store(resp)
