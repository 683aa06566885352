"""``/share/<network>``: one click through shareproxy, then the network's own share dialog.

The redirect target is always built from the network's template with the validated page
URL (allowlisted) and title encoded into it: no parameter can choose where it goes.
Mastodon is the exception that proves the rule: its host is the visitor's own server, so
we never redirect there; we show a page with a link the visitor follows themselves.
"""

from __future__ import annotations

import re

from flask import Blueprint, Response, redirect, render_template, request
from werkzeug.wrappers import Response as BaseResponse

from .. import clicks, i18n
from ..errors import ApiError
from ..networks import NETWORKS
from .api import requested_url, single_arg
from .buttons import Options, language, title_arg, web_url_arg

bp = Blueprint("share", __name__)

_HOST = re.compile(
    r"^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$"
)


def instance_arg() -> str:
    """The visitor's fediverse server, a plain host name (no scheme, port, path or IP)."""
    raw = (single_arg("instance") or "").strip().lower()
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


def no_store(resp: BaseResponse) -> BaseResponse:
    resp.headers["Cache-Control"] = "no-store"
    resp.headers["Referrer-Policy"] = "no-referrer"
    return resp


@bp.get("/share/<network>")
def share(network: str) -> BaseResponse:
    net = NETWORKS.get(network)
    if net is None or net.share_url is None:
        raise ApiError(f"no such network to share on; accepted: {', '.join(shareable())}", 404)
    url = requested_url()
    title = title_arg()
    media = web_url_arg("media") if network == "pinterest" else ""
    if net.kind == "fediverse":
        return fediverse(url, title)
    clicks.record(url, network, request.remote_addr or "", request.user_agent.string)
    return no_store(redirect(net.share_link(url, title, media=media), 302))


def fediverse(url: str, title: str) -> BaseResponse:
    """Ask for the visitor's server; with one, offer the link to its share page."""
    lang = language()
    net = NETWORKS["mastodon"]
    target = ""
    if single_arg("instance") is not None:
        instance = instance_arg()
        target = net.share_link(url, title, instance=instance)
        clicks.record(url, net.name, request.remote_addr or "", request.user_agent.string)
    html = render_template(
        "buttons/mastodon.html",
        o=Options(url=url, title=title, lang=lang),
        target=target,
        _=i18n.translator(lang).gettext,
        lang=lang,
        dir=i18n.direction(lang),
    )
    resp = Response(html, mimetype="text/html")
    resp.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'self'; form-action 'self'; base-uri 'none'; "
        "frame-ancestors 'none'"
    )
    return no_store(resp)
