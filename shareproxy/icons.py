"""Network icons: one SVG path per network, drawn for a 24×24 viewBox.

The paths are our own drawings: simple, filled shapes meant to be recognised at 16–24 px,
not the networks' trademarked artwork. They use only the commands M L H V C Q A Z (either
case) and are filled with the even-odd rule: a subpath inside another one cuts a hole, so
subpaths never overlap otherwise. That keeps them small (a few hundred bytes each) and lets
:func:`polygons` turn them into polygons for the PNG badges without an SVG library.

API: :func:`path` (the ``d`` attribute), :func:`svg` (an inline ``<svg>`` element).
"""

# ruff: noqa: E501  (the icon paths are data: one line each reads best)
from __future__ import annotations

import math
import re
from collections.abc import Iterator

from markupsafe import Markup

VIEWBOX = "0 0 24 24"

# fmt: off
PATHS: dict[str, str] = {
    "facebook": "M14 8V6.6c0-.8.4-1.6 1.6-1.6H17V2h-2.6C11.5 2 10 3.8 10 6.4V8H7.5v3.2H10V22h4V11.2h2.8L17.2 8z",
    "twitter": "M3 3h5.5l4.1 5.6L17.8 3h2.7l-6.5 7.5L21 21h-5.5l-4.3-5.8L5.6 21H2.9l7-8z",
    "linkedin": "M4 9h3.5v11H4zM5.8 3.5a2 2 0 1 1 0 4 2 2 0 0 1 0-4zM9.5 9H13v1.6c.6-1 1.8-1.9 3.6-1.9 3 0 3.9 1.9 3.9 4.8V20H17v-5.8c0-1.4-.3-2.5-1.7-2.5-1.4 0-1.8 1.1-1.8 2.5V20h-4z",
    "xing": "M5.5 7h3.3l2 3.5-2.6 4.5H4.9l2.6-4.5zM15.2 2h3.4l-6.3 11.2 4.1 7.8H13l-4.1-7.8z",
    "reddit": "M12 8a8 6 0 1 1 0 12 8 6 0 0 1 0-12zM8.8 12.3a1.6 1.6 0 1 0 0 3.2 1.6 1.6 0 0 0 0-3.2zM15.2 12.3a1.6 1.6 0 1 0 0 3.2 1.6 1.6 0 0 0 0-3.2zM8.6 17a5.5 5.5 0 0 0 6.8 0l-.6-.8a4.5 4.5 0 0 1-5.6 0zM3.6 8.6a1.6 1.6 0 1 0 0 3.2 1.6 1.6 0 0 0 0-3.2zM20.4 8.6a1.6 1.6 0 1 0 0 3.2 1.6 1.6 0 0 0 0-3.2zM17.5 2.3a1.7 1.7 0 1 0 0 3.4 1.7 1.7 0 0 0 0-3.4zM11.4 7.9l1.1-4.9 3.3.6v.9l-2.6-.5-.9 3.9z",
    "pinterest": "M12 2a10 10 0 1 1 0 20 10 10 0 0 1 0-20zM9.6 6.5H13a3.7 3.7 0 0 1 0 7.4h-1.6L10.2 19H8.3zM11.7 8.6l-.7 3.3h1.9a1.65 1.65 0 0 0 0-3.3z",
    "whatsapp": "M12 2a10 10 0 1 1-5 18.7L2 22l1.3-4.8A10 10 0 0 1 12 2zM12 4a8 8 0 1 0 0 16 8 8 0 1 0 0-16zM9 7.5c.4 0 .7.1.9.6l.7 1.6c.1.3 0 .6-.2.8l-.6.7c.8 1.5 2 2.6 3.5 3.4l.7-.7c.2-.2.5-.3.8-.1l1.6.7c.4.2.5.5.5.9 0 1.2-1.1 2.1-2.3 2A8 8 0 0 1 7 9.8c-.1-1.2.8-2.3 2-2.3z",
    "telegram": "M2.5 11.3l17.6-7c.8-.3 1.5.2 1.3 1.3l-3 14.2c-.2 1-.8 1.3-1.7.8l-4.6-3.4-2.2 2.1c-.3.3-.5.4-.9.4l.3-4.7 8.6-7.8c.4-.3-.1-.5-.6-.2L6.7 13.9l-4.5-1.4c-1-.3-1-1 .3-1.2z",
    "threema": "M12 2c5 0 9 3.4 9 7.6 0 4.2-4 7.6-9 7.6c-1.3 0-2.6-.2-3.7-.7L4 17.5l1.2-3.6C3.8 12.6 3 11.1 3 9.6 3 5.4 7 2 12 2zM9.2 8.7h5.6v4.6H9.2zM10 8.7v-1a2 2 0 0 1 4 0v1h-1v-1a1 1 0 0 0-2 0v1zM8 19.7a1.3 1.3 0 1 0 0 2.6 1.3 1.3 0 0 0 0-2.6zM12 19.7a1.3 1.3 0 1 0 0 2.6 1.3 1.3 0 0 0 0-2.6zM16 19.7a1.3 1.3 0 1 0 0 2.6 1.3 1.3 0 0 0 0-2.6z",
    "mastodon": "M21.3 8.2c0-4.3-2.8-5.6-2.8-5.6-1.4-.7-3.9-.9-6.5-.9h-.1c-2.6 0-5.1.2-6.5.9 0 0-2.8 1.3-2.8 5.6 0 1 0 2.2.1 3.5.1 4.3.8 8.6 4.8 9.6 1.8.5 3.4.6 4.6.5 2.3-.1 3.6-.8 3.6-.8l-.1-1.7c0 0-1.6.5-3.5.5-1.8-.1-3.8-.2-4.1-2.5v-.6c0 0 1.8.4 4.1.6 1.4.1 2.7-.1 4-.2 2.5-.3 4.7-1.8 5-3.3.4-2.3.4-5.6.4-5.6zM17.6 14.1H15.2V8.6C15.2 7.5 14.9 6.9 14.2 6.9 13.5 6.9 13.2 7.5 13.2 8.6V11.8H10.8V8.6C10.8 7.5 10.5 6.9 9.8 6.9 9.1 6.9 8.8 7.5 8.8 8.6V14.1H6.4V8.2C6.4 5.8 7.6 4.6 9.4 4.6 10.6 4.6 11.5 5.1 12 6.1 12.5 5.1 13.4 4.6 14.6 4.6 16.4 4.6 17.6 5.8 17.6 8.2z",
    "bluesky": "M12 10.8C13.9 7.2 17.3 3.8 19.4 3 21 2.4 22.5 2.6 22.5 4.6 22.5 5.3 22.1 9.6 21.8 10.4 21 13.1 18.3 13.6 15.9 13.2 20.1 13.9 21.1 16.3 18.8 18.6 14.5 23 12.6 17.6 12 15.7 11.4 17.6 9.5 23 5.2 18.6 2.9 16.3 3.9 13.9 8.1 13.2 5.7 13.6 3 13.1 2.2 10.4 1.9 9.6 1.5 5.3 1.5 4.6 1.5 2.6 3 2.4 4.6 3 6.7 3.8 10.1 7.2 12 10.8z",
    "threads": "M12 2a10 10 0 1 0 6.5 17.6l-1.3-1.5A8 8 0 1 1 20 12v1a1.7 1.7 0 0 1-3.4 0V8h-2v.9a4.2 4.2 0 1 0 .6 6.1 3.7 3.7 0 0 0 6.8-2v-1A10 10 0 0 0 12 2zM12 9.8a2.2 2.2 0 1 1 0 4.4 2.2 2.2 0 0 1 0-4.4z",
    "tumblr": "M14.6 21c-3 0-5.1-1.5-5.1-5.2V10H7V7.1c3-.8 4.2-3.3 4.4-5.1h3v4.8h3.5V10h-3.5v5.1c0 1.6.8 2.1 2 2.1h1.7V21z",
    "vk": "M12.8 18C6 18 2.1 13.3 2 5.5h3.4c.1 5.7 2.6 8.2 4.6 8.7V5.5h3.2v4.9c2-.2 4-2.5 4.7-4.9H21c-.5 3-2.7 5.3-4.3 6.2 1.6.7 4.1 2.7 5 6.3h-3.5c-.8-2.4-2.7-4.2-5.3-4.5V18z",
    "odnoklassniki": "M12 2a4.5 4.5 0 1 1 0 9 4.5 4.5 0 0 1 0-9zM12 4.6a1.9 1.9 0 1 0 0 3.8 1.9 1.9 0 0 0 0-3.8zM7.4 12.4c.6-.6 1.4-.6 2 0 1.5 1.2 3.7 1.2 5.2 0 .6-.6 1.4-.6 2 0 .6.6.5 1.5-.1 2a8 8 0 0 1-2.7 1.3l2.6 2.6c.6.6.6 1.4 0 2-.6.6-1.4.6-2 0L12 17.9l-2.4 2.4c-.6.6-1.4.6-2 0-.6-.6-.6-1.4 0-2l2.6-2.6a8 8 0 0 1-2.7-1.3c-.6-.5-.7-1.4-.1-2z",
    "flipboard": "M3 3h18v6h-6v6H9v6H3z",
    "buffer": "M12 2l10 4.8-10 4.8L2 6.8zM4.6 10.7l7.4 3.5 7.4-3.5L22 12l-10 4.8L2 12zM4.6 15.9l7.4 3.5 7.4-3.5 2.6 1.3L12 22l-10-4.8z",
    "diaspora": "M13.7 2L10.3 2L10.3 9.1L4.2 5.5L2.5 8.5L8.6 12L2.5 15.5L4.2 18.5L10.3 14.9L10.3 22L13.7 22L13.7 14.9L19.8 18.5L21.5 15.5L15.4 12L21.5 8.5L19.8 5.5L13.7 9.1z",
    "hackernews": "M2 2h20v20H2zM7 6h2.3l2.7 5.2L14.7 6H17l-3.9 7.2V18h-2.2v-4.8z",
    "lobsters": "M6 2h12a4 4 0 0 1 4 4v12a4 4 0 0 1-4 4H6a4 4 0 0 1-4-4V6a4 4 0 0 1 4-4zM8.5 6v12H16v-2.3h-5V6z",
    "weibo": "M10 8.8a8 5.6 0 1 1 0 11.2 8 5.6 0 0 1 0-11.2zM9 12a3 2.5 0 1 0 0 5 3 2.5 0 0 0 0-5zM8.5 13.8a1 1 0 1 0 0 2 1 1 0 0 0 0-2zM15 3.5a6.5 6.5 0 0 1 6.5 6.5H20a5 5 0 0 0-5-5zM15 6.5a3.5 3.5 0 0 1 3.5 3.5h-1.2A2.3 2.3 0 0 0 15 7.7z",
    "line": "M12 2.5c5.5 0 10 3.6 10 8 0 4.2-4.6 8-10.4 8.1L9 21c-.8.6-1.3.3-1-.6l.4-2.3C4.6 16.9 2 14 2 10.5c0-4.4 4.5-8 10-8zM6 8v5h2.5v-1H7V8zM9.3 8h1v5h-1zM11.2 8h1l2 3V8h1v5h-1l-2-3v3h-1zM16.2 8h2.6v1h-1.6v1h1.6v1h-1.6v1h1.6v1h-2.6z",
    "teams": "M3 6h11a1 1 0 0 1 1 1v11a1 1 0 0 1-1 1H3a1 1 0 0 1-1-1V7a1 1 0 0 1 1-1zM5 8.5h7v1.8H9.4V17H7.6v-6.7H5zM19 2.5a2.3 2.3 0 1 1 0 4.6 2.3 2.3 0 0 1 0-4.6zM16 9h5a1 1 0 0 1 1 1v5a3.5 3.5 0 0 1-6 2.4z",
    "sms": "M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2zM7.5 9.1a1.4 1.4 0 1 0 0 2.8 1.4 1.4 0 0 0 0-2.8zM12 9.1a1.4 1.4 0 1 0 0 2.8 1.4 1.4 0 0 0 0-2.8zM16.5 9.1a1.4 1.4 0 1 0 0 2.8 1.4 1.4 0 0 0 0-2.8z",
    "mail": "M2 5h20v14H2zM4.5 7L12 12.5 19.5 7v1.9L12 14.4 4.5 8.9z",
    "print": "M6 2h12v5H6zM2 8h20v9h-4v-3H6v3H2zM7 15h10v7H7zM18 10a1 1 0 1 0 0 2 1 1 0 0 0 0-2z",
    "copy": "M8 7h12a1 1 0 0 1 1 1v13a1 1 0 0 1-1 1H8a1 1 0 0 1-1-1V8a1 1 0 0 1 1-1zM9 9h10v11H9zM3 2h12v3h-2V4H5v12h.5v2H3z",
    "share": "M12 2l5 5h-3.5v8h-3V7H7zM4 10h4v2H6v8h12v-8h-2v-2h4v12H4z",
    "info": "M12 2a10 10 0 1 1 0 20 10 10 0 0 1 0-20zM10.8 10h2.4v7.5h-2.4zM12 5.8a1.4 1.4 0 1 0 0 2.8 1.4 1.4 0 0 0 0-2.8z",
}
# fmt: on

ALLOWED_COMMANDS = frozenset("MLHVCQAZ")
_ARGS = {"M": 2, "L": 2, "H": 1, "V": 1, "C": 6, "Q": 4, "A": 7, "Z": 0}
_TOKEN = re.compile(r"([A-Za-z])|([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)|([\s,]+)|(.)")


class PathError(ValueError):
    """A path uses a command we do not draw, or has the wrong number of arguments."""


def path(name: str) -> str:
    """The SVG path data of ``name``'s icon (viewBox ``0 0 24 24``). KeyError if unknown."""
    return PATHS[name]


def svg(name: str, size: int = 16, css_class: str = "sp-icon") -> Markup:
    """An inline, decorative ``<svg>`` element for ``name``, filled with ``currentColor``."""
    size = int(size)
    return Markup(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="{vb}" width="{s}" height="{s}"'
        ' class="{c}" fill="currentColor" fill-rule="evenodd" aria-hidden="true"'
        ' focusable="false"><path d="{d}"/></svg>'
    ).format(vb=VIEWBOX, s=size, c=css_class, d=path(name))


def parse(d: str) -> list[tuple[str, list[float]]]:
    """Split path data into (absolute-or-relative command, arguments) pairs.

    Implicit repetitions are expanded (``L1 2 3 4`` → two ``L``; extra pairs after ``M``
    become ``L``). Raises :class:`PathError` on unknown commands or stray characters.
    """
    out: list[tuple[str, list[float]]] = []
    cmd: str | None = None
    nums: list[float] = []

    def flush() -> None:
        nonlocal cmd
        if cmd is None:
            if nums:
                raise PathError("numbers before the first command")
            return
        n = _ARGS[cmd.upper()]
        if n == 0:
            if nums:
                raise PathError(f"{cmd} takes no arguments")
            out.append((cmd, []))
            return
        if not nums or len(nums) % n:
            raise PathError(f"{cmd} needs a multiple of {n} arguments, got {len(nums)}")
        c = cmd
        for i in range(0, len(nums), n):
            out.append((c, nums[i : i + n]))
            if c in "Mm":
                c = "L" if c == "M" else "l"

    for m in _TOKEN.finditer(d):
        letter, number, _space, bad = m.groups()
        if bad is not None:
            raise PathError(f"unexpected character {bad!r}")
        if letter is not None:
            if letter.upper() not in ALLOWED_COMMANDS:
                raise PathError(f"command {letter!r} is not one we draw")
            flush()
            cmd, nums = letter, []
        elif number is not None:
            nums.append(float(number))
    flush()
    if not out or out[0][0] not in "Mm":
        raise PathError("a path starts with M")
    return out


Point = tuple[float, float]


def _arc(p0: Point, args: list[float], p1: Point) -> Iterator[Point]:
    """Points along an SVG elliptical arc (endpoint parametrisation, SVG 1.1 F.6.5)."""
    rx, ry, phi_deg, large, sweep = abs(args[0]), abs(args[1]), args[2], args[3], args[4]
    if rx == 0 or ry == 0 or p0 == p1:
        yield p1
        return
    phi = math.radians(phi_deg)
    cos_p, sin_p = math.cos(phi), math.sin(phi)
    dx, dy = (p0[0] - p1[0]) / 2, (p0[1] - p1[1]) / 2
    x1 = cos_p * dx + sin_p * dy
    y1 = -sin_p * dx + cos_p * dy
    lam = (x1 * x1) / (rx * rx) + (y1 * y1) / (ry * ry)
    if lam > 1:
        s = math.sqrt(lam)
        rx, ry = rx * s, ry * s
    num = rx * rx * ry * ry - rx * rx * y1 * y1 - ry * ry * x1 * x1
    den = rx * rx * y1 * y1 + ry * ry * x1 * x1
    coef = math.sqrt(max(0.0, num / den)) if den else 0.0
    if bool(large) == bool(sweep):
        coef = -coef
    cx1, cy1 = coef * rx * y1 / ry, -coef * ry * x1 / rx
    cx = cos_p * cx1 - sin_p * cy1 + (p0[0] + p1[0]) / 2
    cy = sin_p * cx1 + cos_p * cy1 + (p0[1] + p1[1]) / 2

    def angle(ux: float, uy: float) -> float:
        return math.atan2(uy, ux)

    t1 = angle((x1 - cx1) / rx, (y1 - cy1) / ry)
    dt = angle((-x1 - cx1) / rx, (-y1 - cy1) / ry) - t1
    if sweep and dt < 0:
        dt += 2 * math.pi
    elif not sweep and dt > 0:
        dt -= 2 * math.pi
    steps = max(4, int(abs(dt) / (math.pi / 16)))
    for i in range(1, steps + 1):
        t = t1 + dt * i / steps
        x, y = rx * math.cos(t), ry * math.sin(t)
        yield (cos_p * x - sin_p * y + cx, sin_p * x + cos_p * y + cy)


def polygons(d: str, steps: int = 12) -> list[list[Point]]:
    """Flatten path data into closed polygons (one per subpath), in viewBox units.

    Fill the result with the even-odd rule to get the icon.
    """
    polys: list[list[Point]] = []
    cur: list[Point] = []
    x = y = sx = sy = 0.0

    def close() -> None:
        if len(cur) >= 3:
            polys.append(cur)

    for cmd, a in parse(d):
        up = cmd.upper()
        rel = cmd != up
        ox, oy = (x, y) if rel else (0.0, 0.0)
        if up == "M":
            close()
            x, y = a[0] + ox, a[1] + oy
            sx, sy = x, y
            cur = [(x, y)]
        elif up == "L":
            x, y = a[0] + ox, a[1] + oy
            cur.append((x, y))
        elif up == "H":
            x = a[0] + ox
            cur.append((x, y))
        elif up == "V":
            y = a[0] + oy
            cur.append((x, y))
        elif up == "C":
            p0 = (x, y)
            c1 = (a[0] + ox, a[1] + oy)
            c2 = (a[2] + ox, a[3] + oy)
            p3 = (a[4] + ox, a[5] + oy)
            for i in range(1, steps + 1):
                t = i / steps
                u = 1 - t
                cur.append(
                    (
                        u**3 * p0[0] + 3 * u * u * t * c1[0] + 3 * u * t * t * c2[0] + t**3 * p3[0],
                        u**3 * p0[1] + 3 * u * u * t * c1[1] + 3 * u * t * t * c2[1] + t**3 * p3[1],
                    )
                )
            x, y = p3
        elif up == "Q":
            p0 = (x, y)
            c1 = (a[0] + ox, a[1] + oy)
            p2 = (a[2] + ox, a[3] + oy)
            for i in range(1, steps + 1):
                t = i / steps
                u = 1 - t
                cur.append(
                    (
                        u * u * p0[0] + 2 * u * t * c1[0] + t * t * p2[0],
                        u * u * p0[1] + 2 * u * t * c1[1] + t * t * p2[1],
                    )
                )
            x, y = p2
        elif up == "A":
            end = (a[5] + ox, a[6] + oy)
            cur.extend(_arc((x, y), a, end))
            x, y = end
        else:  # Z
            close()
            x, y = sx, sy
            cur = [(x, y)]
    close()
    return polys


__all__ = ["PATHS", "VIEWBOX", "PathError", "parse", "path", "polygons", "svg"]
