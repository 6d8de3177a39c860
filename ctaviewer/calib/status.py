"""Per-pixel status bits of one telescope event in one numba pass.

The source marks, for every telescope event, the pixels that are HV-disabled, not read out
or without calibration constants (``event.PixelStatus``). Done with numpy, that took a
dozen calls on arrays of ~1000 pixels per telescope event (~40 µs, 3-10 telescopes per
event); one kernel reads the data and the constants once.
"""

from __future__ import annotations

import numpy as np

from .._numba import njit
from ..event import PixelStatus

HV_DISABLED = np.uint8(PixelStatus.HV_DISABLED)
NO_READOUT = np.uint8(PixelStatus.NO_READOUT)
NO_CALIBRATION = np.uint8(PixelStatus.NO_CALIBRATION)


@njit(cache=True)
def status_kernel(data, disabled, pedestal, dc_to_pe):
    """(status bits (n_pixels,) uint8, whether any bit is set) of ADC ``data`` (n_gains,
    n_pixels, n_samples): ``disabled`` pixel indices (those outside the camera ignored),
    pixels whose ADC values are 0 in every gain and sample, and pixels lacking a finite
    ``pedestal`` or ``dc_to_pe`` (rows: gains, at most n_gains of them used) in a gain."""
    n_gains, n_pix, n_s = data.shape
    status = np.zeros(n_pix, dtype=np.uint8)
    any_set = False
    for i in range(disabled.shape[0]):
        d = disabled[i]
        if d >= 0 and d < n_pix:
            status[d] |= HV_DISABLED
            any_set = True
    n_ped = min(n_gains, pedestal.shape[0])
    n_dc = min(n_gains, dc_to_pe.shape[0])
    for p in range(n_pix):
        unread = True
        for g in range(n_gains):
            for s in range(n_s):
                if data[g, p, s] != 0:
                    unread = False
                    break
            if not unread:
                break
        if unread:
            status[p] |= NO_READOUT
            any_set = True
        finite = True
        for g in range(n_ped):
            if not np.isfinite(pedestal[g, p]):
                finite = False
        for g in range(n_dc):
            if not np.isfinite(dc_to_pe[g, p]):
                finite = False
        if not finite:
            status[p] |= NO_CALIBRATION
            any_set = True
    return status, any_set
