"""The README's "Networks" table, generated from the registry: ``python -m shareproxy.networks``
prints it, and ``tests/test_docs.py`` checks that the README holds it between
``<!-- networks:start -->`` and ``<!-- networks:end -->``."""

from __future__ import annotations

from ..settings import PREFIX
from . import DEAD, NETWORKS
from .base import Network
from .fediverse import SOFTWARE, Endpoint

HEADER = (
    "| network | share link | count API | credentials | two-click widget |\n|---|---|---|---|---|\n"
)


def _name(net: Network) -> str:
    return net.name if net.kind == "action" else f"{net.name} ({net.label})"


def _link(net: Network) -> str:
    if net.share_url is None:
        return net.note
    if net.kind == "fediverse":
        return "`https://<visitor's server>/…`, the page of its software (see below)"
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


def _software_by_page() -> dict[Endpoint | None, list[str]]:
    out: dict[Endpoint | None, list[str]] = {}
    for name, software in SOFTWARE.items():
        out.setdefault(software.endpoint, []).append(f"{software.label} (`{name}`)")
    return out


def _software_page(endpoint: Endpoint | None) -> str:
    if endpoint is None:
        return "none: the copy page (the text to copy and a link to the server)"
    limits = []
    if endpoint.text_limit is not None:
        limit = f"text ≤ {endpoint.text_limit}"
        if endpoint.url_weight is not None:
            limit += f", a URL counts {endpoint.url_weight}"
        limits.append(limit)
    if endpoint.title_limit is not None:
        limits.append(f"title ≤ {endpoint.title_limit}")
    return f"`{endpoint.path}`" + (f" ({'; '.join(limits)})" if limits else "")


def reference_markdown() -> str:
    """Every network's row, then the networks not offered because they are gone."""
    rows = []
    for net in NETWORKS.values():
        widget = net.widget.name if net.widget else ""
        cells = (_name(net), _link(net), _count(net), _credentials(net), widget)
        rows.append(("| " + " | ".join(cells) + " |").replace("  ", " "))
    gone = [f"- **{name}**: {why}." for name, why in DEAD.items()]
    fedi = [
        f"| {', '.join(names)} | {_software_page(endpoint)} |"
        for endpoint, names in _software_by_page().items()
    ]
    return (
        HEADER
        + "\n".join(rows)
        + "\n\nThe fediverse buttons (`mastodon`, `fediverse`) ask for the visitor's server, "
        "read the name of its software from NodeInfo (`software.name`) and send the visitor "
        "to that software's page on `https://<visitor's server>`. `{text}` is the title, a "
        "space and the page URL, the title shortened to fit the limit:\n\n"
        + "| software | share page |\n|---|---|\n"
        + "\n".join(fedi)
        + "\n| any other | none: the copy page |"
        + "\n\nNot offered, because they are gone:\n\n"
        + "\n".join(gone)
        + "\n"
    )
