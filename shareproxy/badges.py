"""Share badges: a network's icon, a short localised label and the count, as SVG or PNG.

For places that run neither scripts nor iframes (newsletters, README files, strict CSPs):
there a share button is a link around an image. Rendering is pure (no request context), so
it is tested directly; :mod:`shareproxy.views.badges` adds parameters, counts and HTTP
caching.

Text in PNGs is drawn with DejaVu Sans, shipped in ``static/fonts`` (no system font is
used). It covers Latin, Greek, Cyrillic, Hebrew and Arabic, but no Chinese, Japanese or
Korean; a label the font cannot draw, or a right-to-left label when Pillow lacks libraqm
for shaping, falls back to the English label in PNGs. SVG text is drawn by the viewer's
fonts, so SVG badges keep every label.
"""

from __future__ import annotations

import hashlib
import io
import os
import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from cachetools import LRUCache
from jinja2 import Environment, FileSystemLoader, select_autoescape

from . import i18n, icons
from .networks import NETWORKS
from .paths import data_dir

if TYPE_CHECKING:
    from PIL import Image, ImageFont

# Pillow (with FreeType) is imported by the first badge drawn, not by every worker at start:
# most never draw one, and it takes several MB of each worker's memory.

FONT_PATH = os.path.join(data_dir("static"), "fonts", "DejaVuSans.ttf")
TEMPLATES = data_dir("templates")

THEMES = ("color", "grey", "white", "dark")
SCALES = range(1, 5)
MAX_WIDTH = 400  # CSS pixels at scale 1; a badge wider than this is refused (never happens
# with our labels and formatted counts, but the bound is checked, not assumed)

# Geometry at scale 1, in CSS pixels.
HEIGHT = 20
PAD = 6
ICON = 14
GAP = 4
FONT_SIZE = 11
RADIUS = 3
SUPERSAMPLE = 4  # shapes are drawn this much larger, then scaled down (anti-aliasing)

# --- labels: the gettext catalogs of the buttons (shareproxy/translations), so one set of
# translations serves buttons and badges. ``Share`` labels every network without its own.
LANGS = i18n.LANGUAGES
LABEL_MSGIDS = {"print": "Print", "mail": "Mail", "copy": "Copy link", "info": "Info"}


resolve_lang = i18n.resolve  # the catalog language of a ``lang`` value; unknown → ``en``


def label_for(network: str, lang: str) -> str:
    """The short label of ``network``'s badge in ``lang``, from the gettext catalogs."""
    return i18n.translator(lang).gettext(LABEL_MSGIDS.get(network, "Share"))


format_count = i18n.format_count


# --- fonts and glyph coverage

# Held while the shared FreeType faces are used: they are not safe to share between threads.
# Re-entrant, since a render measures text too. Renders are rare (their bytes are cached).
_RENDER_LOCK = threading.RLock()


@lru_cache(maxsize=16)
def font(size: int) -> ImageFont.FreeTypeFont:
    from PIL import ImageFont

    return ImageFont.truetype(FONT_PATH, size)


def has_raqm() -> bool:
    from PIL import features

    return bool(features.check("raqm"))


def _glyph_print(ch: str) -> tuple[tuple[float, ...], bytes]:
    from PIL import Image, ImageDraw

    with _RENDER_LOCK:
        f = font(20)
        box = f.getbbox(ch)
        w, h = max(1, int(box[2] - box[0])), max(1, int(box[3] - box[1]))
        im = Image.new("L", (w, h))
        ImageDraw.Draw(im).text((-box[0], -box[1]), ch, font=f, fill=255)
        return tuple(box), im.tobytes()


@lru_cache(maxsize=4096)
def has_glyph(ch: str) -> bool:
    """Whether the shipped font draws ``ch`` (rather than its 'missing glyph' box)."""
    if ch.isspace():
        return True
    return _glyph_print(ch) != _glyph_print("\U0010fffd")


def is_rtl(text: str) -> bool:
    return any(unicodedata.bidirectional(c) in ("R", "AL") for c in text)


def png_label(label: str, english: str) -> str:
    """The label as the PNG can draw it: itself, or ``english`` when glyphs or shaping lack."""
    if not all(has_glyph(c) for c in label):
        return english
    if is_rtl(label) and not has_raqm():
        return english
    return label


def text_width(text: str, size: float) -> float:
    """Advance width of ``text`` at ``size`` px in the shipped font; 1 em per missing glyph."""
    f = font(max(1, round(size)))
    scale = size / f.size
    known = "".join(c for c in text if has_glyph(c))
    missing = len(text) - len(known)
    with _RENDER_LOCK:
        return f.getlength(known) * scale + missing * size


# --- layout and colours


@dataclass(frozen=True)
class Layout:
    width: int
    left: int  # width of the icon + label part
    label_x: float  # left edge of the label
    label_w: float
    count_x: float  # centre of the count text
    count_w: float


def layout(label: str, count: str | None) -> Layout:
    label_w = text_width(label, FONT_SIZE)
    left = int(round(PAD + ICON + GAP + label_w + PAD))
    count_w = text_width(count, FONT_SIZE) if count else 0.0
    right = int(round(max(HEIGHT, PAD + count_w + PAD))) if count else 0
    width = left + right
    if width > MAX_WIDTH:
        raise ValueError("badge would be too wide")
    return Layout(width, left, PAD + ICON + GAP, label_w, left + right / 2, count_w)


@dataclass(frozen=True)
class Colors:
    bg: str
    fg: str
    border: str
    count_bg: str
    count_fg: str


def colors(network: str, theme: str) -> Colors:
    brand = NETWORKS[network].color
    if theme == "grey":
        return Colors("#5f6368", "#ffffff", "#5f6368", "#ffffff", "#333333")
    if theme == "white":
        return Colors("#ffffff", brand, "#c9c9c9", "#f4f4f4", "#333333")
    if theme == "dark":
        return Colors("#222222", "#ffffff", "#222222", "#3b3b3b", "#ffffff")
    return Colors(brand, "#ffffff", brand, "#ffffff", "#333333")


def _rgb(hex_color: str) -> tuple[int, int, int]:
    h = hex_color.lstrip("#")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


# --- renderers


_env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["svg", "xml", "html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def render_svg(network: str, label: str, count: str | None, theme: str, title: str) -> bytes:
    """The badge as an SVG document. Every text is escaped by the template."""
    lay = layout(label, count)
    col = colors(network, theme)
    svg = _env.get_template("badge.svg").render(
        lay=lay,
        col=col,
        height=HEIGHT,
        radius=RADIUS,
        icon=icons.svg(network, ICON, None, x=PAD, y=(HEIGHT - ICON) / 2, fill=col.fg),
        font_size=FONT_SIZE,
        text_y=HEIGHT / 2,
        label=label,
        count=count,
        title=title,
        rtl=is_rtl(label),
    )
    return svg.encode("utf-8")


def _icon_mask(network: str, size: int) -> Image.Image:
    """The icon as an anti-aliased 8-bit mask of ``size``×``size`` pixels (even-odd fill)."""
    from PIL import Image, ImageChops, ImageDraw

    big = size * SUPERSAMPLE
    k = big / 24
    mask = Image.new("1", (big, big), 0)
    for poly in icons.polygons(icons.path(network)):
        layer = Image.new("1", (big, big), 0)
        ImageDraw.Draw(layer).polygon([(x * k, y * k) for x, y in poly], fill=1)
        mask = ImageChops.logical_xor(mask, layer)
    return mask.convert("L").resize((size, size), Image.Resampling.BOX)


def render_png(network: str, label: str, count: str | None, theme: str, scale: int) -> bytes:
    """The badge as a PNG, ``scale`` device pixels per CSS pixel."""
    from PIL import Image, ImageDraw

    if scale not in SCALES:
        raise ValueError("scale out of range")
    lay = layout(label, count)
    col = colors(network, theme)
    w, h = lay.width * scale, HEIGHT * scale

    # Shapes, supersampled then reduced: rounded box, count box, border.
    s = scale * SUPERSAMPLE
    shapes = Image.new("RGBA", (lay.width * s, HEIGHT * s), (0, 0, 0, 0))
    d = ImageDraw.Draw(shapes)
    box = (0, 0, lay.width * s - 1, HEIGHT * s - 1)
    d.rounded_rectangle(box, radius=RADIUS * s, fill=_rgb(col.border))
    inset = s  # one CSS pixel of border
    inner_right = lay.width * s - 1 - inset
    d.rounded_rectangle(
        (inset, inset, inner_right, HEIGHT * s - 1 - inset),
        radius=max(1, (RADIUS - 1) * s),
        fill=_rgb(col.bg),
    )
    if count is not None:
        d.rounded_rectangle(
            (lay.left * s, inset, inner_right, HEIGHT * s - 1 - inset),
            radius=max(1, (RADIUS - 1) * s),
            fill=_rgb(col.count_bg),
        )
        d.rectangle((lay.left * s, inset, lay.left * s + RADIUS * s, HEIGHT * s - 1 - inset),
                    fill=_rgb(col.count_bg))  # fmt: skip
        d.rectangle((lay.left * s - inset, inset, lay.left * s - 1, HEIGHT * s - 1 - inset),
                    fill=_rgb(col.border))  # fmt: skip
    img = shapes.resize((w, h), Image.Resampling.LANCZOS)

    icon_px = ICON * scale
    mask = _icon_mask(network, icon_px)
    ink = Image.new("RGBA", (icon_px, icon_px), _rgb(col.fg) + (255,))
    top = (h - icon_px) // 2
    img.paste(ink, (PAD * scale, top), mask)

    draw = ImageDraw.Draw(img)
    f = font(FONT_SIZE * scale)
    draw.text((lay.label_x * scale, h / 2), label, font=f, fill=_rgb(col.fg), anchor="lm")
    if count is not None:
        draw.text((lay.count_x * scale, h / 2), count, font=f, fill=_rgb(col.count_fg), anchor="mm")

    out = io.BytesIO()
    img.save(out, "PNG", optimize=False)
    return out.getvalue()


# --- the cache of rendered badges


@dataclass(frozen=True)
class Rendered:
    body: bytes
    etag: str
    mimetype: str


class BadgeCache:
    """Rendered bytes by (format, network, label, count, theme, scale), least recently used
    first out. One per worker process; a miss only costs a render."""

    def __init__(self, maxsize: int = 2048):
        self._items: LRUCache[tuple[str, str, str, str | None, str, int], Rendered] = LRUCache(
            maxsize=maxsize
        )
        self._lock = threading.Lock()
        self.renders = 0

    def get(
        self, fmt: str, network: str, label: str, count: str | None, theme: str, scale: int,
        title: str,
    ) -> Rendered:  # fmt: skip
        key = (fmt, network, label, count, theme, scale if fmt == "png" else 1)
        with self._lock:
            found = self._items.get(key)
        if found is not None:
            return found
        with _RENDER_LOCK:  # FreeType faces are not safe to share between threads
            if fmt == "svg":
                body = render_svg(network, label, count, theme, title)
                mimetype = "image/svg+xml"
            else:
                body = render_png(network, label, count, theme, scale)
                mimetype = "image/png"
        rendered = Rendered(body, hashlib.sha256(body).hexdigest()[:32], mimetype)
        with self._lock:
            self._items[key] = rendered
            self.renders += 1
        return rendered

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)


__all__ = [
    "LABEL_MSGIDS",
    "LANGS",
    "SCALES",
    "THEMES",
    "BadgeCache",
    "format_count",
    "label_for",
    "png_label",
    "render_png",
    "render_svg",
    "resolve_lang",
]
