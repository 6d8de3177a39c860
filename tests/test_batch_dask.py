"""The same runner submits to a Dask distributed cluster (optional dependency)."""

from __future__ import annotations

import os

import pytest

from ctaviewer.batch.job import JobSpec
from ctaviewer.batch.runner import BatchRunner

from .conftest import simtel


@pytest.fixture(scope="module")
def cluster():
    distributed = pytest.importorskip("dask.distributed",
                                      reason="dask[distributed] not installed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster:
        yield cluster


def test_runner_on_a_dask_cluster(tmp_path, cluster):
    good = simtel("gamma_4lst.simtel.zst")
    bad = simtel("bad_header_only.simtel.gz")
    specs = [JobSpec(str(good), str(tmp_path / "g.h5")), JobSpec(str(bad), str(tmp_path / "b.h5"))]
    log = []
    results = BatchRunner(specs, scheduler=cluster.scheduler_address,
                          on_log=log.append).run()
    assert [r.ok for r in results] == [True, False]
    assert results[0].n_events == 4 and "run headers" in results[1].error
    assert os.listdir(tmp_path) == ["g.h5"]


def test_dask_progress_counts_events_of_running_files(tmp_path, cluster):
    path = str(simtel("gamma_70sst1m.simtel.zst"))
    specs = [JobSpec(path, str(tmp_path / f"{i}.h5")) for i in range(2)]
    snapshots = []
    results = BatchRunner(specs, scheduler=cluster.scheduler_address,
                          on_progress=snapshots.append).run()
    assert all(r.ok and r.n_events == 31 for r in results)
    running = [s for s in snapshots if s.per_file]
    assert running, "no snapshot while a file was running"
    live = [d for s in running for d, _ in s.per_file.values()]
    assert any(0 < d < 31 for d in live), live  # events counted during a file, not only at its end
    counts = [s.events_done for s in snapshots]
    assert counts == sorted(counts)  # never goes backwards
    assert snapshots[-1].events_done == 62 and snapshots[-1].files_done == 2
    assert snapshots[-1].fraction == 1.0
    assert sorted(os.listdir(tmp_path)) == ["0.h5", "1.h5"]


def test_dask_cancel_stops_the_running_job_and_leaves_no_output(tmp_path, cluster):
    path = str(simtel("gamma_70sst1m.simtel.zst"))
    specs = [JobSpec(path, str(tmp_path / f"{i}.h5")) for i in range(3)]
    seen = []

    def stop():
        return any(d > 0 for s in seen for d, _ in s.per_file.values())

    results = BatchRunner(specs, scheduler=cluster.scheduler_address,
                          on_progress=seen.append).run(should_stop=stop)
    assert [r.cancelled for r in results] == [True, True, True]
    assert os.listdir(tmp_path) == []


def test_one_file_on_two_dask_threads_is_split_and_equal(tmp_path):
    """With fewer files than the cluster's threads, a file's event ranges are Dask tasks;
    the output equals one worker's, and nothing is left beside it."""
    distributed = pytest.importorskip("dask.distributed",
                                      reason="dask[distributed] not installed")
    from .test_batch_split import _differences

    path = str(simtel("gamma_70sst1m.simtel.zst"))
    whole, split = tmp_path / "whole", tmp_path / "split"
    whole.mkdir()
    split.mkdir()
    r1 = BatchRunner([JobSpec(path, str(whole / "o.h5"))], in_process=True).run()[0]
    seen = []
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  dashboard_address=":0") as two:
        r2 = BatchRunner([JobSpec(path, str(split / "o.h5"))], scheduler=two.scheduler_address,
                         split_min_bytes=0, on_progress=seen.append).run()[0]
    assert r1.ok and r2.ok and r2.n_events == 31
    assert _differences(whole / "o.h5", split / "o.h5") == []
    assert os.listdir(split) == ["o.h5"]  # the decompressed copy and the state are gone
    assert any(0 < d < 31 for s in seen for d, _ in s.per_file.values())
