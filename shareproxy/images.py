"""Pictures from other servers, made safe and small before a visitor sees them.

Every poster, avatar and media thumbnail an embed shows is fetched by the server and
passed through :func:`process`, which re-encodes it from bare pixels (see
:mod:`shareproxy.imagework` for what is kept: pixels only, no metadata).

Decoding a file an attacker may have written is bounded three ways, so one image costs at
most a few seconds of one core and a bounded amount of memory:

- the header's dimensions are checked against a pixel limit before any pixel is decoded;
- the work runs in a child process (a fresh ``python -I``, with an empty environment)
  that limits its own address space and CPU time before it reads the file;
- the server kills the child when it has not answered within the time limit.

The result is named by a hash of its pixels, so it is served under an address that never
changes (``/embed/image/<digest>.<ext>``) and may be cached for a year.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from dataclasses import dataclass

from .imagework import ROLES, BadImage, Processed, load

__all__ = ["MIMETYPES", "ROLES", "BadImage", "Limits", "Processed", "process"]

WORKER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "imagework.py")
MIMETYPES = {"avif": "image/avif", "webp": "image/webp", "jpg": "image/jpeg", "png": "image/png"}


@dataclass(frozen=True)
class Limits:
    max_pixels: int = 40_000_000  # width × height of a source image
    timeout: float = 10.0  # seconds of wall-clock time for one image, start-up included
    cpu: int = 5  # seconds of CPU time the child may use
    memory: int = 1024 * 1024 * 1024  # address space of the child, bytes
    workers: int = 2  # images processed at once in this process


_slots_lock = threading.Lock()
_slots: dict[int, threading.BoundedSemaphore] = {}


def _slot(workers: int) -> threading.BoundedSemaphore:
    with _slots_lock:
        if workers not in _slots:
            _slots[workers] = threading.BoundedSemaphore(workers)
        return _slots[workers]


def process(
    data: bytes, role: str, crop: float | None = None, limits: Limits | None = None
) -> Processed:
    """Re-encode ``data`` for ``role`` (poster, avatar, media) in a bounded child process.

    Raises BadImage with a one-line reason."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")
    limits = limits or Limits()
    args = [
        sys.executable, "-I", WORKER, role, f"{crop or 0:.6f}",
        str(limits.max_pixels), str(limits.memory), str(limits.cpu),
    ]  # fmt: skip
    with _slot(limits.workers):
        try:
            child = subprocess.Popen(
                args,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                env={"LC_ALL": "C.UTF-8"},
                close_fds=True,
            )
        except OSError as exc:
            raise BadImage(f"the decoder could not start ({exc.strerror})") from None
        with child:  # closes the pipes and reaps the child, however this ends
            try:
                out, _ = child.communicate(data, timeout=limits.timeout)
            except subprocess.TimeoutExpired:
                child.kill()
                child.communicate()
                raise BadImage(f"decoding took longer than {limits.timeout:g} s") from None
            except BaseException:
                child.kill()
                raise
    if child.returncode != 0 and not out:
        raise BadImage("the decoder was stopped (a limit was reached)")
    return load(out)
