"""Give back the resident pages of read-only library code that a process used once.

The workers' forkserver loads the chain's numba kernels before forking (``warm_fork``), and
a batch job (or a worker, for a split file) loads those of the file's reading on its first
event. Loading kernels runs LLVM, which touches ~25-120 MB of libllvmlite's code and
read-only data that processing events never runs again. Those pages stay mapped, counted to
the process (or shared by the sibling workers that loaded the same kernels), for the whole
batch: with llvmlite 0.50, 40 % of a ``-j 1`` run's memory. They are plain copies of the
file, so they can be dropped from the process's page tables (``madvise(MADV_DONTNEED)``); a
later access reads them back from the page cache (code still in use comes back at its next
run, a minor fault a page).

Only a mapping that is backed by a file, not writable, and holds no anonymous page (no page
copied on write, such as relocated data) is dropped: for those, dropping loses nothing. On a
platform without ``/proc/self/smaps`` or ``madvise`` nothing is done.
"""

from __future__ import annotations

import ctypes
import os

MADV_DONTNEED = 4  # Linux
#: a mapping is dropped when at least this much of it (kB) is resident
MIN_RESIDENT_KB = 1024
#: what a job's first event must add to the process's resident file pages (kB) for a
#: release after it to be worth its ~10 ms (reading smaps, and the code still in use coming
#: back): loading kernels adds 25-120 MB, an event of a process that has them next to nothing
MIN_GROWTH_KB = 8 * 1024

_COUNTED = ("Private_Clean", "Shared_Clean", "Private_Dirty", "Anonymous")


def _mappings(smaps: str):
    """(start, end, perms, path, {field: kB}) of each mapping listed in ``smaps``."""
    current = None
    with open(smaps) as f:
        for line in f:
            head, _, rest = line.partition(" ")
            if "-" in head and ":" not in head:  # "start-end perms offset dev inode path"
                if current is not None:
                    yield current
                fields = rest.split(maxsplit=4)
                start, end = (int(x, 16) for x in head.split("-"))
                path = fields[4].strip() if len(fields) > 4 else ""
                current = (start, end, fields[0], path, dict.fromkeys(_COUNTED, 0))
            elif current is not None:
                key, _, value = line.partition(":")
                if key in _COUNTED:
                    current[4][key] = int(value.split()[0])
    if current is not None:
        yield current


def droppable(perms: str, path: str, counts: dict, min_resident_kb: int) -> bool:
    """Whether a mapping's pages can be dropped without losing anything, and are worth it
    (``counts``: kB, as ``smaps`` says)."""
    return (path.startswith("/") and "w" not in perms and counts["Anonymous"] == 0
            and counts["Private_Dirty"] == 0
            and counts["Private_Clean"] + counts["Shared_Clean"] >= min_resident_kb)


def release_clean_library_pages(min_resident_kb: int = MIN_RESIDENT_KB,
                                smaps: str = "/proc/self/smaps") -> int:
    """Drop this process's resident pages of read-only file mappings (see the module
    docstring). Returns the kB of pages dropped (as ``smaps`` counted them before); 0 where
    the platform cannot."""
    if not os.path.exists(smaps):
        return 0
    try:
        madvise = ctypes.CDLL(None, use_errno=True).madvise  # (libc's, as batch.worker)
    except (OSError, AttributeError):
        return 0
    madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    madvise.restype = ctypes.c_int
    try:
        targets = [(start, end, counts["Private_Clean"] + counts["Shared_Clean"])
                   for start, end, perms, path, counts in _mappings(smaps)
                   if droppable(perms, path, counts, min_resident_kb)]
    except (OSError, ValueError, IndexError):
        return 0
    released = 0
    for start, end, resident_kb in targets:
        if madvise(start, end - start, MADV_DONTNEED) == 0:
            released += resident_kb
    return released


def file_resident_kb(statm: str = "/proc/self/statm") -> int:
    """This process's resident pages backed by files (or shared memory), kB: one counter
    the kernel keeps (``statm``'s third field), cheap to read; 0 where it cannot be read."""
    try:
        with open(statm) as f:
            pages = int(f.read().split()[2])
    except (OSError, ValueError, IndexError):
        return 0
    return pages * (os.sysconf("SC_PAGE_SIZE") // 1024)


def release_if_grown(since_kb: int) -> int:
    """``release_clean_library_pages`` when the resident file pages grew by
    ``MIN_GROWTH_KB`` since ``file_resident_kb()`` said ``since_kb`` (kernels were loaded
    meanwhile: a batch job's first event, in the first job of a process); else nothing, at
    the cost of one read. Returns the kB dropped."""
    if file_resident_kb() - since_kb < MIN_GROWTH_KB:
        return 0
    return release_clean_library_pages()
