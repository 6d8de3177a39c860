"""Calibrate one telescope's R1 data into p.e. per sample (or p.e. sums for sums-only data).

Gain selection follows ctapipe's ThresholdGainSelector: the low gain is used for a pixel
when a raw high-gain ADC sample exceeds ``threshold``; single-gain cameras always use gain 0.
Sums-only data compare the high-gain sum per summed sample (the sum itself for one sample,
as ctapipe) with the threshold.
Pixels without pedestal or calibration constants in the file (for any gain of the data) come
out as 0 p.e., and so do pixels that were not read out: both are marked in
``TelescopeData.pixel_status`` (``zeroed_pixels``); unread pixels hold no signal, and
(0 ADC − pedestal) would turn into a large negative charge.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._numba import njit
from ..event import TelescopeData


@njit(cache=True)
def calibrate_waveform_kernel(wf, pedestal, dc_to_pe, threshold):
    """(n_gains, n_pix, n_s) uint16 → (n_pix, n_s) float32 p.e./sample and the gain used."""
    n_gains, n_pix, n_s = wf.shape
    out = np.empty((n_pix, n_s), dtype=np.float32)
    gain = np.zeros(n_pix, dtype=np.int8)
    for p in range(n_pix):
        g = 0
        if n_gains > 1:
            peak = 0
            for s in range(n_s):
                if wf[0, p, s] > peak:
                    peak = wf[0, p, s]
            if peak > threshold:
                g = 1
        gain[p] = g
        ped = pedestal[g, p]
        dc = dc_to_pe[g, p]
        if not (np.isfinite(ped) and np.isfinite(dc)):
            ped = 0.0
            dc = 0.0
        for s in range(n_s):
            out[p, s] = (np.float32(wf[g, p, s]) - ped) * dc
    return out, gain


@njit(cache=True)
def calibrate_sums_kernel(sums, n_sum, pedestal, dc_to_pe, threshold):
    """(n_gains, n_pix) summed ADC → (n_pix,) float32 p.e. and the gain used.

    Without samples, the high-gain sum per summed sample stands in for the waveform maximum.
    """
    n_gains, n_pix = sums.shape
    out = np.empty(n_pix, dtype=np.float32)
    gain = np.zeros(n_pix, dtype=np.int8)
    for p in range(n_pix):
        g = 0
        if n_gains > 1 and sums[0, p] / n_sum > threshold:
            g = 1
        gain[p] = g
        ped = pedestal[g, p]
        dc = dc_to_pe[g, p]
        if np.isfinite(ped) and np.isfinite(dc):
            out[p] = (np.float32(sums[g, p]) - n_sum * ped) * dc
        else:
            out[p] = 0.0
    return out, gain


@dataclass(frozen=True, eq=False)
class CalibratedData:
    """DL0 of one telescope: exactly one of ``waveform`` and ``charge`` is set."""

    waveform: np.ndarray | None  # (n_pixels, n_samples) float32 p.e. per sample
    charge: np.ndarray | None  # (n_pixels,) float32 p.e., sums-only data
    selected_gain: np.ndarray  # (n_pixels,) int8


def _f32(a: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(a, dtype=np.float32)


def calibrate(data: TelescopeData, gain_threshold: float = 4000.0) -> CalibratedData:
    """Pedestal-subtract, gain-select and convert one telescope's data to p.e."""
    ped = _f32(data.pedestal_per_sample)
    dc = _f32(data.dc_to_pe)
    unread = data.zeroed_pixels
    if data.waveform is not None:
        wf = np.ascontiguousarray(data.waveform, dtype=np.uint16)
        out, gain = calibrate_waveform_kernel(wf, ped, dc, np.float32(gain_threshold))
        if unread is not None:
            out[unread] = 0.0
        return CalibratedData(out, None, gain)
    sums = np.ascontiguousarray(data.sums, dtype=np.float64)
    n_sum = np.float32(max(int(data.n_sum_samples), 1))
    charge, gain = calibrate_sums_kernel(sums, n_sum, ped, dc, np.float32(gain_threshold))
    if unread is not None:
        charge[unread] = 0.0
    return CalibratedData(None, charge, gain)


@njit(cache=True)
def _subtract_shift(peak_time, shift, gain):
    n_gains = shift.shape[0]
    out = np.empty_like(peak_time)
    for p in range(peak_time.shape[0]):
        g = min(int(gain[p]), n_gains - 1)
        out[p] = peak_time[p] - shift[g, p]
    return out


def shifted_peak_time(
    peak_time: np.ndarray, time_shift: np.ndarray | None, selected_gain: np.ndarray
) -> np.ndarray:
    """Peak times minus the laser calibration's time offset of each pixel's selected gain.

    As ctapipe's ``apply_peak_time_shift``: ``time_shift`` is (n_gains, n_pixels) in ns, and
    the offset of the gain each pixel was read from is subtracted. Unchanged without offsets.
    """
    if time_shift is None:
        return peak_time
    return _subtract_shift(
        np.ascontiguousarray(peak_time, dtype=np.float32),
        np.ascontiguousarray(time_shift, dtype=np.float32),
        np.ascontiguousarray(selected_gain, dtype=np.int8),
    )
