"""Process settings for the app's server: one BLAS thread, and freed memory kept for reuse.

The app's matrices are tiny and the server is shared, so two process-wide settings pay off.

One BLAS thread: with several, a product as small as ``(10000, 16) @ (16, 16)`` spends most of its
time waking and syncing threads, and on a busy 2-core machine one 100 x 100 boundary grid of a
deep network took 60 ms instead of 3 ms. The thread count is a process-wide OpenBLAS setting,
reachable only through the library itself, so this finds the OpenBLAS that numpy loaded and
calls its ``set_num_threads``. Anything unexpected leaves the setting alone.

Freed memory kept for reuse: see ``keep_freed_memory``. The modules' objects kept out of the
garbage collector's sweeps: see ``freeze_module_objects``.
"""

from __future__ import annotations

import ctypes
import functools
import gc
import sys

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


# glibc's mallopt parameters (malloc.h)
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3


def keep_freed_memory(limit: int = 256 << 20) -> bool:
    """Let glibc keep up to ``limit`` bytes of freed memory for reuse; ``True`` if it agreed.

    Every training step keeps a complete trace (``z``, ``a``, ``delta``, ``dW`` ... of every
    layer), so it writes fresh arrays each step. By default glibc hands arrays above 128 KB back to
    the operating system when they are freed, and the next step pays page faults to get them again;
    for a 2-64-64-64-10 network on 512 samples that doubled the step's time. Memory kept this way
    is reused by the next step, not leaked. Anything unexpected (another C library) changes nothing.
    """
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return False
    mallopt = getattr(libc, "mallopt", None)
    if mallopt is None:
        return False
    return bool(mallopt(_M_TRIM_THRESHOLD, limit)) and bool(mallopt(_M_MMAP_THRESHOLD, min(limit, 32 << 20)))


_frozen_at = {"modules": 0}


def freeze_module_objects() -> bool:
    """Move every object alive now into the collector's permanent generation, once per new set of modules.

    Streamlit runs a full ``gc.collect(2)`` after every script run, including every Play tick of
    a fragment. A full collection walks every tracked object in the process, and the imported
    modules (Streamlit, Plotly, pandas, the labs) hold about 130,000: each sweep cost ~80 ms here,
    more than half of the server's time per Play tick. Objects that live as long as the process
    gain nothing from being swept, so they are frozen (``gc.freeze``) after the imports; frozen
    objects are still freed by reference counting, only cycles among them are never collected.
    A page that imports new modules freezes once more (the pages run this after their imports);
    at most once per new module set, so a learner's short-lived objects are swept as before.
    Returns ``True`` when it froze.
    """
    if len(sys.modules) <= _frozen_at["modules"]:
        return False
    gc.collect()  # what is garbage already goes now, not into the permanent generation
    gc.freeze()
    _frozen_at["modules"] = len(sys.modules)
    return True


@functools.cache
def _tune_once() -> None:
    use_one_blas_thread()
    keep_freed_memory()


def tune_process() -> None:
    """The process settings; ``app.py`` and every page call it first thing (after their imports).

    Called explicitly (never as a side effect of an import): the BLAS and memory settings are made
    once per process, the freeze once per new set of imported modules.
    """
    _tune_once()
    freeze_module_objects()
