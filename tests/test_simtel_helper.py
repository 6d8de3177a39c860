"""Opening, reading and processing sim_telarray files in the helper process gives what the
same work in this process gives: index, events, results, typed errors, warnings."""

from __future__ import annotations

import os
import warnings
from concurrent.futures import CancelledError

import numpy as np
import pytest

from ctaviewer import open_source
from ctaviewer.errors import HeaderOnlyFileError, TruncatedFileWarning
from ctaviewer.service import simtel_helper

from .conftest import simtel
from .records import assert_records_equal


def _same_event(a, b):
    assert a.index == b.index and a.event_id == b.event_id
    assert set(a.tel) == set(b.tel)
    for t in a.tel:
        da, db = a.tel[t], b.tel[t]
        for name in ("waveform", "sums", "pedestal_per_sample", "dc_to_pe", "true_image"):
            x, y = getattr(da, name), getattr(db, name)
            assert (x is None) == (y is None), name
            if x is not None:
                np.testing.assert_array_equal(x, y, err_msg=name)
                assert not x.flags.writeable, f"{name} must stay read-only"
    assert_records_equal(a.simulation, b.simulation)
    assert_records_equal(a.pointing, b.pointing)


@pytest.mark.parametrize("name", ["gamma_70sst1m.simtel.zst", "calibration_7cameras.simtel.gz"])
def test_open_in_helper_equals_open_here(name):
    path = simtel(name)
    with open_source(path) as here:
        here.build_index()
        source = simtel_helper.open_indexed(path, first=0)
        try:
            assert len(source) == len(here)
            np.testing.assert_array_equal(source.index.event_offset, here.index.event_offset)
            np.testing.assert_array_equal(source.index.event_id, here.index.event_id)
            assert source.subarray.tel_ids.tolist() == here.subarray.tel_ids.tolist()
            assert_records_equal(source.simulation_config, here.simulation_config)
            assert source.is_cached(0)  # the first event came with the index
            for i in range(len(source)):
                _same_event(source[i], here[i])
            # the geometry caches travelled with the subarray (no scipy needed here)
            geom = source.subarray.camera_types[0].geometry
            assert "neighbors" in vars(geom) and "polygons" in vars(geom)
        finally:
            source.close()


def test_read_ahead_fills_the_cache_with_the_event_read_here():
    path = simtel("gamma_70sst1m.simtel.zst")
    source = simtel_helper.open_indexed(path)
    try:
        assert not source.is_cached(5)
        assert source.read_ahead(5)
        assert source.is_cached(5)
        ahead = source[5]
        with open_source(path) as here:
            _same_event(ahead, here[5])
    finally:
        source.close()
    # once closed, the helper no longer holds the file: nothing is read
    assert not source.read_ahead(6)


def test_processing_in_helper_equals_processing_here():
    pytest.importorskip("numba")
    from ctaviewer.config import ProcessingConfig
    from ctaviewer.pipeline import Pipeline

    path = simtel("gamma_4lst_15nectarcam.simtel.zst")
    config = ProcessingConfig.default()
    source = simtel_helper.open_indexed(path, first=0)
    try:
        remote = source.process(0, config)
        local = Pipeline(source.subarray, config).process(source[0])
    finally:
        source.close()
    assert remote is not None and set(remote.tel) == set(local.tel)
    for t in local.tel:
        np.testing.assert_allclose(remote.tel[t].image, local.tel[t].image)
        np.testing.assert_array_equal(remote.tel[t].mask, local.tel[t].mask)
        assert not remote.tel[t].image.flags.writeable
        assert remote.tel[t].passes_quality == local.tel[t].passes_quality
    assert remote.geometry.core_x == pytest.approx(local.geometry.core_x)
    assert remote.geometry.alt == pytest.approx(local.geometry.alt)


def test_typed_errors_and_warnings_cross_the_process_boundary():
    with pytest.raises(HeaderOnlyFileError) as info:
        simtel_helper.open_indexed(simtel("bad_header_only.simtel.gz"))
    assert info.value.path == str(simtel("bad_header_only.simtel.gz"))
    assert "no events" in info.value.cause
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        source = simtel_helper.open_indexed(simtel("gamma_prod2_126tel_truncated.simtel.gz"))
    try:
        assert len(source) == 9 and source.index.truncated
        assert [w for w in caught if issubclass(w.category, TruncatedFileWarning)]
    finally:
        source.close()


def test_temporary_copy_is_removed_on_close_and_on_cancel(tmp_path, monkeypatch):
    source = simtel_helper.open_indexed(simtel("gamma_4lst.simtel.zst"))
    raw = source.index.raw_path
    assert os.path.exists(raw)
    source.close()
    assert not os.path.exists(raw)

    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    asked = []

    def should_stop():  # cancel once the request is on its way (the helper is at work)
        asked.append(True)
        return len(asked) > 1

    with pytest.raises(CancelledError):
        simtel_helper.open_indexed(simtel("gamma_prod2_126tel_truncated.simtel.gz"),
                                   None, should_stop)
    assert not os.listdir(tmp_path)
    # the next open starts a new helper
    source = simtel_helper.open_indexed(simtel("gamma_4lst.simtel.zst"))
    try:
        assert len(source) == 4
    finally:
        source.close()


def test_monitoring_kept_by_the_index_gives_the_sequential_calibration():
    """The index keeps only the monitoring fields the conversion uses: random access (which
    takes them from the index) calibrates like the sequential pass (which sees them all)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with open_source(simtel("calibration_7cameras.simtel.gz")) as source:
            sequential = list(source)
            for i, event in enumerate(sequential):
                _same_event(source[i], event)


def test_cli_starts_the_reading_helper_before_importing_qt(simtel_file, tmp_path, monkeypatch):
    """`ctaviewer FILE` starts the helper first (its imports overlap Qt's), only for
    sim_telarray files: other sources never use it."""
    from ctaviewer.cli import gui
    from ctaviewer.service import simtel_helper

    calls = []
    monkeypatch.setattr(simtel_helper, "start_helper", lambda: calls.append(1))
    gui.start_reading_early(None)
    text = tmp_path / "notes.txt"
    text.write_text("not a simtel file\n")
    gui.start_reading_early(str(text))
    assert calls == []
    gui.start_reading_early(str(simtel_file("gamma_70sst1m.simtel.zst")))
    assert calls == [1]


def _follow_to_the_end(source, timeout=60.0):
    """Poll a progressively opened source until its scan has ended; the news of the end."""
    import time

    deadline = time.monotonic() + timeout
    rows = 0
    while time.monotonic() < deadline:
        news = source.poll_index(0.05)
        assert news.start == rows and news.stop >= news.start  # every event once, in order
        rows = news.stop
        if news.done:
            return news
        time.sleep(0.02)
    raise AssertionError("the scan did not end")


def test_progressive_open_grows_to_the_index_made_here():
    path = simtel("gamma_70sst1m.simtel.zst")
    with open_source(path) as here:
        here.build_index()
        source = simtel_helper.open_indexed(path, first=0, progressive=True, whole_below=0)
        try:
            assert source.indexing and source.read_in_background
            assert 1 <= len(source) <= len(here) and source.is_cached(0)
            assert not source.read_ahead(len(source))  # not indexed yet: nothing read
            news = _follow_to_the_end(source)
            assert news.warnings == [] and news.error is None and news.fraction == 1.0
            assert not source.indexing and source.index.complete
            np.testing.assert_array_equal(source.index.event_offset, here.index.event_offset)
            np.testing.assert_array_equal(source.index.event_id, here.index.event_id)
            assert source.read_ahead(len(here) - 1)
            _same_event(source[len(here) - 1], here[len(here) - 1])
            assert not source.poll_index(0.01).done  # the end is said once
        finally:
            source.close()


def test_progressive_open_of_a_small_file_comes_whole():
    source = simtel_helper.open_indexed(simtel("gamma_4lst.simtel.zst"), progressive=True)
    try:
        assert not source.indexing and not source.read_in_background and len(source) == 4
    finally:
        source.close()


def test_warnings_of_a_progressive_scan_come_with_its_end():
    source = simtel_helper.open_indexed(simtel("gamma_prod2_126tel_truncated.simtel.gz"),
                                        progressive=True, whole_below=0)
    try:
        news = _follow_to_the_end(source)
        assert news.error is None and source.index.truncated
        (text,) = news.warnings
        assert "truncated" in text and str(len(source)) in text
    finally:
        source.close()


def test_opening_another_file_stops_the_scan_of_the_first_and_says_so():
    first = simtel_helper.open_indexed(simtel("gamma_70sst1m.simtel.zst"), progressive=True,
                                       whole_below=0)
    try:
        second = simtel_helper.open_indexed(simtel("gamma_4lst.simtel.zst"))
        second.close()
        news = _follow_to_the_end(first)
        if news.error is not None:  # unless its scan had ended before
            assert "indexing stopped after" in str(news.error)
            assert str(len(first)) in str(news.error)
        assert not first.indexing
        first[len(first) - 1]  # the events listed stay readable
    finally:
        first.close()


def test_closing_a_file_being_indexed_removes_its_copy():
    source = simtel_helper.open_indexed(simtel("gamma_70sst1m.simtel.zst"), progressive=True,
                                        whole_below=0)
    folder = os.path.dirname(source.index.raw_path)
    source.close()
    assert not os.path.exists(folder)
    again = simtel_helper.open_indexed(simtel("gamma_70sst1m.simtel.zst"))  # the helper serves
    try:
        assert len(again) == 31
    finally:
        again.close()
