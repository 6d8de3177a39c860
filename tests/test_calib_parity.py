"""Calibration and extraction on real files as ctapipe 0.28 does it: per-telescope readouts,
broken (HV-disabled, unread) pixels, the laser-calibration time shift and sums-only data.

The last test compares every pixel with ctapipe itself where a ctapipe Python is given
(CTAVIEWER_CTAPIPE_PYTHON), as tests/test_writers_ctapipe.py does.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import warnings

import numpy as np
import pytest

from ctaviewer import open_source
from ctaviewer.config import ProcessingConfig
from ctaviewer.event import PixelStatus, pixel_status_text
from ctaviewer.image import integration_correction
from ctaviewer.io.simtel_convert import pixel_status
from ctaviewer.pipeline import Pipeline

from .conftest import simtel
from .ctapipe_env import ctapipe_python

#: ctapipe 0.28's defaults: no per-camera thresholds or windows
AS_CTAPIPE = ProcessingConfig(camera_overrides={})
FLASHCAM_DISABLED = [219, 576, 578, 807, 1395, 1684]


def _events(path, n=None):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        src = open_source(path)
        events = [e for _, e in zip(range(n or 10**9), src)]
    return src, events


# ---------------------------------------------------------------- per-telescope readouts
def test_lsts_with_their_own_pulse_shapes_keep_their_own_corrections(simtel_file):
    """gamma_diffuse_13tel: LST 1 has another reference pulse than LSTs 2-4. ctapipe's
    integration corrections (window 7, shift 3): 1.2174 for LST 1, 1.1451 for the others."""
    src, _ = _events(simtel_file("gamma_diffuse_13tel.simtel.zst"), 0)
    sub = src.subarray
    lsts = [int(t) for t in sub.tel_ids_for_type("LSTCam")]
    assert lsts == [1, 2, 3, 4]
    cams = [sub.tels[t].camera for t in lsts]
    assert cams[1] is cams[2] is cams[3] and cams[0] is not cams[1]
    assert cams[0].geometry is cams[1].geometry  # one geometry: neighbours computed once
    assert {c.name for c in cams} == {"LSTCam"}
    pipe = Pipeline(sub, AS_CTAPIPE)
    corr = {t: pipe._contexts.of(t).correction(7, 3)[0] for t in lsts}
    assert corr[1] == pytest.approx(1.2174, abs=1e-4)
    for t in (2, 3, 4):
        assert corr[t] == pytest.approx(1.1451, abs=1e-4)
    # camera types stay one per name: the panel, grid and per-camera overrides see one LSTCam
    names = [c.name for c in sub.camera_types]
    assert len(names) == len(set(names)) and "LSTCam" in names
    assert len(sub.telescope_types) == 2
    cfg = ProcessingConfig.default()
    pipe = Pipeline(sub, cfg)
    ext, cln = cfg.for_camera("LSTCam")
    for t in lsts:
        assert pipe._camera_config(sub.tels[t].camera.name) == (ext, cln)


def test_per_telescope_readouts_survive_a_dl1_file(simtel_file, tmp_path):
    """The instrument tables hold one geometry/readout pair per distinct camera (as ctapipe
    writes them), so a DL1 file read back keeps LST 1's own pulse shape."""
    from ctaviewer.io.hdf5_source import HDF5Source

    from .test_writers_hdf5 import _write

    path = tmp_path / "d.h5"
    _write(path, simtel_file("gamma_diffuse_13tel.simtel.zst"), n=1, dl1=True)
    with HDF5Source(path) as back:
        sub = back.subarray
        corr = {t: integration_correction(sub.tels[t].camera.readout, 7, 3)[0]
                for t in (1, 2, 3, 4)}
        assert {sub.tels[t].camera.name for t in (1, 2, 3, 4)} == {"LSTCam"}
    assert corr[1] == pytest.approx(1.2174, abs=1e-4)
    assert corr[2] == corr[3] == corr[4] == pytest.approx(1.1451, abs=1e-4)


def test_equal_readouts_share_one_camera(simtel_file):
    src, _ = _events(simtel_file("gamma_4lst.simtel.zst"), 0)
    cams = {id(src.subarray.tels[int(t)].camera) for t in src.subarray.tel_ids}
    assert len(cams) == 1
    ro = src.subarray.tels[1].camera.readout
    assert integration_correction(ro, 7, 3)[0] == pytest.approx(1.1451, abs=1e-4)


# ---------------------------------------------------------------- broken pixels
def test_hv_disabled_pixels_are_read_and_marked(simtel_file):
    src, events = _events(simtel_file("proton_4lst_15flashcam.simtel.zst"), 2)
    sub = src.subarray
    flashcams = [int(t) for t in sub.tel_ids_for_type("FlashCam")]
    assert flashcams
    for t in flashcams:
        np.testing.assert_array_equal(sub.tels[t].disabled_pixels, FLASHCAM_DISABLED)
    assert len(sub.tels[1].disabled_pixels) == 0  # the LSTs have none
    seen = 0
    for ev in events:
        for t, data in ev.tel.items():
            if t in flashcams:
                seen += 1
                assert data.pixel_status.dtype == np.uint8
                assert np.flatnonzero(data.pixel_status).tolist() == FLASHCAM_DISABLED
                assert np.all(data.pixel_status[FLASHCAM_DISABLED] == PixelStatus.HV_DISABLED)
                np.testing.assert_array_equal(data.broken_pixels,
                                              data.pixel_status != 0)
            else:
                assert data.pixel_status is None and data.broken_pixels is None
    assert seen


def _neighbour_mean(ctx, values, broken, p):
    nb = [q for q in ctx.geometry.neighbors_of(p) if not broken[q]]
    return np.mean(values[nb]) if nb else 0.0


def test_broken_pixels_interpolated_and_left_out_of_neighbour_sums(simtel_file):
    src, events = _events(simtel_file("proton_4lst_15flashcam.simtel.zst"), 3)
    pipe = Pipeline(src.subarray, AS_CTAPIPE)
    raw = Pipeline(src.subarray, AS_CTAPIPE.replace(**{
        "calibration.invalid_pixel_handler": "none"}))
    from ctaviewer.image import extract_kernels as k

    checked = moved = 0
    for ev in events:
        for t, data in ev.tel.items():
            broken = data.broken_pixels
            if broken is None:
                continue
            tr = pipe.process_telescope(ev, t)
            kept = raw.process_telescope(ev, t)
            ctx = pipe._contexts.of(t)
            good = ~broken
            # good pixels are those of the extractor, broken ones their neighbours' mean
            np.testing.assert_array_equal(tr.image[good], kept.image[good])
            for p in np.flatnonzero(broken):
                assert tr.image[p] == pytest.approx(
                    _neighbour_mean(ctx, kept.image, broken, p), rel=1e-5, abs=1e-5)
                assert tr.peak_time[p] == pytest.approx(
                    _neighbour_mean(ctx, kept.peak_time, broken, p), rel=1e-5)
            # the neighbour-peak search left them out: the windows are those of the peaks
            # without them, and counting them would move some windows
            indptr, indices = ctx.csr
            wf = np.array(tr.waveform)  # writable, as the pipeline's own: one kernel signature
            counted = k.neighbor_peaks(wf, indptr, indices, np.float32(0),
                                       np.zeros(len(broken), dtype=np.bool_))
            left_out = k.neighbor_peaks(wf, indptr, indices, np.float32(0), broken)
            np.testing.assert_array_equal(tr.window_start, np.maximum(left_out - 3, 0))
            moved += int(np.sum(counted != left_out))
            checked += 1
    assert checked and moved > 0


def test_pixel_without_readout_is_marked_and_holds_no_signal(simtel_file):
    """All-zero ADC data (a pixel that was not read out) is marked NO_READOUT and calibrated
    to 0 p.e. in every sample, as ctapipe zeroes the pixels its data-volume reduction drops,
    instead of (0 − pedestal) × dc_to_pe (≈ −100 p.e. on DigiCam); it is not interpolated."""
    src, events = _events(simtel_file("gamma_70sst1m.simtel.zst"), 1)
    ev = events[0]
    t = next(iter(ev.tel))
    data = ev.tel[t]
    assert data.pixel_status is None
    p = 100
    wf = np.array(data.waveform)
    wf[:, p, :] = 0
    status = pixel_status(wf, src.subarray.tels[t].disabled_pixels)
    assert np.flatnonzero(status).tolist() == [p] and status[p] == PixelStatus.NO_READOUT
    sums = np.ones((2, 50), dtype=np.int32)
    sums[:, 7] = 0
    assert np.flatnonzero(pixel_status(sums, np.array([3], np.int32))).tolist() == [3, 7]
    unread = dataclasses.replace(data, waveform=wf, pixel_status=status)
    assert unread.unread_pixels.tolist() == (status != 0).tolist()
    assert unread.broken_pixels is None
    pipe = Pipeline(src.subarray, AS_CTAPIPE)
    tr = pipe.process_telescope(dataclasses.replace(ev, tel={t: unread}), t)
    np.testing.assert_array_equal(tr.waveform[p], 0.0)
    assert tr.image[p] == 0.0 and not tr.mask[p]
    # without a status the same pixel is an ordinary, very negative one
    plain = pipe.process_telescope(dataclasses.replace(ev, tel={
        t: dataclasses.replace(data, waveform=wf)}), t)
    assert plain.image[p] < -5


def test_pixel_without_calibration_constants_is_marked_not_shown_as_an_ordinary_zero(
    simtel_file,
):
    """A pixel whose pedestal or p.e. conversion the file lacks (NaN) in a gain of its data
    is marked NO_CALIBRATION: it is calibrated to 0 p.e., never cleaned in, and the status
    tells the views that its charge is unknown rather than zero."""
    src, events = _events(simtel_file("gamma_70sst1m.simtel.zst"), 1)
    ev = events[0]
    t = next(iter(ev.tel))
    data = ev.tel[t]
    ped = np.array(data.pedestal_per_sample)
    dc = np.array(data.dc_to_pe)
    assert pixel_status(data.waveform, [], ped, dc) is None
    p, q = 5, 9
    ped[0, p] = np.nan
    dc[-1, q] = np.nan  # the last gain of the data
    status = pixel_status(data.waveform, [], ped, dc)
    assert np.flatnonzero(status).tolist() == [p, q]
    assert status[p] == status[q] == PixelStatus.NO_CALIBRATION
    assert "no calibration constants" in pixel_status_text(status[p])
    # a constant of a gain the data does not have does not count
    extra = np.vstack([np.array(data.dc_to_pe), np.full((1, dc.shape[1]), np.nan)])
    assert pixel_status(data.waveform, [], data.pedestal_per_sample, extra) is None
    bright = np.array(data.waveform)
    bright[:, [p, q], 20:24] += np.uint16(1000)  # large signals where constants are missing
    pipe = Pipeline(src.subarray, AS_CTAPIPE)
    uncal = dataclasses.replace(data, waveform=bright, pedestal_per_sample=ped,
                                dc_to_pe=dc, pixel_status=status)
    tr = pipe.process_telescope(dataclasses.replace(ev, tel={t: uncal}), t)
    for pix in (p, q):  # q's high gain has constants: still zero, as its status says
        assert tr.image[pix] == 0.0 and not tr.mask[pix]
        np.testing.assert_array_equal(tr.waveform[pix], 0.0)
    assert tr.image[p + 1] != 0.0


def test_status_words_for_tooltips():
    assert pixel_status_text(0) == ""
    assert "high voltage" in pixel_status_text(PixelStatus.HV_DISABLED)
    both = pixel_status_text(PixelStatus.HV_DISABLED | PixelStatus.NO_READOUT)
    assert "high voltage" in both and "not read out" in both


# ---------------------------------------------------------------- time shift
def test_laser_calibration_time_shift_is_subtracted(simtel_file):
    """muons_lst: tm_calib is about -21 ns; ctapipe subtracts the selected gain's value."""
    src, events = _events(simtel_file("muons_lst.simtel.zst"), 2)
    on = Pipeline(src.subarray, AS_CTAPIPE)
    off = Pipeline(src.subarray, AS_CTAPIPE.replace(**{
        "calibration.apply_peak_time_shift": False}))
    ev = events[0]
    t = next(iter(ev.tel))
    data = ev.tel[t]
    assert data.time_shift_ns is not None and data.time_shift_ns.shape == (2, data.n_pixels)
    assert np.median(data.time_shift_ns) == pytest.approx(-21.3, abs=1.0)
    a, b = on.process_telescope(ev, t), off.process_telescope(ev, t)
    idx = np.arange(data.n_pixels)
    expected = b.peak_time - data.time_shift_ns[b.selected_gain, idx]
    np.testing.assert_allclose(a.peak_time, expected, rtol=1e-6, atol=1e-5)
    np.testing.assert_array_equal(a.image, b.image)


# ---------------------------------------------------------------- sums-only data
def test_sums_only_peak_time_file_or_zero_and_charge(simtel_file):
    src, events = _events(simtel_file("gamma_70astri_sums_only.simtel.gz"), 1)
    ev = events[0]
    t = next(iter(ev.tel))
    data = ev.tel[t]
    assert data.waveform is None and data.peak_time_ns is not None
    tr = Pipeline(src.subarray, AS_CTAPIPE).process_telescope(ev, t)
    has = np.isfinite(data.peak_time_ns)
    assert 0 < has.sum() < data.n_pixels
    np.testing.assert_allclose(tr.peak_time[has], data.peak_time_ns[has]
                               - data.time_shift_ns[tr.selected_gain[has], np.flatnonzero(has)])
    assert np.all(np.isnan(tr.peak_time[~has]))  # no time in the file: NaN
    zero = Pipeline(src.subarray, AS_CTAPIPE.replace(**{
        "calibration.sums_peak_time": "zero"})).process_telescope(ev, t)
    np.testing.assert_array_equal(zero.peak_time, 0.0)
    # charge: (sum - n_sum * pedestal per sample) * dc_to_pe of the selected gain
    g = tr.selected_gain.astype(int)
    idx = np.arange(data.n_pixels)
    expected = ((data.sums[g, idx] - data.n_sum_samples * data.pedestal_per_sample[g, idx])
                * data.dc_to_pe[g, idx])
    np.testing.assert_allclose(tr.image, expected, rtol=1e-5, atol=1e-4)


# ---------------------------------------------------------------- against ctapipe itself
DUMP = r"""
import sys, warnings, numpy as np
warnings.simplefilter("ignore")
from ctapipe.io import SimTelEventSource
from ctapipe.calib import CameraCalibrator
from ctapipe.image import ImageProcessor
for path, out, n in zip(*[iter(sys.argv[1:])] * 3):
    src = SimTelEventSource(path, max_events=int(n), focal_length_choice="EQUIVALENT")
    cal = CameraCalibrator(src.subarray)
    proc = ImageProcessor(src.subarray)
    d = {}
    for ev in src:
        cal(ev)
        proc(ev)
        for tel_id, dl1 in ev.dl1.tel.items():
            k = f"{ev.index.event_id}_{tel_id}"
            d[k + "_image"] = dl1.image
            d[k + "_peak_time"] = dl1.peak_time
            d[k + "_mask"] = dl1.image_mask
    np.savez(out, **d)
print("ok")
"""
PARITY_FILES = {
    "proton_4lst_15flashcam.simtel.zst": 3,  # HV-disabled FlashCam pixels, LSTs
    "gamma_diffuse_13tel.simtel.zst": 2,  # per-telescope LST pulse shapes
    "gamma_prod2_126tel_truncated.simtel.gz": 2,  # tm_calib ~ -21 ns, CHEC, SCT
}


@pytest.fixture(scope="module")
def ctapipe_dl1(tmp_path_factory):
    """ctapipe's DL1 of the parity files, from one ctapipe process (its numba kernels are
    compiled once, into a private cache)."""
    python = ctapipe_python()
    folder = tmp_path_factory.mktemp("ctapipe")
    args, outs = [], {}
    for name, n in PARITY_FILES.items():
        outs[name] = folder / f"{name}.npz"
        args += [str(simtel(name)), str(outs[name]), str(n)]
    env = dict(os.environ, NUMBA_CACHE_DIR=str(folder / "numba"))
    done = subprocess.run([python, "-c", DUMP, *args], capture_output=True, text=True,
                          timeout=1800, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    return outs


@pytest.mark.parametrize("name", list(PARITY_FILES))
def test_every_pixel_equals_ctapipe(ctapipe_dl1, name):
    ref = np.load(ctapipe_dl1[name])
    src, events = _events(simtel(name), PARITY_FILES[name])
    pipe = Pipeline(src.subarray, AS_CTAPIPE)
    n = 0
    for ev in events:
        for t in ev.tel:
            key = f"{ev.event_id}_{t}"
            tr = pipe.process_telescope(ev, t)
            np.testing.assert_allclose(tr.image, ref[key + "_image"], rtol=1e-4, atol=1e-4)
            np.testing.assert_allclose(tr.peak_time, ref[key + "_peak_time"], atol=1e-4)
            np.testing.assert_array_equal(tr.mask, ref[key + "_mask"])
            n += 1
    assert n == len([k for k in ref.files if k.endswith("_image")])
