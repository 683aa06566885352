"""The admin session: a signed cookie naming a session the store holds, and a CSRF token
in it for every form."""

from __future__ import annotations

import hmac
import secrets
from datetime import timedelta
from typing import Any

from flask import Flask, Request, request, session
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface

from ... import admin_access
from ...container import Services
from ..context import services
from .blueprint import bp


class AdminSessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie session, marked Secure whenever the request came over HTTPS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(request.is_secure)

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        """What Flask opens, but for a request without the cookie (every one outside the
        console) an empty session at once, without a signing serializer made for it."""
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)


def init_app(app: Flask, svc: Services) -> None:
    """Session settings and the shared secret key (create_app registers the blueprint)."""
    app.secret_key = svc.settings.secret_key or admin_access.shared_secret_key(
        svc.store, app.instance_path
    )
    app.session_interface = AdminSessionInterface()
    app.config.update(
        SESSION_COOKIE_NAME="shareproxy_admin",
        SESSION_COOKIE_PATH="/admin",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=admin_access.SESSION_HOURS),
    )


def _password_hash() -> str:
    return str(services().settings.admin_password_hash)


def start_session() -> None:
    """A new server-side session: its id in the signed cookie, its record in the store.

    Raises StoreError when the store cannot keep it.
    """
    sid = admin_access.open_session(services().store, _password_hash())
    session.clear()
    session.permanent = True
    session["sid"] = sid
    session["csrf"] = secrets.token_hex(32)


def end_session() -> None:
    """Forget this session in the store (every worker and instance refuses its cookie from
    now on) and in the cookie."""
    sid = session.get("sid")
    session.clear()
    if isinstance(sid, str):
        admin_access.close_session(services().store, sid)


def logged_in() -> bool:
    """The cookie names a session the store still holds, made under the current password."""
    return admin_access.session_valid(services().store, session.get("sid"), _password_hash())


def csrf_token() -> str:
    token = session.get("csrf")
    if not isinstance(token, str) or len(token) != 64:
        token = secrets.token_hex(32)
        session["csrf"] = token
    return token


def csrf_ok() -> bool:
    sent = request.form.get("csrf", "")
    token = session.get("csrf")
    return (
        isinstance(token, str)
        and bool(sent)
        and hmac.compare_digest(sent.encode("utf-8", "replace"), token.encode())
    )


@bp.app_context_processor
def template_helpers() -> dict[str, Any]:
    return {"csrf_token": csrf_token}
