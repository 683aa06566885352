"""The buttons: the iframe page and the plain-links snippet.

Nothing these pages make the browser load comes from anywhere but this server until the
visitor clicks; their Content-Security-Policy says so. In two-click mode a click on a
placeholder reloads the iframe with ``activate=<network>``: only that answer's policy
adds the origins of that network's widget.
"""

from __future__ import annotations

import json

from flask import Blueprint, Response, render_template, request
from markupsafe import Markup

from .. import assets, buttonrow, headers, i18n, icons, pagememo
from ..errors import ApiError
from . import params
from .context import services
from .params import Options

bp = Blueprint("buttons", __name__)


# --- headers


def button_csp(activated: list[str]) -> str:
    origins = buttonrow.widget_origins(activated)
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
    return headers.page(resp, csp, max_age=60, vary_language=not params.lang_fixed())


@bp.get("/buttons")
def buttons_page() -> Response:
    opts = params.options()
    if opts.refused:
        return unavailable(opts)
    ctx = page_context(opts)
    buttons = buttonrow.row(opts, i18n.translator(opts.lang).gettext)
    counted = buttonrow.add_counts(services().counts, opts, buttons)
    fetch = counted.pending
    kinds = {b.kind for b in buttons}
    note = buttonrow.note(buttons)
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
    # what the page showed of the counts: while they stay the same, pagememo.py sends it again
    fixed = params.lang_fixed()
    shown = pagememo.Shown(opts.url, counted.wanted, counted.found, counted.pending, fixed)
    request.environ[pagememo.SHOWN] = shown
    return headers.page(resp, csp, vary_language=not fixed)


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
        buttons = [b for b in buttonrow.row(opts, _, absolute=base) if b.kind in buttonrow.PLAIN]
        buttonrow.add_counts(services().counts, opts, buttons)
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
    if not params.lang_fixed():
        resp.vary.add("Accept-Language")
    return resp
