"""The admin console (/admin) and the JSON admin API (/admin/api/…): one blueprint.

Pages: on when SHAREPROXY_ADMIN_PASSWORD_HASH is set, behind a login with a slow hash,
throttled per anonymised IP in the store, a session cookie (HttpOnly, SameSite=Strict,
Secure behind HTTPS, path /admin) and a CSRF token on every form. The API: on when
SHAREPROXY_ADMIN_TOKEN is set, with ``Authorization: Bearer <token>``; no cookie involved.
Nothing an admin page loads comes from a third party; charts are SVG drawn here.

- ``blueprint``: the blueprint and the admin service every view uses;
- ``session``: the session cookie, its record in the store, the CSRF token;
- ``guards``: who may pass (login, token, body limits) and the answers' headers;
- ``pages``: the console's pages and forms; ``api``: the JSON API.
What the console shows and does lives below the faces: shareproxy/admin_service.py,
shareproxy/admin_access.py, shareproxy/console.py and shareproxy/charts.py.
"""

from __future__ import annotations

from . import api, guards, pages  # noqa: F401 - their views and hooks join the blueprint
from .blueprint import bp
from .session import init_app

__all__ = ["bp", "init_app"]
