"""Charge extraction: every extractor recovers a known pulse, integration correction."""

import numpy as np
import pytest

from ctaviewer.config import ExtractorConfig
from ctaviewer.image import EXTRACTORS, CameraContext, extract, integration_correction
from ctaviewer.instrument import CameraGeometry, CameraReadout
from ctaviewer.io.toy import hex_grid

REF_STEP = 0.25  # ns, reference pulse sampling
SAMPLE_NS = 1.0


def _readout(n_samples=40):
    t = np.arange(0, 20, REF_STEP)
    pulse = np.exp(-0.5 * ((t - 6.0) / 1.5) ** 2) + 0.3 * np.exp(-0.5 * ((t - 9.0) / 2.5) ** 2)
    return CameraReadout("test", 1.0 / SAMPLE_NS, n_samples, 1, pulse[None, :], REF_STEP)


def _sampled_pulse(readout):
    pulse = readout.reference_pulse_shape[0]
    ratio = SAMPLE_NS / REF_STEP
    n = int(len(pulse) / ratio)
    edges = np.arange(n + 1) * ratio
    s = np.histogram(np.arange(len(pulse)), edges, weights=pulse)[0]
    return s / s.sum()


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
    assert integration_correction(ro, 1, 0)[0] == pytest.approx(1.0 / shape.max())
    c7 = integration_correction(ro, 7, 3)[0]
    m = int(np.argmax(shape))
    assert c7 == pytest.approx(1.0 / shape[m - 3 : m + 4].sum())
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
    cfg = ExtractorConfig(name=name, window_width=7, window_shift=3, fixed_peak_index=peak)
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
    cfg = ExtractorConfig(name="local_peak", window_width=5, window_shift=2)
    ex = extract("local_peak", wf, np.zeros(n, np.int8), ctx, cfg)
    np.testing.assert_array_equal(ex.window_start[::2], peak_b - 2)
    np.testing.assert_array_equal(ex.window_start[1::2], peak_a - 2)
    np.testing.assert_allclose(ex.charge, 50.0, rtol=1e-4)


def test_partial_window_without_correction_is_smaller(ctx):
    amp = np.full(ctx.geometry.n_pixels, 100.0, dtype=np.float32)
    wf, _ = _waveforms(ctx, amp, 8)
    gain = np.zeros(len(amp), np.int8)
    cfg = ExtractorConfig(name="local_peak", window_width=3, window_shift=1, apply_correction=False)
    ex = extract("local_peak", wf, gain, ctx, cfg)
    assert np.all(ex.charge < 95.0)


def test_window_clipped_at_readout_edges(ctx):
    amp = np.full(ctx.geometry.n_pixels, 100.0, dtype=np.float32)
    wf, _ = _waveforms(ctx, amp, 0)
    cfg = ExtractorConfig(name="local_peak", window_width=7, window_shift=6)
    ex = extract("local_peak", wf, np.zeros(len(amp), np.int8), ctx, cfg)
    assert ex.window_start.min() >= 0
    assert np.all(ex.window_start + ex.window_width <= wf.shape[1])
