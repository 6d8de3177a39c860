"""The offset index delivered in batches while the scan goes on (``build_index(on_rows=)``,
``SimTelSource.scan_index(on_rows=)``, ``SimTelIndex.extend``): the batches add up to the
whole index, on good, damaged and truncated files, and the first comes at once."""

from __future__ import annotations

import gzip

import numpy as np
import pytest

from ctaviewer.io.simtel import SimTelSource
from ctaviewer.io.simtel_index import build_index

from .conftest import simtel
from .test_bad_files import _raw, _with_zeroed_header

COLUMNS = ("event_offset", "shower_offset", "kind", "event_id", "true_energy", "primary_id")


def _joined(chunks):
    whole = chunks[0]
    for chunk in chunks[1:]:
        whole = whole.extend(chunk)
    return whole


def _assert_same_rows(a, b):
    assert len(a) == len(b)
    for name in COLUMNS:
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    assert [t.tolist() for t in a.tels_with_data] == [t.tolist() for t in b.tels_with_data]


def _scan(path):
    chunks = []
    index = build_index(str(path), on_rows=chunks.append)
    try:
        return index, chunks
    finally:
        index.cleanup()


def test_batches_add_up_to_the_whole_index():
    index, chunks = _scan(simtel("gamma_70sst1m.simtel.zst"))
    assert chunks and all(not c.complete for c in chunks) and index.complete
    _assert_same_rows(_joined(chunks), index)
    assert not _joined(chunks).complete


def test_the_first_batch_comes_as_soon_as_there_is_an_event():
    index, chunks = _scan(simtel("gamma_70sst1m.simtel.zst"))
    assert len(chunks[0]) < 5 < len(index)  # not when the scan is done
    assert sum(len(c) for c in chunks) == len(index)


@pytest.mark.parametrize("damage", ["zeroed", "truncated"])
def test_batches_of_damaged_files_add_up_too(tmp_path, damage):
    if damage == "zeroed":
        path, _ = _with_zeroed_header(tmp_path, 2)
    else:
        packed = gzip.compress(_raw("gamma_70sst1m.simtel.zst"), compresslevel=1)
        path = tmp_path / "cut.simtel.gz"
        path.write_bytes(packed[: int(len(packed) * 0.6)])
    index, chunks = _scan(path)
    assert index.error is not None if damage == "zeroed" else index.truncated
    _assert_same_rows(_joined(chunks), index)


def test_scan_index_selects_each_batch():
    path = simtel("gamma_70sst1m.simtel.zst")
    with SimTelSource(path) as everything:
        tels = sorted(int(t) for t in everything.subarray.tel_ids)[:5]
    with SimTelSource(path, allowed_tels=tels) as source:
        chunks = []
        index = source.scan_index(on_rows=chunks.append)
        try:
            assert 0 < len(index) < 31
            _assert_same_rows(_joined(chunks), index)
        finally:
            index.cleanup()


def test_a_source_reads_events_of_a_growing_index():
    """attach_index with each longer index keeps one reader; events read the same."""
    path = simtel("gamma_70sst1m.simtel.zst")
    with SimTelSource(path) as whole:
        whole.build_index()
        with SimTelSource(path) as growing:
            seen = []

            def grow(chunk):
                index = growing.index
                growing.attach_index(chunk if index is None else index.extend(chunk))
                seen.append(len(growing))
                i = len(growing) - 1
                assert growing[i].event_id == whole[i].event_id

            final = growing.scan_index(on_rows=grow)
            growing.attach_index(final)
            assert seen[-1] == len(whole) and growing.index.complete
