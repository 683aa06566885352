"""The fediverse: the visitor names their own server, shareproxy learns its software.

``/share/fediverse`` (and ``/share/mastodon``) asks the visitor's server which software it
runs (NodeInfo, see :mod:`shareproxy.nodeinfo`) and sends the visitor to that software's
own share or compose page. This module holds the pure part: what a visitor may type as
their server, and each software's share page with its limits. It sends no request.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from ..guard import normal_name
from .base import Network

ICON = "M9.3 3.7a2.7 2.7 0 1 0 5.4 0 2.7 2.7 0 1 0-5.4 0zm8.18 5.94a2.7 2.7 0 1 0 5.4 0 2.7 2.7 0 1 0-5.4 0zm-3.13 9.62a2.7 2.7 0 1 0 5.4 0 2.7 2.7 0 1 0-5.4 0zm-10.1 0a2.7 2.7 0 1 0 5.4 0 2.7 2.7 0 1 0-5.4 0zM1.12 9.64a2.7 2.7 0 1 0 5.4 0 2.7 2.7 0 1 0-5.4 0zM13.57 5.89l4.04 2.93 1-1.37-4.04-2.93zm5.01 5.93-1.54 4.74 1.62.52 1.54-4.74zm-4.09 6.59-4.98 0 0 1.7 4.98 0zM6.96 16.56 5.42 11.82l-1.62.52 1.54 4.74zM6.39 8.82l4.04-2.93-1-1.37L5.39 7.45z"  # noqa: E501

NETWORK = Network(
    name="fediverse", label="Fediverse", color="#7b3fa6", icon=ICON,
    share_url="https://{instance}/share?text={text}",
    kind="fediverse",
)  # fmt: skip


# --- what a visitor types as their server


class BadInstance(ValueError):
    """Not a server: ``str()`` is a one-line reason that does not repeat the input."""


MAX_INSTANCE = 300
_USER = re.compile(r"^[A-Za-z0-9_.+-]{1,64}$")


def instance_host(raw: str) -> str:
    """The host of a server given as ``mastodon.social``, ``@alice@mastodon.social`` (or
    ``alice@mastodon.social``) or a profile URL ``https://mastodon.social/@alice``:
    lower-case ASCII (IDNA), no port, no IP address. Raises :class:`BadInstance`."""
    text = raw.strip()
    if not text or len(text) > MAX_INSTANCE or any(c.isspace() for c in text):
        raise BadInstance("'instance' must be a server such as mastodon.social")
    if "://" in text:
        try:
            parts = urlsplit(text)
            port = parts.port
        except ValueError:
            raise BadInstance("'instance' is not a valid profile URL") from None
        if parts.scheme.lower() not in ("http", "https") or parts.username or parts.password:
            raise BadInstance("'instance' must be an https profile URL or a server name")
        if port not in (None, 443):
            raise BadInstance("'instance' must name a server on the standard https port")
        host = parts.hostname or ""
    else:
        host = re.split(r"[/?#]", text.removeprefix("@"), maxsplit=1)[0]  # host/@alice
        if "@" in host:  # alice@host
            user, _, host = host.rpartition("@")
            if not _USER.match(user):
                raise BadInstance("'instance' is not a valid handle such as @alice@mastodon.social")
        if ":" in host:
            raise BadInstance("'instance' must name a server on the standard https port")
    name = normal_name(host)
    if name is None:
        raise BadInstance("'instance' must be a server's name such as mastodon.social")
    return name


# --- each software's share page


@dataclass(frozen=True)
class Endpoint:
    """A share or compose page: ``path`` on the visitor's server with ``{text}``,
    ``{title}`` and ``{url}`` filled in (each percent-encoded)."""

    path: str
    text_limit: int | None = None  # most characters of title + space + URL ({text})
    url_weight: int | None = None  # what a URL counts towards text_limit (None: its length)
    title_limit: int | None = None  # most characters of {title}

    def link(self, host: str, url: str, title: str) -> str:
        title = _fit(title, self.title_limit)
        if self.text_limit is not None:
            weight = self.url_weight if self.url_weight is not None else len(url)
            title = _fit(title, self.text_limit - weight - 1)
        text = f"{title} {url}".strip()
        path = self.path.format(
            text=quote(text, safe=""), title=quote(title, safe=""), url=quote(url, safe="")
        )
        return f"https://{host}{path}"


def _fit(title: str, budget: int | None) -> str:
    """``title`` cut (with an ellipsis) to ``budget`` characters."""
    if budget is None or len(title) <= budget:
        return title
    if budget <= 1:
        return ""
    return title[: budget - 1].rstrip() + "\u2026"


@dataclass(frozen=True)
class Software:
    label: str  # the software's own name, for people
    endpoint: Endpoint | None  # None: it has no page that takes a text to share


MASTODON = Endpoint("/share?text={text}", text_limit=500, url_weight=23)
MISSKEY = Endpoint("/share?text={text}", text_limit=3000)
FRIENDICA = Endpoint("/compose?title={title}&body={url}")
HUBZILLA = Endpoint("/rpost?title={title}&body={url}")
GNUSOCIAL = Endpoint("/notice/new?status_textarea={text}", text_limit=1000)
DIASPORA = Endpoint("/bookmarklet?url={url}&title={title}")
LEMMY = Endpoint("/create_post?url={url}&title={title}", title_limit=200)

# NodeInfo ``software.name`` → what to do. share2fedi's list (Mastodon and its forks,
# the Misskey family, Friendica, Hubzilla, GNU social), and more: diaspora*, Lemmy, the
# Hubzilla family (Streams, Forte, Zap) and the newer Misskey forks. The software listed
# without an endpoint has no page that takes a text (Pleroma's and Akkoma's front ends,
# GoToSocial, which has none of its own, …): their visitors get the copy page.
SOFTWARE: dict[str, Software] = {
    "mastodon": Software("Mastodon", MASTODON),
    "hometown": Software("Hometown", MASTODON),
    "glitchcafe": Software("Glitch Café", MASTODON),
    "fedibird": Software("Fedibird", MASTODON),
    "kmyblue": Software("kmyblue", MASTODON),
    "misskey": Software("Misskey", MISSKEY),
    "calckey": Software("Calckey", MISSKEY),
    "firefish": Software("Firefish", MISSKEY),
    "foundkey": Software("FoundKey", MISSKEY),
    "meisskey": Software("Meisskey", MISSKEY),
    "sharkey": Software("Sharkey", MISSKEY),
    "iceshrimp": Software("Iceshrimp", MISSKEY),
    "cherrypick": Software("CherryPick", MISSKEY),
    "catodon": Software("Catodon", MISSKEY),
    "friendica": Software("Friendica", FRIENDICA),
    "hubzilla": Software("Hubzilla", HUBZILLA),
    "streams": Software("Streams", HUBZILLA),
    "forte": Software("Forte", HUBZILLA),
    "zap": Software("Zap", HUBZILLA),
    "gnusocial": Software("GNU social", GNUSOCIAL),
    "diaspora": Software("diaspora*", DIASPORA),
    "lemmy": Software("Lemmy", LEMMY),
    "pleroma": Software("Pleroma", None),
    "akkoma": Software("Akkoma", None),
    "gotosocial": Software("GoToSocial", None),
    "iceshrimp.net": Software("Iceshrimp.NET", None),
    "pixelfed": Software("Pixelfed", None),
    "peertube": Software("PeerTube", None),
    "bookwyrm": Software("BookWyrm", None),
    "writefreely": Software("WriteFreely", None),
    "mbin": Software("Mbin", None),
    "piefed": Software("PieFed", None),
    "takahe": Software("Takahē", None),
    "mitra": Software("Mitra", None),
    "snac": Software("snac", None),
    "funkwhale": Software("Funkwhale", None),
    "mobilizon": Software("Mobilizon", None),
}
FALLBACK = "mastodon"  # when the software cannot be found: the most common share page
_SOFTWARE_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,39}$")


def software_name(raw: object) -> str | None:
    """A NodeInfo ``software.name`` as we keep it (lower case, a plain token), or None."""
    if not isinstance(raw, str):
        return None
    name = raw.strip().lower()
    return name if _SOFTWARE_NAME.match(name) else None


def describe(name: str) -> Software:
    """What shareproxy knows of software ``name``; unknown software has no endpoint."""
    return SOFTWARE.get(name) or Software(name, None)


def share_link(software: str, host: str, url: str, title: str) -> str | None:
    """The share page of ``software`` on ``host`` for a page, or None when it has none.
    ``host`` must come from :func:`instance_host`."""
    endpoint = describe(software).endpoint
    return None if endpoint is None else endpoint.link(host, url, title)


def copy_text(url: str, title: str) -> str:
    """The text the copy page offers: the title and the URL."""
    return f"{title} {url}".strip()
