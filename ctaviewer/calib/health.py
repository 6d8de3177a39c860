"""Camera health: one status per pixel, for the health dock's map, legend and counts.

Each pixel gets the first of these that applies (``HEALTH_STATES``, in order):

- ``HV off``: high voltage disabled in the run settings (``PixelStatus.HV_DISABLED``);
- ``no readout``: no ADC data in any gain (``PixelStatus.NO_READOUT``);
- ``no calibration``: no pedestal or dc→p.e. in the file (``PixelStatus.NO_CALIBRATION``);
- ``saturated``: the signal reaches the gain threshold in the camera's last gain
  (``calib.monitoring.saturated_pixels``);
- ``outlier pedestal``: the monitoring pedestal per sample (high gain) further than 5σ from
  the camera median (``calib.monitoring.summarize`` over the pixels above);
- ``outlier gain``: the same for dc→p.e. (high gain);
- ``good``: none of these.

"Bad" pixels, whose share colours the array overview, are all but ``good``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..event import PixelStatus
from .monitoring import OUTLIER_SIGMA, saturated_pixels, summarize

HEALTH_STATES = ("good", "HV off", "no readout", "no calibration", "saturated",
                 "outlier pedestal", "outlier gain")
GOOD, HV_OFF, NO_READOUT, NO_CALIBRATION, SATURATED, OUTLIER_PEDESTAL, OUTLIER_GAIN = range(7)


@dataclass(frozen=True, eq=False)
class CameraHealth:
    """The health of one telescope event: ``codes`` (uint8 per pixel, index into
    ``HEALTH_STATES``) and ``counts`` (state -> pixels)."""

    tel_id: int
    codes: np.ndarray
    counts: dict

    @property
    def n_pixels(self) -> int:
        return int(len(self.codes))

    @property
    def n_bad(self) -> int:
        return int(np.count_nonzero(self.codes != GOOD))

    @property
    def bad_fraction(self) -> float:
        return self.n_bad / self.n_pixels if self.n_pixels else 0.0


def camera_health(data, tel_result=None, gain_threshold: float = 4000.0,
                  n_sigma: float = OUTLIER_SIGMA) -> CameraHealth:
    """The pixel states of one telescope event (``data``: TelescopeData; ``tel_result``:
    its processing, for the selected gain of the saturation test; without it a pixel whose
    last gain reaches the threshold counts as saturated)."""
    n = data.n_pixels
    codes = np.full(n, GOOD, dtype=np.uint8)
    status = data.pixel_status if data.pixel_status is not None else np.zeros(n, np.uint8)
    # lowest priority first: later assignments win
    for code, values in ((OUTLIER_GAIN, data.dc_to_pe), (OUTLIER_PEDESTAL,
                                                         data.pedestal_per_sample)):
        summary = summarize(np.asarray(values[0], dtype=np.float64), status, n_sigma)
        if summary is not None and summary.outliers:
            codes[np.asarray(summary.outliers)] = code
    sat = saturated_pixels(data, getattr(tel_result, "selected_gain", None), gain_threshold)
    if sat is not None:
        codes[sat > 0] = SATURATED
    for code, bit in ((NO_CALIBRATION, PixelStatus.NO_CALIBRATION),
                      (NO_READOUT, PixelStatus.NO_READOUT),
                      (HV_OFF, PixelStatus.HV_DISABLED)):
        codes[(status & np.uint8(bit)) != 0] = code
    counts = dict(zip(HEALTH_STATES, np.bincount(codes, minlength=len(HEALTH_STATES)).tolist(),
                      strict=True))
    return CameraHealth(int(data.tel_id), codes, counts)


__all__ = ["GOOD", "HEALTH_STATES", "HV_OFF", "NO_CALIBRATION", "NO_READOUT",
           "OUTLIER_GAIN", "OUTLIER_PEDESTAL", "SATURATED", "CameraHealth", "camera_health"]
