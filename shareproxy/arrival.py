"""When a request arrived, so that its deadline counts from then.

The gunicorn worker (shareproxy/gworker.py) notes the moment a request's head was
complete in the WSGI environ under :data:`ARRIVED` (``time.monotonic()``); a request that
then waited for a free thread has less of its deadline left. Elsewhere (the development
server, the tests' client) the moment the application saw the request stands in.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

ARRIVED = "shareproxy.arrived"


def time_left(environ: Mapping[str, Any], seconds: float) -> float:
    """What is left of ``seconds`` counted from the request's arrival (never below 0)."""
    arrived = environ.get(ARRIVED)
    if not isinstance(arrived, float):
        return seconds
    return max(0.0, seconds - (time.monotonic() - arrived))
