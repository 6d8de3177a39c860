"""Where the CPU of reading a sim_telarray file goes, as a batch worker reads it.

    python benchmarks/read_profile.py FILE [--repeat 3] [--events 400]

(a) the offset index: ``build_index`` of the file (decompression + scan), wall and process
CPU (the decompression thread included), best of ``--repeat``; (b) reading events by
random access through the index (what a worker of a split file does: ``source[i]``),
split into the eventio state machine with the fast decoders (``_read_at``) and the
assembly of the event (``_convert``), and a sequential pass over the same number of events,
best of ``--repeat``; (c) a cProfile of the random-access reads with the own time grouped
by stage: numba kernels, the fast reader's Python, eventio, the event assembly, the rest.
The machine may be shared: compare best-of figures and shares, not single runs. The last
line is one JSON object.
"""

from __future__ import annotations

import argparse
import cProfile
import itertools
import json
import os
import pstats
import resource
import sys
import time
import warnings


def cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def index_times(path: str, repeat: int) -> tuple[float, float, int]:
    from ctaviewer.io.simtel_index import build_index

    walls, cpus = [], []
    n = 0
    for _ in range(repeat):
        c0, t0 = cpu_s(), time.perf_counter()
        index = build_index(path)
        walls.append(time.perf_counter() - t0)
        cpus.append(cpu_s() - c0)
        n = len(index)
        index.cleanup()
    return min(walls), min(cpus), n


def random_access(source, rows: range) -> tuple[float, float]:
    """Seconds spent in ``_read_at`` and in ``_convert`` over ``rows`` (no cache)."""
    index = source.index
    read = convert = 0.0
    for i in rows:
        t0 = time.perf_counter()
        ev = source._read_at(index, i)
        t1 = time.perf_counter()
        source._convert(ev, i, int(index.event_id[i]))
        t2 = time.perf_counter()
        read += t1 - t0
        convert += t2 - t1
    return read, convert


_STAGES = (
    ("numba kernels", ("simtel_fast_kernels",)),
    ("fast reader (Python)", ("simtel_fast_event", "simtel_fast_objects", "simtel_fast_stream")),
    ("eventio", ("eventio",)),
    ("state machine (io.simtel)", ("io/simtel.py",)),
    ("event assembly", ("simtel_convert", "ctaviewer/event", "ctaviewer/calib")),
)


def stage_shares(stats: pstats.Stats) -> dict[str, float]:
    total = 0.0
    by_stage: dict[str, float] = {}
    for (filename, _line, _name), (_cc, _nc, tottime, _ct, _callers) in stats.stats.items():
        total += tottime
        stage = next((s for s, keys in _STAGES if any(k in filename for k in keys)), "other")
        by_stage[stage] = by_stage.get(stage, 0.0) + tottime
    return {s: round(v / total, 3) for s, v in sorted(by_stage.items(), key=lambda x: -x[1])}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("file")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--events", type=int, default=400, help="events read per pass")
    ap.add_argument("--top", type=int, default=0, help="print the N costliest functions")
    args = ap.parse_args()
    warnings.simplefilter("ignore")

    from ctaviewer import open_source

    index_wall, index_cpu, n_indexed = index_times(args.file, args.repeat)

    with open_source(args.file) as source:
        source.build_index()
        n = min(args.events, len(source))
        rows = range(n)
        random_access(source, rows)  # warm up numba and the page cache
        reads, converts = [], []
        for _ in range(args.repeat):
            r, c = random_access(source, rows)
            reads.append(r)
            converts.append(c)
        profile = cProfile.Profile()
        profile.enable()
        random_access(source, rows)
        profile.disable()

    seq = []
    for _ in range(args.repeat):
        with open_source(args.file) as source:
            t0 = time.perf_counter()
            for _event in itertools.islice(source, n):
                pass
            seq.append(time.perf_counter() - t0)

    stats = pstats.Stats(profile)
    if args.top:
        stats.sort_stats("tottime").print_stats(args.top)
    result = {
        "file": os.path.basename(args.file),
        "n_events": n_indexed,
        "index_wall_s": round(index_wall, 3),
        "index_cpu_s": round(index_cpu, 3),
        "random_read_ms_per_event": round(1e3 * min(reads) / n, 3),
        "random_convert_ms_per_event": round(1e3 * min(converts) / n, 3),
        "random_total_ms_per_event": round(1e3 * min(r + c for r, c in zip(reads, converts))
                                           / n, 3),
        "sequential_ms_per_event": round(1e3 * min(seq) / n, 3),
        "profile_shares": stage_shares(stats),
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
