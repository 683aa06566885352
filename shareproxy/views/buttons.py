"""The buttons: the iframe page and the plain-links snippet.

Nothing these pages make the browser load comes from anywhere but this server until the
visitor clicks; their Content-Security-Policy says so. In two-click mode a click on a
placeholder reloads the iframe with ``activate=<network>``: only that answer's policy
adds the origins of that network's widget.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any

from flask import Blueprint, Response, render_template, request
from markupsafe import Markup, escape
from werkzeug.wrappers import Request as WerkzeugRequest

from .. import assets, buttonrow, headers, i18n, icons, pagememo, pageshape
from ..container import Services
from ..counts import Counts
from ..errors import ApiError
from ..networks import NETWORKS
from ..networks.base import Network
from ..urls import BadURL
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
    shape: PageKey | None = None
    if opts.activate:  # the widgets' markup carries the page: no shape to keep
        html, counted = full_page(opts)
    else:
        html, counted, shape = shaped_page(opts)
    resp = Response(html, mimetype="text/html")
    headers.embeddable(resp, "clipboard-write")  # the copy and share buttons, in a frame
    csp = button_csp(opts.activate)
    # what the page showed of the counts: while they stay the same, pagememo.py sends it again
    fixed = params.lang_fixed()
    shown = pagememo.Shown(
        opts.url,
        counted.wanted,
        counted.found,
        counted.pending,
        fixed,
        None if shape is None else (shape, fixed),
    )
    request.environ[pagememo.SHOWN] = shown
    return headers.page(resp, csp, vary_language=not fixed)


def render_page(opts: Options, buttons: list[buttonrow.Button], fetch: list[str] | str) -> str:
    """The page of ``buttons`` (``fetch``: the networks the browser asks the counts of)."""
    note = buttonrow.note(buttons)
    kinds = {b.kind for b in buttons}
    return render_template(
        "buttons/page.html",
        buttons=buttons,
        note=note,
        mark=icons.MARK,
        fetch=fetch if isinstance(fetch, str) else ",".join(fetch),
        css=assets.url("buttons.css"),
        # the placeholders' and activated networks' styles, in two-click mode only
        twoclick_css=assets.url("twoclick.css") if note else "",
        twoclick_js=assets.url("twoclick.js") if "widget" in kinds else "",
        js=assets.url("buttons.js"),
        notices=notices_json(opts) if opts.notices else "",
        notices_js=assets.url("notices.js"),
        **page_context(opts),
    )


def full_page(
    opts: Options, counted: buttonrow.Counted | None = None
) -> tuple[str, buttonrow.Counted]:
    """The page rendered from the template, every value in place (the counts ``counted``
    found, else those known now)."""
    buttons = buttonrow.row(opts, i18n.translator(opts.lang).gettext)
    if counted is None:
        counted = buttonrow.add_counts(services().counts, opts, buttons)
    else:
        buttonrow.show_counts(buttons, counted)
    return render_page(opts, buttons, counted.pending), counted


# --- pages of one shape (shareproxy/pageshape.py)

# The slots of a cut page: the page URL, its title, the networks left to the browser,
# then the link of each button, then the count of each button.
URL, TITLE, FETCH, LINKS = 0, 1, 2, 3


@dataclass(frozen=True, slots=True)
class Row:
    """What every page with the same options (but URL and title) shows: its buttons'
    names and kinds, and the networks of the buttons that are links (index, network)."""

    kinds: tuple[tuple[str, str], ...]
    links: tuple[tuple[int, Network], ...]


RowKey = tuple[object, ...]
# (the row's key, a title given, the buttons whose count is shown, counts left to fetch)
PageKey = tuple[RowKey, bool, tuple[int, ...], bool]
ROWS: pageshape.Shapes[RowKey, Row] = pageshape.Shapes(512, 1 << 30, lambda *_: 1)
# cut pages, or False for a shape rendered in full (its cut page differed)
PAGES: pageshape.Shapes[PageKey, pageshape.Cut | bool] = pageshape.Shapes(
    1024,
    8 * 1024 * 1024,
    lambda key, cut: pageshape.OVERHEAD + (cut.size if isinstance(cut, pageshape.Cut) else 0),
)


# Rows asked once (their keys' hashes): a row is kept and its pages cut when its options
# are asked again, so that requests each with other options (as no site asks) cost one
# rendering each, not three.
SEEN: pageshape.Shapes[int, bool] = pageshape.Shapes(4096, 1 << 30, lambda *_: 1)


def seen_before(key: RowKey) -> bool:
    """Whether ``key`` was asked before (now it has been)."""
    mark = hash(key)
    if SEEN.get(mark):
        return True
    SEEN.put(mark, True)
    return False


def row_key(opts: Options) -> RowKey:
    """Every option the page depends on but its URL and title (and refusal)."""
    return (
        opts.lang, opts.theme, opts.orientation, opts.style, opts.counts, opts.mode,
        opts.info, opts.origin, opts.media, opts.via, opts.mail,
        tuple(opts.networks), tuple(opts.activate), tuple(opts.notices),
    )  # fmt: skip


LINKED = ("link", "info", "mastodon")  # the kinds of button the template gives a link


def shaped_page(opts: Options) -> tuple[str, buttonrow.Counted, PageKey | None]:
    """The page as :func:`full_page` renders it, from the cut page of its shape: only the
    page's URL, title, links and counts are escaped into it. Its shape, unless it was
    rendered in full (options asked for the first time, or the shape's cut page
    differed)."""
    key = row_key(opts)
    row = ROWS.get(key)
    if row is None:
        if not seen_before(key):
            return (*full_page(opts), None)
        buttons = buttonrow.row(opts, i18n.translator(opts.lang).gettext)
        kinds = tuple((b.name, b.kind) for b in buttons)
        links = tuple((i, NETWORKS[b.name]) for i, b in enumerate(buttons) if b.kind in LINKED)
        row = Row(kinds, links)
        ROWS.put(key, row)
    counted, page_key = count_shape(services().counts, opts, key, row)
    cut = PAGES.get(page_key)
    if cut is False:
        return (*full_page(opts, counted), None)
    values = page_values(opts, row, counted)
    if cut is None:
        html, cut = cut_page(opts, counted, len(values))
        same = cut is not None and cut.fill(values) == html
        PAGES.put(page_key, cut if same and cut is not None else False)
        return html, counted, page_key if same else None
    assert isinstance(cut, pageshape.Cut)
    return cut.fill(values), counted, page_key


def count_shape(
    counts: Counts, opts: Options, key: RowKey, row: Row
) -> tuple[buttonrow.Counted, PageKey]:
    """The counts of a page of ``row``, and its shape."""
    counted = buttonrow.count_row(counts, opts, row.kinds)
    found = counted.found
    shown = tuple(i for i, (name, _) in enumerate(row.kinds) if name in found)
    return counted, (key, bool(opts.title), shown, bool(counted.pending))


def shortcut(svc: Services) -> pagememo.Shortcut:
    """A page of buttons rendered without Flask from its WSGI environ, for the page memo
    (shareproxy/pagememo.py): when its parameters but URL and title, its row and its
    shape are known, its cut page is filled as :func:`shaped_page` fills it. Anything
    else (a shape not seen yet, a page that cannot have buttons, activated widgets) is
    None, for Flask to render."""

    def render(environ: dict[str, Any]) -> tuple[pagememo.Shown, str] | None:
        if len(environ.get("QUERY_STRING", "")) > MAX_SHORTCUT_QUERY:
            return None
        req = WerkzeugRequest(environ)  # the parameters as Flask's request reads them
        args = req.args
        key = params.shape_key(args, req.headers.get("Accept-Language", ""), svc.settings, True)
        shape = params.SHAPES.get(key) if key is not None else None
        if shape is None or shape.activate:
            return None
        url = params.checked_url(args["url"], svc.settings)
        if isinstance(url, BadURL):
            return None  # Flask says why, and notes the host refused
        opts = params.of_shape(shape, args)
        opts.url = url
        rkey = row_key(opts)
        row = ROWS.get(rkey)
        if row is None:
            return None
        counted, page_key = count_shape(svc.counts, opts, rkey, row)
        cut = PAGES.get(page_key)
        if not isinstance(cut, pageshape.Cut):
            return None
        html = cut.fill(page_values(opts, row, counted))
        fixed = params.lang_fixed_of(args.get("lang"))
        shown = pagememo.Shown(
            opts.url, counted.wanted, counted.found, counted.pending, fixed, (page_key, fixed)
        )
        return shown, html

    return render


MAX_SHORTCUT_QUERY = 8192  # longer queries go to Flask (which refuses those over 32 KiB)


def page_values(opts: Options, row: Row, counted: buttonrow.Counted) -> list[str]:
    """What goes in each slot of a cut page of ``row``, escaped."""
    count = len(row.kinds)
    values: list[str] = [escape(opts.url), escape(opts.title), escape(",".join(counted.pending))]
    values += [""] * (2 * count)
    for i, net in row.links:
        values[LINKS + i] = escape(buttonrow.href(net, opts))
    for i, (name, _) in enumerate(row.kinds):
        if name in counted.found:
            values[LINKS + count + i] = escape(i18n.format_count(counted.found[name]))
    return values


def cut_page(
    opts: Options, counted: buttonrow.Counted, slots: int
) -> tuple[str, pageshape.Cut | None]:
    """The page rendered in full, and rendered with marks in its slots and cut there."""
    html, _ = full_page(opts, counted)
    buttons = buttonrow.row(opts, i18n.translator(opts.lang).gettext)
    count = len(buttons)
    for i, b in enumerate(buttons):
        b.href = pageshape.mark(LINKS + i)
        if b.name in counted.found:
            b.count = pageshape.mark(LINKS + count + i)
    marked = replace(
        opts,
        url=pageshape.mark(URL),
        title=pageshape.mark(TITLE) if opts.title else "",
    )
    fetch = pageshape.mark(FETCH) if counted.pending else ""
    return html, pageshape.cut(render_page(marked, buttons, fetch), slots)


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
