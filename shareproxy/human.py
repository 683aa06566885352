"""Figures for people: durations, latencies, ratios (the admin console and the command line)."""

from __future__ import annotations

import re

DASH = "–"  # a figure that does not exist (no calls, no lookups)

_UNITS = (("d", 86400), ("h", 3600), ("min", 60), ("s", 1))


def duration(seconds: float | None) -> str:
    """3600 -> "1 h", 5400 -> "1 h 30 min", 90 -> "1 min 30 s", 604800 -> "7 d".

    At most the two largest units; what is left below them is dropped (rounded down).
    """
    if seconds is None:
        return DASH
    left = max(0, int(seconds))
    if left == 0:
        return "0 s"
    parts: list[str] = []
    for unit, size in _UNITS:
        if left >= size:
            parts.append(f"{left // size} {unit}")
            left %= size
        elif parts:
            break  # "1 h 0 min 5 s" reads worse than "1 h"
        if len(parts) == 2:
            break
    return " ".join(parts)


def latency(seconds: float | None) -> str:
    """0.12 -> "120 ms", 1.5 -> "1.5 s", None -> "–"."""
    if seconds is None:
        return DASH
    if seconds < 1:
        return f"{round(seconds * 1000)} ms"
    return f"{seconds:.1f}".rstrip("0").rstrip(".") + " s"


def percent(ratio: float | None) -> str:
    """0.834 -> "83%", None -> "–"."""
    if ratio is None:
        return DASH
    return f"{round(ratio * 100)}%"


def number(value: float | None) -> str:
    """12345 -> "12 345" (thin grouping, no locale), None -> "–"."""
    if value is None:
        return DASH
    return f"{int(value):,}".replace(",", "\u202f")


_DURATION = re.compile(r"^\s*(\d{1,9})\s*(s|secs?|seconds?|m|mins?|minutes?|h|hours?|d|days?)?\s*$")
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(text: str) -> int | None:
    """ "1800", "30min", "30 min", "2h", "1d" -> seconds; None when it is none of those."""
    match = _DURATION.match(text)
    if not match:
        return None
    unit = (match.group(2) or "s")[0]
    return int(match.group(1)) * _UNIT[unit]
