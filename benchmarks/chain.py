"""Speed of the processing chain beside the speed of reading the same file.

    python benchmarks/chain.py FILE [--repeat N]

In one run: reads every event (best of N passes) and times the full chain (calibrate,
extract, clean, parameters, stereo) on the events already in memory (best of N passes, after
a warm-up event), so ``chain_to_read_time_ratio`` < 1 means processing costs less than
reading. ``image_ms`` is the median time to process one telescope image after JIT warm-up.
JIT compile times come from subprocesses: one with a fresh, empty NUMBA_CACHE_DIR (cold),
then one reusing it (warm); each reports the first ``process`` call minus a second one.
The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np

JIT_PROBE = r"""
import sys, time, warnings, json
warnings.simplefilter("ignore")
t0 = time.perf_counter()
from ctaviewer import open_source
from ctaviewer.pipeline import Pipeline
t_import = time.perf_counter() - t0
source = open_source(sys.argv[1])
events = [e for _, e in zip(range(3), source)]
pipeline = Pipeline(source.subarray)
t0 = time.perf_counter(); pipeline.process(events[0]); first = time.perf_counter() - t0
t0 = time.perf_counter(); pipeline.process(events[0]); second = time.perf_counter() - t0
print(json.dumps({"jit_s": first - second, "import_s": t_import}))
"""


def jit_time(path: str, cache_dir: str) -> float:
    env = dict(os.environ, NUMBA_CACHE_DIR=cache_dir)
    out = subprocess.run(
        [sys.executable, "-c", JIT_PROBE, path],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])["jit_s"]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("file")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    warnings.simplefilter("ignore")

    from ctaviewer import open_source
    from ctaviewer.pipeline import Pipeline

    with tempfile.TemporaryDirectory(prefix="ctaviewer-jit-") as cache:
        jit_cold = jit_time(args.file, cache)
        jit_warm = jit_time(args.file, cache)

    read_times = []
    events = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        with open_source(args.file) as source:
            events = list(source)
        read_times.append(time.perf_counter() - t0)
    subarray = open_source(args.file).subarray
    pipeline = Pipeline(subarray)
    pipeline.process(events[0])  # JIT warm-up and geometry caches

    chain_times = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        results = [pipeline.process(e) for e in events]
        chain_times.append(time.perf_counter() - t0)
    n_valid = sum(r.geometry.is_valid for r in results)

    image_times = []
    for _ in range(args.repeat):
        for e in events:
            for tel_id in e.tel:
                t0 = time.perf_counter()
                pipeline.process_telescope(e, tel_id)
                image_times.append(time.perf_counter() - t0)
    steps = {}
    for r in results:
        for k, v in r.timing_ms.items():
            steps[k] = steps.get(k, 0.0) + v
    n = len(events)
    n_images = sum(len(e.tel) for e in events)
    read_s, chain_s = min(read_times), min(chain_times)
    out = {
        "file": os.path.basename(args.file),
        "n_events": n,
        "n_images": n_images,
        "n_valid_geometry": int(n_valid),
        "read_events_per_s": round(n / read_s, 1),
        "chain_events_per_s": round(n / chain_s, 1),
        "chain_to_read_time_ratio": round(chain_s / read_s, 3),
        "image_ms": round(1e3 * float(np.median(image_times)), 4),
        "image_ms_mean": round(1e3 * float(np.mean(image_times)), 4),
        "step_ms_per_event": {k: round(v / n, 4) for k, v in steps.items()},
        "jit_cold_s": round(jit_cold, 2),
        "jit_warm_s": round(jit_warm, 3),
    }
    print(
        f"read {out['read_events_per_s']} events/s, chain {out['chain_events_per_s']} events/s "
        f"(chain/read time {out['chain_to_read_time_ratio']}), one image "
        f"{out['image_ms']} ms, JIT cold {out['jit_cold_s']} s / warm {out['jit_warm_s']} s"
    )
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
