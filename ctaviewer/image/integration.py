"""Integration correction from the camera's reference pulse shape (as ctapipe 0.28 computes it).

The reference pulse is re-binned to the readout sampling: bins of one sample width starting
at the first reference point, as many as fit before the end of the reference pulse (the
reference points past the last complete bin are dropped), normalised to a sum of 1. The
window starts ``shift`` samples before the bin holding the pulse maximum, clamped at the first
bin without losing width, and is cut at the last bin. The correction is the inverse of the
pulse fraction inside that window, so that a window sum of a noise-free pulse comes out as its
full charge.
"""

from __future__ import annotations

import numpy as np

from ..instrument import CameraReadout


def sampled_pulse(pulse: np.ndarray, ref_step_ns: float, sample_ns: float) -> np.ndarray:
    """The reference pulse integrated over readout samples, normalised to a sum of 1.

    Empty when not even one sample fits, or when the pulse has no positive area there.
    """
    pulse = np.asarray(pulse, dtype=np.float64)
    length = pulse.size * ref_step_ns
    # reference points at their start times; sample edges every sample_ns below the length
    times = np.arange(pulse.size) * ref_step_ns
    edges = np.arange(0.0, length, sample_ns)
    if edges.size < 2:
        return np.zeros(0)
    binned, _ = np.histogram(times, edges, weights=pulse)
    total = binned.sum()
    if not total > 0:
        return np.zeros(0)
    return binned / total


def window_fraction(sampled: np.ndarray, width: int, shift: int) -> float:
    """Fraction of a sampled pulse inside the window ``shift`` samples before its maximum."""
    n = sampled.size
    start = max(int(np.argmax(sampled)) - int(shift), 0)
    end = min(start + int(width), n)
    if start >= end:
        return float("nan")
    return float(sampled[start:end].sum())


def integration_correction(readout: CameraReadout, width: int, shift: int) -> np.ndarray:
    """Correction factor per gain (float32, shape (n_gains,)); 1 where no pulse is known."""
    ref = np.atleast_2d(np.asarray(readout.reference_pulse_shape, dtype=np.float64))
    n_gains = max(int(readout.n_gains), ref.shape[0], 1)
    out = np.ones(n_gains, dtype=np.float32)
    step_ref = float(readout.reference_pulse_sample_width_ns)
    step = float(readout.sample_width_ns)
    if ref.shape[1] == 0 or not step_ref > 0 or not step > 0:
        return out
    for g in range(min(n_gains, ref.shape[0])):
        sampled = sampled_pulse(ref[g], step_ref, step)
        if sampled.size == 0:
            continue
        frac = window_fraction(sampled, width, shift)
        if frac > 0:
            out[g] = np.float32(1.0 / frac)
    if ref.shape[0] < n_gains:
        out[ref.shape[0] :] = out[0]
    return out
