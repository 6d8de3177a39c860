"""What the ranges of a split file carry: the monitoring dictionaries of the index rows go
to the workers in a file, once per state of them, not with every range (a worker's source
gets them back); the events coming back hold no true image the output does not write."""

from __future__ import annotations

import numpy as np

from ctaviewer.batch.chunks import ChunkCache, ChunkSpec, MonitoringFiles, SplitState, state_file
from ctaviewer.batch.job import JobSpec
from ctaviewer.io import open_source

from .conftest import simtel


def test_ranges_carry_a_file_of_their_monitoring_and_workers_get_it_back(tmp_path):
    path = str(simtel("gamma_70sst1m.simtel.zst"))
    with open_source(path) as source:
        index = source.scan_index()
        headers = source.headers
    try:
        assert index.camera_monitoring and index.monitoring_count > 0
        spec = JobSpec(input=path, output=str(tmp_path / "out.h5"))
        state = SplitState(spec, headers).save(state_file(str(tmp_path)))
        files = MonitoringFiles(str(tmp_path))
        n = len(index)
        chunks = []
        for start in range(0, n, 8):
            keep = (np.arange(n) >= start) & (np.arange(n) < start + 8)
            rows, where = files.apart(index.select(keep))
            assert rows.camera_monitoring == {} and rows.laser_calibration == {}
            chunks.append(ChunkSpec(path, state, start, rows, where))
        assert len({c.monitoring for c in chunks}) == 1  # one file for all of them
        assert [p.name for p in tmp_path.glob("monitoring-*")] == [
            f"monitoring-{index.monitoring_count}.pickle"]
        cache = ChunkCache().load(state)
        for chunk in chunks:
            worker_source = cache.place(chunk)
        got = worker_source.index.camera_monitoring
        assert set(got) == set(index.camera_monitoring)
        for tel_id, values in index.camera_monitoring.items():
            for key, value in values.items():
                assert np.array_equal(np.asarray(got[tel_id][key]), np.asarray(value))
        cache.close()
    finally:
        index.cleanup()


def test_rows_without_monitoring_need_no_file(tmp_path):
    path = str(simtel("gamma_4lst.simtel.zst"))
    with open_source(path) as source:
        index = source.scan_index()
    try:
        from dataclasses import replace

        rows = replace(index, camera_monitoring={}, laser_calibration={})
        assert MonitoringFiles(str(tmp_path)).apart(rows) == (rows, None)
        assert not list(tmp_path.iterdir())
    finally:
        index.cleanup()


def test_events_come_back_without_true_images_unless_written():
    from ctaviewer.batch.chunks import for_writer
    from ctaviewer.pipeline import Pipeline

    path = str(simtel("gamma_70sst1m.simtel.zst"))
    with open_source(path) as source:
        event = next(iter(source))
        result = Pipeline(source.subarray, JobSpec(input=path, output="x").processing_config()
                          ).process(event)
    assert any(t.true_image is not None for t in event.tel.values())
    sent, _ = for_writer(event, result, JobSpec(input=path, output="x"))
    assert all(t.true_image is None for t in sent.tel.values())
    assert set(sent.simulation.true_image_sum) == set(event.tel)  # what the writer uses
    for options in ({"write_true_images": True}, {"write_images": True}):
        sent, _ = for_writer(event, result, JobSpec(input=path, output="x", **options))
        for tel_id, data in sent.tel.items():
            assert data.true_image is event.tel[tel_id].true_image
