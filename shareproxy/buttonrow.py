"""A row of buttons: which buttons a page of buttons shows and what each one is.

For each network a page asks for: its kind of button (a share link, the fediverse server
picker, a two-click placeholder or an activated widget, or a local action such as copy
or print), its visible label and accessible name in the visitor's language, its icon, its
link, the count shown beside it, and, for an activated two-click button, the network's
official widget (markup and scripts from the network's module, :class:`Widget`).

The faces (the iframe page and the plain-links snippet) parse the request and render the
row; this module knows nothing of requests or responses. Whatever it reads of the request
arrives as :class:`RowOptions` (the faces' ``views/params.Options``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Protocol
from urllib.parse import quote_plus, urlencode

from markupsafe import Markup

from . import i18n, icons
from .counts import Counts
from .networks import NETWORKS
from .networks.base import Network, Page

Translate = Callable[[str], str]


class RowOptions(Protocol):
    """What a row of buttons is built from (the parameters of a page of buttons)."""

    url: str
    title: str
    networks: list[str]
    lang: str
    theme: str
    style: str
    counts: str
    mode: str
    info: str
    media: str
    via: str
    mail: str
    activate: list[str]


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


# The kinds of button that show a count, and those the plain-links snippet keeps (it has
# no script and no style: links only).
COUNTED = ("link", "twoclick", "mastodon")
PLAIN = ("link", "mastodon", "info")


# quote_plus, remembered: a row encodes the same page URL and title for each button
_plus = lru_cache(maxsize=256)(quote_plus)


def share_path(net: Network, opts: RowOptions) -> str:
    """``/share/<name>?…``: where a share leaves through shareproxy (and is counted); the
    query as ``urlencode`` writes it."""
    query = [f"url={_plus(opts.url)}"]
    if opts.title:
        query.append(f"title={_plus(opts.title)}")
    for name in net.takes:  # media, via
        value = getattr(opts, name)
        if value:
            query.append(f"{name}={_plus(value)}")
    if net.kind == "fediverse":  # its page speaks the buttons' language and theme
        query += (f"lang={_plus(opts.lang)}", f"theme={_plus(opts.theme)}")
    return f"/share/{net.name}?{'&'.join(query)}"


def mail_link(opts: RowOptions) -> str:
    """The mail button's target: the visitor's mail program (to the address ``mail``
    names, if any), or the page ``mail`` names (a contact form), as Shariff does."""
    link = NETWORKS["mail"].share_link(opts.url, opts.title)
    if opts.mail.startswith("mailto:"):
        return opts.mail + link.removeprefix("mailto:")
    return opts.mail or link


def widget_parts(net: Network, opts: RowOptions) -> tuple[Markup, list[str]]:
    """The official widget of ``net`` for an activated two-click button: its markup (from
    the network's module, every value escaped there) and the URLs of the scripts that turn
    it into the network's button."""
    page = Page(opts.url, opts.title, opts.lang, opts.media)
    assert net.widget is not None
    return Markup(net.widget.element(net, page)), net.widget_scripts(page)


def info_link(opts: RowOptions, absolute: str = "") -> str:
    """The info button's target: the page ``info`` names, else this server's own."""
    return opts.info or f"{absolute}/info?{urlencode({'lang': opts.lang})}"


def href(net: Network, opts: RowOptions, absolute: str = "") -> str:
    """Where the button of ``net`` leads on a page with ``opts`` (a link, the mail and info
    buttons, the fediverse picker's form, an activated widget's fallback); "" for the
    local actions. A two-click placeholder leads nowhere until activated."""
    if net.name == "info":
        return info_link(opts, absolute)
    if net.name == "mail":
        return mail_link(opts)
    if net.name in OWN:
        return ""
    if net.kind == "fediverse" or net.via_shareproxy:
        return absolute + share_path(net, opts)
    return net.share_link(opts.url, opts.title)  # app schemes (sms:, threema://)


def _info(b: Button, opts: RowOptions, _: Translate, absolute: str) -> None:
    b.kind, b.label = "info", _("Info")
    b.aria = _("Information about these buttons")
    b.extra = _("Nothing is sent to a network until you click one of these buttons.")
    b.href = info_link(opts, absolute)


def _copy(b: Button, opts: RowOptions, _: Translate, absolute: str) -> None:
    b.kind, b.label = "copy", _("Copy link")
    b.aria, b.extra = b.label, _("Link copied")


def _print(b: Button, opts: RowOptions, _: Translate, absolute: str) -> None:
    b.kind = "print"
    b.label = b.aria = _("Print")


def _share(b: Button, opts: RowOptions, _: Translate, absolute: str) -> None:
    b.kind = "share"
    b.label = b.aria = _("Share")


def _mail(b: Button, opts: RowOptions, _: Translate, absolute: str) -> None:
    b.label, b.aria = _("Mail"), _("Send by e-mail")
    b.href = mail_link(opts)


# The buttons with words of their own (the local actions, and mail): what each one is.
OWN: dict[str, Callable[[Button, RowOptions, Translate, str], None]] = {
    "info": _info,
    "copy": _copy,
    "print": _print,
    "share": _share,
    "mail": _mail,
}


def button(net: Network, opts: RowOptions, _: Translate, absolute: str = "") -> Button:
    """The button of ``net`` on a page with ``opts``; ``absolute``: the links' scheme and
    host, for a snippet included in another site's page (else they are relative)."""
    aria = _("Share on %(network)s") % {"network": net.label}
    b = Button(net.name, "link", net.label, aria, icons.svg(net.name, 18))
    own = OWN.get(net.name)
    if own is not None:
        own(b, opts, _, absolute)
    elif net.kind == "fediverse":  # the server picker, then /share/<name> finds its page
        b.kind, b.href = "mastodon", href(net, opts, absolute)
    elif opts.mode == "twoclick" and net.widget is not None:
        if net.name in opts.activate:
            # The network's button, and until it shows (or if it never does: a content
            # blocker, an unreachable network) the share link of share mode in its place.
            b.kind = "widget"
            b.widget, b.scripts = widget_parts(net, opts)
            b.href, b.popup = href(net, opts, absolute), True
            b.extra = _("The %(network)s button did not load. This link shares without it.")
            b.extra %= {"network": net.label}
        else:
            b.kind = "twoclick"
            b.extra = _(
                "The first click loads the %(network)s button, which sends data to "
                "%(network)s; the second click shares."
            ) % {"network": net.label}
    else:  # through shareproxy in a popup, or app schemes (sms:, threema://) straight
        b.href, b.popup = href(net, opts, absolute), net.via_shareproxy
    return b


def row(opts: RowOptions, _: Translate, *, absolute: str = "") -> list[Button]:
    """The buttons of ``opts.networks``, in their order."""
    return [button(NETWORKS[name], opts, _, absolute) for name in opts.networks]


@dataclass(frozen=True, slots=True)
class Counted:
    """What a row shows of the counts: :meth:`Counts.at_once` for the ``wanted`` networks
    answered ``found`` (now beside their buttons) and ``pending`` (for the browser to ask
    /api/counts); nothing wanted, nothing asked."""

    wanted: tuple[str, ...] = ()
    found: dict[str, int] = field(default_factory=dict)
    pending: list[str] = field(default_factory=list)


def count_row(counts: Counts, opts: RowOptions, kinds: Iterable[tuple[str, str]]) -> Counted:
    """The counts known now of a row of buttons, (name, kind) each, as /api/counts answers
    them (click counts included); ``pending`` in the answer: the networks the browser
    should ask /api/counts for."""
    if opts.counts != "on" or opts.style == "icon":
        return Counted()
    wanted = [name for name, kind in kinds if kind in COUNTED and counts.countable(name)]
    if not wanted:
        return Counted()
    found, pending = counts.at_once(opts.url, wanted)
    return Counted(tuple(wanted), found, pending)


def add_counts(counts: Counts, opts: RowOptions, buttons: list[Button]) -> Counted:
    """:func:`count_row`, and the counts found put beside their buttons."""
    counted = count_row(counts, opts, ((b.name, b.kind) for b in buttons))
    show_counts(buttons, counted)
    return counted


def show_counts(buttons: list[Button], counted: Counted) -> None:
    """The counts ``counted`` found, beside their buttons."""
    for b in buttons:
        if b.name in counted.found:
            b.count = i18n.format_count(counted.found[b.name])


def widget_origins(activated: list[str]) -> list[str]:
    """What the page's policy must allow for the widgets activated in it."""
    origins: list[str] = []
    for name in activated:
        widget = NETWORKS[name].widget
        assert widget is not None
        origins += widget.origins
    return origins


def note(buttons: list[Button]) -> str:
    """What the row says below itself in two-click mode: what a first click does (while a
    placeholder is left), or where a widget that did not load says so; else nothing."""
    kinds = {b.kind for b in buttons}
    return "twoclick" if "twoclick" in kinds else "widget" if "widget" in kinds else ""
