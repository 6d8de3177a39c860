"""Charge and peak-time extractors, selectable by name through ``EXTRACTORS``.

Each extractor's options (window width, shift, ...) are declared in
:mod:`ctaviewer.config.extractors`; this module binds the functions that run them. Each
extractor takes the calibrated waveform (n_pixels, n_samples; p.e. per sample), the
selected gain per pixel, the camera context, the extractor configuration and optionally the
mask of broken pixels (left out wherever an extractor combines pixels, as ctapipe does), and
returns an :class:`Extraction`. Window widths and shifts are in samples; times in ns.

The peak time is ctapipe's: the mean sample index of the integration window weighted by
its positive samples, times the sample width. A window that runs past the readout is cut
there (``window_edge = "truncate"``, ctapipe's choice) or moved inside it whole (``"shift"``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..config.extractors import EXTRACTORS
from . import extract_kernels as k


@dataclass(frozen=True, eq=False)
class Extraction:
    charge: np.ndarray  # float32 (n_pixels,), p.e.
    peak_time: np.ndarray  # float32 (n_pixels,), ns
    window_start: np.ndarray  # int32 (n_pixels,), samples
    window_width: int


def _sum_at(wf, gain, ctx, peak, width, shift, correct=True, truncate=True) -> Extraction:
    width = min(int(width), wf.shape[1])
    corr = ctx.window_correction(width, shift) if correct else np.ones(2, dtype=np.float32)
    charge, time, start = k.window_sum(
        wf,
        peak,
        np.int64(width),
        np.int64(shift),
        corr,
        gain,
        ctx.sample_ns,
        bool(truncate),
    )
    return Extraction(charge, time, start, width)


def _window(wf, gain, ctx, cfg, peak) -> Extraction:
    """The configured window (width, shift, correction, edge handling) around ``peak``."""
    return _sum_at(
        wf,
        gain,
        ctx,
        peak,
        cfg.window_width,
        cfg.window_shift,
        cfg.apply_correction,
        cfg.window_edge == "truncate",
    )


def _broken_mask(broken, ctx, n_pixels) -> np.ndarray:
    """``broken`` as a contiguous bool mask (the context's all-False one when None)."""
    if broken is None:
        none = ctx.no_broken
        return none if len(none) == n_pixels else np.zeros(n_pixels, dtype=np.bool_)
    return np.ascontiguousarray(broken, dtype=np.bool_)


@EXTRACTORS.implement("full_waveform")
def full_waveform(wf, gain, ctx, cfg, broken=None) -> Extraction:
    """Sum of the whole readout window; no integration correction."""
    peak = np.zeros(wf.shape[0], dtype=np.int64)
    return _sum_at(wf, gain, ctx, peak, wf.shape[1], 0, correct=False)


@EXTRACTORS.implement("fixed_window")
def fixed_window(wf, gain, ctx, cfg, broken=None) -> Extraction:
    """Window around a fixed sample (``fixed_peak_index``; -1 = middle of the readout)."""
    idx = cfg.fixed_peak_index if cfg.fixed_peak_index >= 0 else wf.shape[1] // 2
    peak = np.full(wf.shape[0], min(idx, wf.shape[1] - 1), dtype=np.int64)
    return _window(wf, gain, ctx, cfg, peak)


@EXTRACTORS.implement("global_peak")
def global_peak(wf, gain, ctx, cfg, broken=None) -> Extraction:
    """Window around the peak of the camera-averaged waveform (broken pixels left out), the
    same for every pixel."""
    broken = _broken_mask(broken, ctx, wf.shape[0])
    idx = int(k.global_peak_index(wf, broken)) if wf.shape[0] else 0
    peak = np.full(wf.shape[0], idx, dtype=np.int64)
    return _window(wf, gain, ctx, cfg, peak)


@EXTRACTORS.implement("local_peak")
def local_peak(wf, gain, ctx, cfg, broken=None) -> Extraction:
    """Window around each pixel's own maximum."""
    peak = k.local_peaks(wf)
    return _window(wf, gain, ctx, cfg, peak)


@EXTRACTORS.implement("neighbor_peak")
def neighbor_peak(wf, gain, ctx, cfg, broken=None) -> Extraction:
    """Window around the maximum of the neighbours' summed waveform (+ local weight × own);
    broken neighbours are left out of the sum."""
    indptr, indices = ctx.csr
    peak = k.neighbor_peaks(
        wf, indptr, indices, np.float32(cfg.local_weight), _broken_mask(broken, ctx, len(wf))
    )
    return _window(wf, gain, ctx, cfg, peak)


@EXTRACTORS.implement("two_pass")
def two_pass(wf, gain, ctx, cfg, broken=None) -> Extraction:
    """Two passes, after ctapipe's TwoPassWindowSum.

    Pass 1 integrates every pixel around its own maximum (as ``local_peak``). Core
    pixels (above ``core_threshold`` p.e. with a neighbour above it) keep that result. A plane
    t = a + b·x + c·y fitted to the core pixels' peak samples (charge weighted) predicts where the
    pulse of every other pixel lies; pass 2 integrates them around that prediction, which
    avoids picking noise peaks in faint pixels. With fewer than three core pixels, pass 1 is
    kept. Broken pixels are never core pixels.
    """
    width = min(int(cfg.window_width), wf.shape[1])
    peak1 = k.local_peaks(wf)
    first = _window(wf, gain, ctx, cfg, peak1)
    charge1 = first.charge
    indptr, indices = ctx.csr
    core = k.core_pixels(charge1, indptr, indices, np.float32(cfg.core_threshold))
    if broken is not None:
        core &= ~np.asarray(broken, dtype=bool)
    if core.sum() < 3:
        return Extraction(charge1, first.peak_time, first.window_start, width)
    x, y = ctx.pix_x[core], ctx.pix_y[core]
    t = peak1[core].astype(np.float64)  # peak sample of the core pixels
    w = np.sqrt(np.maximum(charge1[core], 0.0)).astype(np.float64)
    a = np.column_stack([np.ones_like(x), x, y]) * w[:, None]
    coef, *_ = np.linalg.lstsq(a, t * w, rcond=None)
    pred = coef[0] + coef[1] * ctx.pix_x + coef[2] * ctx.pix_y
    peak2 = np.clip(np.rint(pred), 0, wf.shape[1] - 1).astype(np.int64)
    second = _window(wf, gain, ctx, cfg, peak2)
    charge = np.where(core, charge1, second.charge).astype(np.float32)
    time = np.where(core, first.peak_time, second.peak_time).astype(np.float32)
    start = np.where(core, first.window_start, second.window_start).astype(np.int32)
    return Extraction(charge, time, start, width)


def extract(name: str, wf, gain, ctx, cfg, broken=None) -> Extraction:
    """Run extractor ``name``; ``broken`` masks pixels whose data cannot be used (or None)."""
    return EXTRACTORS.get(name).function(wf, gain, ctx, cfg, broken)
