"""Read throughput, random access and memory of the sim_telarray source.

    python benchmarks/read.py FILE

Compares iterating our source with a bare ``eventio.SimTelFile`` loop over the same file
(best of N passes each), times our source with its fast path (block reader, numba decoding)
and with eventio alone (``CTAVIEWER_EVENTIO_ONLY=1``), measures the time to jump to random
events once the index is built, and samples the resident memory while iterating twice. The
last line is one JSON object with ``read_ratio`` (ours/bare throughput), ``fast_read_s`` and
``eventio_read_s`` (a whole sequential pass of our source with and without the fast path),
``events_per_s`` (of the fast pass), ``open_s`` and ``eventio_open_s`` (opening the source:
its run headers, with and without the fast path), ``goto_ms``, ``rss_mb_pass1``,
``rss_mb_pass2``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import time
import warnings

import numpy as np


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


def bare_pass(path: str) -> tuple[float, int]:
    from eventio import SimTelFile

    t0 = time.perf_counter()
    n = 0
    with SimTelFile(path) as f:
        for _ in f:
            n += 1
    return time.perf_counter() - t0, n


@contextlib.contextmanager
def reader_mode(eventio_only: bool):
    """Our source with its fast path, or (``eventio_only``) without it, inside the block."""
    from ctaviewer.io.simtel import EVENTIO_ONLY_VARIABLE

    before = os.environ.get(EVENTIO_ONLY_VARIABLE)
    os.environ[EVENTIO_ONLY_VARIABLE] = "1" if eventio_only else "0"
    try:
        yield
    finally:
        if before is None:
            del os.environ[EVENTIO_ONLY_VARIABLE]
        else:
            os.environ[EVENTIO_ONLY_VARIABLE] = before


def our_pass(path: str, eventio_only: bool = False) -> tuple[float, int]:
    """A whole sequential pass of our source; ``eventio_only``: without the fast path."""
    from ctaviewer import open_source

    with reader_mode(eventio_only):
        t0 = time.perf_counter()
        n = 0
        with open_source(path) as source:
            for _ in source:
                n += 1
        return time.perf_counter() - t0, n


def open_time(path: str, eventio_only: bool = False) -> float:
    """Seconds to open our source: the run headers parsed, the subarray made (the fast
    path skips History and keeps CameraOrganization's counts; eventio alone parses both)."""
    from ctaviewer import open_source

    with reader_mode(eventio_only):
        t0 = time.perf_counter()
        source = open_source(path)
        seconds = time.perf_counter() - t0
        source.close()
    return seconds


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("file")
    ap.add_argument("--repeat", type=int, default=5, help="passes per reader (best is kept)")
    ap.add_argument("--jumps", type=int, default=30, help="random jumps after indexing")
    args = ap.parse_args()
    warnings.simplefilter("ignore")

    from ctaviewer import open_source

    # warm up imports and the OS file cache
    bare_pass(args.file)
    our_pass(args.file)

    bare, ours, eventio_only, opens, eventio_opens = [], [], [], [], []
    for _ in range(args.repeat):
        opens.append(open_time(args.file))
        eventio_opens.append(open_time(args.file, eventio_only=True))
        t, n_bare = bare_pass(args.file)
        bare.append(t)
        t, n_ours = our_pass(args.file)
        ours.append(t)
        t, n_eventio = our_pass(args.file, eventio_only=True)
        eventio_only.append(t)
    if not n_bare == n_ours == n_eventio:
        print(f"event counts differ: eventio {n_bare}, ctaviewer {n_ours}, ctaviewer with "
              f"eventio only {n_eventio}", file=sys.stderr)
        return 1
    read_ratio = min(bare) / min(ours)

    with open_source(args.file) as source:
        t0 = time.perf_counter()
        n = len(source)
        index_s = time.perf_counter() - t0
        rng = np.random.default_rng(0)
        order = rng.permutation(n)
        # jump to events without repeats so no jump is served from the event cache
        jumps = [int(i) for i in order[: min(args.jumps, n)]]
        times = []
        for i in jumps:
            source._cache.clear()
            t0 = time.perf_counter()
            event = source[i]
            times.append(time.perf_counter() - t0)
            assert event.index == i
        goto_ms = 1e3 * float(np.mean(times))
        goto_max_ms = 1e3 * float(np.max(times))

    # memory: two full passes over the same source object
    with open_source(args.file) as source:
        pass_peaks = []
        for _ in range(2):
            peak = 0.0
            for _event in source:
                peak = max(peak, rss_mb())
            pass_peaks.append(peak)

    result = {
        "file": os.path.basename(args.file),
        "n_events": n_ours,
        "bare_eventio_s": round(min(bare), 4),
        "ctaviewer_s": round(min(ours), 4),
        "bare_events_per_s": round(n_bare / min(bare), 1),
        "ctaviewer_events_per_s": round(n_ours / min(ours), 1),
        "read_ratio": round(read_ratio, 3),
        "fast_read_s": round(min(ours), 4),
        "eventio_read_s": round(min(eventio_only), 4),
        "events_per_s": round(n_ours / min(ours), 1),
        "open_s": round(min(opens), 4),
        "eventio_open_s": round(min(eventio_opens), 4),
        "index_s": round(index_s, 4),
        "goto_ms": round(goto_ms, 2),
        "goto_max_ms": round(goto_max_ms, 2),
        "rss_mb_pass1": round(pass_peaks[0], 1),
        "rss_mb_pass2": round(pass_peaks[1], 1),
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
