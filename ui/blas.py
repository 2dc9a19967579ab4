"""Run numpy's OpenBLAS on one thread: the app's matrices are tiny and the server is shared.

With several BLAS threads, a product as small as ``(10000, 16) @ (16, 16)`` spends most of its
time waking and syncing threads, and on a busy 2-core machine one 100 x 100 boundary grid of a
deep network took 60 ms instead of 3 ms. The thread count is a process-wide OpenBLAS setting,
reachable only through the library itself, so this finds the OpenBLAS that numpy loaded and
calls its ``set_num_threads``. Anything unexpected leaves the setting alone.
"""

from __future__ import annotations

import ctypes

import numpy as np  # noqa: F401 (importing numpy loads its OpenBLAS)

_SETTERS = (
    "scipy_openblas_set_num_threads64_",
    "scipy_openblas_set_num_threads",
    "openblas_set_num_threads64_",
    "openblas_set_num_threads",
)


def _loaded_openblas() -> list[str]:
    try:
        with open("/proc/self/maps") as maps:
            paths = {line.split()[-1] for line in maps if "openblas" in line.lower() and "/" in line}
    except OSError:
        return []
    return sorted(p for p in paths if ".so" in p)


def use_one_blas_thread() -> bool:
    """Ask the loaded OpenBLAS for one thread; ``True`` if a library accepted the call."""
    done = False
    for path in _loaded_openblas():
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for name in _SETTERS:
            setter = getattr(lib, name, None)
            if setter is not None:
                setter(ctypes.c_int(1))
                done = True
                break
    return done
