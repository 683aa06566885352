"""Static files of the buttons and pages, served under content-hashed URLs.

``/assets/<digest>/<name>`` changes whenever the file does, so it may be cached for a year
(``immutable``). The stylesheet is the file ``static/buttons/buttons.css`` plus one colour
rule per network, computed from the registry so that text on every colour reaches a
contrast of at least 4.5:1.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from functools import cached_property, lru_cache

import rcssmin
import rjsmin

from .networks import NETWORKS
from .paths import data_dir

STATIC = os.path.join(data_dir("static"), "buttons")
FONTS = os.path.join(data_dir("static"), "fonts")
MIMETYPES = {".js": "text/javascript", ".css": "text/css", ".woff2": "font/woff2"}
FILES = (
    "buttons.js", "buttons.css", "twoclick.css", "twoclick.js", "landing.js", "landing.css",
    "info.css", "embed-page.js", "embed-page.css", "fediverse.js", "fediverse.css",
    "notices.js", "unavailable.css",
)  # fmt: skip
FONT_FILES = ("inter-latin.woff2",)
# In a stylesheet, ``url(font:NAME)`` becomes the content-hashed URL of that font.
_FONT_REF = re.compile(rb"url\(font:([a-z0-9.-]+)\)")
# In a script, a line ``//= NAME.js`` stands for that file of static/buttons/: a piece two
# scripts share, served inside each (no extra request).
_INCLUDE = re.compile(rb"^[ \t]*//= ([a-z0-9-]+\.js)[ \t]*$", re.M)
MIN_CONTRAST = 4.5


@dataclass(frozen=True)
class Asset:
    name: str
    body: bytes
    mimetype: str

    @cached_property
    def digest(self) -> str:
        return hashlib.sha256(self.body).hexdigest()[:16]

    @cached_property
    def url(self) -> str:  # every page asks it: worked out once
        return f"/assets/{self.digest}/{self.name}"


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def luminance(color: str) -> float:
    r, g, b = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast(a: str, b: str) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def readable_on_white(color: str) -> str:
    """``color``, darkened just enough for white text on it (and it on white) to read."""
    r, g, b = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    factor = 1.0
    out = color.lower()
    while contrast(out, "#ffffff") < MIN_CONTRAST + 0.05 and factor > 0:
        factor -= 0.02
        out = "#{:02x}{:02x}{:02x}".format(*(int(c * factor) for c in (r, g, b)))
    return out


def provider_css() -> str:
    """Each embed provider's accent, dark enough for white text on it."""
    from .embeds import PROVIDERS

    return "".join(
        f".sp-p-{name}{{--brand:{readable_on_white(p.color)}}}" for name, p in PROVIDERS.items()
    )


def network_css() -> str:
    return "".join(
        f".sp-{name}{{--c:{readable_on_white(net.color)}}}" for name, net in NETWORKS.items()
    )


def _read(name: str) -> bytes:
    with open(os.path.join(STATIC, name), "rb") as fh:
        return fh.read()


def with_pieces(body: bytes) -> bytes:
    """A script with each ``//= NAME.js`` line replaced by that file."""
    return _INCLUDE.sub(lambda m: _read(m.group(1).decode()).rstrip(b"\n"), body)


def lean_js(body: bytes) -> bytes:
    """A script as served: without comments and the blanks no token needs (rjsmin, which
    keeps every string, regular expression and line break that a statement needs)."""
    out: bytes = rjsmin.jsmin(body)
    return out + b"\n"


def lean_css(body: bytes) -> bytes:
    """A stylesheet as served: without comments and the blanks no token needs (rcssmin)."""
    out: bytes = rcssmin.cssmin(body)
    return out + b"\n"


@lru_cache(maxsize=1)
def assets() -> dict[str, Asset]:
    out: dict[str, Asset] = {}
    for name in FONT_FILES:
        with open(os.path.join(FONTS, name), "rb") as fh:
            out[name] = Asset(name, fh.read(), MIMETYPES[os.path.splitext(name)[1]])
    for name in FILES:
        body = _read(name)
        if name in ("buttons.css", "landing.css", "fediverse.css"):
            body = body.rstrip() + b"\n" + network_css().encode() + b"\n"
        elif name == "embed-page.css":
            body = body.rstrip() + b"\n" + provider_css().encode() + b"\n"
        if name.endswith(".css"):
            body = lean_css(body)
        elif name.endswith(".js"):
            body = lean_js(with_pieces(body))
        body = _FONT_REF.sub(lambda m: b"url(" + out[m.group(1).decode()].url.encode() + b")", body)
        out[name] = Asset(name, body, MIMETYPES[os.path.splitext(name)[1]])
    return out


def url(name: str) -> str:
    return assets()[name].url
