"""Post HTML from other servers, cut down to what a post needs and nothing that runs.

A fediverse post's ``content`` is HTML written by another server; shareproxy shows it in
its own page. It keeps an allowlist of text-level tags, links only to absolute http(s)
addresses (opened in a new tab, ``rel="nofollow noopener noreferrer"``), and the two
classes Mastodon uses to shorten long links (``invisible``, ``ellipsis``). Everything
else goes: scripts and styles with their content, event handlers, ``style``, images,
forms, frames, comments, other attributes and classes. The work is done by nh3 (Python
bindings of the Rust crate ammonia, an HTML5-parsing allowlist sanitiser).
"""

from __future__ import annotations

import html
import re
from functools import lru_cache
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    import nh3

TAGS = frozenset(
    {"p", "br", "a", "span", "strong", "b", "em", "i", "u", "s", "del", "code", "pre",
     "blockquote", "ul", "ol", "li"}
)  # fmt: skip
REL = "nofollow noopener noreferrer"
MAX_INPUT = 100_000  # characters of markup looked at; a post is far shorter
_URL_CHARS = re.compile(r"^[^\s\x00-\x1f\x7f]{1,2048}$")


def _absolute_http(tag: str, attribute: str, value: str) -> str | None:
    if attribute != "href":
        return value
    try:
        parts = urlsplit(value)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    if not _URL_CHARS.match(value) or "@" in parts.netloc:
        return None
    return value


@lru_cache(maxsize=1)
def _cleaner() -> nh3.Cleaner:
    """The one cleaner, made when the first post is shown: nh3 is imported then, not by
    every worker at start."""
    import nh3

    return nh3.Cleaner(
        tags=set(TAGS),
        clean_content_tags={"script", "style", "template", "noscript", "iframe", "object",
                            "svg", "math", "textarea", "select", "title"},
        attributes={"a": {"href"}},
        attribute_filter=_absolute_http,
        allowed_classes={"span": {"invisible", "ellipsis"}},
        set_tag_attribute_values={"a": {"target": "_blank"}},
        link_rel=REL,
        url_schemes={"http", "https"},
        strip_comments=True,
    )  # fmt: skip


def post_html(markup: str) -> str:
    """Sanitised HTML of a post body (empty for anything but a string)."""
    if not isinstance(markup, str):
        return ""
    return _cleaner().clean(markup[:MAX_INPUT]).strip()


def text_html(text: str, links: list[tuple[int, int, str]]) -> str:
    """Plain ``text`` as HTML: escaped, line breaks kept, and the character ranges
    ``(start, end, href)`` made links (ranges that overlap or fall outside are skipped).
    The result still goes through :func:`post_html`."""
    out: list[str] = []
    at = 0
    for start, end, href in sorted(links):
        if start < at or end > len(text) or start >= end:
            continue
        out.append(html.escape(text[at:start]))
        label = html.escape(text[start:end])
        out.append(f'<a href="{html.escape(href, quote=True)}">{label}</a>')
        at = end
    out.append(html.escape(text[at:]))
    body = "".join(out)
    paragraphs = [p.replace("\n", "<br>") for p in re.split(r"\n{2,}", body) if p.strip()]
    return post_html("".join(f"<p>{p}</p>" for p in paragraphs))


def plain_text(markup: str) -> str:
    """The text of sanitised markup, for a title or an accessible name."""
    text = re.sub(r"<br\s*/?>|</p>", " ", markup)
    text = re.sub(r"<[^>]*>", "", text)
    return " ".join(html.unescape(text).split())
