"""glibc's mmap threshold stays at 128 KiB in a process that built the app (allocator.py)."""

from __future__ import annotations

import ctypes
import platform
import subprocess
import sys
from pathlib import Path

import pytest

from shareproxy import allocator

ROOT = Path(__file__).resolve().parent.parent

# In a fresh process (a heap with no large free block yet): free a 16 MiB block, which
# raises glibc's own threshold to 16 MiB, then take an 8 MiB block and say whether it
# got its own mapping (``hblks`` of mallinfo2 counts those). 8 MiB, not less: the free
# room building the app leaves in the heap differs from one checkout to another (a
# 512 KiB block found room there in a clean clone), and no hole is that large.
PROBE = """
import ctypes, sys
class Info(ctypes.Structure):
    _fields_ = [(n, ctypes.c_size_t) for n in ("arena", "ordblks", "smblks", "hblks",
                "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")]
libc = ctypes.CDLL(None)
libc.mallinfo2.restype = Info
if sys.argv[1] == "app":
    from shareproxy import create_app
    create_app({"STORE": "sqlite:///" + sys.argv[2]}, log_summary=False, check_in=False)
big = bytearray(16 * 1024 * 1024)
del big
before = libc.mallinfo2().hblks
block = bytearray(8 * 1024 * 1024)
print(libc.mallinfo2().hblks - before)
"""


def mapped(kind: str, tmp_path: Path) -> int:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, kind, str(tmp_path / "t.db")],
        capture_output=True, text=True, cwd=ROOT, timeout=60, check=True,
    )  # fmt: skip
    return int(out.stdout.strip())


@pytest.mark.skipif(
    platform.libc_ver()[0] != "glibc" or not hasattr(ctypes.CDLL(None), "mallinfo2"),
    reason="glibc's malloc only",
)
def test_large_blocks_keep_their_own_mapping_after_larger_ones_were_freed(
    tmp_path: Path,
) -> None:
    assert mapped("bare", tmp_path) == 0  # glibc alone: in the heap, to stay resident
    assert mapped("app", tmp_path) == 1  # once the app is built: a mapping of its own


def test_elsewhere_nothing_is_done(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_c_library(name: object) -> object:
        raise OSError("no such library")

    monkeypatch.setattr(ctypes, "CDLL", no_c_library)
    assert allocator.fix_mmap_threshold() is False
