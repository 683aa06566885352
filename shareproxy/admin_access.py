"""Who may use the admin console and API: the session signing key, server-side sessions
and the throttle on logins and tokens, all kept in the store.

No Flask here: the console's guards (shareproxy/views/admin/) hand in the store, the
client address and the keys; every function that reads or writes the store may raise
StoreError, which the guards answer with 503 (they fail closed).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
import time
from typing import Any

from .privacy import anonymize_ip
from .store import StoreError

log = logging.getLogger(__name__)

LOGIN_LIMIT = 5  # failed logins per anonymised IP …
LOGIN_WINDOW = 15 * 60  # … within this many seconds; then 429 until the window ends
SESSION_HOURS = 8


def shared_secret_key(store: Any, instance_path: str) -> str:
    """A random key made once and kept in the store, so every worker signs alike.

    When the store does not answer, the key is kept in ``instance/secret_key`` instead
    (shared by the workers of one host).
    """
    try:
        return str(store.claim("secret_key", secrets.token_hex(32), None, time.time()))
    except StoreError:
        log.warning("store unavailable: keeping the session key in the instance folder")
    path = os.path.join(instance_path, "secret_key")
    os.makedirs(instance_path, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        with open(path, encoding="ascii") as fh:
            return fh.read().strip()
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        key = secrets.token_hex(32)
        fh.write(key)
    return key


# --- sessions


def session_mark(password_hash: str) -> str:
    """Ties a session to the current password hash: a new password logs everyone out."""
    pw = str(password_hash)
    return hmac.new(b"shareproxy-admin", pw.encode(), hashlib.sha256).hexdigest()[:32]


def session_key(sid: str) -> str:
    """The store key of a session: a hash of its id, so reading the store (or a backup of
    it) gives nobody a session to put in a cookie."""
    return "session:" + hashlib.sha256(sid.encode("utf-8", "replace")).hexdigest()


def open_session(store: Any, password_hash: str) -> str:
    """A new server-side session, kept SESSION_HOURS: its id, for the signed cookie."""
    sid = secrets.token_urlsafe(32)
    store.claim(session_key(sid), session_mark(password_hash), SESSION_HOURS * 3600, time.time())
    return sid


def close_session(store: Any, sid: str) -> None:
    """Forget a session: every worker and instance refuses its cookie from now on."""
    store.forget(session_key(sid))


def session_valid(store: Any, sid: object, password_hash: str) -> bool:
    """``sid`` names a session the store still holds, made under the current password.
    False, never StoreError, when the store does not answer."""
    if not isinstance(sid, str) or not 16 <= len(sid) <= 64:
        return False
    try:
        mark = store.value(session_key(sid), time.time())
    except StoreError:
        return False  # fail closed: a session cannot be checked without the store
    return mark is not None and hmac.compare_digest(mark, session_mark(password_hash))


# --- throttling


def throttle_key(kind: str, remote_addr: str, secret: str) -> str:
    """Attempts are counted per client network (IPv4 /24, IPv6 /48), keyed by an HMAC of
    the anonymised address under the session signing key: the store never holds the
    address, and the count does not start over at midnight."""
    anon = anonymize_ip(remote_addr)
    return f"{kind}:" + hmac.new(secret.encode(), anon.encode(), hashlib.sha256).hexdigest()


def take_attempt(store: Any, key: str) -> bool:
    """Count one attempt under ``key`` before anything is compared (parallel guesses cannot
    slip in between a check of the counter and its increment); False once LOGIN_LIMIT
    attempts were taken within LOGIN_WINDOW."""
    return bool(store.reserve(key, LOGIN_LIMIT, LOGIN_WINDOW, time.time()))


def give_back(store: Any, key: str) -> None:
    """Return the attempt of a right token (a store that does not answer keeps it)."""
    try:
        store.unreserve(key, time.time())
    except StoreError:
        pass
