"""The same runner submits to a Dask distributed cluster (optional dependency)."""

from __future__ import annotations

import os

import pytest

from ctaviewer.batch.job import JobSpec
from ctaviewer.batch.runner import BatchRunner

from .conftest import simtel


def test_runner_on_a_dask_cluster(tmp_path):
    distributed = pytest.importorskip("dask.distributed", reason="dask[distributed] not installed")
    good = simtel("gamma_4lst.simtel.zst")
    bad = simtel("bad_header_only.simtel.gz")
    specs = [JobSpec(str(good), str(tmp_path / "g.h5")), JobSpec(str(bad), str(tmp_path / "b.h5"))]
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster:
        log = []
        results = BatchRunner(specs, scheduler=cluster.scheduler_address,
                              on_log=log.append).run()
    assert [r.ok for r in results] == [True, False]
    assert results[0].n_events == 4 and "run headers" in results[1].error
    assert os.listdir(tmp_path) == ["g.h5"]
