"""Charge extraction: every extractor recovers a known pulse, integration correction."""

import dataclasses

import numpy as np
import pytest

from ctaviewer.config import GlobalPeakConfig, LocalPeakConfig, NeighborPeakConfig
from ctaviewer.image import EXTRACTORS, CameraContext, extract, integration_correction
from ctaviewer.instrument import CameraGeometry, CameraReadout
from ctaviewer.io.toy import hex_grid

REF_STEP = 0.25  # ns, reference pulse sampling
SAMPLE_NS = 1.0


def _readout(n_samples=40):
    t = np.arange(0, 20, REF_STEP)
    pulse = np.exp(-0.5 * ((t - 6.0) / 1.5) ** 2) + 0.3 * np.exp(-0.5 * ((t - 9.0) / 2.5) ** 2)
    return CameraReadout("test", 1.0 / SAMPLE_NS, n_samples, 1, pulse[None, :], REF_STEP)


def _sampled_pulse(readout, sample_ns=SAMPLE_NS):
    """ctapipe 0.28's re-binning: sample edges from 0 up to (not including) the pulse length,
    the reference points after the last edge dropped, normalised to a sum of 1."""
    pulse = readout.reference_pulse_shape[0]
    step = readout.reference_pulse_sample_width_ns
    edges = np.arange(0, len(pulse) * step, sample_ns)
    s = np.histogram(np.arange(len(pulse)) * step, edges, weights=pulse)[0]
    return s / s.sum()


def _ctapipe_fraction(sampled, width, shift):
    """Window fraction as ctapipe takes it: start clamped at 0 keeping the width."""
    start = max(int(np.argmax(sampled)) - shift, 0)
    return sampled[start : min(start + width, len(sampled))].sum()


@pytest.fixture
def ctx():
    x, y = hex_grid(4, 0.05)
    geom = CameraGeometry.from_positions("hex", x, y)
    return CameraContext(geom, _readout(), 16.0).warm()


def _waveforms(ctx, amplitude, start):
    shape = _sampled_pulse(ctx.readout)
    n_pix = ctx.geometry.n_pixels
    wf = np.zeros((n_pix, ctx.readout.n_samples), dtype=np.float32)
    wf[:, start : start + len(shape)] = amplitude[:, None] * shape[None, :]
    return wf, start + int(np.argmax(shape))


def test_integration_correction_limits():
    ro = _readout()
    assert integration_correction(ro, 80, 40)[0] == pytest.approx(1.0)
    shape = _sampled_pulse(ro)
    assert integration_correction(ro, 1, 0)[0] == pytest.approx(1.0 / shape.max(), rel=1e-6)
    c7 = integration_correction(ro, 7, 3)[0]
    m = int(np.argmax(shape))
    assert c7 == pytest.approx(1.0 / shape[m - 3 : m + 4].sum(), rel=1e-6)
    assert c7 > 1.0


def test_registry_names():
    for name in (
        "full_waveform",
        "fixed_window",
        "global_peak",
        "local_peak",
        "neighbor_peak",
        "two_pass",
    ):
        assert name in EXTRACTORS


@pytest.mark.parametrize("name", EXTRACTORS.names())
def test_extractors_recover_amplitude_and_time(ctx, name):
    rng = np.random.default_rng(1)
    amp = rng.uniform(20, 200, ctx.geometry.n_pixels).astype(np.float32)
    wf, peak = _waveforms(ctx, amp, 8)
    gain = np.zeros(len(amp), dtype=np.int8)
    options = EXTRACTORS.get(name).config
    given = {"window_width": 7, "window_shift": 3, "fixed_peak_index": peak}
    cfg = options(**{f.name: given[f.name] for f in dataclasses.fields(options) if f.name in given})
    ex = extract(name, wf, gain, ctx, cfg)
    np.testing.assert_allclose(ex.charge, amp, rtol=1e-4)
    if name == "full_waveform":
        assert ex.window_width == wf.shape[1]
        np.testing.assert_array_equal(ex.window_start, 0)
    else:
        assert ex.window_width == 7
        np.testing.assert_array_equal(ex.window_start, peak - 3)
        # charge-weighted time within the window is near the pulse maximum
        np.testing.assert_allclose(ex.peak_time, peak * SAMPLE_NS, atol=1.0)


def test_local_peak_follows_each_pixel(ctx):
    n = ctx.geometry.n_pixels
    amp = np.full(n, 50.0, dtype=np.float32)
    wf_a, peak_a = _waveforms(ctx, amp, 4)
    wf_b, peak_b = _waveforms(ctx, amp, 14)
    wf = wf_a.copy()
    wf[::2] = wf_b[::2]
    cfg = LocalPeakConfig(window_width=5, window_shift=2)
    ex = extract("local_peak", wf, np.zeros(n, np.int8), ctx, cfg)
    np.testing.assert_array_equal(ex.window_start[::2], peak_b - 2)
    np.testing.assert_array_equal(ex.window_start[1::2], peak_a - 2)
    np.testing.assert_allclose(ex.charge, 50.0, rtol=1e-4)


def test_partial_window_without_correction_is_smaller(ctx):
    amp = np.full(ctx.geometry.n_pixels, 100.0, dtype=np.float32)
    wf, _ = _waveforms(ctx, amp, 8)
    gain = np.zeros(len(amp), np.int8)
    cfg = LocalPeakConfig(window_width=3, window_shift=1, apply_correction=False)
    ex = extract("local_peak", wf, gain, ctx, cfg)
    assert np.all(ex.charge < 95.0)


def test_window_clipped_at_readout_edges(ctx):
    amp = np.full(ctx.geometry.n_pixels, 100.0, dtype=np.float32)
    wf, _ = _waveforms(ctx, amp, 0)
    for edge in ("truncate", "shift"):
        cfg = LocalPeakConfig(window_width=7, window_shift=6, window_edge=edge)
        ex = extract("local_peak", wf, np.zeros(len(amp), np.int8), ctx, cfg)
        assert ex.window_start.min() >= 0
        assert np.all(ex.window_start + ex.window_width <= wf.shape[1])


def _edge_waveform(n_samples=20):
    """Two pixels: a ramp peaking at sample 1 and one peaking at the last sample but one."""
    wf = np.zeros((2, n_samples), dtype=np.float32)
    wf[0, :9] = [5, 9, 8, 7, 6, 5, 4, 3, 2]
    wf[1, -9:] = [1, 2, 3, 4, 5, 6, 7, 9, 5]
    return wf


@pytest.mark.parametrize("where", ["start", "end"])
def test_window_past_the_readout_is_truncated_as_ctapipe(where):
    """ctapipe's extract_around_peak: the window is cut at the first/last sample (fewer
    samples, same correction); the peak time is the positive-weighted mean index in it."""
    from ctaviewer.image import extract_kernels as k

    wf = _edge_waveform()
    n_s = wf.shape[1]
    p = 0 if where == "start" else 1
    peak = np.array([1, n_s - 2], dtype=np.int64)
    corr = np.ones(2, dtype=np.float32)
    gain = np.zeros(2, dtype=np.int8)
    charge, time, start = k.window_sum(wf, peak, 7, 3, corr, gain, 2.0, True)
    lo, hi = (0, 1 - 3 + 7) if where == "start" else (n_s - 2 - 3, n_s)
    window = wf[p, lo:hi]
    assert start[p] == lo
    assert charge[p] == pytest.approx(window.sum())
    idx = np.arange(lo, hi)
    assert time[p] == pytest.approx(2.0 * (window * idx).sum() / window.sum())
    # the other behaviour: the whole width moved inside the readout
    charge_s, _, start_s = k.window_sum(wf, peak, 7, 3, corr, gain, 2.0, False)
    lo_s = 0 if where == "start" else n_s - 7
    assert start_s[p] == lo_s
    assert charge_s[p] == pytest.approx(wf[p, lo_s : lo_s + 7].sum())
    assert charge_s[p] > charge[p]


def test_peak_time_ignores_negative_samples_and_falls_back_to_peak():
    from ctaviewer.image import extract_kernels as k

    wf = np.array([[0, -4, 2, 6, 2, -3, 0, 0], [0, -1, -2, -1, 0, 0, 0, 0]], dtype=np.float32)
    peak = np.array([3, 2], dtype=np.int64)
    one = np.ones(2, dtype=np.float32)
    _, time, _ = k.window_sum(wf, peak, 5, 2, one, np.zeros(2, np.int8), 1.0, True)
    assert time[0] == pytest.approx((2 * 2 + 6 * 3 + 2 * 4) / 10)
    assert time[1] == pytest.approx(2.0)  # no positive sample: the peak index


def test_integration_correction_clamps_start_and_keeps_width():
    """A pulse whose maximum is in the first sample: the window starts at 0 and keeps its 7
    samples (ctapipe), rather than losing the 3 samples before the readout."""
    t = np.arange(0, 20, REF_STEP)
    pulse = np.exp(-t / 2.0)  # maximum in the first sample
    ro = CameraReadout("edge", 1.0, 40, 1, pulse[None, :], REF_STEP)
    sampled = _sampled_pulse(ro)
    assert np.argmax(sampled) == 0
    corr = integration_correction(ro, 7, 3)[0]
    assert corr == pytest.approx(1.0 / sampled[:7].sum(), rel=1e-6)
    assert corr != pytest.approx(1.0 / sampled[:4].sum(), rel=1e-3)


def test_chec_integration_correction_of_a_real_file(simtel_file):
    """prod2's CHEC pulse peaks 2 samples into its reference: a 7/3 window starts at the
    first sample and holds the whole pulse (correction 1, as ctapipe; 1.0042 before)."""
    from ctaviewer import open_source

    with open_source(simtel_file("gamma_prod2_126tel_truncated.simtel.gz")) as src:
        cams = {c.name: c for c in src.subarray.camera_types}
    ro = cams["CHEC"].readout
    sampled = _sampled_pulse(ro, ro.sample_width_ns)
    assert int(np.argmax(sampled)) < 3
    corr = integration_correction(ro, 7, 3)
    assert corr[0] == pytest.approx(1.0 / _ctapipe_fraction(sampled, 7, 3), rel=1e-6)
    assert corr[0] == pytest.approx(1.0, abs=1e-6)


def _two_pulse_neighbourhood(ctx):
    """Pixel 0's neighbours pulse at sample 10, except one neighbour that pulses (brighter)
    at sample 30."""
    n = ctx.geometry.n_pixels
    wf = np.zeros((n, ctx.readout.n_samples), dtype=np.float32)
    nbrs = ctx.geometry.neighbors_of(0)
    wf[nbrs, 10] = 10.0
    loud = int(nbrs[0])
    wf[loud, 10] = 0.0
    wf[loud, 30] = 1000.0
    return wf, loud


def test_neighbor_peak_leaves_broken_neighbours_out(ctx):
    wf, loud = _two_pulse_neighbourhood(ctx)
    gain = np.zeros(wf.shape[0], np.int8)
    cfg = NeighborPeakConfig(window_width=7, window_shift=3)
    plain = extract("neighbor_peak", wf, gain, ctx, cfg)
    assert plain.window_start[0] == 30 - 3  # the loud neighbour wins
    broken = np.zeros(wf.shape[0], dtype=bool)
    broken[loud] = True
    ex = extract("neighbor_peak", wf, gain, ctx, cfg, broken)
    assert ex.window_start[0] == 10 - 3


def test_global_peak_leaves_broken_pixels_out(ctx):
    wf, loud = _two_pulse_neighbourhood(ctx)
    gain = np.zeros(wf.shape[0], np.int8)
    cfg = GlobalPeakConfig(window_width=7, window_shift=3)
    assert extract("global_peak", wf, gain, ctx, cfg).window_start[0] == 27
    broken = np.zeros(wf.shape[0], dtype=bool)
    broken[loud] = True
    assert extract("global_peak", wf, gain, ctx, cfg, broken).window_start[0] == 7
