"""Figures on a production-size file: batch against ctapipe, reading, and the window.

    python benchmarks/scale.py [FILE] [--ctapipe-python PATH] [--repeat N] [--no-gui]

FILE defaults to the production-size file of ``make_production.py`` (gamma_70sst1m
repeated 40 times: 1240 events, 372 MB raw, 194 MB zstd), made on first use. Each time is the wall
time of a fresh command, start-up included, measured without looking at the process
(reading its memory maps slows it). One more run of each command is sampled every 100 ms
for memory and CPU: peak memory is the largest resident size of the command's whole
process tree, so ``-j 2`` counts its workers.
That sum counts every page the workers share with their forkserver (the chain's modules
and compiled kernels) once per process; the proportional set size (PSS, each shared page
split among the processes that map it) is the memory the command really takes, and is
given beside it (``peak_pss_mb*``).
With ``--repeat N`` the timed runs are interleaved round by round (ctaviewer and ctapipe see
the same machine load) and the times are medians. The last line is one JSON object:

    process_s_1, process_s_2     ``ctaviewer process`` with one worker, and with -j 2
    ctapipe_process_s            ``ctapipe-process`` on the same file (null without a
                                 ctapipe environment: --ctapipe-python or
                                 $CTAVIEWER_CTAPIPE_PYTHON)
    speedup_1, speedup_2         ctapipe's time over ours
    eventio_read_s               a bare ``eventio.SimTelFile`` pass over the file
    peak_rss_mb, peak_rss_mb_2, ctapipe_peak_rss_mb
    peak_pss_mb, peak_pss_mb_2, ctapipe_peak_pss_mb     the same as proportional set sizes
    cpu_s_1, cpu_s_2, ctapipe_cpu_s    CPU seconds (user + system) of the whole process
                                 tree: on a machine of N cores no run is shorter than
                                 its CPU time / N
    decompress_s                 python-zstandard alone decompressing the whole file (zstd
                                 files): what indexing, and reaching an event deep in
                                 the file, cannot go below
    decompress_to_1000_s         the same up to the start of event index 1000: the window
                                 cannot show it sooner after opening, so gui_jump_1000_s
                                 (asked when the first event shows) cannot go below
                                 decompress_to_1000_s - gui_first_event_s
    gui_first_event_s, gui_max_block_ms, gui_jump_1000_s, gui_jump_indexed_s
                                                           from benchmarks/gui_scale.py
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
#: the event gui_scale.py jumps to right after the first event shows (its JUMP_TO)
JUMP_TO = 1000


def _pss_kb(pid: int) -> int:
    """Proportional set size (kB) of a process, from /proc (0 where it cannot be read)."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _tree_sample(root: int, cpu: dict[int, float], with_pss: bool = True) -> tuple[int, int]:
    """Resident and proportional set sizes (kB; PSS 0 without ``with_pss``) of ``root`` and
    all its descendants, from /proc; ``cpu`` (pid -> user + system seconds so far) is
    updated for each of them."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    seconds: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = int(entry)
        children.setdefault(int(fields[1]), []).append(pid)
        rss[pid] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE") // 1024
        seconds[pid] = (int(fields[11]) + int(fields[12])) / tick
    total, pss, todo = 0, 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        pss += _pss_kb(pid) if with_pss and pid in rss else 0
        if pid in seconds:
            cpu[pid] = max(cpu.get(pid, 0.0), seconds[pid])
        todo += children.get(pid, [])
    return total, pss


#: seconds between samples of the resident sizes and CPU times (/proc/*/stat: ~2.5 ms of
#: CPU a sample), and between samples of the proportional sizes (smaps_rollup walks every
#: page table: ~22 ms of CPU a sample of a ``-j 2`` tree)
SAMPLE_S, PSS_SAMPLE_S = 0.1, 0.5


def timed(cmd, env=None, cwd=None, sample: bool = True) -> tuple[float, float, float, float]:
    """(wall seconds, peak resident MB, peak proportional MB, CPU seconds) of ``cmd``'s
    process tree; exits on failure. The CPU time is the user + system time of every
    process of the tree as last sampled (``SAMPLE_S``), so it misses at most that much of
    each; the peaks are those of the samples. Without ``sample``, the wall time only (the
    others NaN): reading /proc/PID/smaps_rollup walks each process's page tables under
    its memory-map lock, ~22 ms of CPU a sample of a ``-j 2`` tree, half a core of this
    2-core machine at the 20 ms this script sampled at before."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env,
                            cwd=cwd)
    if not sample:
        _, err_bytes = proc.communicate()
        dt = time.perf_counter() - t0
        if proc.returncode != 0:
            sys.exit(f"{' '.join(map(str, cmd))} failed ({proc.returncode}): "
                     f"{err_bytes.decode('utf-8', 'replace')[-2000:]}")
        return dt, math.nan, math.nan, math.nan
    peak = peak_pss = 0
    cpu: dict[int, float] = {}
    next_pss = t0
    while proc.poll() is None:
        now = time.perf_counter()
        with_pss = now >= next_pss
        if with_pss:
            next_pss = now + PSS_SAMPLE_S
        rss, pss = _tree_sample(proc.pid, cpu, with_pss)
        peak, peak_pss = max(peak, rss), max(peak_pss, pss)
        time.sleep(SAMPLE_S)
    dt = time.perf_counter() - t0
    err = proc.stderr.read().decode("utf-8", "replace")
    if proc.returncode != 0:
        sys.exit(f"{' '.join(map(str, cmd))} failed ({proc.returncode}): {err[-2000:]}")
    return dt, peak / 1024, peak_pss / 1024, sum(cpu.values())


def ctaviewer_process(path, out, workers, sample=True) -> tuple[float, float, float, float]:
    shutil.rmtree(out, ignore_errors=True)
    return timed([sys.executable, "-m", "ctaviewer", "process", path, "--output", out,
                  "--workers", str(workers), "--quiet"], sample=sample)


def ctapipe_process(python, path, out, sample=True) -> tuple[float, float, float, float]:
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    exe = os.path.join(os.path.dirname(python), "ctapipe-process")
    env = dict(os.environ, NUMBA_CACHE_DIR=os.path.join(tempfile.gettempdir(),
                                                        "ctaviewer-bench-ctapipe-numba"))
    return timed([exe, "--input", path, "--output", os.path.join(out, "o.dl1.h5"),
                  "--write-parameters", "--no-write-images", "--overwrite"], env=env, cwd=out,
                 sample=sample)


def eventio_read(path) -> float:
    code = ("import sys, time\nfrom eventio import SimTelFile\nt = time.perf_counter()\n"
            "n = sum(1 for _ in SimTelFile(sys.argv[1]))\n"
            "print(time.perf_counter() - t)")
    done = subprocess.run([sys.executable, "-c", code, path], capture_output=True, text=True,
                          check=True)
    return float(done.stdout.strip().splitlines()[-1])


def decompress_s(path, upto: int | None = None) -> float | None:
    """Seconds python-zstandard takes to decompress the whole file into nothing (``upto``:
    its first ``upto`` bytes), in this process: what indexing, and reaching an event far
    into the file, cannot go below (a single-frame stream decompresses on one core). None
    for a file that is not zstd."""
    try:
        import zstandard
    except ImportError:
        return None
    with open(path, "rb") as f:
        if f.read(4) != b"\x28\xb5\x2f\xfd":
            return None
        f.seek(0)
        t = time.perf_counter()
        reader = zstandard.ZstdDecompressor().stream_reader(f, read_size=1 << 20,
                                                            read_across_frames=True)
        done = 0
        while block := reader.read(1 << 22):
            done += len(block)
            if upto is not None and done >= upto:
                break
        return time.perf_counter() - t


def event_offset(path, i: int) -> int | None:
    """Where event index ``i`` starts in the decompressed file (None: it has fewer)."""
    from ctaviewer.io.simtel_index import build_index

    index = build_index(path)
    try:
        return int(index.event_offset[i]) if len(index) > i else None
    finally:
        index.cleanup()


def gui_figures(path) -> dict:
    script = os.path.join(HERE, "gui_scale.py")
    if not os.path.exists(script):
        return {}
    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    done = subprocess.run([sys.executable, script, path], capture_output=True, text=True,
                          env=env, timeout=900)
    if done.returncode != 0:
        print(f"gui_scale.py failed: {done.stderr[-1500:]}", file=sys.stderr)
        return {}
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    return {k: figures.get(k) for k in ("gui_first_event_s", "gui_max_block_ms",
                                        "gui_jump_1000_s", "gui_jump_indexed_s",
                                        "gui_rss_mb_start",
                                        "gui_rss_mb_end")}


def _median(values):
    return round(statistics.median(values), 2) if values else None


def main() -> int:
    sys.path.insert(0, HERE)
    from make_production import production_file

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("file", nargs="?")
    ap.add_argument("--ctapipe-python", default=os.environ.get("CTAVIEWER_CTAPIPE_PYTHON"))
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--no-gui", action="store_true")
    args = ap.parse_args()
    path = args.file or production_file()
    runs: dict[str, list] = {"1": [], "2": [], "ctapipe": []}
    footprint: dict[str, tuple] = {}  # one sampled run of each: memory and CPU

    def run_all(sample: bool) -> None:
        """One run of each command: timed only, or sampled for memory and CPU."""
        commands = [(str(w), lambda w=w: ctaviewer_process(path, os.path.join(tmp, f"o{w}"),
                                                           w, sample)) for w in (1, 2)]
        if args.ctapipe_python:
            commands.append(("ctapipe", lambda: ctapipe_process(
                args.ctapipe_python, path, os.path.join(tmp, "ctapipe"), sample)))
        for key, command in commands:
            out = command()
            if sample:
                footprint[key] = out
            else:
                runs[key].append(out)
            what = "ctapipe-process" if key == "ctapipe" else f"ctaviewer process -j {key}"
            print(f"{what}{' (sampled)' if sample else ''}: {out}", file=sys.stderr)

    with tempfile.TemporaryDirectory(prefix="ctaviewer-scale-") as tmp:
        for _ in range(max(1, args.repeat)):
            run_all(sample=False)
        run_all(sample=True)
    result = {"file": path, "file_mb": round(os.path.getsize(path) / 1e6, 1)}
    for key, which in zip(("process_s_1", "process_s_2", "ctapipe_process_s"),
                          ("1", "2", "ctapipe")):
        result[key] = _median([run[0] for run in runs[which]])
    if result["ctapipe_process_s"]:
        result["speedup_1"] = round(result["ctapipe_process_s"] / result["process_s_1"], 2)
        result["speedup_2"] = round(result["ctapipe_process_s"] / result["process_s_2"], 2)
    # (name for -j 1, for -j 2, for ctapipe) of each figure of the sampled run, by its place
    names = ((3, ("cpu_s_1", "cpu_s_2", "ctapipe_cpu_s")),
             (1, ("peak_rss_mb", "peak_rss_mb_2", "ctapipe_peak_rss_mb")),
             (2, ("peak_pss_mb", "peak_pss_mb_2", "ctapipe_peak_pss_mb")))
    for place, keys in names:
        for key, which in zip(keys, ("1", "2", "ctapipe")):
            run = footprint.get(which)
            result[key] = None if run is None else round(run[place], 2)
    result["eventio_read_s"] = round(eventio_read(path), 2)
    seconds = decompress_s(path)
    result["decompress_s"] = None if seconds is None else round(seconds, 2)
    offset = event_offset(path, JUMP_TO)
    seconds = None if offset is None else decompress_s(path, upto=offset)
    result["decompress_to_1000_s"] = None if seconds is None else round(seconds, 2)
    if not args.no_gui:
        result.update(gui_figures(path))
    result["rounds"] = max(1, args.repeat)
    result["seconds"] = {k: [round(run[0], 2) for run in v] for k, v in runs.items() if v}
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
