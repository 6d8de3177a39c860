"""Integration correction from the camera's reference pulse shape (as ctapipe computes it).

The reference pulse is re-binned to the readout sampling; the correction is the inverse of
the pulse fraction inside a window of ``width`` samples starting ``shift`` samples before
the pulse maximum, so a partial-window charge comes out in p.e.
"""

from __future__ import annotations

import numpy as np

from ..instrument import CameraReadout


def integration_correction(readout: CameraReadout, width: int, shift: int) -> np.ndarray:
    """Correction factor per gain (float32, shape (n_gains,)); 1 where no pulse is known."""
    ref = np.atleast_2d(np.asarray(readout.reference_pulse_shape, dtype=np.float64))
    n_gains = max(int(readout.n_gains), ref.shape[0], 1)
    out = np.ones(n_gains, dtype=np.float32)
    step_ref = float(readout.reference_pulse_sample_width_ns)
    step = float(readout.sample_width_ns)
    if ref.shape[1] == 0 or not step_ref > 0 or not step > 0:
        return out
    ratio = step / step_ref
    for g in range(min(n_gains, ref.shape[0])):
        pulse = ref[g]
        n_bins = int(len(pulse) / ratio)
        if n_bins < 1 or pulse.sum() <= 0:
            continue
        edges = np.arange(n_bins + 1) * ratio
        sampled = np.histogram(np.arange(len(pulse)), edges, weights=pulse)[0]
        sampled = sampled / sampled.sum()
        start = int(np.argmax(sampled)) - int(shift)
        end = start + int(width)
        frac = sampled[max(start, 0) : max(end, 0)].sum()
        if frac > 0:
            out[g] = np.float32(1.0 / frac)
    if ref.shape[0] < n_gains:
        out[ref.shape[0] :] = out[0]
    return out
