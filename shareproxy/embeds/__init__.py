"""The registry of embed providers, and which one a content URL belongs to.

Adding a provider means one module beside this file and one line below (CONTRIBUTING.md).
"""

from __future__ import annotations

from collections.abc import Collection
from urllib.parse import urlsplit

from . import bluesky, fediverse, peertube, vimeo, youtube
from .base import Provider, Ref

# Providers on fixed hosts first: a URL on one of their hosts is theirs. Then those that
# live on any host, recognised by the shape of the path.
_MODULES = (youtube, vimeo, bluesky, peertube, fediverse)
PROVIDERS: dict[str, Provider] = {m.PROVIDER.name: m.PROVIDER for m in _MODULES}

# Content shareproxy does not embed, with the reason (the 400 answer and the README).
NOT_OFFERED: dict[str, tuple[tuple[str, ...], str]] = {
    "x": (
        ("x.com", "www.x.com", "twitter.com", "www.twitter.com", "mobile.twitter.com"),
        "X posts are not offered: no public, unauthenticated X endpoint for a post's "
        "content could be verified, and X's own embed loads X's tracking script; link to "
        "the post instead",
    ),
    "facebook": (
        ("facebook.com", "www.facebook.com", "m.facebook.com", "fb.watch"),
        "Facebook posts and videos are not offered: Facebook's oEmbed needs an app review "
        "and token, and its player loads Facebook's tracking",
    ),
    "instagram": (
        ("instagram.com", "www.instagram.com"),
        "Instagram posts are not offered: Instagram's oEmbed needs a Facebook app token",
    ),
}
MAX_URL = 2048


class NotEmbeddable(ValueError):
    """A URL shareproxy cannot embed; the message is the one-line reason."""


def resolve(raw: str, enabled: Collection[str] | None = None) -> tuple[Provider, Ref]:
    """The provider and item a content URL names. Raises NotEmbeddable with the reason.

    ``http://`` is read as ``https://`` (every provider serves https only); ``enabled``
    limits the providers (None: all).
    """
    if not raw:
        raise NotEmbeddable("'url' is missing")
    if len(raw) > MAX_URL:
        raise NotEmbeddable(f"'url' is longer than {MAX_URL} characters")
    if any(ord(c) <= 0x20 or ord(c) == 0x7F for c in raw):
        raise NotEmbeddable("'url' contains spaces or control characters")
    try:
        parts = urlsplit(raw)
        parts.port  # noqa: B018 - raises for a malformed port
    except ValueError:
        raise NotEmbeddable("'url' is malformed") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise NotEmbeddable("'url' must be an absolute https:// address")
    parts = parts._replace(scheme="https")
    host = parts.hostname or ""
    for hosts, reason in NOT_OFFERED.values():
        if host in hosts:
            raise NotEmbeddable(reason)
    owner = next((p for p in PROVIDERS.values() if host in p.page_hosts), None)
    for provider in [owner] if owner else PROVIDERS.values():
        ref = provider.match(parts)
        if ref is None:
            continue
        if enabled is not None and provider.name not in enabled:
            raise NotEmbeddable(f"{provider.label} embeds are switched off on this server")
        return provider, ref
    if owner is not None:
        raise NotEmbeddable(f"'url' is not a {owner.label} {owner.kind} address shareproxy knows")
    offered = ", ".join(p.label for p in PROVIDERS.values())
    raise NotEmbeddable(f"'url' is not a video or post shareproxy can embed ({offered})")


__all__ = ["NOT_OFFERED", "PROVIDERS", "NotEmbeddable", "Provider", "Ref", "resolve"]
