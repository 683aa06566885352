"""How the process has its C allocator (glibc's malloc) hand out large blocks.

glibc gives blocks of 128 KiB and more their own mappings, returned to the system when
freed, but raises that threshold to the size of each such block freed (up to 32 MiB).
A worker frees them as its large dicts grow (the count cache's table, the memos'
tables): after the first few, every table lands in the heap, and the holes the next
resizes leave stay resident. A worker holding 100 000 pages x 6 networks kept ~10 MB
more that way, more or less from one run to the next (bench/RESULTS.md). With a fixed
threshold, a large block the heap has no free room for gets a mapping of its own instead
of growing the heap. Elsewhere (musl, macOS) nothing is done.
"""

from __future__ import annotations

M_MMAP_THRESHOLD = -3  # mallopt's parameter (glibc's malloc.h)
THRESHOLD = 128 * 1024  # glibc's own starting value, kept from now on


def fix_mmap_threshold() -> bool:
    """Keep glibc's mmap threshold at 128 KiB; True when the C library took it."""
    import ctypes  # only here: nothing else in a worker needs it

    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # not glibc
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    return bool(mallopt(M_MMAP_THRESHOLD, THRESHOLD))
