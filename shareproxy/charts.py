"""Charts of the admin console, drawn here as inline SVG: nothing an admin page shows
comes from a third party, and no script draws them."""

from __future__ import annotations

from markupsafe import Markup, escape


def sparkline(values: list[float], width: int = 180, height: int = 28, label: str = "") -> Markup:
    """A bar chart as inline SVG (numbers only go into it, and an escaped label)."""
    if not values:
        values = [0.0]
    top = max(values) or 1.0
    bar = width / len(values)
    rects = []
    for i, value in enumerate(values):
        h = 0.0 if value <= 0 else max(1.0, value / top * (height - 2))
        rects.append(
            f'<rect x="{i * bar:.2f}" y="{height - h:.2f}" width="{max(bar - 0.6, 0.6):.2f}" '
            f'height="{h:.2f}"/>'
        )
    total = int(sum(values))
    words = escape(f"{label}: {total} in all, peak {int(top)}" if label else f"{total} in all")
    return Markup(
        f'<svg class="spark" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-label="{words}"><title>{words}</title>'
        f'<line x1="0" y1="{height - 0.5}" x2="{width}" y2="{height - 0.5}"/>'
        + "".join(rects)
        + "</svg>"
    )
