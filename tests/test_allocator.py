"""glibc's mmap threshold stays at 128 KiB in a process that built the app (allocator.py)."""

from __future__ import annotations

import ctypes
import platform

import pytest

from shareproxy import allocator, create_app


class MallInfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks",
            "uordblks", "fordblks", "keepcost",
        )
    ]  # fmt: skip


def mapped_blocks() -> int:
    """Blocks glibc gave their own mapping (``hblks`` of mallinfo2)."""
    libc = ctypes.CDLL(None)
    libc.mallinfo2.restype = MallInfo2
    return int(libc.mallinfo2().hblks)


glibc = pytest.mark.skipif(
    platform.libc_ver()[0] != "glibc" or not hasattr(ctypes.CDLL(None), "mallinfo2"),
    reason="glibc's malloc only",
)


@glibc
def test_large_blocks_keep_their_own_mapping_after_larger_ones_were_freed(
    tmp_path: object,
) -> None:
    create_app({"STORE": f"sqlite:///{tmp_path}/t.db"}, log_summary=False, check_in=False)
    # freeing a 16 MiB block would raise glibc's own threshold to 16 MiB...
    big = bytearray(16 * 1024 * 1024)
    del big
    before = mapped_blocks()
    block = bytearray(512 * 1024)  # ...and put this one in the heap, to stay resident
    assert mapped_blocks() == before + 1
    del block
    assert mapped_blocks() == before


def test_elsewhere_nothing_is_done(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_c_library(name: object) -> object:
        raise OSError("no such library")

    monkeypatch.setattr(ctypes, "CDLL", no_c_library)
    assert allocator.fix_mmap_threshold() is False
