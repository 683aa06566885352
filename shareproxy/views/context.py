"""How a view reaches the services of its app: the one place the faces read
``current_app``. The services are made in ``create_app`` (shareproxy/container.py)."""

from __future__ import annotations

from flask import current_app

from ..container import Services
from ..settings import Settings


def services() -> Services:
    svc: Services = current_app.extensions["shareproxy"]
    return svc


def settings() -> Settings:
    return services().settings


def secret_key() -> str:
    """The key the app signs its session cookies with (admin throttling keys on it too)."""
    return str(current_app.secret_key)
