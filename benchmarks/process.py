"""Throughput of ``ctaviewer process`` to DL1, against ``ctapipe-process`` where installed.

    python benchmarks/process.py FILE [--copies 4] [--ctapipe-process PATH] [--repeat N]

Runs the ``ctaviewer process`` command (a fresh process each time, start-up included) on
COPIES links to FILE with 1 and with 2 worker processes, and ``ctapipe-process`` (found on
PATH, next to this Python, or given by --ctapipe-process / $CTAPIPE_PROCESS) on the same
links one after the other. Both write DL1 parameters without images. The last line is one
JSON object: ``events_per_s_1``, ``events_per_s_2``, ``ctapipe_events_per_s`` (null without
ctapipe), ``speedup_vs_ctapipe``, ``bytes_per_event``, and the wall times of every run
(``seconds``). Each time is the wall time of the whole command: interpreter start, imports,
worker start-up and numba's cache loading included. With ``--repeat N`` the runs are
interleaved round by round and the rates are medians.

The fixed cost of a file, with one event of FILE per file (``--max-events 1``, one worker):
``startup_s`` is the wall time of a one-file run (interpreter, imports, numba's cache, the
output's tables, one event), ``per_file_s`` what each further file of a run adds
((t(25 files) - t(1 file)) / 24: opening the input, creating and closing the output's tables,
one event); both medians of ``--repeat`` rounds.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time


def count_events(path: str) -> int:
    from ctaviewer.io import open_source

    with open_source(path) as source:
        return sum(1 for _ in source)


def run_ctaviewer(inputs, out_dir, workers, *extra) -> float:
    cmd = [sys.executable, "-m", "ctaviewer", "process", *inputs, "--output", out_dir,
           "--workers", str(workers), "--json", *extra]
    t0 = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True)
    dt = time.perf_counter() - t0
    if done.returncode != 0:
        sys.exit(f"ctaviewer process failed: {done.stderr[-2000:]}")
    return dt


def find_ctapipe(explicit: str | None) -> str | None:
    for cand in (explicit, os.environ.get("CTAPIPE_PROCESS"), shutil.which("ctapipe-process"),
                 os.path.join(os.path.dirname(sys.executable), "ctapipe-process")):
        if cand and os.path.exists(cand):
            return cand
    return None


def run_ctapipe(exe, inputs, out_dir) -> float:
    t0 = time.perf_counter()
    for i, path in enumerate(inputs):
        out = os.path.join(out_dir, f"ctapipe_{i}.dl1.h5")
        done = subprocess.run([exe, "--input", path, "--output", out, "--write-parameters",
                               "--no-write-images", "--overwrite"], capture_output=True,
                              text=True, cwd=out_dir)  # its provenance log goes there
        if done.returncode != 0:
            sys.exit(f"ctapipe-process failed: {done.stderr[-2000:]}")
    return time.perf_counter() - t0


#: files of the per-file cost run
_FIXED_FILES = 25


def fixed_costs(path: str, tmp: str, rounds: int) -> dict:
    """startup_s and per_file_s (see the module's docstring)."""
    links = []
    for i in range(_FIXED_FILES):
        link = os.path.join(tmp, f"fixed{i}_{os.path.basename(path)}")
        os.symlink(os.path.abspath(path), link)
        links.append(link)
    one, many = [], []
    for _ in range(rounds):
        for inputs, into in ((links[:1], one), (links, many)):
            out = os.path.join(tmp, "fixed-out")
            into.append(run_ctaviewer(inputs, out, 1, "--max-events", "1"))
            shutil.rmtree(out)
    return {"startup_s": round(_median(one), 3),
            "per_file_s": round((_median(many) - _median(one)) / (_FIXED_FILES - 1), 3)}


def _median(values):
    return statistics.median(values) if values else None


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("file")
    p.add_argument("--copies", type=int, default=4, help="links to FILE processed per run")
    p.add_argument("--ctapipe-process", help="path of the ctapipe-process executable")
    p.add_argument("--repeat", type=int, default=1,
                   help="rounds of measurements (each round runs ctaviewer with 1 and 2 "
                        "workers, then ctapipe, so both see the same machine load); the "
                        "figures are medians over the rounds")
    args = p.parse_args()
    n_per_file = count_events(args.file)
    exe = find_ctapipe(args.ctapipe_process)
    times: dict[str, list[float]] = {"1": [], "2": [], "ctapipe": []}
    with tempfile.TemporaryDirectory(prefix="ctaviewer-bench-") as tmp:
        inputs = []
        name = os.path.basename(args.file)
        for i in range(args.copies):
            link = os.path.join(tmp, f"c{i}_{name}")
            os.symlink(os.path.abspath(args.file), link)
            inputs.append(link)
        n_events = n_per_file * len(inputs)
        result = {"file": args.file, "events": n_events}
        fixed = fixed_costs(inputs[0], tmp, max(1, args.repeat))
        for round_ in range(max(1, args.repeat)):
            for workers in (1, 2):
                out = os.path.join(tmp, f"out{workers}")
                dt = run_ctaviewer(inputs, out, workers)
                times[str(workers)].append(dt)
                print(f"ctaviewer process, {workers} worker(s): {n_events} events in "
                      f"{dt:.2f} s", file=sys.stderr)
                if workers == 1 and round_ == 0:
                    size = sum(os.path.getsize(os.path.join(out, f)) for f in os.listdir(out))
                    result["bytes_per_event"] = round(size / n_events, 1)
                shutil.rmtree(out)
            if exe:
                out = os.path.join(tmp, "ctapipe")
                os.makedirs(out)
                dt = run_ctapipe(exe, inputs, out)
                times["ctapipe"].append(dt)
                print(f"ctapipe-process: {n_events} events in {dt:.2f} s", file=sys.stderr)
                shutil.rmtree(out)
    for workers in ("1", "2"):
        result[f"events_per_s_{workers}"] = round(n_events / _median(times[workers]), 2)
    result["ctapipe_events_per_s"] = None
    result["speedup_vs_ctapipe"] = None
    if times["ctapipe"]:
        result["ctapipe_events_per_s"] = round(n_events / _median(times["ctapipe"]), 2)
        result["speedup_vs_ctapipe"] = round(
            result["events_per_s_1"] / result["ctapipe_events_per_s"], 1)
    result.update(fixed)
    result["rounds"] = len(times["1"])
    result["seconds"] = {k: [round(t, 2) for t in v] for k, v in times.items() if v}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
