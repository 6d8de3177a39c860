"""Batch runner safety: a bad input fails alone, cancel and kill leave no output."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from ctaviewer.batch.job import JobSpec
from ctaviewer.batch.runner import BatchRunner
from ctaviewer.writers.atomic import TMP_MARK

from .conftest import simtel


def test_corrupt_input_fails_alone(tmp_path):
    good = simtel("gamma_4lst.simtel.zst")
    bad = simtel("bad_header_only.simtel.gz")
    empty = tmp_path / "empty.simtel.zst"
    empty.write_bytes(b"")
    specs = [JobSpec(str(p), str(tmp_path / f"{i}.h5")) for i, p in enumerate([bad, good, empty])]
    log = []
    results = BatchRunner(specs, n_workers=2, on_log=log.append).run()
    assert [r.ok for r in results] == [False, True, False]
    assert "run headers" in results[0].error and "empty" in results[2].error
    assert results[1].n_events == 4
    assert sorted(os.listdir(tmp_path)) == ["1.h5", "empty.simtel.zst"]
    assert any(line.startswith("FAILED") for line in log)


def test_cancel_leaves_no_output_then_rerun_completes(tmp_path):
    spec = JobSpec(str(simtel("gamma_70sst1m.simtel.zst")), str(tmp_path / "g.h5"))
    seen = []

    def stop():
        return any(p.per_file for p in seen)

    results = BatchRunner([spec], on_progress=seen.append).run(should_stop=stop)
    assert results[0].cancelled
    assert os.listdir(tmp_path) == []
    again = BatchRunner([spec]).run()
    assert again[0].ok and again[0].n_events == 31
    assert os.listdir(tmp_path) == ["g.h5"]


def test_killed_batch_leaves_no_output_and_next_run_completes(tmp_path):
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "ctaviewer", "process", str(simtel("gamma_70sst1m.simtel.zst")),
           "--output", str(out), "--images", "--true-images"]
    proc = subprocess.Popen(cmd, start_new_session=True, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if out.exists() and any(TMP_MARK in n for n in os.listdir(out)):
            break
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not (out / "gamma_70sst1m.dl1.h5").exists()
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert os.listdir(out) == ["gamma_70sst1m.dl1.h5"]  # stale temporary removed


def test_in_process_runner_same_outcome(tmp_path):
    good = simtel("gamma_4lst.simtel.zst")
    bad = simtel("bad_header_only.simtel.gz")
    specs = [JobSpec(str(p), str(tmp_path / f"{i}.h5")) for i, p in enumerate([bad, good])]
    snapshots = []
    results = BatchRunner(specs, in_process=True, on_progress=snapshots.append).run()
    assert [r.ok for r in results] == [False, True]
    assert snapshots[-1].files_done == 1 and snapshots[-1].files_failed == 1
    assert snapshots[-1].fraction == 1.0
    cancelled = BatchRunner([JobSpec(str(good), str(tmp_path / "c.h5"))], in_process=True).run(
        should_stop=lambda: True)
    assert cancelled[0].cancelled and not (tmp_path / "c.h5").exists()


def test_the_forkserver_preload_never_raises(monkeypatch):
    """An exception in the forkserver's preload would end the server and every worker
    start with it: a failing kernel load there is left to the workers' own jobs."""
    import importlib

    import ctaviewer.pipeline
    from ctaviewer.batch import warm_fork

    calls = []

    def failing():
        calls.append(1)
        raise RuntimeError("no kernels")

    monkeypatch.setattr(ctaviewer.pipeline, "warm_up", failing)
    importlib.reload(warm_fork)
    assert calls == [1]


def test_outputs_without_events_are_said_once_each():
    from ctaviewer.batch.job import JobResult, empty_output_warnings

    results = [JobResult("a.simtel", "a.h5", n_events=0), JobResult("b.simtel", "b.h5", 3),
               JobResult("c.simtel", None, error="c.simtel: damaged")]
    assert empty_output_warnings(results) == [
        "warning: a.simtel: no events to process; a.h5 holds no events"]
