"""The README's "Networks" table, generated from the registry: ``python -m shareproxy.networks``
prints it, and ``tests/test_docs.py`` checks that the README holds it between
``<!-- networks:start -->`` and ``<!-- networks:end -->``."""

from __future__ import annotations

from ..settings import PREFIX
from . import DEAD, NETWORKS
from .base import Network

HEADER = (
    "| network | share link | count API | credentials | two-click widget |\n|---|---|---|---|---|\n"
)


def _name(net: Network) -> str:
    return net.name if net.kind == "action" else f"{net.name} ({net.label})"


def _link(net: Network) -> str:
    if net.share_url is None:
        return net.note
    base = net.share_url.split("?")[0].replace("{instance}", "<visitor's server>")
    notes = []
    if not base.startswith(("https://", "mailto:")):
        notes.append("app link")
    if net.text_limit is not None:
        limit = f"text ≤ {net.text_limit}"
        if net.url_weight is not None:
            limit += f", a URL counts {net.url_weight}"
        notes.append(limit)
    if net.note:
        notes.append(net.note)
    return f"`{base}`" + (f" ({'; '.join(notes)})" if notes else "")


def _count(net: Network) -> str:
    if net.count is None:
        if net.share_url is None:
            return ""
        return "none (clicks)" if net.via_shareproxy else "none"
    return f"{net.count.name}, {net.count.status}" if net.count.name else net.count.status


def _credentials(net: Network) -> str:
    if net.count is None:
        return ""
    return ", ".join(f"`{PREFIX}{name}`" for name in net.count.requires) or "none"


def reference_markdown() -> str:
    """Every network's row, then the networks not offered because they are gone."""
    rows = []
    for net in NETWORKS.values():
        widget = net.widget.name if net.widget else ""
        cells = (_name(net), _link(net), _count(net), _credentials(net), widget)
        rows.append(("| " + " | ".join(cells) + " |").replace("  ", " "))
    gone = [f"- **{name}**: {why}." for name, why in DEAD.items()]
    return (
        HEADER
        + "\n".join(rows)
        + "\n\nNot offered, because they are gone:\n\n"
        + "\n".join(gone)
        + "\n"
    )
