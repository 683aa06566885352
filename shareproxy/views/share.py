"""``/share/<network>``: one click through shareproxy, then the network's own share dialog.

The redirect target is always built from the network's template with the validated page
URL (allowlisted) and title encoded into it: no parameter can choose where it goes.
A share is counted when, and only when, the redirect to the network is sent.
The fediverse (``/share/fediverse``, and ``/share/mastodon`` alike) is the one place where
the visitor names the host: their own server, whose software shareproxy looks up
(:mod:`shareproxy.nodeinfo`, through the address guard) before sending them to that
software's share page on ``https://<their server>/``. The host they type is never logged
and never stored with anything about them.
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, Response, redirect, render_template, request
from werkzeug.wrappers import Response as BaseResponse

from .. import assets, headers, i18n, icons
from ..errors import ApiError
from ..networks import NETWORKS
from ..networks import fediverse as fedi
from . import params
from .context import services

bp = Blueprint("share", __name__)


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
    if net.kind == "fediverse":
        return fediverse_page(network)
    url = params.page_url()
    title = params.title()
    media = params.web_url("media") if "media" in net.takes else ""
    via = params.via_of(params.single("via")) if "via" in net.takes else ""
    record_click(url, network)
    target = net.share_link(url, title, media=media)
    if via:  # X names the account: "via @name"
        target += "&" + urlencode({"via": via})
    return headers.no_store(redirect(target, 302))


# --- the fediverse


def fediverse_page(network: str) -> BaseResponse:
    """The fediverse share page; a bad parameter answers a small page with the one-line
    reason (a visitor sees it, never raw JSON)."""
    try:
        return fediverse(network)
    except ApiError as exc:
        try:
            lang = params.lang()
        except ApiError:
            lang = i18n.DEFAULT
        page = FediPage(network, "", "", lang, "color")
        return page.render("error", status=exc.status, problem=exc.message)


def fediverse(network: str) -> BaseResponse:
    """Without ``instance``: ask for it. With one: find its software and send the visitor
    to its share page (302, counted), or show the copy page, or a note when the software
    could not be found."""
    url = params.page_url()
    title = params.title()
    lang = params.lang()
    theme = params.choice("theme", params.CHOICES["theme"])
    forced = params.software()
    page = FediPage(network, url, title, lang, theme)
    raw = params.single("instance")
    if raw is None or not raw.strip():
        return page.render("ask")
    try:
        host = fedi.instance_host(raw)
    except fedi.BadInstance:
        return page.render("ask", status=400, problem="invalid", typed=raw[:300])
    page.host = host
    if forced is not None:
        return leave(network, url, fedi.share_link(forced, host, url, title))
    found = services().fediverse.software(host)
    if found.refused:
        problem = "dns" if found.kind == "dns" else "refused"
        return page.render("ask", status=400, problem=problem, typed=raw[:300])
    if found.software is None:  # the lookup failed: Mastodon's share page is the best guess
        return page.render("unknown")
    if found.server:  # the name belongs to a server elsewhere (its NodeInfo is there)
        host = page.host = found.server
    link = fedi.share_link(found.software, host, url, title)
    if link is None:
        page.software = fedi.describe(found.software).label
        return page.render("copy")
    return leave(network, url, link)


def leave(network: str, url: str, link: str | None) -> BaseResponse:
    """The redirect to the visitor's server; the share is counted now, as it leaves."""
    assert link is not None and link.startswith("https://")
    record_click(url, network)
    return headers.no_store(redirect(link, 302))


class FediPage:
    """The fediverse share page in its states: ``ask`` (which server?), ``copy`` (the
    software has no share page), ``unknown`` (the software could not be found)."""

    def __init__(self, network: str, url: str, title: str, lang: str, theme: str):
        self.network = network
        self.url = url
        self.title = title
        self.lang = lang
        self.theme = theme
        self.host = ""
        self.software = ""

    def render(
        self, state: str, *, status: int = 200, problem: str = "", typed: str = ""
    ) -> Response:
        net = NETWORKS[self.network]
        query = {"url": self.url, "title": self.title, "lang": self.lang, "theme": self.theme}
        html = render_template(
            "buttons/fediverse.html",
            state=state,
            problem=problem,
            typed=typed,
            net=net,
            host=self.host,
            software=self.software,
            url=self.url,
            title=self.title,
            theme=self.theme,
            query={k: v for k, v in query.items() if v},
            text=fedi.copy_text(self.url, self.title),
            icon=icons.path(self.network),
            css=assets.url("fediverse.css"),
            js=assets.url("fediverse.js"),
            _=i18n.translator(self.lang).gettext,
            lang=self.lang,
            dir=i18n.direction(self.lang),
        )
        resp = Response(html, status=status, mimetype="text/html")
        resp.headers["Content-Security-Policy"] = headers.FEDIVERSE_CSP
        resp.headers["X-Content-Type-Options"] = "nosniff"
        resp.headers["Permissions-Policy"] = headers.permissions_policy("clipboard-write")
        return headers.no_store(resp)
