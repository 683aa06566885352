"""Network icons: drawing them, as inline SVG and as polygons for the PNG badges.

Each network's icon is an SVG path for a 24×24 viewBox, kept in its own module (``ICON``
in ``shareproxy/networks/<name>.py``). The paths are our own drawings: simple, filled
shapes meant to be recognised at 16–24 px, not the networks' trademarked artwork. They use
only the commands M L H V C Q A Z (either case) and are filled with the even-odd rule: a
subpath inside another one cuts a hole, so subpaths never overlap otherwise. That keeps
them small (a few hundred bytes each) and lets :func:`polygons` turn them into polygons
for the PNG badges without an SVG library.

API: :func:`path` (the ``d`` attribute), :func:`svg` (an inline ``<svg>`` element).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from functools import lru_cache

from markupsafe import Markup, escape

from .networks import NETWORKS

VIEWBOX = "0 0 24 24"
# shareproxy's own mark (pages, the tab icon, the two-click note): a shield with a tick
MARK = (
    "M12 2 4 5v6c0 5 3.4 9.4 8 11 4.6-1.6 8-6 8-11V5zm-1.2 13.6-3.6-3.6 1.4-1.4 2.2 2.2 "
    "4.6-4.6 1.4 1.4z"
)
ALLOWED_COMMANDS = frozenset("MLHVCQAZ")
_ARGS = {"M": 2, "L": 2, "H": 1, "V": 1, "C": 6, "Q": 4, "A": 7, "Z": 0}
_TOKEN = re.compile(r"([A-Za-z])|([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)|([\s,]+)|(.)")


class PathError(ValueError):
    """A path uses a command we do not draw, or has the wrong number of arguments."""


def path(name: str) -> str:
    """The SVG path data of ``name``'s icon (viewBox ``0 0 24 24``). KeyError if unknown."""
    return NETWORKS[name].icon


@lru_cache(maxsize=1024)  # a page of buttons draws the same few icons on every request
def svg(
    name: str,
    size: float = 16,
    css_class: str | None = "sp-icon",
    *,
    x: float | None = None,
    y: float | None = None,
    fill: str = "currentColor",
) -> Markup:
    """An inline, decorative ``<svg>`` element for ``name``: the one way every page, the
    buttons, the snippet and the badges draw a network's icon.

    The fill rule is an attribute of the ``<path>`` itself, so the holes of an icon
    (Pinterest's P, the envelope of Mail) hold without any stylesheet (``/snippet``
    included in a page as it is) and whatever the embedding page's CSS says about ``svg``.
    ``x`` and ``y`` place it inside another SVG (the badges); ``fill`` defaults to the
    text colour.
    """
    attrs = [f'viewBox="{VIEWBOX}"', f'width="{size:g}"', f'height="{size:g}"']
    if x is not None and y is not None:
        attrs.insert(0, f'x="{x:g}" y="{y:g}"')
    if css_class:
        attrs.append(f'class="{escape(css_class)}"')
    attrs.append(f'fill="{escape(fill)}" aria-hidden="true" focusable="false"')
    return Markup(
        f'<svg {" ".join(attrs)}><path fill-rule="evenodd" d="{escape(path(name))}"/></svg>'
    )


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


def _bezier(p: list[Point], t: float, k: int) -> float:
    """Coordinate ``k`` (0: x, 1: y) at ``t`` of a cubic (four control points) or
    quadratic (three) Bézier curve."""
    u = 1 - t
    if len(p) == 4:
        return u**3 * p[0][k] + 3 * u * u * t * p[1][k] + 3 * u * t * t * p[2][k] + t**3 * p[3][k]
    return u * u * p[0][k] + 2 * u * t * p[1][k] + t * t * p[2][k]


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
        elif up in "CQ":  # a cubic or quadratic Bézier curve: its control points
            points = [(x, y)] + [(a[i] + ox, a[i + 1] + oy) for i in range(0, len(a), 2)]
            ts = [i / steps for i in range(1, steps + 1)]
            cur.extend((_bezier(points, t, 0), _bezier(points, t, 1)) for t in ts)
            x, y = points[-1]
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


__all__ = ["VIEWBOX", "PathError", "parse", "path", "polygons", "svg"]
