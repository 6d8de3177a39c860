"""Where the processing chain spends its CPU, per event and per stage, on events in memory.

    python benchmarks/chain_profile.py FILE [--events N] [--repeat R] [--profile] [--top K]

Reads the first N events of FILE once into memory (``open_source``), warms the kernels up,
then times ``Pipeline(subarray).process`` over them R times (the minimum pass counts, so
that another process on the machine only lengthens the slower passes). Each stage's time is
the pipeline's own ``timing_ms`` (summed per pass; the stages of the pass with the smallest
total), and ``other`` is what the pass took beyond the stages (dict and result building,
the telescope loop). ``--profile`` runs one more pass under cProfile and prints the K
functions with the largest own time, as ms per event. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import itertools
import json
import os
import pstats
import sys
import time
import warnings


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("file")
    ap.add_argument("--events", type=int, default=310, help="events read into memory")
    ap.add_argument("--repeat", type=int, default=5, help="timed passes (minimum kept)")
    ap.add_argument("--profile", action="store_true", help="one more pass under cProfile")
    ap.add_argument("--top", type=int, default=25, help="functions shown by --profile")
    args = ap.parse_args()
    warnings.simplefilter("ignore")

    from ctaviewer import open_source
    from ctaviewer.pipeline import Pipeline

    t0 = time.perf_counter()
    with open_source(args.file) as source:
        subarray = source.subarray
        events = list(itertools.islice(source, args.events))
    read_s = time.perf_counter() - t0
    n = len(events)
    n_images = sum(len(e.tel) for e in events)
    pipeline = Pipeline(subarray)
    for e in events[: min(n, 10)]:  # JIT/cache load and per-camera caches
        pipeline.process(e)

    best = None
    for _ in range(args.repeat):
        stages: dict[str, float] = {}
        t0 = time.perf_counter()
        for e in events:
            for k, v in pipeline.process(e).timing_ms.items():
                stages[k] = stages.get(k, 0.0) + v
        wall = time.perf_counter() - t0
        if best is None or wall < best[0]:
            best = (wall, stages)
    wall, stages = best
    total_ms = stages.pop("total", sum(stages.values()))
    per_event = {k: round(v / n, 4) for k, v in stages.items()}
    per_event["other"] = round((1e3 * wall - total_ms) / n, 4)
    out = {
        "file": os.path.basename(args.file),
        "n_events": n,
        "n_images": n_images,
        "read_s": round(read_s, 2),
        "chain_ms_per_event": round(1e3 * wall / n, 4),
        "chain_ms_per_image": round(1e3 * wall / max(n_images, 1), 4),
        "stage_ms_per_event": per_event,
    }
    print(f"{n} events, {n_images} images: chain {out['chain_ms_per_event']} ms/event")
    for k, v in per_event.items():
        print(f"  {k:16s} {v:8.4f} ms/event  {100 * v / out['chain_ms_per_event']:5.1f} %")

    if args.profile:
        prof = cProfile.Profile()
        prof.enable()
        for e in events:
            pipeline.process(e)
        prof.disable()
        buf = io.StringIO()
        stats = pstats.Stats(prof, stream=buf)
        rows = sorted(stats.stats.items(), key=lambda kv: -kv[1][2])[: args.top]
        print(f"cProfile (own time, ms/event; profiler overhead included), top {args.top}:")
        for (fname, line, func), (_cc, ncalls, tottime, cumtime, _callers) in rows:
            where = f"{os.path.basename(fname)}:{line}({func})"
            print(f"  {1e3 * tottime / n:8.4f} own {1e3 * cumtime / n:8.4f} cum "
                  f"{ncalls / n:7.1f} calls/event  {where}")
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
