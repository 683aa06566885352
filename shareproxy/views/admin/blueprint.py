"""The admin blueprint, and the admin service its views use."""

from __future__ import annotations

from flask import Blueprint

from ...admin_service import AdminService
from ..context import services

bp = Blueprint("admin", __name__, url_prefix="/admin")


def service() -> AdminService:
    """The admin operations on this app's services."""
    return AdminService(services())
