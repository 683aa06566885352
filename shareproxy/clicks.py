"""First-party share counts: one click through shareproxy adds one (see the admin issue).

Placeholder API used by the share redirect; the implementation stores nothing yet.
"""

from __future__ import annotations


def record(url: str, network: str, remote_addr: str, user_agent: str) -> None:
    """Count one share of normalised ``url`` on ``network`` (de-duplicated per visitor)."""
    return None
