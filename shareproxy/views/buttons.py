"""The buttons: the iframe page and the plain-links snippet.

Nothing these pages make the browser load comes from anywhere but this server until the
visitor clicks; their Content-Security-Policy says so. In two-click mode a click on a
placeholder reloads the iframe with ``activate=<network>``: only that answer's policy
adds the origins of that network's widget.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

from flask import Blueprint, Response, render_template, request
from markupsafe import Markup

from .. import assets, headers, i18n, icons
from ..errors import ApiError
from ..networks import NETWORKS
from ..networks.base import Page
from . import params
from .context import services
from .params import Options

bp = Blueprint("buttons", __name__)


# --- what each button is


@dataclass
class Button:
    name: str
    kind: str  # link, mastodon, twoclick, widget, copy, print, share, info
    label: str  # visible text in the standard style
    aria: str  # accessible name
    icon: Markup  # icons.svg: the one drawing of the network's icon
    href: str = ""
    popup: bool = False
    count: str | None = None
    extra: str = ""  # explanation (two-click), "copied" (copy),
    # what the visitor reads when an activated widget did not load (widget)
    widget: Markup | None = None  # the official widget's markup (two-click, activated)
    scripts: list[str] = field(default_factory=list)  # and the scripts that render it

    @property
    def hidden_text(self) -> tuple[str, str]:
        """Text read before and after the visible label, for screen readers only.

        The accessible name comes from the content, so it always contains the visible
        label and count (WCAG 2.5.3): "Share on " + "X", or "Info" + ": Information …".
        """
        if self.aria == self.label:
            return "", ""
        before, found, after = self.aria.partition(self.label)
        return (before, after) if found else ("", f": {self.aria}")


def share_path(name: str, opts: Options) -> str:
    query = {"url": opts.url}
    if opts.title:
        query["title"] = opts.title
    if opts.media and name == "pinterest":
        query["media"] = opts.media
    if opts.via and name == "twitter":
        query["via"] = opts.via
    if NETWORKS[name].kind == "fediverse":  # its page speaks the buttons' language and theme
        query["lang"], query["theme"] = opts.lang, opts.theme
    return f"/share/{name}?{urlencode(query)}"


def mail_link(opts: Options) -> str:
    """The mail button's target: the visitor's mail program (to the address ``mail``
    names, if any), or the page ``mail`` names (a contact form), as Shariff does."""
    link = NETWORKS["mail"].share_link(opts.url, opts.title)
    if opts.mail.startswith("mailto:"):
        return opts.mail + link.removeprefix("mailto:")
    return opts.mail or link


def widget_parts(name: str, opts: Options) -> tuple[Markup, list[str]]:
    """The official widget of ``name`` for an activated two-click button: its markup and
    the URLs of the scripts that turn it into the network's button."""
    net, page = NETWORKS[name], Page(opts.url, opts.title, opts.lang, opts.media)
    assert net.widget is not None
    # every value escaped by the network
    return Markup(net.widget.element(net, page)), net.widget_scripts(page)


def buttons_for(opts: Options, _: Callable[[str], str], *, absolute: str = "") -> list[Button]:
    out: list[Button] = []
    for name in opts.networks:
        net = NETWORKS[name]
        label = net.label
        aria = _("Share on %(network)s") % {"network": net.label}
        b = Button(name, "link", label, aria, icons.svg(name, 18))
        if name == "info":
            b.kind, b.label = "info", _("Info")
            b.aria = _("Information about these buttons")
            b.extra = _("Nothing is sent to a network until you click one of these buttons.")
            b.href = opts.info or f"{absolute}/info?{urlencode({'lang': opts.lang})}"
        elif name == "copy":
            b.kind, b.label = "copy", _("Copy link")
            b.aria, b.extra = b.label, _("Link copied")
        elif name == "print":
            b.kind = "print"
            b.label = b.aria = _("Print")
        elif name == "share":
            b.kind = "share"
            b.label = b.aria = _("Share")
        elif name == "mail":
            b.label, b.aria = _("Mail"), _("Send by e-mail")
            b.href = mail_link(opts)
        elif net.kind == "fediverse":  # the server picker, then /share/<name> finds its page
            b.kind, b.href = "mastodon", absolute + share_path(name, opts)
        elif opts.mode == "twoclick" and net.widget is not None:
            if name in opts.activate:
                # The network's button, and until it shows (or if it never does: a content
                # blocker, an unreachable network) the share link of share mode in its place.
                b.kind = "widget"
                b.widget, b.scripts = widget_parts(name, opts)
                b.href, b.popup = absolute + share_path(name, opts), True
                b.extra = _("The %(network)s button did not load. This link shares without it.")
                b.extra %= {"network": net.label}
            else:
                b.kind = "twoclick"
                b.extra = _(
                    "The first click loads the %(network)s button, which sends data to "
                    "%(network)s; the second click shares."
                ) % {"network": net.label}
        else:
            assert net.share_url is not None
            if net.share_url.startswith("https://"):
                b.href, b.popup = absolute + share_path(name, opts), True
            else:  # app schemes (sms:, threema://): straight to the app
                b.href = net.share_link(opts.url, opts.title)
        out.append(b)
    return out


COUNTED = ("link", "twoclick", "mastodon")  # the kinds of button that show a count


def add_counts(opts: Options, buttons: list[Button]) -> list[str]:
    """Put in the counts known now, as /api/counts answers them (click counts included);
    return the networks the browser should ask /api/counts for."""
    if opts.counts != "on" or opts.style == "icon":
        return []
    counts = services().counts
    wanted = [b.name for b in buttons if b.kind in COUNTED and counts.countable(b.name)]
    if not wanted:
        return []
    found, pending = counts.at_once(opts.url, wanted)
    for b in buttons:
        if b.name in found:
            b.count = i18n.format_count(found[b.name])
    return pending


# --- headers


def button_csp(activated: list[str]) -> str:
    origins: list[str] = []
    for name in activated:
        widget = NETWORKS[name].widget
        assert widget is not None
        origins += widget.origins
    return headers.buttons_csp(origins, services().settings.allowed_domains)


def page_context(opts: Options) -> dict[str, object]:
    return {
        "o": opts,
        "_": i18n.translator(opts.lang).gettext,
        "lang": opts.lang,
        "dir": i18n.direction(opts.lang),
    }


# --- routes


def notices_json(opts: Options) -> str:
    """The notices of a lenient read, for the loader to print (an attribute's value)."""
    return json.dumps([{"level": n.level, "text": n.text} for n in opts.notices])


def unavailable(opts: Options) -> Response:
    """The page for a URL that cannot have buttons: a quiet, translated line instead of an
    error (the loader folds the frame away and tells the site owner why in the console).
    Any site may frame it, so the reason reaches a loader on a host not served."""
    opts.notices.append(params.Notice("warn", f"no buttons: {opts.refused}"))
    html = render_template(
        "buttons/unavailable.html",
        notices=notices_json(opts),
        css=assets.url("unavailable.css"),
        notices_js=assets.url("notices.js"),
        **page_context(opts),
    )
    status = 403 if opts.refused_host else 400
    resp = Response(html, status=status, mimetype="text/html")
    headers.embeddable(resp)
    csp = headers.buttons_csp([], services().settings.allowed_domains, anywhere=True)
    return headers.page(resp, csp, max_age=60, vary_language=not params.lang_given())


@bp.get("/buttons")
def buttons_page() -> Response:
    opts = params.options()
    if opts.refused:
        return unavailable(opts)
    ctx = page_context(opts)
    buttons = buttons_for(opts, i18n.translator(opts.lang).gettext)
    fetch = add_counts(opts, buttons)
    kinds = {b.kind for b in buttons}
    # Below the row in two-click mode: what a first click does (while a placeholder is
    # left), and where a widget that did not load says so.
    note = "twoclick" if "twoclick" in kinds else "widget" if "widget" in kinds else ""
    html = render_template(
        "buttons/page.html",
        buttons=buttons,
        note=note,
        mark=icons.MARK,
        fetch=",".join(fetch),
        css=assets.url("buttons.css"),
        # the placeholders' and activated networks' styles, in two-click mode only
        twoclick_css=assets.url("twoclick.css") if note else "",
        twoclick_js=assets.url("twoclick.js") if "widget" in kinds else "",
        js=assets.url("buttons.js"),
        notices=notices_json(opts) if opts.notices else "",
        notices_js=assets.url("notices.js"),
        **ctx,
    )
    resp = Response(html, mimetype="text/html")
    headers.embeddable(resp, "clipboard-write")  # the copy and share buttons, in a frame
    csp = button_csp(opts.activate)
    return headers.page(resp, csp, vary_language=not params.lang_given())


def comment_text(text: str) -> Markup:
    """A notice as the text of an HTML comment, read as written (a comment decodes no
    entity): nothing in it can end the comment or open a tag."""
    return Markup(text.replace("--", "- -").replace("<", "‹").replace(">", "›"))


@bp.get("/snippet")
def snippet() -> Response:
    """The buttons as plain links (no script, no style) for server-side includes.

    A site includes what it gets, so nothing here is JSON: what was skipped is said in an
    HTML comment before the links, and a page that cannot have buttons gets only such a
    comment, with its 400, 403 or 421 for the server that fetched it."""
    opts = params.options(framed=False)
    if opts.mode != "share":
        opts.notices.append(params.Notice("warn", "mode=twoclick needs the iframe: share is used"))
        opts.mode = "share"
    status, buttons = 200, []
    try:
        base = params.public_base()
    except ApiError as exc:
        opts.refused, status = exc.message, exc.status
    if opts.refused:
        opts.notices.append(params.Notice("warn", f"no buttons: {opts.refused}"))
        status = status if status != 200 else 403 if opts.refused_host else 400
    else:
        _ = i18n.translator(opts.lang).gettext
        buttons = [
            b for b in buttons_for(opts, _, absolute=base) if b.kind in ("link", "mastodon", "info")
        ]
        add_counts(opts, buttons)
    html = render_template(
        "buttons/snippet.html",
        buttons=buttons,
        notices=[comment_text(n.text) for n in opts.notices],
        **page_context(opts),
    )
    resp = Response(html, status=status, mimetype="text/html")
    resp.headers["Cache-Control"] = headers.public(300 if status == 200 else 60)
    resp.headers["Content-Security-Policy"] = headers.SNIPPET_CSP
    headers.embeddable(resp)
    # allowed sites may fetch it from the browser; nobody else
    headers.cors(resp, request.headers.get("Origin", ""), services().settings.allowed_domains)
    if not params.lang_given():
        resp.vary.add("Accept-Language")
    return resp
