"""The faces of shareproxy, one blueprint each; ``create_app`` registers them in this order.

A face reads its request (``params``), its services (``context``) and writes its headers
(``shareproxy.headers``); it never imports another face.
"""

from __future__ import annotations

from . import admin, api, assets, badges, buttons, docs, embed, health, pages, share

BLUEPRINTS = (
    api.bp, health.bp, buttons.bp, assets.bp, share.bp, badges.bp, docs.bp, pages.bp, embed.bp,
    admin.bp,
)  # fmt: skip

__all__ = ["BLUEPRINTS"]
