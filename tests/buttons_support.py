"""Helpers for the button tests: a small HTML reader (stdlib only)."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

PAGE = "https://example.org/article?id=7"


VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}


class Tag:
    def __init__(self, name: str, attrs: dict[str, str | None]):
        self.name = name
        self.attrs = attrs
        self.text: list[str] = []

    def get(self, key: str) -> str | None:
        return self.attrs.get(key)

    def has_attr(self, key: str) -> bool:
        return key in self.attrs

    def get_text(self) -> str:
        """The text inside the element (what its accessible name is computed from)."""
        return "".join(self.text)

    def __repr__(self) -> str:
        return f"<{self.name} {self.attrs}>"


class Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[Tag] = []
        self.open: list[Tag] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Tag(tag, dict(attrs))
        self.tags.append(element)
        if tag not in VOID:
            self.open.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(Tag(tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.open) - 1, -1, -1):
            if self.open[i].name == tag:
                del self.open[i:]
                break

    def handle_data(self, data: str) -> None:
        for element in self.open:
            element.text.append(data)


def tags(html: str) -> list[Tag]:
    reader = Reader()
    reader.feed(html)
    return reader.tags


def networks_in(html: str) -> list[Tag]:
    return [t for t in tags(html) if "data-network" in t.attrs]


def loaded_resources(html: str) -> list[str]:
    """Every URL the page makes a browser fetch on load (scripts, styles, images, frames)."""
    out: list[str] = []
    for t in tags(html):
        if t.name in ("script", "img", "iframe", "audio", "video", "source", "embed"):
            if t.get("src"):
                out.append(str(t.get("src")))
        if t.name == "link" and t.get("href"):
            out.append(str(t.get("href")))
        if t.name == "object" and t.get("data"):
            out.append(str(t.get("data")))
    return out


def same_origin(url: str) -> bool:
    parts = urlsplit(url)
    return not parts.scheme and not parts.netloc


def get(client: Any, path: str, **params: Any) -> Any:
    return client.get(path, query_string=params)
