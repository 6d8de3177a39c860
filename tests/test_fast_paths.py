"""The per-event fast paths give exactly (bit for bit) what the numpy code they replaced gave:
pixel status and file peak times (one kernel each), tuple rows, criteria counts, the true
impact distance and the stereo step's vectors."""

from __future__ import annotations

import types

import h5py
import numpy as np
import pytest

from ctaviewer.coords import altaz_to_ground_vector, cross
from ctaviewer.datamodel import columns as cols
from ctaviewer.datamodel.table import TableWriter
from ctaviewer.event import PixelStatus
from ctaviewer.io.simtel_convert import _file_peak_time, pixel_status
from ctaviewer.reco.geometry import cross3, sky_vector
from ctaviewer.writers.dl1 import IMAGE_CRITERIA, CriteriaCounter
from ctaviewer.writers.rows import DictValues
from ctaviewer.writers.simulation import true_impact_distance


def _status_numpy(data, disabled, pedestal=None, dc_to_pe=None):
    """The numpy formulation pixel_status had before its kernel."""
    arr = np.asarray(data)
    if arr.ndim == 2:
        arr = arr[:, :, None]
    n_gains, n_pixels = arr.shape[:2]
    missing = ~(arr != 0).any(axis=(0, 2))
    disabled = np.asarray(disabled, dtype=np.int64)
    disabled = disabled[(disabled >= 0) & (disabled < n_pixels)]
    uncalibrated = np.zeros(n_pixels, dtype=bool)
    for constants in (pedestal, dc_to_pe):
        if constants is not None:
            uncalibrated |= ~np.isfinite(np.asarray(constants)[:n_gains]).all(axis=0)
    if not len(disabled) and not missing.any() and not uncalibrated.any():
        return None
    status = np.zeros(n_pixels, dtype=np.uint8)
    status[disabled] |= np.uint8(PixelStatus.HV_DISABLED)
    status[missing] |= np.uint8(PixelStatus.NO_READOUT)
    status[uncalibrated] |= np.uint8(PixelStatus.NO_CALIBRATION)
    return status


@pytest.mark.parametrize("seed", range(6))
def test_pixel_status_kernel_matches_numpy(seed):
    rng = np.random.default_rng(seed)
    n_gains, n_pix = int(rng.integers(1, 3)), 40
    data = rng.integers(0, 3, (n_gains, n_pix, 5)).astype(np.uint16)
    data[:, rng.integers(0, n_pix, 4)] = 0
    ped = rng.normal(size=(2, n_pix)).astype(np.float32)
    dc = rng.normal(size=(2, n_pix)).astype(np.float32)
    ped[rng.integers(0, 2, 3), rng.integers(0, n_pix, 3)] = np.nan
    dc[1, rng.integers(0, n_pix, 2)] = np.inf
    disabled = np.array([-1, 3, 3, 7, n_pix + 2], dtype=np.int32)
    for args in ((data, disabled, ped, dc), (data, [], ped, None), (data, [], None, None),
                 (data.sum(axis=2), disabled[:2], None, dc), (data + 1, [], None, None)):
        expected, got = _status_numpy(*args), pixel_status(*args)
        if expected is None:
            assert got is None
        else:
            assert got.dtype == np.uint8 and np.array_equal(got, expected)


def test_file_peak_time_matches_numpy():
    rng = np.random.default_rng(1)
    times = rng.normal(10, 8, (500, 3)).astype(np.float32)
    times[::7] = np.nan
    for types_, sample_ns in (([2, 1, 3], 0.25), (np.array([1, 2, 3], np.int16), 1 / 3.0)):
        column = list(np.asarray(types_)).index(1)
        t = times[:, column]
        expected = np.where(t >= 0, t * np.float32(sample_ns), np.nan).astype(np.float32)
        got = _file_peak_time({"time": times, "time_type": types_}, sample_ns)
        assert got.dtype == np.float32 and np.array_equal(got, expected, equal_nan=True)
    assert _file_peak_time({"time": times, "time_type": [2, 3]}, 1.0) is None
    assert _file_peak_time({"time": times[:, :1], "time_type": [2, 1]}, 1.0) is None


def test_append_row_writes_what_append_writes(tmp_path):
    values = dict(obs_id=1, event_id=7, tel_id=3, time=np.array([5, 9], np.uint32),
                  event_type=32, n_trigger_pixels=-1)
    with h5py.File(tmp_path / "t.h5", "w") as h5:
        a = TableWriter(h5, "/a", cols.TEL_TRIGGER)
        b = TableWriter(h5, "/b", cols.TEL_TRIGGER)
        c = TableWriter(h5, "/c", cols.TEL_TRIGGER)
        for _ in range(3):
            a.append(**values)  # every column in order: the tuple fast path
            b.append_row(tuple(values.values()))
            c.append({**values, "not_a_column": 1})  # the per-field path
        for t in (a, b, c):
            t.close()
        assert h5["/a"][()].tobytes() == h5["/b"][()].tobytes() == h5["/c"][()].tobytes()


def test_criteria_counter_counts_as_before():
    rows = [{"hillas_intensity": i, "morphology_n_pixels": n}
            for i, n in ((0.0, 5), (3.0, 1), (2.0, 4), (np.nan, 3), (1.0, 0))]
    counter = CriteriaCounter(IMAGE_CRITERIA)
    counts = np.zeros(3, dtype=np.int64)
    cumulative = np.zeros(3, dtype=np.int64)
    for row in rows:
        counter.add(row)
        passed = [True, *(bool(test(row)) for _, _, test in IMAGE_CRITERIA)]
        counts += passed
        cumulative += np.cumprod(passed)
    assert counter.counts.tolist() == counts.tolist()
    assert counter.cumulative.tolist() == cumulative.tolist()


def test_dict_values_default_for_missing_keys():
    get = DictValues(["a", "b", "c"])
    assert get({"a": 1, "b": 2, "c": 3}) == (1, 2, 3)
    assert get({"a": 1, "c": 3})[1] != get({"a": 1, "c": 3})[1]  # NaN
    assert DictValues(["a"], default=-1)({}) == (-1,)


def test_true_impact_distance_matches_coords():
    rng = np.random.default_rng(5)
    for _ in range(500):
        shower = types.SimpleNamespace(
            alt=float(rng.uniform(5, 90)), az=float(rng.uniform(0, 360)),
            core_x=float(rng.normal(0, 500)), core_y=float(rng.normal(0, 500)))
        positions = rng.normal(0, 300, (int(rng.integers(1, 12)), 3))
        direction = altaz_to_ground_vector(shower.alt, shower.az)
        rel = positions - np.array([shower.core_x, shower.core_y, 0.0])
        expected = np.linalg.norm(cross(rel, direction), axis=-1)
        assert np.array_equal(true_impact_distance(shower, positions), expected)


def test_stereo_vectors_match_stack_and_coords_cross():
    rng = np.random.default_rng(3)
    for shape in ((3,), (1, 3), (6, 3)):
        a, b = rng.normal(size=shape), rng.normal(size=shape)
        assert np.array_equal(cross3(a, b), cross(a, b))
    for alt, az in ((70.0, 180.0), (rng.uniform(0, 90, 7), rng.uniform(0, 360, 7)),
                    (np.float32(3.3), np.float32(4.0))):
        r_alt, r_az = np.deg2rad(alt), np.deg2rad(az)
        expected = np.stack([np.cos(r_alt) * np.cos(r_az), -np.cos(r_alt) * np.sin(r_az),
                             np.sin(r_alt)], axis=-1)
        got = sky_vector(alt, az)
        assert got.dtype == expected.dtype and np.array_equal(got, expected)
