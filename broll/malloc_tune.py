"""Keep freed memory for reuse in a process that makes and drops frame-size arrays (glibc only).

A repair allocates and frees arrays of a few MB thousands of times (decoded frames, boxes of planes,
warp maps, flows). glibc's malloc serves each block above its mmap threshold (128 KB at start, raised
only as such blocks are freed) with a fresh mapping returned to the system on free, and gives back the
heap's free top beyond twice that threshold: either way the next array is new memory, which the
kernel zeroes page by page on first touch. Raising both limits keeps freed memory in the heap for the
next array. Same results; more memory stays mapped until the process ends (never above its peak).
"""

from __future__ import annotations

import ctypes

M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 32 << 20        # glibc's own ceiling for the dynamic threshold (64-bit)
TRIM_THRESHOLD = 512 << 20


def keep_freed_memory() -> bool:
    """Tune glibc's malloc as above; False where there is no ``mallopt`` (macOS, Windows)."""
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError, TypeError):
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))
